"""Fine-grained landscapes: potentials in kT and their discretisation to a hopping model.

Fine model
----------
A potential ``U(x)`` or ``U(x, t)`` in kT on ``x_range`` is sampled at ``K`` equally spaced sites
``x_i`` (spacing ``h``); neighbours hop at

    ``k_{i -> i+1} = (D / h^2) exp(-(U_{i+1} - U_i) / 2)``,

the symmetric ("Arrhenius midpoint") discretisation of overdamped Smoluchowski diffusion
``dp/dt = d/dx D (dp/dx + p dU/dx)``: local detailed balance
``k_{i->i+1} / k_{i+1->i} = exp(U_i - U_{i+1})`` holds exactly, the equilibrium is the Boltzmann
distribution on the sites and the rates converge with error O(h^2). It is exactly
``HopModel(rate_law="arrhenius")`` with barrier 0 and ``J_max = D / h^2``, so the whole of stochlim
(master equation, SSA, energetics) runs on it unchanged.

Double well
-----------
:func:`quartic_double_well` is ``U(x) = E0 (x^2 - 1)^2 - (dE / 2) s(x / w)`` with ``s`` the
seventh-order smooth step (``s(y) = (35 y^3 - 42 y^5 + 15 y^7) / 8`` on ``[-1, 1]``, ``sign(y)``
outside) and ``w`` = ``TILT_WIDTH``. The tilt changes only near the barrier top, so the minima
stay at ``x = -1`` (left, energy ``+dE/2``) and ``x = +1`` (right, ``-dE/2``), the top stays at
``x = 0`` with ``U = E0``, both wells have the same shape (curvature ``8 E0``) and the top has
curvature ``-4 E0``. Hence ``E0`` is the barrier measured from the mean of the two well energies and
``dE = E_left - E_right`` the bias, exactly the paper's definitions (Eq. 3-7), with hops left ->
right running down the bias for ``dE > 0``. The well keeps its two minima for ``|dE| <~ 0.75 E0``
(checked; larger biases raise ``ValueError``).
"""

from __future__ import annotations

import math

import numpy as np

from .._budget import check_memory
from .._validation import as_float_array, check_int, check_positive
from ..models import STATE_BYTES, HopModel
from ..protocols import (
    Constant,
    PiecewiseConstant,
    PiecewiseLinear,
    Protocol,
    as_protocol,
)

__all__ = [
    "TILT_WIDTH", "MIN_SITES_PER_WIDTH", "EDGE_HEIGHT", "resolved_double_well", "quartic_double_well",
    "default_x_range", "discretize", "double_well", "barrier_shape", "tilt_shape", "tilted_quartic",
]

#: Half-width ``w`` of the region around the barrier top where the bias tilt of
#: :func:`quartic_double_well` changes; outside it the wells are rigidly shifted copies.
TILT_WIDTH = 0.6

#: Bytes of the arrays a grid of ``K`` sites takes per site (the potential, the tridiagonal generator
#: and its eigen-solver's work space: about 92 B measured for :func:`~stochlim.coarse.well_split`).
SITE_BYTES = 128

#: Fewest grid sites per thermal width ``1 / sqrt(|U''|)`` of each well and of the barrier top;
#: coarser grids raise ``ValueError`` (at 2 sites per width the rate error is about 1 %).
MIN_SITES_PER_WIDTH = 2.0

#: Energy (kT) above the barrier top that :func:`default_x_range` puts at the reflecting ends.
EDGE_HEIGHT = 25.0


# --- potentials ---------------------------------------------------------------------------------


def _smooth_step(y):
    """Seventh-order smooth step: -1 for y <= -1, +1 for y >= 1, C^3 in between."""
    y = np.clip(y, -1.0, 1.0)
    return (35.0 * y**3 - 42.0 * y**5 + 15.0 * y**7) / 8.0


def _check_double_well_params(E0, dE) -> tuple[float, float]:
    e0 = float(check_positive("E0", E0))
    de = float(as_float_array("dE", dE))
    return e0, de


