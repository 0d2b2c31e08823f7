"""Compiled core of the master equation: generator assembly, products and exact propagators.

The augmented state is ``v = [p (S entries), F (n_fun functionals)]`` and its generator
``A = [[L, 0], [R, 0]]`` (Van Loan 1978, IEEE TAC 23 395): ``L`` the (possibly tilted) master
operator, ``R`` the rows whose time integrals are the functionals. Frozen inputs (energies, their
slopes, barriers at one time) give the *values* of ``A``:

* ``off[d]`` - the entry ``L[dst_d, src_d]`` of directed edge ``d``: ``k_d`` times an optional
  tilt ``exp(a_d + b_d bias_d)`` (``edge_tilt[d] = (a_d, b_d)``), e.g. ``exp(-s q_d)`` for the
  generating function of a jump observable ``q`` (Lebowitz & Spohn 1999, J. Stat. Phys. 95 333);
* ``diag[x]`` - ``L[x, x] = -sum_d k_d`` over the out-edges of ``x``, plus an optional
  ``a_x + b_x dE_x/dt`` (``state_tilt[x]``), e.g. ``-s dE_x/dt`` for the work's generating function;
* the functionals ``R`` are never written out: ``terms = (term_ptr, term_coef, term_row, state_x,
  state_row, state_coef)`` and the cache ``factor``. Edge terms are grouped by directed edge, those
  of ``d`` being ``term_ptr[d]:term_ptr[d + 1]``; term ``i`` adds ``k_d factor[i] p[src_d]`` to
  functional ``term_row[i]``, with ``factor[i] = c0 + c1 bias_d`` (``term_coef[i] = (c0, c1)``)
  cached while the energies do not change. State term ``i`` adds ``(c0 + c1 dE_x/dt) p_x``
  (``state_coef[i]``, ``x = state_x[i]``) to ``state_row[i]``. One pass over the directed edges
  applies ``R``, reading each rate once.

Every function takes plain arrays, writes into ``out`` arrays, does no checks and never raises;
the caller (``stochlim.master``) validates and refuses overflowing rates beforehand.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from ._jit import jit
from .ssa import log_rate

# Pade orders and the 1-norm bounds up to which each is accurate to double precision (Higham 2005,
# SIAM J. Matrix Anal. Appl. 26 1179, Table 2.3).
_PADE_ORDERS = np.array([3, 5, 7, 9, 13], dtype=np.int64)
_PADE_THETA = np.array([1.495585217958292e-2, 2.539398330063230e-1, 9.504178996162932e-1,
                        2.097847961257068e0, 5.371920351148152e0])


def _pade_coefficients(m: int) -> np.ndarray:
    """``b_j = (2m - j)! m! / ((2m)! j! (m - j)!)`` of the ``[m/m]`` Pade approximant of ``exp``."""
    f = math.factorial
    return np.array([f(2 * m - j) * f(m) / (f(2 * m) * f(j) * f(m - j)) for j in range(m + 1)])


_PADE_B = np.zeros((5, 14))
for _i, _m in enumerate(_PADE_ORDERS):
    _PADE_B[_i, : _m + 1] = _pade_coefficients(int(_m))

#: A Poisson tail below this ends a uniformisation series (absolute error in probability).
UNIFORM_TAIL = 1e-17
#: Uniformisation splits an interval so that ``lam * h`` stays below this (no underflow of e^-lam h).
UNIFORM_CHUNK = 32.0


#: Blocks of the parallel kernels (``prange`` over blocks of states, edges or terms). No sum crosses
#: an entry's block, so the numbers do not depend on the blocks: serial kernels run one block.
N_BLOCKS = 64


@jit()
def _lo(b, n, n_blocks):
    """Start of block ``b`` of ``n_blocks`` over ``range(n)`` (its end is ``_lo(b + 1, n, n_blocks)``)."""
    return b * n // n_blocks


def _assemble(law, log_prefactor, energy0, energy_slope, barrier0, barrier_slope, dt, src, out_ptr, dst, edge,
              drive, edge_tilt, state_tilt, terms, energy, barrier, rate, off, diag, cache_energy, log_base, exp_base,
              exp_barrier, factor, n_blocks):
    """Fill the values of ``A`` at time ``dt`` into a segment; return ``(lam, top)``.

    Inputs are linear on the segment: ``energy = energy0 + energy_slope dt`` and likewise the
    barrier (written into the ``energy`` and ``barrier`` buffers). The log-rate of directed edge
    ``d`` is ``log_base[d] - E0`` with ``log_base[d] = log_rate(law, log_prefactor, 0, bias_d)``
    (the numbers the SSA kernels use, up to rounding): ``log_base`` and ``exp_base = exp(log_base)``
    are kept between calls and recomputed only when the energies differ from ``cache_energy``
    (whose last entry is 1 once it is valid), so a schedule that moves only barriers costs one
    ``exp`` per distinct barrier value, ``exp_barrier[e] = exp(-E0_e)``; likewise the
    functionals' factors ``factor[i] = c0 + c1 bias_d`` of the terms ``term_ptr[d]:term_ptr[d + 1]``.
    ``edge_tilt`` and ``state_tilt`` are empty
    (shape ``(0, 2)``) for the plain master equation, and then ``off`` may be the same array as
    ``rate``. The directed edges are sorted by source, those leaving ``x`` being
    ``out_ptr[x]:out_ptr[x + 1]``. Returns the uniformisation rate ``max_x -diag[x]`` and the largest
    log-rate (``-inf`` without edges).

    Every loop runs over ``n_blocks`` blocks (``prange``: parallel in :func:`assemble_parallel`; the
    serial :func:`assemble` is called with one block) and no sum crosses a block, so the numbers do
    not depend on the blocks or the thread count.
    """
    term_ptr, term_coef = terms[0], terms[1]
    n_states, n_dir, n_edges = energy0.size, src.size, barrier0.size
    valid = cache_energy[n_states] == 1.0
    same_in = np.empty(n_blocks, dtype=np.bool_)
    for b in prange(n_blocks):
        same = valid
        for x in range(_lo(b, n_states, n_blocks), _lo(b + 1, n_states, n_blocks)):
            energy[x] = energy0[x] + energy_slope[x] * dt if dt != 0.0 else energy0[x]
            same = same and energy[x] == cache_energy[x]
        same_in[b] = same
    same = np.all(same_in)
    if not same:
        for b in prange(n_blocks):
            for d in range(_lo(b, n_dir, n_blocks), _lo(b + 1, n_dir, n_blocks)):
                bias = energy[src[d]] - energy[dst[d]] + drive[d]
                lb = log_rate(law, log_prefactor, 0.0, bias)
                log_base[d] = lb
                exp_base[d] = np.exp(lb)
                for i in range(term_ptr[d], term_ptr[d + 1]):
                    factor[i] = term_coef[i, 0] + term_coef[i, 1] * bias
            for x in range(_lo(b, n_states, n_blocks), _lo(b + 1, n_states, n_blocks)):
                cache_energy[x] = energy[x]
        cache_energy[n_states] = 1.0
    for b in prange(n_blocks):
        last_barrier, last_exp = np.nan, np.nan
        for e in range(_lo(b, n_edges, n_blocks), _lo(b + 1, n_edges, n_blocks)):
            bar = barrier0[e] + barrier_slope[e] * dt if dt != 0.0 else barrier0[e]
            barrier[e] = bar
            if bar != last_barrier:  # models whose edges share a barrier protocol need one exp
                last_barrier, last_exp = bar, np.exp(-bar)
            exp_barrier[e] = last_exp
    tilted = edge_tilt.shape[0] > 0
    tops = np.full(n_blocks, -np.inf)
    lams = np.zeros(n_blocks)
    for b in prange(n_blocks):
        top, lam = -np.inf, 0.0
        for x in range(_lo(b, n_states, n_blocks), _lo(b + 1, n_states, n_blocks)):
            dx = 0.0
            for d in range(out_ptr[x], out_ptr[x + 1]):
                e0 = barrier[edge[d]]
                lk = log_base[d] - e0
                top = max(top, lk)
                if abs(e0) < 600.0 and abs(log_base[d]) < 600.0:  # neither factor over- or underflows
                    k = exp_base[d] * exp_barrier[edge[d]]
                else:
                    k = np.exp(lk)
                rate[d] = k
                dx -= k
                if tilted:
                    de = energy[x] - energy[dst[d]] + drive[d]
                    off[d] = k * np.exp(edge_tilt[d, 0] + edge_tilt[d, 1] * de)
            if state_tilt.shape[0] > 0:
                dx += state_tilt[x, 0] + state_tilt[x, 1] * energy_slope[x]
            diag[x] = dx
            lam = max(lam, -dx)
        tops[b], lams[b] = top, lam
    return lams.max(), tops.max()


assemble = jit()(_assemble)
assemble_parallel = jit(parallel=True)(_assemble)


@jit()
def expand(base, where, column, row, out):
    """``out = base`` with ``out[where[i]] = row[column[i]]``: a segment's inputs from the distinct
    protocols' values ``row`` (``stochlim._segments``), in one pass."""
    out[:] = base
    for i in range(where.size):
        out[where[i]] = row[column[i]]
    return out


