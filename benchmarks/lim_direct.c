/* Hand-written C event loop of a learning-in-memory array: the baseline stochlim._kernels.lim is
 * timed against. Same algorithm, arithmetic and draw order as the kernel (see its docstring): M
 * quantised memories, energy s(t) P(v) + l(t) |v|^2 / 2 with P = v^T A v / 2 - b^T v and A in CSR
 * form; one binary sum tree over the memories' total hop rates (O(log M) to select or update);
 * local fields f = A v updated along the moved memory's row; after a hop the rates of the memory
 * and its neighbours are recomputed and set in the tree, at a segment start those whose inputs
 * changed (all of them when scale or leak do); direct method with exact restarts at
 * segment ends, thinning against per-segment bounds where an input ramps; work and heat summed per
 * trajectory. Generator: xoshiro256** seeded through splitmix64 from (root, trajectory index), so
 * for the same input the hop counts equal stochlim's (checked by the benchmark). OpenMP over
 * trajectories when built with -fopenmp. No grid recording, no hitting time, no stop at the optimum.
 *
 * Input (binary, little-endian): int64 m, nnz, nseg, ncol, ntraj, repeats, random_start, law,
 * n_levels; double lo, step, log_prefactor; uint64 root; int64 indptr[m+1], indices[nnz];
 * double data[nnz], diag[m], b[m], seg_t[nseg+1]; int64 linear[nseg]; double sc0[nseg],
 * sc1[nseg], lk0[nseg], lk1[nseg], bar0[nseg*ncol], bar1[nseg*ncol]; int64 k0[ntraj*m] (only
 * when random_start == 0).
 * Output: one JSON line per repeat {"hops", "seconds", "threads", "checksum" (sum of final
 * levels), "heat" (sum over trajectories), "work", "peak_rss_kb" (VmHWM)}.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"

/* problem and protocol, shared read-only by the threads */
typedef struct {
    int64_t m, nseg, ncol, law, n_levels, random_start;
    double lo, step, log_pref;
    uint64_t root;
    int64_t *indptr, *indices, *linear, *k0;
    double *data, *diag, *b, *seg_t, *sc0, *sc1, *lk0, *lk1, *bar0, *bar1;
} problem;

/* rate of a hop down the bias de with log prefactor lpe = ln(2 J) - E0 (paper law, Eq. 7:
 * e^lpe / (1 + e^-de)) or ln J - E0 (Arrhenius: e^(lpe + de/2)) */
static inline double rate(int64_t law, double lpe, double pe, double de) {
    return law == 0 ? pe / (1.0 + exp(-de)) : exp(lpe + 0.5 * de);
}

/* rates (or thinning bounds over the segment) of memory d's two hops into r2[2d], r2[2d+1] */
static inline void memory_rates(const problem *P, int64_t d, const int64_t *k, const double *f,
                                double *r2, const double *lpe, const double *pe, int lin,
                                double sa, double la, double sb, double lb) {
    int64_t c = P->ncol > 1 ? d : 0, kd = k[d];
    double v = P->lo + P->step * kd, st = P->step;
    double dn = 0.0, up = 0.0;
    if (kd > 0) {
        double delta = -st, dp = delta * f[d] + 0.5 * P->diag[d] * delta * delta - P->b[d] * delta;
        double dl = v * delta + 0.5 * delta * delta, de = -(sa * dp + la * dl);
        if (lin) { double e = -(sb * dp + lb * dl); if (e > de) de = e; }
        dn = rate(P->law, lpe[c], pe[c], de);
    }
    if (kd < P->n_levels - 1) {
        double delta = st, dp = delta * f[d] + 0.5 * P->diag[d] * delta * delta - P->b[d] * delta;
        double dl = v * delta + 0.5 * delta * delta, de = -(sa * dp + la * dl);
        if (lin) { double e = -(sb * dp + lb * dl); if (e > de) de = e; }
        up = rate(P->law, lpe[c], pe[c], de);
    }
    r2[2 * d] = dn;
    r2[2 * d + 1] = up;
}

/* log prefactor of barrier column c on a segment (b0, b1: its barrier columns): at the lowest
 * barrier on a ramp */
static inline double log_prefactor(const problem *P, const double *b0, const double *b1, int64_t c,
                                   int lin, double len) {
    double e0 = b0[c];
    if (lin && b0[c] + b1[c] * len < e0) e0 = b0[c] + b1[c] * len;
    return P->log_pref - e0;
}

/* set leaf d and walk to the root carrying the subtree sum in a register (adding each sibling) */
static inline void tree_set(double *tree, int64_t leaves, int64_t d, double value) {
    int64_t i = leaves + d;
    tree[i] = value;
    while (i > 1) { value += tree[i ^ 1]; i >>= 1; tree[i] = value; }
}

