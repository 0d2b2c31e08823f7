"""Exact law of the work or the heat: atoms plus a continuous part by Fourier inversion.

The work changes while an occupied well's energy moves (``int dE_x/dt dt``), where energies jump
at knots, and by the drive ``f`` of every driven jump; the heat is ``Q = W - E_x(t)(t) +
E_x(0)(0)`` (first law). So a trajectory whose every jump joins two wells moving at the same speed
has a work (and heat) that does not depend on its jump times: these trajectories form the
**atoms** of the law (e.g. ``P(W = 0)`` of a bit that is never in a moving well, every trajectory
of a piecewise-constant protocol, or the lattice ``f k`` of a driven ring with flat wells). They are
found exactly by propagating, segment by segment, the sub-probability of each (atom, state) with the
generator restricted to those "neutral" jumps (the others feed the continuous part), a driven
neutral jump moving its probability to the atom ``f`` away, and grouping the results by value.
With drives the atoms of a segment are cut at ``n`` neutral jumps, where a Poisson count of mean
``Lambda dt`` (``Lambda`` above every escape rate of the segment, which dominates the jumps by
uniformisation) exceeds ``n`` with probability below ``JUMP_TAIL``; that probability is added
to ``error``.

The continuous part follows from the exact characteristic function ``phi(u) = <exp(i u X)>`` (the
tilted master equation at ``s = -i u``, all ``u`` in one block-diagonal solve) minus the atoms, by
the Fourier-cosine expansion on an interval ``[a, b]`` that holds the law (Fang & Oosterlee 2008,
SIAM J. Sci. Comput. 31 826): the energy part of ``W`` lies between the sums over segments of the
smallest and largest energy change of any well, and the drive part within ``n max|f|`` of 0, ``n``
the jump count exceeded with probability below ``JUMP_TAIL`` over the whole protocol (twice
that probability is added to ``error``: mass outside ``[a, b]`` folds back into it). Beyond that,
the only error is the truncation of the series after ``K`` terms; ``error`` reports the largest
change of the CDF between ``K / 2`` and ``K`` terms on the requested grid, plus the mass of the
dropped atoms and the two Poisson tails.

``error`` is an a-posteriori **estimate, not a proven bound**, and no bound of that size can be
proven from the data the method has. The series uses ``phi`` at ``K`` frequencies up to ``u_K = K
pi / (b - a)``; any law whose characteristic function agrees there is equally consistent with
them, and the best two-sided bracket of a CDF from a characteristic function known on ``|u| <=
u_K`` (the Beurling-Selberg majorant and minorant of the step function, entire of exponential
type ``u_K``) has a width of about the density times ``2 pi / u_K`` - 0.05 at the peak of the heat
density (0.39 per kT on ``[a, b] = [-4, 4]``) of the 4-state ring in
``tests/test_fluctuations_cdf.py`` at ``K = 128``, against a true error of 1e-4. A
bound on the truncation needs the decay of ``phi(u)`` beyond ``u_K`` (e.g. the total variation of
the density of the continuous part, which has kinks or jumps where a well's ramp starts or stops),
which stochlim cannot compute for a general protocol. (The Fermi averages of
:mod:`stochlim.fluctuations.fermi` do have a proven bound: the Fermi function is analytic in a
strip, so its transform decays exponentially; the step function is not.) The estimate can fall
below the true error when the series has not yet entered its asymptotic decay: for the heat of that
ring at ``K = 32`` it is 1.6e-3 against a true 1.8e-3; at ``K = 128`` it is 5e-4 against 1.1e-4.
The tolerances ``rtol``/``atol`` of the characteristic-function solve are not included either.
Check convergence by doubling ``n_terms``. The dropped-atom and Poisson-tail parts are bounds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy import stats

from .._propagate import choose_method, expm_dense, expm_krylov, integrate, integrate_linear
from ._observables import rates_at
from .tilted import _setup

__all__ = ["ContinuousLaw", "cdf"]

#: Atoms lighter than this are dropped; their total mass is added to ``error``.
ATOM_FLOOR = 1e-15
#: Terms of the cosine series by default (more with drives, see :func:`cdf`).
DEFAULT_TERMS = 128
#: Largest number of distinct atoms tracked.
MAX_ATOMS = 100_000
#: With drives: jump counts whose (Poisson-bounded) probability is below this are cut off, their
#: probability added to ``error``.
JUMP_TAIL = 1e-16


@dataclass(frozen=True, eq=False)
class ContinuousLaw:
    """Result of :func:`cdf`: the law of the work or the heat at ``t_end``.

    Attributes
    ----------
    x : ndarray
        The requested grid.
    cdf : ndarray
        ``P(X <= x)`` on the grid (atoms included).
    atoms : ndarray, shape (A, 2)
        ``(value, probability)`` of every atom (probability >= ``ATOM_FLOOR``), sorted by value.
    continuous_mass : float
        ``1 - sum of the atoms``.
    interval : (float, float)
        ``[a, b]`` holding the whole law (with drives: all but a Poisson tail below
        ``JUMP_TAIL``).
    error : float
        Estimated largest error of ``cdf``: the largest change between ``K / 2`` and ``K`` series
        terms plus the mass of the dropped atoms and, with drives, the Poisson tails of the jump
        count. An estimate, not a bound (see the module docstring): it can be smaller than the
        true error.
    observable, method, success, status, message
        As for the other results.

    Examples
    --------
    Well 1 of a bit is lifted by 2 kT over ``[0, 1]``; started in well 0, the work is 2 kT times
    the time spent in well 1, with an atom at 0 of the probability of never leaving well 0:

    >>> import numpy as np
    >>> import stochlim as sl
    >>> from scipy.integrate import quad
    >>> m = sl.two_state(1.0, energies=(0.0, sl.PiecewiseLinear([0.0, 1.0], [0.0, 2.0])))
    >>> law = cdf(m, "work", [0.0, 1.0, 2.0], p0=[1.0, 0.0], t_end=1.0)
    >>> stay = np.exp(-quad(lambda t: m.rates(t)[0, 1], 0.0, 1.0)[0])
    >>> law.atoms.shape, bool(np.isclose(law.atoms[0, 1], stay)), float(law.atoms[0, 0])
    ((1, 2), True, 0.0)
    >>> np.round(law.cdf, 4).tolist(), bool(law.error < 1e-6)
    ([0.812, 0.8984, 1.0], True)
    >>> print(f"{law(1.5):.4f}")   # anywhere, from the stored series
    0.9474
    """

    x: np.ndarray
    cdf: np.ndarray
    atoms: np.ndarray
    continuous_mass: float
    interval: tuple
    error: float
    observable: str
    method: str
    success: bool
    status: int
    message: str
    _coef: np.ndarray = None

    def __call__(self, x) -> np.ndarray:
        """``P(X <= x)`` at any ``x`` from the stored series (atoms included)."""
        return _evaluate(np.asarray(x, dtype=np.float64), self._coef, self.interval, self.atoms)


def _evaluate(x, coef, interval, atoms):
    a, b = interval
    y = np.clip(x, a, b)
    k = np.arange(coef.size)
    u = k * np.pi / (b - a)
    with np.errstate(invalid="ignore", divide="ignore"):
        basis = np.where(k == 0, (y[..., None] - a), np.sin(u * (y[..., None] - a)) / np.where(k == 0, 1.0, u))
    cont = basis @ coef
    jumps = (atoms[:, 1] * (atoms[:, 0] <= x[..., None])).sum(axis=-1) if atoms.size else 0.0
    return np.clip(cont + jumps, 0.0, 1.0)


def _jump_bound(model, t_end):
    """``n`` with ``P(more than n jumps on [0, t_end]) <= JUMP_TAIL``, and that probability bound.

    Uniformisation at a rate ``Lambda_j`` above every escape rate of segment ``j`` dominates the
    jumps by a Poisson count of mean ``sum_j Lambda_j dt_j`` (every jump is one of its events)."""
    times, escape = _escape_bounds(model, t_end)
    mean = float(np.sum(escape * np.diff(times)))
    n = int(stats.poisson.isf(JUMP_TAIL, mean)) if mean > 0 else 0
    return n, float(stats.poisson.sf(n, mean)) if mean > 0 else 0.0


def _escape_bounds(model, t_end):
    """The segment times of ``model`` on ``[0, t_end]`` and an upper bound of every escape rate on
    each segment (:meth:`~stochlim.models.LoweredModel.log_rate_bound`, summed per source)."""
    lowered = model.lower(t_end)
    k = np.exp(lowered.log_rate_bound())
    bound = [np.bincount(lowered.out_src, row, minlength=model.n_states).max() if row.size else 0.0 for row in k]
    return lowered.seg_times, np.array(bound)


def _bounds(model, segments, observable, p0, drives):
    """An interval that holds the work (or heat), and the probability that it does not.

    Without drives the interval holds every value; with drives the drive work of at most ``n``
    jumps (:func:`_jump_bound`) is added on either side and the rest is the returned tail."""
    lo = hi = 0.0
    for j in range(segments.n_segments):  # the ramp of segment j, then the jump at its start
        changes = [segments.energy_end(j) - segments.energy(j)]
        if j > 0:
            changes.append(_energy_jump(segments, j))
        lo += sum(float(c.min()) for c in changes)
        hi += sum(float(c.max()) for c in changes)
    if observable == "heat":
        e0 = segments.energy(0)[p0 > 0]
        e_end = segments.energy_end(segments.n_segments - 1)
        lo += float(e0.min() - e_end.max())
        hi += float(e0.max() - e_end.min())
    tail = 0.0
    if np.any(drives):
        n, tail = _jump_bound(model, float(segments.seg_times[-1]))
        reach = n * float(np.max(np.abs(drives)))
        lo, hi = lo - reach, hi + reach
    pad = 1e-9 * max(1.0, hi - lo)
    return lo - pad, hi + pad, tail


def _energy_jump(segments, j):
    """How the energies jump where segment ``j > 0`` starts (zeros where they are continuous)."""
    jump = segments.energy_jump(j)
    return np.zeros(segments.n_states) if jump is None else jump


def _joint(st, n_states, neutral, keys):
    """The generator over (atom, state) of the neutral jumps, as a function of the edge rates ``k``.

    A neutral jump moves an atom's value by its drive; one to a value outside ``keys`` leaves the
    atoms (like a non-neutral jump), and every jump leaves through the diagonal. The sparsity
    pattern is built once; each call only fills in the rates."""
    n, count = n_states, len(keys)
    index = {key: i for i, key in enumerate(keys)}
    moving = np.flatnonzero(neutral)
    shift = st.drive[moving]
    target = np.array([[index.get(round(key + float(d), 12), -1) for d in shift] for key in keys],
                      dtype=np.int64).reshape(count, moving.size)
    atom, which = np.nonzero(target >= 0)
    edge = moving[which]
    diagonal = np.arange(count * n)
    rows = np.concatenate((target[atom, which] * n + st.dst[edge], diagonal))
    cols = np.concatenate((atom * n + st.src[edge], diagonal))

    def generator(k):
        escape = np.tile(np.bincount(st.src, k, minlength=n), count)
        return sp.csr_matrix((np.concatenate((k[edge], -escape)), (rows, cols)), shape=(count * n, count * n))

    return generator


def _closure(keys, shifts, depth):
    """Every value reachable from ``keys`` by at most ``depth`` of the ``shifts`` (rounded)."""
    found, frontier = set(keys), set(keys)
    for _ in range(depth):
        frontier = {round(v + d, 12) for v in frontier for d in shifts} - found
        if not frontier:
            break
        found |= frontier
        if len(found) > MAX_ATOMS:
            return None
    return sorted(found)


def _atoms(model, segments, obs, p0, rtol, atol):
    """Exact atoms ``{value: probability}`` (module docstring), the mass dropped as negligible and
    a failure message (or None)."""
    st = obs.edges
    g = obs.generator(model, segments)
    heat = obs.kinds[0] == "heat"
    start = segments.energy(0) if heat else np.zeros(model.n_states)
    atoms = {}
    for x in np.flatnonzero(p0 > 0):
        key = round(float(start[x]), 12)
        atoms.setdefault(key, np.zeros(model.n_states))[x] += p0[x]
    _, escape = _escape_bounds(model, float(segments.seg_times[-1]))
    dropped = 0.0
    for j in range(segments.n_segments):
        a, b = segments.seg_times[j], segments.seg_times[j + 1]
        slope = segments.energy_slope(j)
        if j > 0:
            atoms = _regroup(atoms, _energy_jump(segments, j))
        neutral = slope[st.src] == slope[st.dst]
        shifts = sorted({round(float(d), 12) for d in st.drive[neutral] if d != 0.0})
        keys = sorted(atoms)
        if shifts:  # drive work on neutral jumps: atoms move on a lattice, cut at a Poisson tail
            depth = int(stats.poisson.isf(JUMP_TAIL, escape[j] * (b - a)))
            dropped += float(stats.poisson.sf(depth, escape[j] * (b - a)))
            keys = _closure(keys, shifts, depth)
            if keys is None:
                return None, 0.0, f"more than {MAX_ATOMS} atoms: the law is too fragmented for cdf"
        V = np.stack([atoms.get(key, np.zeros(model.n_states)) for key in keys])  # (A, S)
        generator = _joint(st, model.n_states, neutral, keys)

        def joint(t, j=j, a=a, generator=generator):
            return generator(rates_at(g, j, t - a)[0])

        if segments.varies(j):
            states, err = integrate_linear(joint, V.ravel(), a, b, [b - a], rtol, atol)
            if err is None:
                V = states[-1].reshape(len(keys), -1)
        elif not shifts:  # every atom alone: one small generator for all of them
            single = _joint(st, model.n_states, neutral, [0.0])(rates_at(g, j, 0.0)[0])
            how = choose_method("auto", True, size=model.n_states)
            states, err = (expm_dense if how == "expm" else expm_krylov)(single, V.T, [b - a])
            if err is None:
                V = states[-1].T
        else:
            states, err = expm_krylov(joint(a), V.ravel(), [b - a])
            if err is None:
                V = states[-1].reshape(len(keys), -1)
        if err is not None:
            return None, 0.0, err
        V = np.clip(V, 0.0, None)
        atoms = _regroup(dict(zip(keys, V)), slope * (b - a))
        light = [k for k, v in atoms.items() if v.sum() < ATOM_FLOOR]
        for k in light:
            dropped += float(atoms.pop(k).sum())
        if len(atoms) > MAX_ATOMS:
            return None, 0.0, f"more than {MAX_ATOMS} atoms: the law is too fragmented for cdf"
    if heat:
        atoms = _regroup(atoms, -segments.energy_end(segments.n_segments - 1))
    values = np.array(sorted(atoms))
    masses = np.array([atoms[v].sum() for v in values])
    keep = masses >= ATOM_FLOOR
    dropped += float(masses[~keep].sum())
    return np.column_stack((values[keep], masses[keep])) if keep.any() else np.zeros((0, 2)), dropped, None


def _regroup(atoms, shift):
    """Add the per-state ``shift`` to each atom's value and regroup the states by the new value."""
    out = {}
    for value, vec in atoms.items():
        for x in np.flatnonzero(vec > 0):
            key = round(value + float(shift[x]), 12)
            out.setdefault(key, np.zeros(vec.size))[x] += vec[x]
    return out