@jit()
def probability_check(v, n_states):
    """``(all finite, min p, |sum p - 1|)`` of an augmented state ``v`` (``p = v[:n_states]``), one pass."""
    finite = True
    lowest = np.inf
    total = 0.0
    for x in range(v.size):
        finite = finite and np.isfinite(v[x])
        if x < n_states:
            lowest = min(lowest, v[x])
            total += v[x]
    return finite, lowest, abs(total - 1.0)


@jit()
def log_rate_bound(law, log_prefactor, energy0, energy_slope, barrier0, barrier_slope, length, src, dst,
                   edge, drive):
    """Largest log-rate on a segment of ``length``: ``log k(min E0, max bias)`` over its two ends,
    as ``LoweredModel.log_rate_bound`` (both laws increase with the bias, decrease with ``E0``)."""
    top = -np.inf
    for d in range(src.size):
        x, y, e = src[d], dst[d], edge[d]
        de0 = energy0[x] - energy0[y] + drive[d]
        de1 = de0 + (energy_slope[x] - energy_slope[y]) * length
        e00 = barrier0[e]
        e01 = e00 + barrier_slope[e] * length
        top = max(top, log_rate(law, log_prefactor, min(e00, e01), max(de0, de1)))
    return top


@jit()
def apply_functionals(n_states, src, rate, terms, factor, energy_slope, p, scale, out):
    """``out[S + row] += scale * (R p)[row]`` for every functional row: one pass over the edges."""
    term_ptr, _, term_row, state_x, state_row, state_coef = terms
    for d in range(src.size):
        flow = scale * rate[d] * p[src[d]]
        for i in range(term_ptr[d], term_ptr[d + 1]):
            out[n_states + term_row[i]] += flow * factor[i]
    for i in range(state_x.size):
        x = state_x[i]
        out[n_states + state_row[i]] += scale * (state_coef[i, 0] + state_coef[i, 1] * energy_slope[x]) * p[x]