/* one trajectory; returns the hop count, adds work and heat */
static int64_t trajectory(const problem *shared, int64_t i, int64_t *restrict k, double *restrict f,
                          double *restrict r2, double *restrict tree, int64_t leaves,
                          double *restrict lpe, double *restrict pe, double *work, double *heat) {
    const problem local = *shared, *P = &local; /* a local copy: stores cannot alias its fields */
    int64_t m = P->m;
    uint64_t s[4];
    seed_stream(P->root, i, s);
    for (int64_t d = 0; d < m; d++) k[d] = P->random_start ? (unif(s) >= 0.5 ? 1 : 0) : P->k0[i * m + d];
    double p = 0.0, lk = 0.0;
    for (int64_t d = 0; d < m; d++) {
        double acc = 0.0;
        for (int64_t c = P->indptr[d]; c < P->indptr[d + 1]; c++)
            acc += P->data[c] * (P->lo + P->step * k[P->indices[c]]);
        f[d] = acc;
    }
    for (int64_t d = 0; d < m; d++) {
        double v = P->lo + P->step * k[d];
        p += 0.5 * v * f[d] - P->b[d] * v;
        lk += 0.5 * v * v;
    }
    double e_in = P->sc0[0] * p + P->lk0[0] * lk, w = 0.0, q = 0.0;
    double psa = NAN, pla = NAN, psb = NAN, plb = NAN; /* scale and leak at the last segment's ends */
    int64_t n = 0, depth = 0;
    while ((1LL << depth) < leaves) depth++;
    for (int64_t j = 0; j < P->nseg; j++) {
        double t0 = P->seg_t[j], t1 = P->seg_t[j + 1], len = t1 - t0;
        int lin = P->linear[j] != 0;
        double sa = P->sc0[j], la = P->lk0[j], sb = sa + P->sc1[j] * len, lb = la + P->lk1[j] * len;
        const double *b0 = P->bar0 + j * P->ncol, *b1 = P->bar1 + j * P->ncol;
        /* every memory's rates when scale or leak change, else only those of the memories whose
         * barrier column's prefactor changes (walked up the tree while cheaper than a rebuild) */
        int full = !(sa == psa && la == pla && sb == psb && lb == plb);
        int64_t n_new = 0;
        psa = sa; pla = la; psb = sb; plb = lb;
        if (!full) {
            for (int64_t c = 0; c < P->ncol; c++) n_new += log_prefactor(P, b0, b1, c, lin, len) != lpe[c];
            full = n_new > 0 && (P->ncol == 1 || n_new * depth >= m);
        }
        if (full) {
            for (int64_t c = 0; c < P->ncol; c++) {
                lpe[c] = log_prefactor(P, b0, b1, c, lin, len);
                pe[c] = exp(lpe[c]);
            }
            for (int64_t d = 0; d < m; d++) {
                memory_rates(P, d, k, f, r2, lpe, pe, lin, sa, la, sb, lb);
                tree[leaves + d] = r2[2 * d] + r2[2 * d + 1];
            }
            for (int64_t c = leaves - 1; c > 0; c--) tree[c] = tree[2 * c] + tree[2 * c + 1];
        } else if (n_new > 0) { /* one column per memory */
            for (int64_t d = 0; d < P->ncol; d++) {
                double l_e = log_prefactor(P, b0, b1, d, lin, len);
                if (l_e != lpe[d]) {
                    lpe[d] = l_e;
                    pe[d] = exp(l_e);
                    memory_rates(P, d, k, f, r2, lpe, pe, lin, sa, la, sb, lb);
                    tree_set(tree, leaves, d, r2[2 * d] + r2[2 * d + 1]);
                }
            }
        }
        double t = t0;
        for (;;) {
            double tot = tree[1];
            if (tot <= 0.0) break;
            double tn = t - log(1.0 - unif(s)) / tot;
            if (tn >= t1) break;
            double target = unif(s) * tot;
            int64_t a = 1;
            while (a < leaves) {
                double left = tree[2 * a];
                if (target < left) a = 2 * a;
                else { target -= left; a = 2 * a + 1; }
            }
            int64_t d = a - leaves;
            while (tree[leaves + d] <= 0.0 && d > 0) { d--; target = tree[leaves + d]; }
            double dn = r2[2 * d], up = r2[2 * d + 1];
            int hop_up = !(target < dn && dn > 0.0) && up > 0.0;
            double delta = hop_up ? P->step : -P->step, v = P->lo + P->step * k[d];
            double dp = delta * f[d] + 0.5 * P->diag[d] * delta * delta - P->b[d] * delta;
            double dl = v * delta + 0.5 * delta * delta, dt = tn - t0;
            double s_t = sa + P->sc1[j] * dt, l_t = la + P->lk1[j] * dt;
            if (lin) {
                int64_t c = P->ncol > 1 ? d : 0;
                double l_e = P->log_pref - (b0[c] + b1[c] * dt);
                double r = rate(P->law, l_e, P->law == 0 ? exp(l_e) : 0.0, -(s_t * dp + l_t * dl));
                if (unif(s) * (hop_up ? up : dn) >= r) { t = tn; continue; }
            }
            double h_x = s_t * p + l_t * lk, dh = s_t * dp + l_t * dl;
            w += h_x - e_in;
            q -= dh;
            e_in = h_x + dh;
            p += dp;
            lk += dl;
            k[d] += hop_up ? 1 : -1;
            n++;
            for (int64_t c = P->indptr[d]; c < P->indptr[d + 1]; c++) f[P->indices[c]] += P->data[c] * delta;
            memory_rates(P, d, k, f, r2, lpe, pe, lin, sa, la, sb, lb);
            tree_set(tree, leaves, d, r2[2 * d] + r2[2 * d + 1]);
            for (int64_t c = P->indptr[d]; c < P->indptr[d + 1]; c++) {
                int64_t nb = P->indices[c];
                if (nb != d) {
                    memory_rates(P, nb, k, f, r2, lpe, pe, lin, sa, la, sb, lb);
                    tree_set(tree, leaves, nb, r2[2 * nb] + r2[2 * nb + 1]);
                }
            }
            t = tn;
        }
    }
    int64_t last = P->nseg - 1;
    double dt = P->seg_t[P->nseg] - P->seg_t[last];
    w += (P->sc0[last] + P->sc1[last] * dt) * p + (P->lk0[last] + P->lk1[last] * dt) * lk - e_in;
    *work += w;
    *heat += q;
    return n;
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: lim_direct INPUT\n"); return 2; }
    FILE *fp = fopen(argv[1], "rb");
    if (!fp) { perror(argv[1]); return 2; }
    int64_t *hdr = load(fp, 9, 8);
    double *fl = load(fp, 3, 8);
    uint64_t *root = load(fp, 1, 8);
    problem P = {.m = hdr[0], .nseg = hdr[2], .ncol = hdr[3], .random_start = hdr[6], .law = hdr[7],
                 .n_levels = hdr[8], .lo = fl[0], .step = fl[1], .log_pref = fl[2], .root = *root};
    int64_t nnz = hdr[1], ntraj = hdr[4], repeats = hdr[5], m = P.m, nseg = P.nseg;
    P.indptr = load(fp, m + 1, 8); P.indices = load(fp, nnz, 8); P.data = load(fp, nnz, 8);
    P.diag = load(fp, m, 8); P.b = load(fp, m, 8); P.seg_t = load(fp, nseg + 1, 8);
    P.linear = load(fp, nseg, 8); P.sc0 = load(fp, nseg, 8); P.sc1 = load(fp, nseg, 8);
    P.lk0 = load(fp, nseg, 8); P.lk1 = load(fp, nseg, 8);
    P.bar0 = load(fp, nseg * P.ncol, 8); P.bar1 = load(fp, nseg * P.ncol, 8);
    P.k0 = P.random_start ? NULL : load(fp, ntraj * m, 8);
    fclose(fp);
    int64_t leaves = 1;
    while (leaves < m) leaves *= 2;
    int threads = max_threads();
    for (int64_t rep = 0; rep < repeats; rep++) {
        double start = now_s();
        long long hops = 0, checksum = 0;
        double work = 0.0, heat = 0.0;
#pragma omp parallel for schedule(static) reduction(+ : hops, checksum, work, heat)
        for (int64_t i = 0; i < ntraj; i++) {
            int64_t *k = malloc(m * sizeof *k);
            double *f = malloc(m * sizeof *f), *r2 = malloc(2 * m * sizeof *r2);
            double *tree = calloc(2 * leaves, sizeof *tree);
            double *lpe = malloc(P.ncol * sizeof *lpe), *pe = malloc(P.ncol * sizeof *pe);
            double w = 0.0, q = 0.0;
            hops += trajectory(&P, i, k, f, r2, tree, leaves, lpe, pe, &w, &q);
            for (int64_t d = 0; d < m; d++) checksum += k[d];
            work += w;
            heat += q;
            free(k); free(f); free(r2); free(tree); free(lpe); free(pe);
        }
        double sec = now_s() - start;
        printf("{\"hops\": %lld, \"seconds\": %.9f, \"threads\": %d, \"checksum\": %lld, "
               "\"work\": %.17g, \"heat\": %.17g, \"peak_rss_kb\": %ld}\n",
               hops, sec, threads, checksum, work, heat, peak_rss_kb());
    }
    return 0;
}
