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

Draw order per trajectory: when the start levels are random (spins), one uniform per memory
(``k_d = 1`` when ``u >= 1/2``); then per attempt an exponential (waiting time) and, if it falls
inside the segment, a uniform (memory and direction: down before up, as in a ladder's CSR order);
on a linear segment one more uniform (accept when ``u * bound < rate``). With one memory on a
constant segment this is exactly the draw order of ``stochlim._kernels.ssa`` on the equivalent
ladder, so both produce the same events from the same seed.

Streams: the per-trajectory xoshiro256** streams of ``stochlim._kernels.ssa`` (imported, not
copied), so results do not depend on the number of threads. Kernels never raise, never allocate per
event, and return 0.

Caching caveat: numba's on-disk cache of this file is keyed on this file only, so a cached
``run_array`` keeps the generator and rate-law code it inlined from ``ssa.py`` until this file
changes or the cache is cleared. The stream contract fixes their outputs, so that is harmless unless
their signatures change; then clear ``__pycache__`` here.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import jit
from .ssa import exponential, log_rate, seed_stream, uniform


@jit(inline="always")
def _hop(d, up, k, lo, step, n_levels, f, diag, b):
    """``(delta, dP, dL)`` of moving memory ``d`` one level up or down (``delta = 0``: blocked)."""
    if up:
        if k[d] >= n_levels - 1:
            return 0.0, 0.0, 0.0
        delta = step
    else:
        if k[d] <= 0:
            return 0.0, 0.0, 0.0
        delta = -step
    v = lo + step * k[d]
    dp = delta * f[d] + 0.5 * diag[d] * delta * delta - b[d] * delta
    dl = v * delta + 0.5 * delta * delta
    return delta, dp, dl


@jit(inline="always")
def _barrier_at(bar0, bar1, j, d, dt):
    c = d if bar0.shape[1] > 1 else 0
    return bar0[j, c] + bar1[j, c] * dt


@jit()
def _memory_rates(d, up_out, dn_out, k, lo, step, n_levels, f, diag, b, linear, j, seg_len,
                  sc0, sc1, lk0, lk1, bar0, bar1, law, log_prefactor):
    """Exact rates (constant segment) or bounds over the segment (linear) of memory ``d``'s hops."""
    e0a = _barrier_at(bar0, bar1, j, d, 0.0)
    e0 = e0a
    if linear:
        e0 = min(e0a, _barrier_at(bar0, bar1, j, d, seg_len))
    for up in (False, True):
        delta, dp, dl = _hop(d, up, k, lo, step, n_levels, f, diag, b)
        r = 0.0
        if delta != 0.0:
            de = -(sc0[j] * dp + lk0[j] * dl)
            if linear:
                de_end = -((sc0[j] + sc1[j] * seg_len) * dp + (lk0[j] + lk1[j] * seg_len) * dl)
                de = max(de, de_end)
            r = np.exp(log_rate(law, log_prefactor, e0, de))
        if up:
            up_out[d] = r
        else:
            dn_out[d] = r


@jit(inline="always")
def _tree_set(tree, leaves, d, value):
    i = leaves + d
    tree[i] = value
    i >>= 1
    while i >= 1:
        tree[i] = tree[2 * i] + tree[2 * i + 1]
        i >>= 1


@jit(inline="always")
def _tree_find(tree, leaves, target):
    """Leaf index and remainder of ``target`` in [0, tree[1])."""
    i = 1
    while i < leaves:
        left = tree[2 * i]
        if target < left:
            i = 2 * i
        else:
            target -= left
            i = 2 * i + 1
    d = i - leaves
    while tree[leaves + d] <= 0.0 and d > 0:  # rounding can land on an empty leaf
        d -= 1
        target = tree[leaves + d]
    return d, target


@jit()
def _trajectory(i, s, k, f, up, dn, tree, leaves, lo, step, n_levels, indptr, indices, data, diag,
                b, seg_t, linear, sc0, sc1, lk0, lk1, bar0, bar1, law, log_prefactor, p_target,
                t_grid, grid_energy, grid_levels, final_out, njump_out, work_out, heat_out,
                p_init_out, p_final_out, h_init_out, h_final_out, t_hit_out):
    m = k.shape[0]
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
    w = 0.0
    q = 0.0
    n = 0
    g = 0
    nseg = seg_t.shape[0] - 1
    for j in range(nseg):
        t0 = seg_t[j]
        t1 = seg_t[j + 1]
        seg_len = t1 - t0
        lin = linear[j]
        for d in range(m):
            _memory_rates(d, up, dn, k, lo, step, n_levels, f, diag, b, lin, j, seg_len,
                          sc0, sc1, lk0, lk1, bar0, bar1, law, log_prefactor)
            tree[leaves + d] = dn[d] + up[d]
        for c in range(leaves - 1, 0, -1):
            tree[c] = tree[2 * c] + tree[2 * c + 1]
        t = t0
        while True:
            tot = tree[1]
            if tot <= 0.0:
                break
            tn = t + exponential(s) / tot
            if tn >= t1:
                break
            d, r = _tree_find(tree, leaves, uniform(s) * tot)
            hop_up = not (r < dn[d] and dn[d] > 0.0) and up[d] > 0.0
            delta, dp, dl = _hop(d, hop_up, k, lo, step, n_levels, f, diag, b)
            dt = tn - t0
            s_t = sc0[j] + sc1[j] * dt
            l_t = lk0[j] + lk1[j] * dt
            if lin:
                bound = up[d] if hop_up else dn[d]
                rate = np.exp(log_rate(law, log_prefactor, _barrier_at(bar0, bar1, j, d, dt),
                                       -(s_t * dp + l_t * dl)))
                if uniform(s) * bound >= rate:
                    t = tn
                    continue
            if grid_energy is not None:  # resolved at compile time
                while g < t_grid.shape[0] and t_grid[g] < tn:
                    grid_energy[i, g] = p
                    for c in range(m):
                        grid_levels[i, g, c] = k[c]
                    g += 1
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
            for c in range(indptr[d], indptr[d + 1]):
                f[indices[c]] += data[c] * delta
            _memory_rates(d, up, dn, k, lo, step, n_levels, f, diag, b, lin, j, seg_len,
                          sc0, sc1, lk0, lk1, bar0, bar1, law, log_prefactor)
            _tree_set(tree, leaves, d, dn[d] + up[d])
            for c in range(indptr[d], indptr[d + 1]):
                nb = indices[c]
                if nb != d:
                    _memory_rates(nb, up, dn, k, lo, step, n_levels, f, diag, b, lin, j, seg_len,
                                  sc0, sc1, lk0, lk1, bar0, bar1, law, log_prefactor)
                    _tree_set(tree, leaves, nb, dn[nb] + up[nb])
            t = tn
    if grid_energy is not None:
        while g < t_grid.shape[0]:
            grid_energy[i, g] = p
            for c in range(m):
                grid_levels[i, g, c] = k[c]
            g += 1
    last = nseg - 1
    dt = seg_t[nseg] - seg_t[last]
    h_end = (sc0[last] + sc1[last] * dt) * p + (lk0[last] + lk1[last] * dt) * lk
    w += h_end - e_in  # work of the last sojourn, protocol steps included
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
              linear, sc0, sc1, lk0, lk1, bar0, bar1, law, log_prefactor, p_target, t_grid,
              grid_energy, grid_levels, init_out, final_out, njump_out, work_out, heat_out,
              p_init_out, p_final_out, h_init_out, h_final_out, t_hit_out):
    """Simulate ``init_out.shape[0]`` trajectories of the array in parallel; see the module docstring.

    ``k0`` (n_trajectories, M) start levels, ignored when ``random_start`` (each level 0 or 1 with
    probability 1/2 from the trajectory's stream). Segment ``j`` is ``[seg_t[j], seg_t[j+1])``; on
    it ``s = sc0[j] + sc1[j] (t - seg_t[j])``, likewise the leak ``lk0, lk1`` and the barriers
    ``bar0, bar1`` (one column, or one per memory); ``linear[j]`` marks segments where any input
    moves (thinning). ``p_target``: the first time ``P <= p_target`` goes to ``t_hit_out`` (inf if
    never). ``t_grid, grid_energy, grid_levels`` None: no grid record. Returns 0.
    """
    n_traj, m = init_out.shape
    leaves = 1
    while leaves < m:
        leaves *= 2
    for i in prange(n_traj):
        s = np.empty(4, dtype=np.uint64)
        seed_stream(root, i, s)
        k = np.empty(m, dtype=np.int64)
        for d in range(m):
            if random_start:
                k[d] = 1 if uniform(s) >= 0.5 else 0
            else:
                k[d] = k0[i, d]
            init_out[i, d] = k[d]
        f = np.empty(m)
        up = np.zeros(m)
        dn = np.zeros(m)
        tree = np.zeros(2 * leaves)
        _trajectory(i, s, k, f, up, dn, tree, leaves, lo, step, n_levels, indptr, indices, data,
                    diag, b, seg_t, linear, sc0, sc1, lk0, lk1, bar0, bar1, law, log_prefactor,
                    p_target, t_grid, grid_energy, grid_levels, final_out, njump_out, work_out,
                    heat_out, p_init_out, p_final_out, h_init_out, h_final_out, t_hit_out)
    return 0