def quartic_double_well(E0, dE=0.0):
    """The standard tilted quartic double well ``U(x)`` in kT, as a callable.

    ``U(x) = E0 (x^2 - 1)^2 - (dE / 2) s(x / w)``: minima at ``x = -1`` (energy ``dE/2``) and
    ``x = +1`` (``-dE/2``), barrier top ``U(0) = E0``, i.e. ``E0`` measured from the mean of the
    two well energies and ``dE = E_left - E_right`` as in the paper's Eq. 3-7. See the module
    docstring for ``s`` and ``w``.

    Parameters
    ----------
    E0 : float
        Barrier height in kT, > 0.
    dE : float, optional
        Bias in kT; ``|dE|`` must stay below about ``0.75 E0`` for two minima (checked by
        :func:`double_well` and :func:`well_split`).

    Returns
    -------
    callable
        ``U(x)`` for arrays ``x``.

    Raises
    ------
    ValueError
        If ``E0`` is not positive, or ``E0`` or ``dE`` is NaN or infinite.
    TypeError
        If ``E0`` or ``dE`` is not a real number.

    Examples
    --------
    >>> from stochlim.coarse import quartic_double_well
    >>> U = quartic_double_well(10.0, 2.0)
    >>> U([-1.0, 0.0, 1.0]).tolist()   # left well dE/2, top E0, right well -dE/2
    [1.0, 10.0, -1.0]
    """
    e0, de = _check_double_well_params(E0, dE)

    def U(x):
        x = np.asarray(x, dtype=np.float64)
        return e0 * (x * x - 1.0) ** 2 - 0.5 * de * _smooth_step(x / TILT_WIDTH)

    return U


def barrier_shape(x):
    """``(x^2 - 1)^2``: unit barrier at ``x = 0`` between minima at ``x = +-1`` (kT per kT of height).

    Parameters
    ----------
    x : array_like
        Positions.

    Returns
    -------
    ndarray
        ``(x^2 - 1)^2``, same shape as ``x``.

    Examples
    --------
    >>> from stochlim.coarse import barrier_shape
    >>> barrier_shape([-1.0, 0.0, 1.0]).tolist()
    [0.0, 1.0, 0.0]
    """
    x = np.asarray(x, dtype=np.float64)
    return (x * x - 1.0) ** 2


def tilt_shape(x):
    """``-x / 2``: a linear tilt with ``tilt_shape(-1) - tilt_shape(1) = 1`` (kT per kT of tilt).

    Parameters
    ----------
    x : array_like
        Positions.

    Returns
    -------
    ndarray
        ``-x / 2``, same shape as ``x``.

    Examples
    --------
    >>> from stochlim.coarse import tilt_shape
    >>> tilt_shape([-1.0, 1.0]).tolist()
    [0.5, -0.5]
    """
    return -0.5 * np.asarray(x, dtype=np.float64)


def tilted_quartic(barrier, tilt):
    """``U(x) = B (x^2 - 1)^2 - T x / 2`` with barrier height ``B`` and tilt ``T``, any real values.

    Linear in ``(B, T)`` (:func:`barrier_shape`, :func:`tilt_shape`), so both can be controlled
    separately and without limit: unlike :func:`quartic_double_well`, whose localised tilt grows a
    third minimum beyond ``|dE| / E0 ~ 0.72``, a large linear tilt merges the two wells into one, as
    erasing a bit needs. ``U(-1) - U(1) = T``; for ``|T| < 16 B / (3 sqrt 3)`` there are two minima
    (near, not at, ``x = +-1``).

    Parameters
    ----------
    barrier : float
        Barrier height ``B`` in kT (any real value).
    tilt : float
        Tilt ``T = U(-1) - U(1)`` in kT (any real value).

    Returns
    -------
    callable
        ``U(x)`` for arrays ``x``.

    Raises
    ------
    ValueError
        If ``barrier`` or ``tilt`` is NaN or infinite.
    TypeError
        If ``barrier`` or ``tilt`` is not a single real number.

    Examples
    --------
    >>> from stochlim.coarse import tilted_quartic
    >>> tilted_quartic(5.0, 1.0)([-1.0, 0.0, 1.0]).tolist()
    [0.5, 5.0, -0.5]
    """
    b = float(as_float_array("barrier", barrier))
    t = float(as_float_array("tilt", tilt))
    return lambda x: b * barrier_shape(x) + t * tilt_shape(x)