@jit()
def apply_generator(n_states, src, dst, off, diag, rate, terms, factor, energy_slope, v, out):
    """``out = A v``: the master operator on ``p`` and the functional rows (their columns are 0)."""
    for x in range(n_states):
        out[x] = diag[x] * v[x]
    for j in range(n_states, out.size):
        out[j] = 0.0
    for d in range(src.size):
        out[dst[d]] += off[d] * v[src[d]]
    apply_functionals(n_states, src, rate, terms, factor, energy_slope, v, 1.0, out)


@jit()
def entries(n_states, src, off, diag, rate, terms, factor, energy_slope, values):
    """The values of ``A``'s entries in a fixed order - ``L``'s off-diagonal (by directed edge), its
    diagonal, the edge terms, the state terms - into ``values`` (duplicates not summed); the caller
    keeps their rows and columns (``stochlim._generator.Generator``)."""
    term_ptr, _, term_row, state_x, _, state_coef = terms
    n_dir = src.size
    for d in range(n_dir):
        values[d] = off[d]
        for i in range(term_ptr[d], term_ptr[d + 1]):
            values[n_dir + n_states + i] = rate[d] * factor[i]
    for x in range(n_states):
        values[n_dir + x] = diag[x]
    base = n_dir + n_states + term_row.size
    for i in range(state_x.size):
        values[base + i] = state_coef[i, 0] + state_coef[i, 1] * energy_slope[state_x[i]]


