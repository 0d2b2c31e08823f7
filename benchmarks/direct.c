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
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"

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
    int threads = max_threads();
    for (int64_t rep = 0; rep < repeats; rep++) {
        double start = now_s();
        long long events = 0, checksum = 0;
#pragma omp parallel for schedule(static) reduction(+ : events, checksum)
        for (int64_t i = 0; i < ntraj; i++) {
            uint64_t s[4];
            seed_stream(*root, i, s);
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
        double sec = now_s() - start;
        printf("{\"events\": %lld, \"seconds\": %.9f, \"threads\": %d, \"checksum\": %lld, "
               "\"peak_rss_kb\": %ld}\n", events, sec, threads, checksum, peak_rss_kb());
    }
    return 0;
}