def default_x_range(E0) -> tuple[float, float]:
    """Symmetric ``x_range`` whose ends lie ``EDGE_HEIGHT`` kT above the barrier top.

    ``E0 (x^2 - 1)^2 = E0 + EDGE_HEIGHT`` at the ends, so the reflecting boundaries change no rate
    by more than about ``exp(-EDGE_HEIGHT)``.

    Parameters
    ----------
    E0 : float or array_like
        Barrier height(s) in kT, > 0; the smallest sets the range.

    Returns
    -------
    (float, float)
        ``(-edge, edge)``.

    Raises
    ------
    ValueError
        If any ``E0`` is not positive (or is NaN).

    Examples
    --------
    >>> from stochlim.coarse import EDGE_HEIGHT, default_x_range, quartic_double_well
    >>> lo, hi = default_x_range(10.0)
    >>> print(f"{hi:.6g}", f"{float(quartic_double_well(10.0)(hi)) - 10.0:.6g}")   # EDGE_HEIGHT above the top
    1.69435 25
    """
    e0 = float(np.min(check_positive("E0", E0)))
    edge = math.sqrt(1.0 + math.sqrt(1.0 + EDGE_HEIGHT / e0))
    return (-edge, edge)


# --- discretisation -----------------------------------------------------------------------------


def _grid(x_range, K, site_bytes: int = SITE_BYTES) -> tuple[np.ndarray, float]:
    k = check_int("K", K, minimum=3)
    check_memory("K", k, site_bytes * k, "fine model's sites")
    xr = as_float_array("x_range", x_range)
    if xr.shape != (2,) or not xr[0] < xr[1]:
        raise ValueError(f"x_range must be (low, high) with low < high: got {tuple(np.ravel(xr))}")
    x = np.linspace(xr[0], xr[1], k)
    return x, float(x[1] - x[0])


def _evaluate(U, x: np.ndarray, *args) -> np.ndarray:
    if not callable(U):
        raise TypeError(f"U must be a callable U(x) or U(x, t): got {type(U).__name__}")
    u = np.broadcast_to(np.asarray(U(x, *args), dtype=np.float64), x.shape)
    bad = ~np.isfinite(u)
    if bad.any():
        i = int(np.argmax(bad))
        when = f" at t = {args[0]!r}" if args else ""
        raise ValueError(f"U must be finite on x_range: got {u[i]!r} at x = {x[i]:.6g}{when}")
    return np.array(u)


def discretize(U, *, x_range, K, D=1.0, times=None, interpolation="linear") -> HopModel:
    """A fine-grained :class:`HopModel` of overdamped diffusion in the potential ``U``.

    ``K`` sites on ``x_range`` with nearest-neighbour hops ``k_{i->i+1} = (D/h^2)
    exp(-(U_{i+1} - U_i)/2)``: ``rate_law="arrhenius"``, barrier 0, ``J_max = D / h^2`` (module
    docstring). Local detailed balance holds exactly; the Smoluchowski limit is reached as
    ``K -> inf`` with error O(h^2). Time is in the unit of ``1 / D`` (x dimensionless).

    Parameters
    ----------
    U : callable
        ``U(x)`` in kT for an array ``x`` (static), or ``U(x, t)`` when ``times`` is given.
    x_range : (float, float)
        Ends of the interval (reflecting).
    K : int
        Number of sites, >= 3.
    D : float, optional
        Diffusion constant, > 0.
    times : array_like, optional
        Strictly increasing knot times at which ``U(x, t)`` is sampled; the site energies become
        protocols through these knots.
    interpolation : {"linear", "constant"}, optional
        With ``times``: :class:`~stochlim.protocols.PiecewiseLinear` site energies (exact when
        ``U`` is linear in t between knots) or :class:`~stochlim.protocols.PiecewiseConstant`
        steps (``U(x, times[j])`` holds on ``[times[j], times[j+1])``).

    Returns
    -------
    HopModel
        States ``0 .. K-1`` at ``x = linspace(*x_range, K)``; edge ``i`` joins sites ``i, i+1``.

    Raises
    ------
    ValueError
        If ``K < 3``; ``x_range`` is not ``(low, high)`` with ``low < high``; ``U`` is not finite on
        ``x_range``; ``D`` is not positive; ``interpolation`` is neither ``"linear"`` nor
        ``"constant"``; or ``times`` is not one-dimensional and strictly increasing.
    TypeError
        If ``U`` is not callable, or ``K`` is not an integer.
    MemoryError
        If the model of ``K`` sites would not fit in this machine's memory (about 1 kB per site).

    Examples
    --------
    >>> import numpy as np
    >>> from stochlim.coarse import discretize, quartic_double_well
    >>> U = quartic_double_well(4.0)
    >>> model = discretize(U, x_range=(-2.0, 2.0), K=101)
    >>> model.n_states, model.n_edges, round(model.J_max, 6)   # J_max = D / h^2, h = 0.04
    (101, 100, 625.0)
    >>> w = np.exp(-U(np.linspace(-2.0, 2.0, 101)))
    >>> bool(np.allclose(model.equilibrium(), w / w.sum()))   # Boltzmann on the sites
    True
    """
    x, h = _grid(x_range, K, STATE_BYTES)  # a HopModel: a protocol per site and per edge
    d = float(check_positive("D", D))
    if times is None:
        energies = tuple(float(v) for v in _evaluate(U, x))
    else:
        if interpolation not in ("linear", "constant"):
            raise ValueError(f"interpolation must be 'linear' or 'constant': got {interpolation!r}")
        t = as_float_array("times", times)
        if t.ndim != 1 or np.any(np.diff(t) <= 0):
            raise ValueError("times must be one-dimensional and strictly increasing")
        table = np.stack([_evaluate(U, x, float(tk)) for tk in t])
        kind = PiecewiseLinear if interpolation == "linear" else PiecewiseConstant
        energies = tuple(kind(t, table[:, i]) for i in range(x.size))
    edges = np.column_stack((np.arange(x.size - 1), np.arange(1, x.size)))
    return HopModel(energies, edges, 0.0, J_max=d / h**2, rate_law="arrhenius")