@jit()
def fill_dense(n_states, src, off, diag, rate, terms, factor, energy_slope, rows, cols, values, out):
    """The dense augmented generator ``A`` into ``out`` (square, size ``S + n_fun``); ``rows``,
    ``cols`` and ``values`` are :func:`entries`'s positions and a buffer for its values."""
    entries(n_states, src, off, diag, rate, terms, factor, energy_slope, values)
    out[:, :] = 0.0
    for k in range(values.size):
        out[rows[k], cols[k]] += values[k]


@jit()
def scatter_values(slots, values, data):
    """CSR data of ``A``: entry ``k`` of :func:`entries`'s ``values`` adds into ``data[slots[k]]``
    (the pattern, with duplicates summed, is built once by the caller)."""
    data[:] = 0.0
    for k in range(values.size):
        data[slots[k]] += values[k]


#: Below this order :func:`_solve` eliminates in compiled loops; above it calls LAPACK.
_SMALL = 24


@jit()
def _solve(a, b):
    """``a^-1 b`` for square ``a`` and ``b``: Gaussian elimination with partial pivoting for small
    orders (LAPACK's call overhead dominates there), ``np.linalg.solve`` otherwise."""
    n = a.shape[0]
    if n > _SMALL:
        return np.ascontiguousarray(np.linalg.solve(a, b))
    lu = a.copy()
    x = b.copy()
    for c in range(n):
        piv = c
        for r in range(c + 1, n):
            if abs(lu[r, c]) > abs(lu[piv, c]):
                piv = r
        if piv != c:
            for k in range(n):
                lu[c, k], lu[piv, k] = lu[piv, k], lu[c, k]
                x[c, k], x[piv, k] = x[piv, k], x[c, k]
        inv = 1.0 / lu[c, c]
        for r in range(c + 1, n):
            f = lu[r, c] * inv
            if f != 0.0:
                for k in range(c + 1, n):
                    lu[r, k] -= f * lu[c, k]
                for k in range(n):
                    x[r, k] -= f * x[c, k]
    for c in range(n - 1, -1, -1):
        inv = 1.0 / lu[c, c]
        for k in range(n):
            acc = x[c, k]
            for j in range(c + 1, n):
                acc -= lu[c, j] * x[j, k]
            x[c, k] = acc * inv
    return x


@jit()
def _pade(a, m_index):
    """The ``[m/m]`` Pade approximant of ``exp(a)`` (Higham 2005, Eq. 2.1 and 2.3)."""
    b = _PADE_B[m_index]
    m = _PADE_ORDERS[m_index]
    n = a.shape[0]
    ident = np.eye(n)
    power = a @ a
    u_even = b[1] * ident + b[3] * power
    v = b[0] * ident + b[2] * power
    a2 = power
    for j in range(4, m + 1, 2):
        power = power @ a2
        v = v + b[j] * power
        u_even = u_even + b[j + 1] * power
    u = a @ u_even
    return _solve(v - u, v + u)


@jit()
def expm(a):
    """``exp(a)`` by scaling and squaring with Pade ``[m/m]``, ``m`` in 3..13 (Higham 2005).

    The order is the lowest whose 1-norm bound admits ``a``; beyond the bound of order 13, ``a``
    is scaled by ``2^-s`` and the result squared ``s`` times.
    """
    n = a.shape[0]
    norm = 0.0
    for j in range(n):
        col = 0.0
        for i in range(n):
            col += abs(a[i, j])
        norm = max(norm, col)
    if not np.isfinite(norm):  # reported by the caller as non-finite output
        return np.full((n, n), np.nan)
    for k in range(4):
        if norm <= _PADE_THETA[k]:
            return _pade(a, k)
    s = 0
    if norm > _PADE_THETA[4]:
        s = int(math.ceil(math.log2(norm / _PADE_THETA[4])))
    r = np.ascontiguousarray(_pade(a * 2.0 ** -s, 4))
    for _ in range(s):
        r = r @ r
    return r


