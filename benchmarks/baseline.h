/* What the hand-written C baselines (direct.c, lim_direct.c) share: the thread count, a clock,
 * the generator of stochlim's stream contract (xoshiro256**, Blackman & Vigna 2018, seeded through
 * splitmix64 from the root key and the trajectory index), the process's resident peak, and
 * reading the binary input. */
#ifndef STOCHLIM_BASELINE_H
#define STOCHLIM_BASELINE_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static inline int max_threads(void) {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

/* monotonic clock in seconds */
static inline double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

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

/* trajectory i's xoshiro256** state: four splitmix64 outputs after mix(root) ^ i * constant */
static inline void seed_stream(uint64_t root, int64_t i, uint64_t *s) {
    uint64_t x = mix(root) ^ ((uint64_t)i * 0xD2B74407B1CE6E93ULL);
    for (int k = 0; k < 4; k++) { x += 0x9E3779B97F4A7C15ULL; s[k] = mix(x); }
}

/* VmHWM, not getrusage: ru_maxrss carries over the forked parent's peak across exec */
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
#endif