def _extrema(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices of strict interior local minima and maxima of a sampled curve (plateaus merged)."""
    keep = np.concatenate(([True], np.diff(u) != 0))
    idx = np.flatnonzero(keep)
    v = u[idx]
    s = np.sign(np.diff(v))
    turn = np.flatnonzero(s[1:] != s[:-1]) + 1
    return idx[turn[s[turn - 1] < 0]], idx[turn[s[turn - 1] > 0]]


def _curvature(U, x0: float, step: float) -> float:
    xs = np.array([x0 - step, x0, x0 + step])
    u = _evaluate(U, xs)
    with np.errstate(over="ignore"):  # an inf curvature is a well far too narrow for the grid: refused below
        return float((u[0] - 2.0 * u[1] + u[2]) / step**2)


def _two_minima(U, x: np.ndarray, u: np.ndarray) -> tuple[int, int, int]:
    mins, maxs = _extrema(u)
    if mins.size != 2:
        raise ValueError(
            f"U must have exactly two minima on x_range for a two-state reduction: found {mins.size}"
            + (f" (at x = {np.round(x[mins], 4).tolist()})" if mins.size else "")
        )
    inner = maxs[(maxs > mins[0]) & (maxs < mins[1])]
    top = int(inner[np.argmax(u[inner])])
    return int(mins[0]), top, int(mins[1])


def _check_resolution(U, x: np.ndarray, h: float, points) -> None:
    for name, i in points:
        c = abs(_curvature(U, float(x[i]), h / 4.0))
        width = 1.0 / math.sqrt(c) if c > 0 else math.inf
        if width / h < MIN_SITES_PER_WIDTH:
            raise ValueError(
                f"K is too small to resolve the {name}: the grid spacing {h:.4g} leaves "
                f"{width / h:.2f} sites per thermal width 1/sqrt|U''| = {width:.4g} "
                f"(need >= {MIN_SITES_PER_WIDTH:g}); increase K"
            )


def resolved_double_well(U, *, x_range, K):
    """Sample a static ``U(x)`` on the grid and check it is a resolved double well.

    Parameters
    ----------
    U : callable
        Static potential ``U(x)`` in kT.
    x_range, K
        As for :func:`discretize`.

    Returns
    -------
    (ndarray, float, ndarray, (int, int, int))
        ``(x, h, u, (left, top, right))``: sites, spacing, energies and the site indices of the two
        minima and the top.

    Raises
    ------
    ValueError
        If ``U`` is not finite, lacks exactly two minima on the grid, or ``K`` leaves fewer than
        ``MIN_SITES_PER_WIDTH`` sites per thermal width of a well or the top; if ``K < 3`` or
        ``x_range`` is not ``(low, high)`` with ``low < high``.
    TypeError
        If ``U`` is not callable, or ``K`` is not an integer.
    MemoryError
        If the ``K`` sites' arrays would not fit in this machine's memory (about 128 B per site).

    Examples
    --------
    >>> from stochlim.coarse.landscapes import quartic_double_well, resolved_double_well
    >>> x, h, u, (left, top, right) = resolved_double_well(quartic_double_well(8.0), x_range=(-2.0, 2.0), K=201)
    >>> print(x[left], x[top], x[right], round(h, 6))
    -1.0 0.0 1.0 0.02
    """
    x, h = _grid(x_range, K)
    u = _evaluate(U, x)
    left, top, right = _two_minima(U, x, u)
    _check_resolution(U, x, h, [("left well", left), ("barrier top", top), ("right well", right)])
    return x, h, u, (left, top, right)


def _double_well_knots(E0, dE) -> tuple[Protocol, Protocol, np.ndarray | None, str]:
    """Protocols for E0, dE, their union of knots (None if static) and the interpolation kind."""
    p_e0, p_de = as_protocol("E0", E0), as_protocol("dE", dE)
    varying = [p for p in (p_e0, p_de) if not isinstance(p, Constant)]
    if not varying:
        return p_e0, p_de, None, "constant"
    kinds = {isinstance(p, PiecewiseLinear) and not p.is_piecewise_constant for p in varying}
    if len(kinds) > 1:
        raise ValueError("E0 and dE must both be step (PiecewiseConstant) or both PiecewiseLinear protocols")
    times = np.unique(np.concatenate([p.knots for p in varying]))
    return p_e0, p_de, times, ("linear" if kinds.pop() else "constant")


def double_well(E0, dE=0.0, *, K, x_range=None, D=1.0) -> HopModel:
    """The fine-grained :func:`quartic_double_well`, with time-dependent ``E0`` and ``dE``.

    Parameters
    ----------
    E0, dE : float or Protocol
        Barrier (from the mean of the well energies) and bias ``E_left - E_right`` in kT. Protocols
        must both be steps or both piecewise linear; the potential is linear in ``E0`` and ``dE``,
        so sampling at the union of their knots is exact.
    K : int
        Number of sites; each well and the barrier top need ``MIN_SITES_PER_WIDTH`` sites per
        thermal width at every knot.
    x_range : (float, float), optional
        Default :func:`default_x_range` of the smallest barrier.
    D : float, optional
        Diffusion constant, > 0.

    Returns
    -------
    HopModel
        As :func:`discretize`: static energies, or piecewise site-energy protocols through the
        union of the knots of ``E0`` and ``dE``.

    Raises
    ------
    ValueError
        If ``E0`` is not positive at a knot; ``E0`` and ``dE`` mix step and piecewise-linear
        protocols; the potential lacks exactly two minima at a knot (``|dE|`` too large); ``K``
        under-resolves a well or the top; ``x_range`` is not ``(low, high)``; or ``D`` is not
        positive.
    TypeError
        If ``K`` is not an integer, or ``E0``/``dE`` are neither numbers nor protocols.

    Examples
    --------
    >>> import numpy as np
    >>> from stochlim.coarse import double_well
    >>> model = double_well(8.0, 1.0, K=201)
    >>> p = model.equilibrium()
    >>> print(f"{p[101:].sum() / p[:100].sum():.4g}")   # right / left well, about e^(dE) = 2.718
    2.715
    """
    p_e0, p_de, times, kind = _double_well_knots(E0, dE)
    sample_t = np.zeros(1) if times is None else times
    e0s, des = np.atleast_1d(p_e0(sample_t)), np.atleast_1d(p_de(sample_t))
    if x_range is None:
        x_range = default_x_range(e0s)
    check_positive("D", D)
    for e0, de in zip(e0s, des):  # validates E0 > 0, two minima and resolution at every knot
        resolved_double_well(quartic_double_well(e0, de), x_range=x_range, K=K)
    if times is None:
        return discretize(quartic_double_well(e0s[0], des[0]), x_range=x_range, K=K, D=D)

    def U(x, t):
        return quartic_double_well(p_e0(t), p_de(t))(x)

    return discretize(U, x_range=x_range, K=K, D=D, times=times, interpolation=kind)
