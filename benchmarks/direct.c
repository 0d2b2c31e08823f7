/* Minimal hand-written C direct method (Gillespie 1977) with restart at rate-table breakpoints:
 * the baseline stochlim's kernels are timed against. Same generator (xoshiro256** seeded by
 * splitmix64), same CSR rate tables; no energetics, no recording - only the jump count and a
 * checksum of final states so that nothing is optimised away. OpenMP over trajectories if built
 * with -fopenmp.
 *
 * Input (binary, little-endian): int64 nseg, S, D, ntraj, repeats; uint64 root;
 * double seg_t[nseg+1], rates[nseg*D], totals[nseg*S]; int64 out_ptr[S+1], out_dst[D], x0[ntraj].
 * Output: one JSON line per repeat
 * {"events": n, "seconds": s, "threads": k, "checksum": c, "peak_rss_kb": VmHWM of this process}.
 * (VmHWM, not getrusage: ru_maxrss carries over the forked parent's peak across exec.)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static inline uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static inline uint64_t next(uint64_t *s) {
    uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45);
    return result;
}
static inline double unif(uint64_t *s) { return (double)(next(s) >> 11) * 0x1.0p-53; }

static long peak_rss_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0) kb = strtol(line + 6, NULL, 10);
    if (f) fclose(f);
    return kb;
}

static void *load(FILE *f, size_t n, size_t size) {
    void *p = malloc(n * size + 8);
    if (!p || fread(p, size, n, f) != n) { fprintf(stderr, "bad input\n"); exit(2); }
    return p;
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: direct INPUT\n"); return 2; }
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 2; }
    int64_t *hdr = load(f, 5, 8);
    int64_t nseg = hdr[0], S = hdr[1], D = hdr[2], ntraj = hdr[3], repeats = hdr[4];
    uint64_t *root = load(f, 1, 8);
    double *seg_t = load(f, nseg + 1, 8), *rates = load(f, nseg * D, 8), *totals = load(f, nseg * S, 8);
    int64_t *out_ptr = load(f, S + 1, 8), *out_dst = load(f, D, 8), *x0 = load(f, ntraj, 8);
    fclose(f);
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    for (int64_t rep = 0; rep < repeats; rep++) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        long long events = 0, checksum = 0;
#pragma omp parallel for schedule(static) reduction(+ : events, checksum)
        for (int64_t i = 0; i < ntraj; i++) {
            uint64_t s[4], x_ = mix(*root) ^ ((uint64_t)i * 0xD2B74407B1CE6E93ULL);
            for (int k = 0; k < 4; k++) { x_ += 0x9E3779B97F4A7C15ULL; s[k] = mix(x_); }
            int64_t x = x0[i], j = 0, n = 0;
            double t = 0.0;
            while (j < nseg) {
                double t1 = seg_t[j + 1], tot = totals[j * S + x];
                if (tot > 0.0) {
                    double tn = t - log(1.0 - unif(s)) / tot;
                    if (tn < t1) {
                        double target = unif(s) * tot, acc = 0.0;
                        int64_t chosen = -1;
                        for (int64_t d = out_ptr[x]; d < out_ptr[x + 1]; d++) {
                            double r = rates[j * D + d];
                            if (r > 0.0) { acc += r; chosen = d; if (target < acc) break; }
                        }
                        x = out_dst[chosen];
                        t = tn;
                        n++;
                        continue;
                    }
                }
                t = t1;
                j++;
            }
            events += n;
            checksum += x;
        }
        clock_gettime(CLOCK_MONOTONIC, &b);
        double sec = (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec);
        printf("{\"events\": %lld, \"seconds\": %.9f, \"threads\": %d, \"checksum\": %lld, "
               "\"peak_rss_kb\": %ld}\n", events, sec, threads, checksum, peak_rss_kb());
    }
    return 0;
}
