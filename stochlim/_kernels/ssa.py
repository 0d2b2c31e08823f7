"""Event loops of the stochastic simulation algorithm, parallel over trajectories.

Inputs are the plain arrays of ``stochlim.models.LoweredModel`` (energies in kT, time in the model's
unit) plus a method-specific rate table prepared by ``stochlim.ssa``. Time is cut into segments on
which every input is linear; the loops never freeze a rate that changes within a waiting time:

* ``TABLE`` - direct method (Gillespie 1977) with the rates of each segment tabulated; at a segment
  end the pending waiting time is discarded and redrawn (exact restart at breakpoints, valid because
  the exponential clock is memoryless and the rates are constant on the segment);
* ``HAZARD`` - rates ``exp(a + b s)`` on a segment: each out-edge's firing time solves its
  integrated hazard ``e^(a + b s0) (e^(b tau) - 1) / b = xi`` in closed form and the earliest fires
  (first-reaction form of the integrated-hazard method, Anderson 2007, Sec. 3);
* ``THINNING`` - candidate times from a per-segment upper bound of the state's total rate, accepted
  with probability ``lambda(t) / bound`` (Lewis & Shedler 1979); any rate law, any linear inputs.

Draw order per trajectory (mirrored by ``stochlim._reference``): one uniform for the initial state
when sampled from ``p0``; then per attempt - TABLE: an exponential (waiting time) and, if it falls
inside the segment, a uniform (edge); HAZARD: one exponential per out-edge in CSR order; THINNING:
an exponential (candidate) and, if inside the segment, a uniform (accept and edge at once).

Kernels never raise, never allocate per event and return nothing: every result goes into the
``*_out`` arrays the caller allocated.

Random numbers: xoshiro256** (Blackman & Vigna 2018) seeded through splitmix64, one stream per
trajectory. Stream contract (part of stochlim's reproducibility promise, mirrored by
``stochlim._reference``):

* a 64-bit root key ``root`` is derived once from the user's ``rng`` (see ``stochlim.ssa``);
* trajectory ``i`` starts splitmix64 at ``x = mix(root) XOR (i * 0xD2B74407B1CE6E93 mod 2^64)``;
  its four xoshiro256** state words are the next four splitmix64 outputs
  (``x += 0x9E3779B97F4A7C15; state[k] = mix(x)``);
* a uniform is ``u = (next() >> 11) * 2^-53`` in [0, 1); an exponential is ``-log(1 - u)``
  (``1 - u`` is exact for these ``u``, so this equals ``-log1p(-u)`` in accuracy and is cheaper).

A trajectory's stream depends only on the root key and its index, never on threads or chunking.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import jit

# --- random numbers ------------------------------------------------------------------------------
# Kept in this module on purpose: numba's on-disk cache is invalidated only by changes to the file
# that defines a cached function, so code the event loops inline must live in the same file.

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
INDEX_MIX = np.uint64(0xD2B74407B1CE6E93)
_TWO_M53 = 1.0 / 9007199254740992.0


@jit()
def splitmix64_mix(z):
    """The splitmix64 output function (Steele, Lea & Flood 2014)."""
    z = (z ^ (z >> np.uint64(30))) * MIX1
    z = (z ^ (z >> np.uint64(27))) * MIX2
    return z ^ (z >> np.uint64(31))


# The event loops carry the generator state as a tuple of four uint64 (``st``) that the draws
# return updated: LLVM keeps it in registers, whereas an array state is loaded from and stored to
# memory at every draw. The array forms (``seed_stream``, ``next_u64``, ``uniform``,
# ``exponential``) wrap the tuple forms for callers that keep the state in an array.


@jit()
def stream_state(root, index):
    """Trajectory ``index``'s xoshiro256** state as a tuple of four uint64."""
    x = splitmix64_mix(np.uint64(root)) ^ (np.uint64(index) * INDEX_MIX)
    x0 = x + GOLDEN
    x1 = x0 + GOLDEN
    x2 = x1 + GOLDEN
    x3 = x2 + GOLDEN
    return splitmix64_mix(x0), splitmix64_mix(x1), splitmix64_mix(x2), splitmix64_mix(x3)


@jit()
def seed_stream(root, index, state):
    """Fill ``state`` (4 uint64) with trajectory ``index``'s xoshiro256** state."""
    state[0], state[1], state[2], state[3] = stream_state(root, index)


@jit()
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@jit()
def next_u64_st(st):
    """``(output, next state)``: one step of xoshiro256** on the tuple state ``st``."""
    s0, s1, s2, s3 = st
    result = _rotl(s1 * np.uint64(5), 7) * np.uint64(9)
    t = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    return result, (s0, s1, s2, s3)


