"""Event loop of a learning-in-memory array: many quantised memories coupled by a quadratic energy.

The array (lowered by ``stochlim.lim``) holds ``M`` memories; memory ``d`` sits on level
``k_d = 0 .. L-1`` with value ``v_d = lo + step * k_d`` (``lo, step, L`` shared: a quantised
parameter, or a spin with ``lo = -1, step = 2, L = 2``). Its energy in kT at time ``t`` is

    H(t, v) = s(t) P(v) + l(t) Lk(v),   P = 1/2 v^T A v - b^T v,   Lk = 1/2 sum_d v_d^2,

with ``A`` symmetric in CSR form (diagonal included). A hop moves one memory one level. Its energy
change follows from the local field ``f_d = (A v)_d`` alone (O(1)); after the hop the fields of the
memory's neighbours change by ``A_cd * Delta`` (O(degree)).

Algorithm (exact, continuous time): time is cut into segments on which ``s``, ``l`` and every
barrier are linear. Per-memory total rates live in a binary sum tree (O(log M) to select or to
update). On a segment where the inputs are constant the tree holds the exact rates and the loop is
Gillespie's (1977) direct method, rejection-free; at a segment end the pending clock is discarded
and redrawn (exact restart, by memorylessness). On a segment where an input changes linearly the
tree holds per-hop upper bounds over the segment, and candidates are thinned (Lewis & Shedler 1979):
both rate laws increase with the bias and decrease with the barrier, each linear in ``t``, so the
rate at (min barrier, max bias) over the segment's two ends bounds it. Rates are never frozen
between events.

Rate law (one transcendental per hop rate): at each segment start the log prefactor
``lpe = ln(2 J_max) - E0`` (paper, Eq. 7) or ``ln J_max - E0`` (Arrhenius) of each barrier column
(at the segment's lowest barrier on a ramp) and, for the paper law, ``e^lpe`` are tabulated; a hop
down the bias ``dE`` then has rate ``e^lpe / (1 + e^-dE)`` (paper: the logistic form of
``2 J_max e^-E0 / (1 + e^-dE)``, finite for any ``dE``: ``e^lpe <= e^MAX_LOG_RATE`` is checked by
``stochlim.lim.run`` and ``1 + e^-dE`` lies in [1, inf]) or ``e^(lpe + dE / 2)`` (Arrhenius). This
equals ``stochlim.physics``' log-space rates to rounding. After a hop only the moved memory's and
its neighbours' rates are recomputed (O(degree log M) per hop). At a segment start every memory's
rates are recomputed (O(M)) when the scale or the leak changes there, else only those of the
memories whose barrier prefactor changes (each walked up the tree, O(log M), while that is cheaper
than a rebuild; one memory's barrier stepping costs O(log M), not O(M)). A rate depends on nothing
else, so the values, and the events, are those of recomputing all.

Performance shape (``benchmarks/lim.py`` times it against the same loop in hand-written C,
``benchmarks/lim_direct.c``): the generator state is a tuple of four uint64 carried through the
loop (kept in registers), the per-hop helpers take scalars only, each memory's two hop rates sit
side by side in one array, the tree descent reads one level ahead and the walk up carries the sum in
a register, nothing is allocated per hop, and the grid recording compiles away when not requested.

Draw order per trajectory: when the start levels are random (spins), one uniform per memory
(``k_d = 1`` when ``u >= 1/2``); then per attempt an exponential (waiting time) and, if it falls
inside the segment, a uniform (memory and direction: down before up, as in a ladder's CSR order);
on a linear segment one more uniform (accept when ``u * bound < rate``). With one memory on a
constant segment this is exactly the draw order of ``stochlim._kernels.ssa`` on the equivalent
ladder, so both produce the same events from the same seed.

Streams: the per-trajectory xoshiro256** streams of ``stochlim._kernels.ssa`` (imported, not
copied), so results do not depend on the number of threads. Kernels never raise, never allocate per
event, and return nothing: every result goes into the ``*_out`` arrays.

Caching caveat: numba's on-disk cache of this file is keyed on this file only, so a cached
``run_array`` keeps the generator code it inlined from ``ssa.py`` until this file changes or the
cache is cleared. The stream contract fixes their outputs, so that is harmless unless
their signatures change; then clear ``__pycache__`` here.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import jit
from .ssa import ARRHENIUS, exponential_st, stream_state, uniform_st


@jit(inline="always")
def _rate(law, lpe, pe, de):
    """Rate of a hop down the bias ``de`` with log prefactor ``lpe`` (``pe = e^lpe``, paper law)."""
    if law == ARRHENIUS:
        return np.exp(lpe + 0.5 * de)
    return pe / (1.0 + np.exp(-de))


@jit(inline="always")
def _hop_energy(kd, delta, fd, diag_d, b_d, lo, step):
    """``(dP, dL)`` of moving a memory at level ``kd`` (local field ``fd``) by ``delta``."""
    v = lo + step * kd
    dp = delta * fd + 0.5 * diag_d * delta * delta - b_d * delta
    dl = v * delta + 0.5 * delta * delta
    return dp, dl


@jit(inline="always")
def _pair_rates(kd, fd, diag_d, b_d, lo, step, n_levels, lin, sa, la, sb, lb, lpe, pe, law):
    """Exact rates (constant segment) or bounds over the segment (``lin``) of one memory's hops
    ``(down, up)`` at level ``kd`` with local field ``fd``. On a segment the energy is
    ``s H_P + l H_L`` with ``(s, l) = (sa, la)`` at its start and ``(sb, lb)`` at its end.

    Scalars only: a helper that takes arrays makes numba count references on every call, which
    costs more than the arithmetic here.
    """
    dn = 0.0
    up = 0.0
    if kd > 0:
        dp, dl = _hop_energy(kd, -step, fd, diag_d, b_d, lo, step)
        de = -(sa * dp + la * dl)
        if lin:
            de = max(de, -(sb * dp + lb * dl))
        dn = _rate(law, lpe, pe, de)
    if kd < n_levels - 1:
        dp, dl = _hop_energy(kd, step, fd, diag_d, b_d, lo, step)
        de = -(sa * dp + la * dl)
        if lin:
            de = max(de, -(sb * dp + lb * dl))
        up = _rate(law, lpe, pe, de)
    return dn, up


@jit(inline="always")
def _set_leaf(tree, leaves, d, value):
    """Set memory ``d``'s leaf to ``value`` and walk to the root carrying the subtree sum in a
    register: each level adds the sibling (``x + y == y + x`` exactly, so the sums equal a rebuild's)."""
    a = leaves + d
    tree[a] = value
    while a > 1:
        value += tree[a ^ 1]
        a >>= 1
        tree[a] = value


@jit(inline="always")
def _log_prefactor(log_prefactor, e0, e1, lin, seg_len):
    """Log prefactor of a barrier column worth ``e0 + e1 t`` on a segment: at its lowest barrier
    on a ramp."""
    if lin:
        return log_prefactor - min(e0, e0 + e1 * seg_len)
    return log_prefactor - e0


@jit(inline="always")
def _record_grid(i, g, t, p, k, t_grid, grid_energy, grid_levels):
    """Record the state at every grid time before ``t`` not yet recorded; returns the next index."""
    while g < t_grid.shape[0] and t_grid[g] < t:
        grid_energy[i, g] = p
        for c in range(k.shape[0]):
            grid_levels[i, g, c] = k[c]
        g += 1
    return g


@jit()
def _trajectory(i, st, k, f, r2, tree, leaves, lpe, pe, lo, step, n_levels, indptr, indices, data,
                diag, b, seg_t, linear, sc0, sc1, lk0, lk1, bar0, bar1, law, log_prefactor,
                p_target, stop, t_grid, grid_energy, grid_levels, final_out, njump_out, work_out,
                heat_out, p_init_out, p_final_out, h_init_out, h_final_out, t_hit_out):
    m = k.shape[0]
    ncol = lpe.shape[0]
    # local fields f = A v, problem energy P and leak energy Lk of the start state
    p = 0.0
    lk = 0.0
    for d in range(m):
        acc = 0.0
        for c in range(indptr[d], indptr[d + 1]):
            acc += data[c] * (lo + step * k[indices[c]])
        f[d] = acc
    for d in range(m):
        v = lo + step * k[d]
        p += 0.5 * v * f[d] - b[d] * v
        lk += 0.5 * v * v
    p_init_out[i] = p
    e_in = sc0[0] * p + lk0[0] * lk
    h_init_out[i] = e_in
    t_hit = 0.0 if p <= p_target else np.inf
    stopped = stop and t_hit == 0.0  # with stop, a trajectory ends at its first hit
    w = 0.0
    q = 0.0
    n = 0
    g = 0
    nseg = seg_t.shape[0] - 1
    depth = 0
    while (1 << depth) < leaves:
        depth += 1
    psa = pla = psb = plb = np.nan  # scale and leak at the previous segment's ends
    for j in range(nseg):
        if stopped:  # later segments pass empty: a break out of this loop keeps numba refcounting
            continue
        t0 = seg_t[j]
        t1 = seg_t[j + 1]
        seg_len = t1 - t0
        lin = linear[j]
        sa = sc0[j]
        la = lk0[j]
        sb = sa + sc1[j] * seg_len
        lb = la + lk1[j] * seg_len
        # a memory's rates (or bounds) depend on its level and local field, which a segment start
        # leaves alone, on (sa, la, sb, lb) and on its barrier column's prefactor: recompute all of
        # them when the first change, else only the memories whose column's prefactor changes, each
        # walked up the tree while that is cheaper than a rebuild. Same values as recomputing all.
        full = not (sa == psa and la == pla and sb == psb and lb == plb)
        psa, pla, psb, plb = sa, la, sb, lb
        n_new = 0
        if not full:
            for c in range(ncol):
                if _log_prefactor(log_prefactor, bar0[j, c], bar1[j, c], lin, seg_len) != lpe[c]:
                    n_new += 1
            full = n_new > 0 and (ncol == 1 or n_new * depth >= m)
        if full:
            for c in range(ncol):
                lpe[c] = _log_prefactor(log_prefactor, bar0[j, c], bar1[j, c], lin, seg_len)
                pe[c] = np.exp(lpe[c])
            for d in range(m):
                c = d if ncol > 1 else 0
                dn, up = _pair_rates(k[d], f[d], diag[d], b[d], lo, step, n_levels, lin, sa, la, sb,
                                     lb, lpe[c], pe[c], law)
                r2[2 * d] = dn
                r2[2 * d + 1] = up
                tree[leaves + d] = dn + up
            for c in range(leaves - 1, 0, -1):
                tree[c] = tree[2 * c] + tree[2 * c + 1]
        elif n_new > 0:  # one column per memory: column d is memory d
            for d in range(ncol):
                l_e = _log_prefactor(log_prefactor, bar0[j, d], bar1[j, d], lin, seg_len)
                if l_e != lpe[d]:
                    lpe[d] = l_e
                    pe[d] = np.exp(l_e)
                    dn, up = _pair_rates(k[d], f[d], diag[d], b[d], lo, step, n_levels, lin, sa, la,
                                         sb, lb, l_e, pe[d], law)
                    r2[2 * d] = dn
                    r2[2 * d + 1] = up
                    _set_leaf(tree, leaves, d, dn + up)
        t = t0
        while True:
            tot = tree[1]
            if tot <= 0.0:
                break
            xi, st = exponential_st(st)
            tn = t + xi / tot
            if tn >= t1:
                break
            u, st = uniform_st(st)
            # descend the sum tree to the leaf holding r. The left children of both possible next
            # nodes are read one level ahead: LLVM makes the step branch-free, so without this
            # every level would wait for the previous level's read (cache misses on large arrays)
            r = u * tot
            a = 1
            size = 2 * leaves
            left = tree[2] if size > 2 else 0.0
            while a < leaves:
                c = 4 * a
                if c < size:
                    l0 = tree[c]
                    l1 = tree[c + 2]
                else:
                    l0 = l1 = 0.0
                if r < left:
                    a = 2 * a
                    left = l0
                else:
                    r -= left
                    a = 2 * a + 1
                    left = l1
            d = a - leaves
            while tree[leaves + d] <= 0.0 and d > 0:  # rounding can land on an empty leaf
                d -= 1
                r = tree[leaves + d]
            dn = r2[2 * d]
            up = r2[2 * d + 1]
            hop_up = not (r < dn and dn > 0.0) and up > 0.0
            delta = step if hop_up else -step
            dp, dl = _hop_energy(k[d], delta, f[d], diag[d], b[d], lo, step)
            dt = tn - t0
            s_t = sa + sc1[j] * dt
            l_t = la + lk1[j] * dt
            if lin:
                c = d if ncol > 1 else 0
                l_e = log_prefactor - (bar0[j, c] + bar1[j, c] * dt)
                p_e = 0.0 if law == ARRHENIUS else np.exp(l_e)
                rate = _rate(law, l_e, p_e, -(s_t * dp + l_t * dl))
                u, st = uniform_st(st)
                if u * (up if hop_up else dn) >= rate:
                    t = tn
                    continue
            if grid_energy is not None:  # resolved at compile time
                g = _record_grid(i, g, tn, p, k, t_grid, grid_energy, grid_levels)
            h_x = s_t * p + l_t * lk
            dh = s_t * dp + l_t * dl
            w += h_x - e_in
            q -= dh
            e_in = h_x + dh
            p += dp
            lk += dl
            k[d] += 1 if hop_up else -1
            n += 1
            if p <= p_target and t_hit == np.inf:
                t_hit = tn
                if stop:
                    stopped = True
                    break
            for c in range(indptr[d], indptr[d + 1]):
                f[indices[c]] += data[c] * delta
            # new rates of the moved memory (c = indptr[d] - 1) and of its neighbours, into the tree
            first = indptr[d]
            for c in range(first - 1, indptr[d + 1]):
                nb = d if c < first else indices[c]
                if c >= first and nb == d:
                    continue
                e = nb if ncol > 1 else 0
                dn, up = _pair_rates(k[nb], f[nb], diag[nb], b[nb], lo, step, n_levels, lin, sa, la,
                                     sb, lb, lpe[e], pe[e], law)
                r2[2 * nb] = dn
                r2[2 * nb + 1] = up
                _set_leaf(tree, leaves, nb, dn + up)
            t = tn
    if grid_energy is not None:
        _record_grid(i, g, np.inf, p, k, t_grid, grid_energy, grid_levels)
    last = nseg - 1
    dt = seg_t[nseg] - seg_t[last]
    h_end = (sc0[last] + sc1[last] * dt) * p + (lk0[last] + lk1[last] * dt) * lk
    if stopped:  # the energy just after the hit, where work and heat stop
        h_end = e_in
    w += h_end - e_in  # work of the last sojourn, protocol steps included (none after a stop)
    for d in range(m):
        final_out[i, d] = k[d]
    njump_out[i] = n
    work_out[i] = w
    heat_out[i] = q
    p_final_out[i] = p
    h_final_out[i] = h_end
    t_hit_out[i] = t_hit


@jit(parallel=True)
def run_array(root, k0, random_start, lo, step, n_levels, indptr, indices, data, diag, b, seg_t,
              linear, sc0, sc1, lk0, lk1, bar0, bar1, law, log_prefactor, p_target, stop, t_grid,
              grid_energy, grid_levels, init_out, final_out, njump_out, work_out, heat_out,
              p_init_out, p_final_out, h_init_out, h_final_out, t_hit_out):
    """Simulate ``init_out.shape[0]`` trajectories in parallel; see the module docstring.

    ``k0`` (n_trajectories, M) start levels, ignored when ``random_start`` (each level 0 or 1 with
    probability 1/2 from the trajectory's stream). Segment ``j`` is ``[seg_t[j], seg_t[j+1])``; on
    it ``s = sc0[j] + sc1[j] (t - seg_t[j])``, likewise the leak ``lk0, lk1`` and the barriers
    ``bar0, bar1`` (one column, or one per memory); ``linear[j]`` marks segments where any input
    moves (thinning). ``p_target``: the first time ``P <= p_target`` goes to ``t_hit_out`` (inf if
    never); with ``stop`` the trajectory ends there (at 0 if it starts there), its work, heat and
    jumps counted up to the hit and its final state and energy those just after it. ``t_grid,
    grid_energy, grid_levels`` None: no grid record (after a stop the grid holds the hit state).
    Returns 0.
    """
    n_traj, m = init_out.shape
    leaves = 1
    while leaves < m:
        leaves *= 2
    ncol = bar0.shape[1]
    for i in prange(n_traj):
        st = stream_state(root, i)
        k = np.empty(m, dtype=np.int64)
        for d in range(m):
            if random_start:
                u, st = uniform_st(st)
                k[d] = 1 if u >= 0.5 else 0
            else:
                k[d] = k0[i, d]
            init_out[i, d] = k[d]
        f = np.empty(m)
        r2 = np.zeros(2 * m)
        tree = np.zeros(2 * leaves)
        lpe = np.empty(ncol)
        pe = np.empty(ncol)
        _trajectory(i, st, k, f, r2, tree, leaves, lpe, pe, lo, step, n_levels, indptr, indices,
                    data, diag, b, seg_t, linear, sc0, sc1, lk0, lk1, bar0, bar1, law,
                    log_prefactor, p_target, stop, t_grid, grid_energy, grid_levels, final_out, njump_out,
                    work_out, heat_out, p_init_out, p_final_out, h_init_out, h_final_out, t_hit_out)
