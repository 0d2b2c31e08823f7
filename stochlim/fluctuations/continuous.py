"""Exact law of the work or the heat: atoms plus a continuous part by Fourier inversion.

For an undriven model the work changes only while an occupied well's energy moves (``int dE_x/dt
dt``) and where energies jump at knots; the heat is ``Q = W - E_x(t)(t) + E_x(0)(0)`` (first law).
So a trajectory whose every jump joins two wells moving at the same speed has a work (and heat)
that does not depend on its jump times: these trajectories form the **atoms** of the law (e.g.
``P(W = 0)`` of a bit that is never in a moving well, or every trajectory of a piecewise-constant
protocol). They are found exactly by propagating, segment by segment, the sub-probability of each
atom with the generator restricted to those "neutral" jumps (the others feed the continuous part)
and grouping the results by value.

The continuous part follows from the exact characteristic function ``phi(u) = <exp(i u X)>`` (the
tilted master equation at ``s = -i u``, all ``u`` in one block-diagonal solve) minus the atoms, by
the Fourier-cosine expansion on an interval ``[a, b]`` that provably holds the whole law (Fang &
Oosterlee 2008, SIAM J. Sci. Comput. 31 826): ``W`` lies between the sums over segments of the
smallest and largest energy change of any well. With nothing outside ``[a, b]`` the only error is
the truncation of the series after ``K`` terms; ``error`` reports the largest change of the CDF
between ``K / 2`` and ``K`` terms on the requested grid, plus the mass of the dropped atoms.

``error`` is an a-posteriori **estimate, not a proven bound**. A bound on the truncation would
need the decay of ``phi(u)`` beyond the ``K`` frequencies computed (e.g. the total variation of
the density of the continuous part, which may have kinks or jumps where a well's energy ramp
starts or stops), and stochlim has no such bound for a general protocol. The estimate can fall
below the true error when the series has not yet entered its asymptotic decay: for the heat of a
4-state driven ring at ``K = 32`` it is 1.6e-3 against a true 1.8e-3 (``tests/test_fluctuations_cdf.py``);
at ``K = 128`` it is 5e-4 against 1.1e-4. The tolerances ``rtol``/``atol`` of the
characteristic-function solve are not included either. Check convergence by doubling ``n_terms``.
Only the dropped-atom part (mass below ``ATOM_FLOOR`` each) is exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .._propagate import choose_method, expm_dense, expm_krylov, integrate, integrate_linear
from ._observables import rates_at
from .tilted import _setup

__all__ = ["ContinuousLaw", "cdf"]

#: Atoms lighter than this are dropped; their total mass is added to ``error``.
ATOM_FLOOR = 1e-15
#: Largest number of distinct atoms tracked.
MAX_ATOMS = 100_000


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
        ``[a, b]`` holding the whole law.
    error : float
        Estimated largest error of ``cdf``: the largest change between ``K / 2`` and ``K`` series
        terms plus the mass of the dropped atoms. An estimate, not a bound (see the module
        docstring): it can be smaller than the true error.
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


def _bounds(segments, observable, p0):
    """An interval that holds every value of the work (or heat) of the undriven model."""
    lo = hi = 0.0
    for j in range(segments.n_segments):  # the ramp of segment j, then the jump at its start
        changes = [_energy_end(segments, j) - segments.energy(j)]
        if j > 0:
            changes.append(_energy_jump(segments, j))
        lo += sum(float(c.min()) for c in changes)
        hi += sum(float(c.max()) for c in changes)
    if observable == "heat":
        e0 = segments.energy(0)[p0 > 0]
        e_end = _energy_end(segments, segments.n_segments - 1)
        lo += float(e0.min() - e_end.max())
        hi += float(e0.max() - e_end.min())
    pad = 1e-9 * max(1.0, hi - lo)
    return lo - pad, hi + pad


def _energy_end(segments, j):
    """Energies at the left limit of the end of segment ``j``."""
    return segments.energy(j) + segments.energy_slope(j) * (segments.seg_times[j + 1] - segments.seg_times[j])


def _energy_jump(segments, j):
    """How the energies jump where segment ``j > 0`` starts (zeros where they are continuous)."""
    jump = segments.energy_jump(j)
    return np.zeros(segments.n_states) if jump is None else jump


def _atoms(model, segments, obs, p0, rtol, atol):
    """Exact atoms ``{value: probability}`` (module docstring) and the mass dropped as negligible."""
    st = obs.edges
    g = obs.generator(model, segments)
    heat = obs.kinds[0] == "heat"
    start = segments.energy(0) if heat else np.zeros(model.n_states)
    atoms = {}
    for x in np.flatnonzero(p0 > 0):
        key = round(float(start[x]), 12)
        atoms.setdefault(key, np.zeros(model.n_states))[x] += p0[x]
    dropped = 0.0
    for j in range(segments.n_segments):
        a, b = segments.seg_times[j], segments.seg_times[j + 1]
        slope = segments.energy_slope(j)
        if j > 0:
            atoms = _regroup(atoms, _energy_jump(segments, j))
        neutral = slope[st.src] == slope[st.dst]

        def restricted(t, j=j, a=a, neutral=neutral):
            k = rates_at(g, j, t - a)[0]
            n = model.n_states
            return sp.csr_matrix((np.concatenate((k[neutral], -k)),
                                  (np.concatenate((st.dst[neutral], st.src)),
                                   np.concatenate((st.src[neutral], st.src)))),
                                 shape=(n, n))

        keys = list(atoms)
        V = np.stack([atoms[k] for k in keys], axis=1)
        if segments.varies(j):
            identity = sp.identity(len(keys), format="csr")

            def blocks(t, identity=identity, restricted=restricted):
                return sp.kron(identity, restricted(t), format="csr")

            states, err = integrate_linear(blocks, V.T.ravel(), a, b, [b - a], rtol, atol)
            if err is not None:
                return None, 0.0, err
            V = states[-1].reshape(len(keys), -1).T
        else:
            how = choose_method("auto", True, size=model.n_states)
            states, err = (expm_dense if how == "expm" else expm_krylov)(restricted(a), V, [b - a])
            if err is not None:
                return None, 0.0, err
            V = states[-1]
        V = np.clip(V, 0.0, None)
        atoms = _regroup(dict(zip(keys, V.T)), slope * (b - a))
        light = [k for k, v in atoms.items() if v.sum() < ATOM_FLOOR]
        for k in light:
            dropped += float(atoms.pop(k).sum())
        if len(atoms) > MAX_ATOMS:
            return None, 0.0, f"more than {MAX_ATOMS} atoms: the law is too fragmented for cdf"
    if heat:
        atoms = _regroup(atoms, -_energy_end(segments, segments.n_segments - 1))
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


def cdf(model, observable, x, *, p0, t_end, n_terms=128, rtol=1e-10, atol=1e-12) -> ContinuousLaw:
    """Exact CDF of the work or the heat at ``t_end`` on a grid, with its atoms apart.

    Parameters
    ----------
    model : HopModel
        An undriven model (``drives`` all 0: with drives the law is a lattice; use
        :func:`count_distribution` for the currents).
    observable : {"work", "heat"}
    x : array_like
        Grid of values.
    p0, t_end, rtol, atol
        As for :func:`stochlim.solve_master`; the characteristic function is propagated with
        ``expm_multiply`` on constant segments and DOP853 on ramps (``method`` of the result).
    n_terms : int, optional
        Terms ``K`` of the cosine series (>= 16); the error estimate compares with ``K / 2``
        (an estimate, not a bound: check by doubling ``n_terms``).

    Returns
    -------
    ContinuousLaw
        ``cdf`` on the grid, ``atoms``, ``continuous_mass``, ``error``; callable as ``law(x)``.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`~stochlim.models.HopModel`.
    ValueError
        If ``observable`` is not ``"work"`` or ``"heat"``, the model has drives, ``n_terms`` is
        not an integer >= 16, ``x`` is empty or not finite, or ``p0``/``t_end`` is invalid.

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
    """
    obs, _, p_init, segments, _, _ = _setup(model, observable, None, p0, t_end, None, "auto")
    if obs.n != 1 or obs.kinds[0] not in ("work", "heat"):
        raise ValueError(f"observable must be 'work' or 'heat': got {observable!r}")
    if np.any(model.drives != 0):
        raise ValueError("model must be undriven (drives = 0) for cdf: with drives the law is a lattice; "
                         "use count_distribution for the currents")
    if isinstance(n_terms, bool) or not isinstance(n_terms, (int, np.integer)) or n_terms < 16:
        raise ValueError(f"n_terms must be an integer >= 16: got {n_terms!r}")
    grid = np.asarray(x, dtype=np.float64)
    if grid.size == 0 or not np.all(np.isfinite(grid)):
        raise ValueError("x must be a non-empty array of finite values")
    name = obs.names[0]
    lo, hi = _bounds(segments, name, p_init)
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
    error = float(np.max(np.abs(law - half))) + dropped
    return ContinuousLaw(grid, law, atoms, mass, (lo, hi), error, name, chosen, True, 0,
                         "The solver successfully reached t_end.", coef)