@jit()
def uniform_st(st):
    """``(u, next state)``: uniform double in [0, 1) from the top 53 bits."""
    r, st = next_u64_st(st)
    return np.float64(r >> np.uint64(11)) * _TWO_M53, st


@jit()
def exponential_st(st):
    """``(-log(1 - u), next state)``: finite because ``1 - u`` lies in (0, 1] and is exact."""
    u, st = uniform_st(st)
    return -np.log(1.0 - u), st


@jit()
def next_u64(s):
    """Next 64-bit output of xoshiro256**; advances the array state ``s`` in place."""
    r, (s[0], s[1], s[2], s[3]) = next_u64_st((s[0], s[1], s[2], s[3]))
    return r


@jit()
def uniform(s):
    """Uniform double in [0, 1) from the top 53 bits; advances the array state ``s``."""
    u, (s[0], s[1], s[2], s[3]) = uniform_st((s[0], s[1], s[2], s[3]))
    return u


@jit()
def exponential(s):
    """Unit exponential ``-log(1 - u)``; advances the array state ``s``."""
    e, (s[0], s[1], s[2], s[3]) = exponential_st((s[0], s[1], s[2], s[3]))
    return e


# --- event loops ---------------------------------------------------------------------------------

TABLE = 0
HAZARD = 1
THINNING = 2

PAPER = 0
ARRHENIUS = 1


@jit()
def log_rate(law, log_prefactor, e0, de):
    """Log-rate of a jump down a bias ``de`` over a barrier ``e0``.

    ``log_prefactor`` is ``ln 2 + ln J_max`` (paper law) or ``ln J_max`` (Arrhenius); the softplus
    is evaluated as numpy's ``logaddexp(0, -de)`` so that the result matches ``physics``.
    """
    if law == PAPER:
        z = -de
        if z > 0.0:
            softplus = z + np.log1p(np.exp(-z))
        elif z < 0.0:
            softplus = np.log1p(np.exp(z))
        else:
            softplus = np.log(2.0)
        return log_prefactor - e0 - softplus
    return log_prefactor - e0 + de / 2.0


@jit()
def _hazard_event(st, j, x, t, t1, seg_t, log_rate0, log_slope, out_ptr):
    s0 = t - seg_t[j]
    best = np.inf
    chosen = -1
    for d in range(out_ptr[x], out_ptr[x + 1]):
        xi, st = exponential_st(st)
        log_xi = np.log(xi)
        b = log_slope[j, d]
        c = log_rate0[j, d] + b * s0
        if b == 0.0:
            tau = np.exp(log_xi - c)
        else:
            z = b * np.exp(log_xi - c)
            tau = np.log1p(z) / b if z > -1.0 else np.inf
        if tau < best:
            best = tau
            chosen = d
    if chosen >= 0 and t + best < t1:
        return t + best, chosen, st
    return t1, -1, st


@jit()
def _thinning_event(st, j, x, t, t1, seg_t, energy, energy_slope, barrier, barrier_slope, bound,
                    out_ptr, out_dst, out_edge, out_drive, law, log_prefactor):
    b_tot = bound[j, x]
    if b_tot <= 0.0:
        return t1, -1, st
    while True:
        xi, st = exponential_st(st)
        t = t + xi / b_tot
        if t >= t1:
            return t1, -1, st
        dt = t - seg_t[j]
        ex = energy[j, x]
        if energy_slope is not None:
            ex += energy_slope[j, x] * dt
        u, st = uniform_st(st)
        target = u * b_tot
        acc = 0.0
        for d in range(out_ptr[x], out_ptr[x + 1]):
            y = out_dst[d]
            e = out_edge[d]
            ey = energy[j, y]
            if energy_slope is not None:
                ey += energy_slope[j, y] * dt
            de = ex - ey
            if out_drive is not None:
                de += out_drive[d]
            e0 = barrier[j, e] + barrier_slope[j, e] * dt
            acc += np.exp(log_rate(law, log_prefactor, e0, de))
            if target < acc:
                return t, d, st


@jit()
def _integrated_rate(j, x, a, b, log_rate0, log_slope, out_ptr):
    """``int_a^b sum_d exp(log_rate0[j, d] + log_slope[j, d] u) du`` over the out-edges of ``x``."""
    acc = 0.0
    h = b - a
    for d in range(out_ptr[x], out_ptr[x + 1]):
        c = log_slope[j, d]
        ra = np.exp(log_rate0[j, d] + c * a)
        acc += ra * h if c == 0.0 else ra * np.expm1(c * h) / c
    return acc