def _characteristic_batch(model, segments, obs, p0, u, rtol, atol):
    """``phi(u_k)`` at ``t_end`` for every ``u_k`` at once, shape (K,).

    Constant segments: one ``expm_multiply`` of the block-diagonal tilted generator. Segments with
    ramps: DOP853 (explicit, complex) on the vectorised tilted equation, whose solutions oscillate
    at frequencies up to ``u_K |dE/dt|`` and are not stiff for the rates where SSA is practical.
    """
    st = obs.edges
    n, K = model.n_states, u.size
    to_dst = sp.csr_matrix((np.ones(st.src.size), (np.arange(st.src.size), st.dst)), shape=(st.src.size, n))
    g = obs.generator(model, segments)

    def tilted(j, t):
        k, bias, slope = rates_at(g, j, t - segments.seg_times[j])
        a, b = obs.increments(bias, slope)
        off = k[None, :] * np.exp(1j * u[:, None] * a[0][None, :])  # (K, D)
        diag = -np.bincount(st.src, k, minlength=n)[None, :] + 1j * u[:, None] * b[0][None, :]
        return off, diag

    v = np.tile(p0.astype(np.complex128), (K, 1))
    for j in range(segments.n_segments):
        a, b = segments.seg_times[j], segments.seg_times[j + 1]
        if j > 0:
            v = v * np.exp(1j * u[:, None] * obs.knot_jump(_energy_jump(segments, j))[0][None, :])
        if segments.varies(j):
            def rhs(t, y, j=j):
                off, diag = tilted(j, t)
                y = y.reshape(K, n)
                return ((off * y[:, st.src]) @ to_dst + diag * y).ravel()

            states, err = integrate(rhs, None, v.ravel(), a, b, [b - a], rtol, atol, solver="DOP853")
        else:
            off, diag = tilted(j, a)
            blocks = np.arange(K)[:, None] * n
            rows = np.concatenate(((blocks + st.dst).ravel(), (blocks + np.arange(n)).ravel()))
            cols = np.concatenate(((blocks + st.src).ravel(), (blocks + np.arange(n)).ravel()))
            A = sp.csc_matrix((np.concatenate((off.ravel(), diag.ravel())), (rows, cols)), shape=(K * n, K * n))
            states, err = expm_krylov(A, v.ravel(), [b - a])
        if err is not None:
            return None, err
        v = states[-1].reshape(K, n)
    return v.sum(axis=1), None