def _uniformize(n_states, src, rate, terms, factor, energy_slope, in_ptr, in_edge, in_src, off, diag, lam, v, tau,
                x_buf, y_buf, z_buf, p_diag, p_off, n_blocks):
    """Propagate ``v`` over ``tau`` in place by uniformisation (Jensen 1953; Grassmann 1977).

    With ``P = I + L / lam`` (non-negative for ``lam >= max -diag``) and ``N`` Poisson with mean
    ``lam h``: ``p(h) = sum_n P(N = n) P^n p`` and ``int_0^h p = (1/lam) sum_n P(N > n) P^n p``, so
    the functionals gain ``R`` applied once to that sum. The interval is cut into chunks with
    ``lam h <= UNIFORM_CHUNK``; a chunk's series stops past the Poisson mode once the geometric
    bound of the remaining tail is below ``UNIFORM_TAIL``: an a-priori error bound, no cancellation
    (every term is non-negative). Returns the number of products ``P x`` done.

    ``P`` is stored by destination (``in_ptr``, ``in_edge``, ``in_src``: the directed edges into
    state ``x`` are ``in_edge[in_ptr[x]:in_ptr[x + 1]]``, their sources ``in_src``), written into
    ``p_diag`` and ``p_off`` once per call, so that one pass over the states both accumulates the
    series and forms the next product: the loop streams each vector once per term, which is what
    bounds its speed on large models (they do not fit in cache). The passes run over ``n_blocks``
    blocks of states, in parallel in :func:`uniformize_parallel` (the serial :func:`uniformize` is
    called with one): each entry is computed alike whatever the blocks, so the numbers do not
    depend on them or on the thread count.
    """
    n_terms = 0
    if tau <= 0.0:
        return n_terms
    if lam <= 0.0:  # nothing moves: the functionals integrate a constant R p
        apply_functionals(n_states, src, rate, terms, factor, energy_slope, v, tau, v)
        return n_terms
    n_chunks = max(1, int(math.ceil(lam * tau / UNIFORM_CHUNK)))
    h = tau / n_chunks
    mu = lam * h
    inv_lam = 1.0 / lam
    for b in prange(n_blocks):
        for x in range(_lo(b, n_states, n_blocks), _lo(b + 1, n_states, n_blocks)):
            p_diag[x] = 1.0 + diag[x] * inv_lam
            for k in range(in_ptr[x], in_ptr[x + 1]):
                p_off[k] = off[in_edge[k]] * inv_lam
    for _ in range(n_chunks):
        cur, nxt = x_buf, y_buf
        for b in prange(n_blocks):
            for x in range(_lo(b, n_states, n_blocks), _lo(b + 1, n_states, n_blocks)):
                cur[x] = v[x]
                v[x] = 0.0
                z_buf[x] = 0.0
        w = math.exp(-mu)  # P(N = n)
        cum = w  # P(N <= n)
        n = 0
        while True:
            c = (1.0 - cum) * inv_lam
            ratio = mu / (n + 1)
            last = ratio < 1.0 and w * ratio / (1.0 - mu / (n + 2)) < UNIFORM_TAIL
            for b in prange(n_blocks):  # accumulate term n and (unless last) form P x for term n + 1
                for x in range(_lo(b, n_states, n_blocks), _lo(b + 1, n_states, n_blocks)):
                    xi = cur[x]
                    v[x] += w * xi
                    z_buf[x] += c * xi
                    if not last:
                        acc = p_diag[x] * xi
                        for k in range(in_ptr[x], in_ptr[x + 1]):
                            acc += p_off[k] * cur[in_src[k]]
                        nxt[x] = acc
            if last:
                break
            cur, nxt = nxt, cur
            n += 1
            n_terms += 1
            w *= ratio
            cum += w
        apply_functionals(n_states, src, rate, terms, factor, energy_slope, z_buf, 1.0, v)
    return n_terms


uniformize = jit()(_uniformize)
uniformize_parallel = jit(parallel=True)(_uniformize)


_MAGNUS_C1 = 0.5 - math.sqrt(3.0) / 6.0
_MAGNUS_C2 = 0.5 + math.sqrt(3.0) / 6.0
_MAGNUS_K = math.sqrt(3.0) / 12.0

#: Exit codes of :func:`magnus_segment` besides the number of steps taken (>= 0).
MAGNUS_TOO_MANY_STEPS, MAGNUS_STEP_UNDERFLOW, MAGNUS_NOT_FINITE = -1, -2, -3