@jit()
def _trajectory(i, st, x, method, seg_t, energy, energy_slope, barrier, barrier_slope,
                out_ptr, out_dst, out_edge, out_drive, rate_a, rate_b, total, law, log_prefactor,
                t_grid, grid_out, ev_off, ev_t, ev_x, final_out, njump_out, work_out, heat_out,
                stop_mask, fpt_out, log_rate0, log_slope, log_prop, logw_out):
    nseg = seg_t.shape[0] - 1
    g = 0
    n = 0
    j = 0
    t = 0.0
    e_in = energy[0, x]  # energy of the occupied well when it was entered
    w = 0.0
    q = 0.0
    lw = 0.0  # log-likelihood ratio of the original dynamics to the sampled one
    t_hit = np.nan
    while j < nseg:
        t0 = seg_t[j]
        t1 = seg_t[j + 1]
        if method == TABLE:
            # Written out here rather than in an inlined helper: inlining a function that takes
            # arrays adds reference-count updates (atomic, shared by all threads) to every event.
            tn = t1
            d = -1
            tot = total[j, x]
            if tot > 0.0:
                xi, st = exponential_st(st)
                tw = t + xi / tot
                if tw < t1:
                    tn = tw
                    u, st = uniform_st(st)
                    target = u * tot
                    acc = 0.0
                    for k in range(out_ptr[x], out_ptr[x + 1]):
                        r = rate_a[j, k]
                        if r > 0.0:
                            acc += r
                            d = k
                            if target < acc:
                                break
        elif method == HAZARD:
            tn, d, st = _hazard_event(st, j, x, t, t1, seg_t, rate_a, rate_b, out_ptr)
        else:
            tn, d, st = _thinning_event(st, j, x, t, t1, seg_t, energy, energy_slope, barrier,
                                        barrier_slope, total, out_ptr, out_dst, out_edge,
                                        out_drive, law, log_prefactor)
        if logw_out is not None:  # resolved at compile time; TABLE method only (see _DOC)
            lw -= (_integrated_rate(j, x, t - t0, tn - t0, log_rate0, log_slope, out_ptr)
                   - total[j, x] * (tn - t))
            if d >= 0:
                lw += log_rate0[j, d] + log_slope[j, d] * (tn - t0) - log_prop[j, d]
        if grid_out is not None:  # resolved at compile time: None compiles without recording
            while g < t_grid.shape[0] and t_grid[g] < tn:
                grid_out[i, g] = x
                g += 1
        if d < 0:  # no jump before the segment ends: the inputs change, restart the clocks
            j += 1
            t = t1
            continue
        y = out_dst[d]
        ex = energy[j, x]
        ey = energy[j, y]
        if energy_slope is not None:
            dt = tn - t0
            ex += energy_slope[j, x] * dt
            ey += energy_slope[j, y] * dt
        dw = ex - e_in
        dq = ex - ey
        if out_drive is not None:
            dw += out_drive[d]
            dq += out_drive[d]
        w += dw
        q += dq
        e_in = ey
        if ev_off is not None:
            ev_t[ev_off[i] + n] = tn
            ev_x[ev_off[i] + n] = y
        n += 1
        x = y
        t = tn
        if stop_mask is not None:  # noqa: SIM102 - kept apart: numba prunes a lone "is None" test
            if stop_mask[x]:
                t_hit = tn
                break
    if grid_out is not None:  # after a stop the trajectory stays in the state it hit
        while g < t_grid.shape[0]:
            grid_out[i, g] = x
            g += 1
    if np.isnan(t_hit):
        # work of the last sojourn: E_x(t_end-) - E_x(entry), steps at breakpoints included
        e_end = energy[nseg - 1, x]
        if energy_slope is not None:
            e_end += energy_slope[nseg - 1, x] * (seg_t[nseg] - seg_t[nseg - 1])
        w += e_end - e_in
    if fpt_out is not None:
        fpt_out[i] = t_hit
    if logw_out is not None:
        logw_out[i] = lw
    final_out[i] = x
    njump_out[i] = n
    work_out[i] = w
    heat_out[i] = q


@jit()
def _one(i, method, root, x0s, p0_cum, seg_t, energy, energy_slope, barrier, barrier_slope,
         out_ptr, out_dst, out_edge, out_drive, rate_a, rate_b, total, law, log_prefactor,
         t_grid, grid_out, ev_off, ev_t, ev_x, init_out, final_out, njump_out, work_out, heat_out,
         stop_mask, fpt_out, log_rate0, log_slope, log_prop, logw_out):
    """Seed trajectory ``i``'s stream, draw its start state and run it."""
    st = stream_state(root, i)
    if x0s.shape[0] > 0:
        x = x0s[i]
    else:
        u, st = uniform_st(st)
        x = np.searchsorted(p0_cum, u, side="right")
    init_out[i] = x
    _trajectory(i, st, x, method, seg_t, energy, energy_slope, barrier, barrier_slope,
                out_ptr, out_dst, out_edge, out_drive, rate_a, rate_b, total, law,
                log_prefactor, t_grid, grid_out, ev_off, ev_t, ev_x, final_out, njump_out,
                work_out, heat_out, stop_mask, fpt_out, log_rate0, log_slope, log_prop, logw_out)