def cdf(model, observable, x, *, p0, t_end, n_terms=None, rtol=1e-10, atol=1e-12) -> ContinuousLaw:
    """Exact CDF of the work or the heat at ``t_end`` on a grid, with its atoms apart.

    Parameters
    ----------
    model : HopModel
        Any model; with drives the work includes the drive work (atoms then lie on a lattice of
        drive sums, see the module docstring).
    observable : {"work", "heat"}
    x : array_like
        Grid of values.
    p0, t_end, rtol, atol
        As for :func:`stochlim.solve_master`; the characteristic function is propagated with
        ``expm_multiply`` on constant segments and DOP853 on ramps (``method`` of the result).
    n_terms : int, optional
        Terms ``K`` of the cosine series (>= 16); the error estimate compares with ``K / 2``
        (an estimate, not a bound: check by doubling ``n_terms``). Default: 128, times the
        factor (a power of 2, at most 4) by which drives widen the interval (by the drive work
        of a Poisson-bounded number of jumps), so that the resolution of the energy part stays
        close to that of 128 terms.

    Returns
    -------
    ContinuousLaw
        ``cdf`` on the grid, ``atoms``, ``continuous_mass``, ``error``; callable as ``law(x)``.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`~stochlim.models.HopModel`.
    ValueError
        If ``observable`` is not ``"work"`` or ``"heat"``, ``n_terms`` is not an integer >= 16,
        ``x`` is empty or not finite, or ``p0``/``t_end`` is invalid.

    Examples
    --------
    With constant energies the heat of a path is ``E(start) - E(end)``: a bit started in well 1
    (1 kT up) releases 1 kT if it ends in well 0, else nothing. The law is two atoms, whose
    weights follow from the two-state relaxation ``P_1(t) = pi_1 + (1 - pi_1) e^-(k01 + k10) t``:

    >>> import numpy as np
    >>> import stochlim as sl
    >>> m = sl.two_state(1.0, energies=(0.0, 1.0))
    >>> law = cdf(m, "heat", [-0.5, 0.5, 1.5], p0=[0.0, 1.0], t_end=1.0)
    >>> k = m.rates(0.0)
    >>> pi_1 = k[0, 1] / (k[0, 1] + k[1, 0])
    >>> p_1 = pi_1 + (1 - pi_1) * np.exp(-(k[0, 1] + k[1, 0]))
    >>> law.atoms[:, 0].tolist(), bool(np.allclose(law.atoms[:, 1], [p_1, 1 - p_1]))
    ([0.0, 1.0], True)
    >>> np.round(law.cdf, 6).tolist(), law.continuous_mass
    ([0.0, 0.619222, 1.0], 0.0)

    With flat wells and 0.8 kT of drive per jump around a ring, the work is 0.8 kT times the net
    number of jumps: a lattice of atoms, which ``count_distribution`` of the net current gives too:

    >>> from stochlim.fluctuations import Current, count_distribution
    >>> ring = sl.ring(3, barriers=0.3, drive=0.8)
    >>> law = cdf(ring, "work", [0.0], p0=[1.0, 0.0, 0.0], t_end=1.0)
    >>> net = count_distribution(ring, Current([0, 1, 2]), p0=[1.0, 0.0, 0.0], t_end=1.0)
    >>> laps = np.rint(law.atoms[:, 0] / 0.8).astype(int)        # atoms at 0.8 k kT
    >>> pmf = dict(zip(net.values.tolist(), net.pmf[-1]))
    >>> bool(np.allclose(law.atoms[:, 1], [pmf[k] for k in laps])), law.continuous_mass < 1e-12
    (True, True)
    """
    obs, _, p_init, segments, _, _ = _setup(model, observable, None, p0, t_end, None, "auto")
    if obs.n != 1 or obs.kinds[0] not in ("work", "heat"):
        raise ValueError(f"observable must be 'work' or 'heat': got {observable!r}")
    if n_terms is not None and (isinstance(n_terms, bool) or not isinstance(n_terms, (int, np.integer))
                                or n_terms < 16):
        raise ValueError(f"n_terms must be an integer >= 16: got {n_terms!r}")
    grid = np.asarray(x, dtype=np.float64)
    if grid.size == 0 or not np.all(np.isfinite(grid)):
        raise ValueError("x must be a non-empty array of finite values")
    name = obs.names[0]
    lo, hi, outside = _bounds(model, segments, name, p_init, model.drives)
    if n_terms is None:
        lo0, hi0, _ = _bounds(model, segments, name, p_init, np.zeros(1))
        widen = (hi - lo) / max(hi0 - lo0, 1.0)
        n_terms = DEFAULT_TERMS * min(4, 2 ** max(0, math.ceil(math.log2(widen))))
    atoms, dropped, err = _atoms(model, segments, obs, p_init, rtol, atol)
    chosen = "krylov" if segments.is_piecewise_constant else "dop853"
    if err is None:
        u = np.arange(int(n_terms)) * np.pi / (hi - lo)
        phi, err = _characteristic_batch(model, segments, obs, p_init, u, rtol, atol)
    if err is not None:
        empty = np.zeros(0)
        return ContinuousLaw(grid, empty, np.zeros((0, 2)), np.nan, (lo, hi), np.inf, name, chosen, False, -1, err,
                             empty)
    if atoms.size:
        phi = phi - (atoms[None, :, 1] * np.exp(1j * u[:, None] * atoms[None, :, 0])).sum(axis=1)
    mass = float(phi[0].real)
    coef = 2.0 / (hi - lo) * (phi * np.exp(-1j * u * lo)).real
    coef[0] *= 0.5
    law = _evaluate(grid, coef, (lo, hi), atoms)
    half = _evaluate(grid, coef[: int(n_terms) // 2], (lo, hi), atoms)
    error = float(np.max(np.abs(law - half))) + dropped + 2.0 * outside
    return ContinuousLaw(grid, law, atoms, mass, (lo, hi), error, name, chosen, True, 0,
                         "The solver successfully reached t_end.", coef)