@jit()
def _dense_at(law, log_prefactor, energy0, energy_slope, barrier0, barrier_slope, dt, src, out_ptr, dst, edge, drive,
              edge_tilt, state_tilt, terms, positions, energy, barrier, rate, off, diag, cache, values, out):
    assemble(law, log_prefactor, energy0, energy_slope, barrier0, barrier_slope, dt, src, out_ptr, dst, edge, drive,
             edge_tilt, state_tilt, terms, energy, barrier, rate, off, diag, cache[0], cache[1], cache[2], cache[3],
             cache[4], 1)
    fill_dense(energy0.size, src, off, diag, rate, terms, cache[4], energy_slope, positions[0], positions[1], values,
               out)


@jit()
def magnus_segment(law, log_prefactor, energy0, energy_slope, barrier0, barrier_slope, src, out_ptr, dst, edge, drive,
                   edge_tilt, state_tilt, terms, positions, y, taus, rtol, atol, max_steps, out):
    """Integrate ``y' = A(t) y`` over a segment whose inputs are linear in time, writing ``y`` at the
    sorted offsets ``taus`` into the rows of ``out``; return the number of steps or an exit code.

    Fourth-order Magnus integrator with Gauss-Legendre nodes (Blanes, Casas, Oteo & Ros 2009, Phys.
    Rep. 470 151, Eq. 253): ``Omega = h/2 (A1 + A2) + sqrt(3)/12 h^2 [A2, A1]``, ``y <- exp(Omega) y``
    by :func:`expm`. The exponential is exact for frozen inputs, so the step is limited by how fast
    ``A`` changes, not by the stiffness of the rates. Error control by step doubling: a step of ``h``
    is accepted when ``max_i |y2 - y1| / 15 / (atol + rtol |y2_i|) <= 1`` (``y1`` one step, ``y2``
    two half steps, which is kept).
    """
    n = y.size
    n_states = energy0.size
    energy = np.empty(n_states)
    barrier = np.empty(barrier0.size)
    rate = np.empty(src.size)
    off = np.empty(src.size) if edge_tilt.shape[0] > 0 else rate
    diag = np.empty(n_states)
    values = np.empty(positions[0].size)
    cache = (np.zeros(n_states + 1), np.empty(src.size), np.empty(src.size), np.empty(barrier0.size),
             np.empty(terms[2].size))
    a1 = np.empty((n, n))
    a2 = np.empty((n, n))
    cur = y.copy()
    t = 0.0
    end = taus[taus.size - 1]
    h = end / 8.0
    steps = 0
    k = 0
    while k < taus.size and taus[k] <= 0.0:
        out[k, :] = cur
        k += 1
    while k < taus.size:
        if steps >= max_steps:
            return MAGNUS_TOO_MANY_STEPS
        h = min(h, taus[k] - t)
        if h <= 1e-15 * max(1.0, end):
            return MAGNUS_STEP_UNDERFLOW
        y_pair = np.empty((2, n))
        for half in range(3):  # 0: one step of h; 1, 2: two steps of h / 2
            hh = h if half == 0 else 0.5 * h
            t0 = t if half < 2 else t + 0.5 * h
            for node, a in ((_MAGNUS_C1, a1), (_MAGNUS_C2, a2)):
                _dense_at(law, log_prefactor, energy0, energy_slope, barrier0, barrier_slope, t0 + node * hh, src,
                          out_ptr, dst, edge, drive, edge_tilt, state_tilt, terms, positions, energy, barrier, rate,
                          off, diag, cache, values, a)
            omega = (0.5 * hh) * (a1 + a2) + (_MAGNUS_K * hh * hh) * (a2 @ a1 - a1 @ a2)
            start = cur if half < 2 else y_pair[1]
            y_pair[0 if half == 0 else 1] = expm(omega) @ start
        err = 0.0
        for i in range(n):
            scale = atol + rtol * abs(y_pair[1, i])
            err = max(err, abs(y_pair[1, i] - y_pair[0, i]) / 15.0 / scale)
        if not np.isfinite(err):
            return MAGNUS_NOT_FINITE
        steps += 1
        if err <= 1.0:
            t += h
            cur[:] = y_pair[1]
            if t >= taus[k] - 1e-15 * max(1.0, end):
                t = taus[k]
                out[k, :] = cur
                k += 1
        h *= min(4.0, max(0.2, 0.9 * (max(err, 1e-30)) ** -0.2))
    return steps