_DOC = """Simulate ``init_out.shape[0]`` trajectories; see the module docstring.

    ``x0s`` (one start state per trajectory) or, when it is empty, ``p0_cum`` (cumulative start
    distribution, last entry exactly 1) gives the initial states. ``t_grid, grid_out`` None: no
    grid record; ``ev_off, ev_t, ev_x`` None: no event record, else the events of trajectory ``i``
    go to ``ev_t/ev_x[ev_off[i]:ev_off[i+1]]``. None arguments are resolved at compile time, so
    the summary loop carries no recording code. ``energy_slope`` None: energies constant on every
    segment; ``out_drive`` None: no drives - the event loop then compiles without those terms
    (about 2 ns of an event's ~12 ns on the two-state benchmark).

    ``stop_mask`` (uint8 per state) ends each trajectory at its first entry into a marked state and
    writes that time to ``fpt_out`` (NaN when it is not hit before the end); work and heat are then
    accumulated up to the hit. ``logw_out`` (with ``log_rate0, log_slope, log_prop``; TABLE method
    only) receives each trajectory's log-likelihood ratio of a target dynamics with log-rates
    ``log_rate0[j, d] + log_slope[j, d] (t - seg_t[j])`` to the sampled one (rates ``rate_a``,
    logs ``log_prop``): ``sum over jumps of log(k / k~) - integral of (lambda_x - lambda~_x) dt``.
    None for these arguments compiles the loop without them. Returns 0.
    """


#: Number of contiguous blocks of trajectories :func:`run_ensemble` hands to its threads.
PARALLEL_BLOCKS = 64


@jit(parallel=True)
def run_ensemble(method, root, x0s, p0_cum, seg_t, energy, energy_slope, barrier, barrier_slope,
                 out_ptr, out_dst, out_edge, out_drive, rate_a, rate_b, total, law, log_prefactor,
                 t_grid, grid_out, ev_off, ev_t, ev_x, init_out, final_out, njump_out, work_out,
                 heat_out, stop_mask, fpt_out, log_rate0, log_slope, log_prop, logw_out):
    # prange over a few contiguous blocks, not over trajectories: per-iteration parallel overhead
    # (shared reference counts of the array arguments) cost ~2 ns/event on 1e3-event trajectories
    # with two threads. Streams depend only on the trajectory index, so blocking changes nothing.
    n = init_out.shape[0]
    n_blocks = min(n, PARALLEL_BLOCKS)
    for b in prange(n_blocks):
        for i in range(b * n // n_blocks, (b + 1) * n // n_blocks):
            _one(i, method, root, x0s, p0_cum, seg_t, energy, energy_slope, barrier, barrier_slope,
                 out_ptr, out_dst, out_edge, out_drive, rate_a, rate_b, total, law, log_prefactor,
                 t_grid, grid_out, ev_off, ev_t, ev_x, init_out, final_out, njump_out, work_out,
                 heat_out, stop_mask, fpt_out, log_rate0, log_slope, log_prop, logw_out)


@jit()
def run_serial(method, root, x0s, p0_cum, seg_t, energy, energy_slope, barrier, barrier_slope,
               out_ptr, out_dst, out_edge, out_drive, rate_a, rate_b, total, law, log_prefactor,
               t_grid, grid_out, ev_off, ev_t, ev_x, init_out, final_out, njump_out, work_out,
               heat_out, stop_mask, fpt_out, log_rate0, log_slope, log_prop, logw_out):
    for i in range(init_out.shape[0]):
        _one(i, method, root, x0s, p0_cum, seg_t, energy, energy_slope, barrier, barrier_slope,
             out_ptr, out_dst, out_edge, out_drive, rate_a, rate_b, total, law, log_prefactor,
             t_grid, grid_out, ev_off, ev_t, ev_x, init_out, final_out, njump_out, work_out,
             heat_out, stop_mask, fpt_out, log_rate0, log_slope, log_prop, logw_out)


run_ensemble.__doc__ = "Parallel over trajectories (``prange``). " + _DOC
run_serial.__doc__ = (
    "The same loop on the calling thread, used for a single trajectory: no thread-pool wake-up "
    "and no spinning sibling threads slowing the one that works. " + _DOC
)
