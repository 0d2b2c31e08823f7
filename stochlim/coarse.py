"""Coarse-grained rate check: fine-grained barrier landscapes against the two-state rates.

The paper's memory is two wells and a barrier hopped at ``J_max e^-E0`` (Eq. 3), with the net
update rate ``2 J_max e^-E0 tanh(dE/2)`` under a bias (Eq. 7). That two-state picture is an
adiabatic elimination of the fast motion inside the wells and over the barrier top (Kramers 1940,
Physica 7 284; Hänggi, Talkner & Borkovec 1990, Rev. Mod. Phys. 62 251). This module builds the
fine-grained model the two-state numbers come from and measures when they hold.

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
outside) and ``w`` = :data:`TILT_WIDTH`. The tilt changes only near the barrier top, so the minima
stay at ``x = -1`` (left, energy ``+dE/2``) and ``x = +1`` (right, ``-dE/2``), the top stays at
``x = 0`` with ``U = E0``, both wells have the same shape (curvature ``8 E0``) and the top has
curvature ``-4 E0``. Hence ``E0`` is the barrier measured from the mean of the two well energies and
``dE = E_left - E_right`` the bias, exactly the paper's definitions (Eq. 3-7), with hops left ->
right running down the bias for ``dE > 0``. The well keeps its two minima for ``|dE| <~ 0.75 E0``
(checked; larger biases raise ``ValueError``).

Effective rates
---------------
:func:`effective_rates` splits the sites at the barrier top (the top site counts half to each
well), takes the slowest non-zero relaxation rate ``lambda_1`` of the fine generator and the
equilibrium well populations ``P_L, P_R``, and returns ``k_LR = lambda_1 P_R``, ``k_RL = lambda_1
P_L`` (Hänggi et al. 1990, Sec. IV: the rate as the smallest non-vanishing eigenvalue). By
construction ``k_LR / k_RL = P_R / P_L`` (detailed balance of the reduction). :func:`kramers_rates`
is the overdamped Kramers formula ``k = D sqrt(U''(min) |U''(top)|) / (2 pi) exp(-(U_top - U_min))``.

Measured (``stochlim coarse``; D = 1, default x_range, K = 401)
---------------------------------------------------------------
* Convergence in K: the effective rate changes by < 0.15 % between K = 201 and 401 for E0 = 2 ... 16
  (error O(h^2); about 4x smaller per doubling).
* Kramers: ``k_eff / k_Kramers - 1`` = -5.3 % (E0 = 8), -3.4 % (12), -2.5 % (16) at dE = 0: the known
  finite-barrier correction, which for this well is ``1 - 3 / (8 E0)`` to first order (Laplace
  expansion of both well and top integrals); with it the agreement is within 0.7 % for E0 >= 8.
  With a bias the ratio ``k_LR / k_RL`` equals ``exp(dE)`` within 0.6 % for E0 >= 8, dE <= 4, and
  each rate lies within 7 % of Kramers for dE <= E0 / 4 (-6.1 % at E0 = 8, dE = 1; -6.3 % at
  E0 = 12, dE = 3; -5.2 % at E0 = 16, dE = 4): the bias reshapes the barrier top.
* Low barriers: the two-state picture breaks down. ``k_eff / k_Kramers - 1`` = -9.7 % (E0 = 4),
  -6.7 % (E0 = 2) and +13 % (E0 = 1) - the small value at E0 = 2 is a crossing, not agreement:
  against the corrected ``k_Kramers (1 - 3/(8 E0))``, which holds to 0.4 % at E0 = 4, the fine rate
  is off by +15 % at E0 = 2 and +81 % at E0 = 1. The eigenvalue gap ``lambda_2 / lambda_1`` that
  justifies a two-state reduction falls from 6100 (E0 = 8) and 110 (E0 = 4) to 18 (E0 = 2) and
  8 (E0 = 1): there the "rate" is no longer a property of two states alone. The bias also stops
  being the well free-energy difference: ``k_LR / k_RL / exp(dE) - 1`` = -7.6 % at E0 = 2 and
  -10 % at E0 = 1.5 (dE = 1), because the barrier region, where the tilt acts, is populated.
* Eq. 7 against the fine model: the Kramers rates scale like Arrhenius, ``e^-(E0 - dE/2)``, so
  the fine net current is ``2 A e^-E0 sinh(dE/2)``; Eq. 7's ``tanh(dE/2)`` under-estimates it by
  the factor ``cosh(dE/2)`` (-11 % at dE = 1, -35 % at dE = 2). The Kramers prefactor ``A = D
  sqrt(32) E0 / (2 pi)`` also grows with E0, which a constant ``J_max`` (Eq. 3) does not capture.
* Driven: the two-state reduction (well free energies and the effective rates of the
  instantaneous potential, :func:`reduce_two_state`) converges to the fine model as the protocol
  slows against the intra-well relaxation time tau_intra = 1 / (8 E0 D), not against the hop time.
  For a ramp E0 8 -> 4 kT, dE 0 -> 2 kT of duration T (K = 151), the two-state heat minus the fine
  heat is -0.34, -0.13, -0.054, -0.020, -0.0064, -0.0021 kT at T / tau_intra = 1.9, 19, 64, 190,
  640, 6400 (work -0.10 ... -0.0024 kT; occupation within 0.7 % throughout). Under the paper's
  step schedule (polynomial, gamma = 0.5, delta = 0.5, 8 updates, barrier raised by 6 kT)
  occupation and current agree within 0.2 %, and the heat differs by -0.010 ... -0.0065 kT for
  dt / tau_intra = 7 ... 7000: each step quenches the well shape, and that intra-well dissipation
  does not shrink with a longer update. See :func:`driven_comparison` and
  ``notebooks/04_coarse_graining.ipynb``.

Usage
-----
>>> from stochlim import coarse
>>> k_lr, k_rl = coarse.effective_rates(coarse.quartic_double_well(10.0, 1.0),
...                                     x_range=coarse.default_x_range(10.0), K=401)
>>> k_k, _ = coarse.kramers_rates(coarse.quartic_double_well(10.0, 1.0),
...                               x_range=coarse.default_x_range(10.0))
>>> bool(abs(k_lr / k_k - 1) < 0.06)
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.optimize

from ._validation import as_float_array, check_int, check_positive
from .master import MasterSolution, solve_master
from .models import HopModel
from .physics import log_hop_rates
from .protocols import Constant, PiecewiseConstant, PiecewiseLinear, Protocol, as_protocol

__all__ = [
    "TILT_WIDTH",
    "MIN_SITES_PER_WIDTH",
    "quartic_double_well",
    "default_x_range",
    "discretize",
    "double_well",
    "WellSplit",
    "well_split",
    "effective_rates",
    "kramers_rates",
    "intra_well_time",
    "reduce_two_state",
    "DrivenComparison",
    "driven_comparison",
    "rate_table",
    "ramp_scan",
    "plot_coarse",
    "report_section",
    "write_coarse",
]

#: Half-width ``w`` of the region around the barrier top where the bias tilt of
#: :func:`quartic_double_well` changes; outside it the wells are rigidly shifted copies.
TILT_WIDTH = 0.6

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
    """
    e0, de = _check_double_well_params(E0, dE)

    def U(x):
        x = np.asarray(x, dtype=np.float64)
        return e0 * (x * x - 1.0) ** 2 - 0.5 * de * _smooth_step(x / TILT_WIDTH)

    return U


def default_x_range(E0) -> tuple[float, float]:
    """Symmetric ``x_range`` whose ends lie :data:`EDGE_HEIGHT` kT above the barrier top.

    ``E0 (x^2 - 1)^2 = E0 + EDGE_HEIGHT`` at the ends, so the reflecting boundaries change no rate
    by more than about ``exp(-EDGE_HEIGHT)``.
    """
    e0 = float(np.min(check_positive("E0", E0)))
    edge = math.sqrt(1.0 + math.sqrt(1.0 + EDGE_HEIGHT / e0))
    return (-edge, edge)


# --- discretisation -----------------------------------------------------------------------------


def _grid(x_range, K) -> tuple[np.ndarray, float]:
    k = check_int("K", K, minimum=3)
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
    """
    x, h = _grid(x_range, K)
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
        Number of sites; each well and the barrier top need :data:`MIN_SITES_PER_WIDTH` sites per
        thermal width at every knot.
    x_range : (float, float), optional
        Default :func:`default_x_range` of the smallest barrier.
    D : float, optional
        Diffusion constant, > 0.
    """
    p_e0, p_de, times, kind = _double_well_knots(E0, dE)
    sample_t = np.zeros(1) if times is None else times
    e0s, des = np.atleast_1d(p_e0(sample_t)), np.atleast_1d(p_de(sample_t))
    if x_range is None:
        x_range = default_x_range(e0s)
    for e0, de in zip(e0s, des):  # validates E0 > 0, two minima and resolution at every knot
        well_split(quartic_double_well(e0, de), x_range=x_range, K=K, D=D)
    if times is None:
        return discretize(quartic_double_well(e0s[0], des[0]), x_range=x_range, K=K, D=D)

    def U(x, t):
        return quartic_double_well(p_e0(t), p_de(t))(x)

    return discretize(U, x_range=x_range, K=K, D=D, times=times, interpolation=kind)


# --- effective two-state rates ------------------------------------------------------------------


@dataclass(frozen=True)
class WellSplit:
    """The two-state reduction of a fine double-well model at one instant.

    Attributes
    ----------
    k_lr, k_rl : float
        Effective rates left -> right and right -> left (``lambda_1 P_R``, ``lambda_1 P_L``).
    relaxation_rate : float
        Slowest non-zero relaxation rate ``lambda_1`` of the fine generator.
    gap : float
        ``lambda_2 / lambda_1``: the time-scale separation that justifies two states (>> 1).
    p_left, p_right : float
        Equilibrium well populations (the top site counts half to each).
    free_energy : (float, float)
        Well free energies ``F_w = -ln sum_{i in w} e^{-U_i}`` in kT (up to a common constant).
    mean_energy : (float, float)
        Mean energy inside each well in equilibrium, kT; ``mean - F`` is the intra-well entropy.
    top : int
        Index of the barrier-top site.
    """

    k_lr: float
    k_rl: float
    relaxation_rate: float
    gap: float
    p_left: float
    p_right: float
    free_energy: tuple
    mean_energy: tuple
    top: int


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


def _symmetric_generator(u: np.ndarray, h: float, D: float) -> tuple[np.ndarray, np.ndarray]:
    """Diagonal and off-diagonal of ``P^{-1/2} L P^{1/2}`` (P the Boltzmann weights), tridiagonal.

    Detailed balance makes the similarity-transformed generator symmetric with off-diagonal
    ``sqrt(k_{i,i+1} k_{i+1,i}) = D / h^2``; the rates are those of :func:`discretize`.
    """
    log_up, log_down = log_hop_rates(0.0, u[:-1] - u[1:], J_max=D / h**2, law="arrhenius")
    up, down = np.exp(np.atleast_1d(log_up)), np.exp(np.atleast_1d(log_down))
    diag = np.zeros(u.size)
    diag[:-1] -= up
    diag[1:] -= down
    return diag, np.sqrt(up * down)


def well_split(U, *, x_range, K, D=1.0) -> WellSplit:
    """Effective two-state description of a static double well ``U(x)`` from its fine model.

    Parameters are those of :func:`discretize` (``U(x)`` only). Raises ``ValueError`` when ``U``
    is not finite, lacks exactly two minima on the grid, or ``K`` leaves fewer than
    :data:`MIN_SITES_PER_WIDTH` sites per thermal width of a well or the top.
    """
    x, h = _grid(x_range, K)
    d = float(check_positive("D", D))
    u = _evaluate(U, x)
    left, top, right = _two_minima(U, x, u)
    _check_resolution(U, x, h, [("left well", left), ("barrier top", top), ("right well", right)])
    diag, off = _symmetric_generator(u, h, d)
    n = u.size
    ev = scipy.linalg.eigh_tridiagonal(diag, off, eigvals_only=True, select="i",
                                       select_range=(max(n - 3, 0), n - 2))
    lam1, lam2 = -ev[-1], -ev[0]
    weight = np.exp(-(u - u.min()))
    in_left = np.where(np.arange(n) < top, 1.0, 0.0)
    in_left[top] = 0.5
    shares = np.stack((in_left, 1.0 - in_left))
    z = shares @ weight
    p_left, p_right = z / z.sum()
    free = tuple(float(v) for v in u.min() - np.log(z))
    mean = tuple(float(v) for v in (shares @ (weight * u)) / z)
    return WellSplit(
        k_lr=float(lam1 * p_right),
        k_rl=float(lam1 * p_left),
        relaxation_rate=float(lam1),
        gap=float(lam2 / lam1),
        p_left=float(p_left),
        p_right=float(p_right),
        free_energy=free,
        mean_energy=mean,
        top=top,
    )


def effective_rates(U, *, x_range, K, D=1.0) -> tuple[float, float]:
    """Effective two-state rates ``(k_LR, k_RL)`` of a double well from the fine master equation.

    The wells are split at the barrier top; ``k_LR + k_RL`` is the slowest non-zero relaxation rate
    of the fine generator and ``k_LR / k_RL = P_R / P_L`` the ratio of the equilibrium well
    populations (Hänggi, Talkner & Borkovec 1990, Rev. Mod. Phys. 62 251, Sec. IV). Compare with
    :func:`kramers_rates` and, for the net current ``k_LR - k_RL`` under bias, with the paper's
    Eq. 7 (:func:`stochlim.physics.net_rate`). See :func:`well_split` for the other outputs and
    :func:`discretize` for the parameters.
    """
    s = well_split(U, x_range=x_range, K=K, D=D)
    return s.k_lr, s.k_rl


def _refine_extremum(U, x: np.ndarray, i: int, sign: float) -> float:
    res = scipy.optimize.minimize_scalar(lambda z: sign * float(_evaluate(U, np.array([z]))[0]),
                                         bounds=(x[i - 1], x[i + 1]), method="bounded",
                                         options={"xatol": 1e-10 * (x[-1] - x[0])})
    return float(res.x)


def kramers_rates(U, *, x_range, D=1.0, n_grid=20001) -> tuple[float, float]:
    """Overdamped Kramers rates ``(k_LR, k_RL)`` of a static double well ``U(x)`` in kT.

    ``k = D sqrt(U''(x_min) |U''(x_top)|) / (2 pi) exp(-(U(x_top) - U(x_min)))`` for escape from
    each minimum over the top between them (Kramers 1940, Physica 7 284; Hänggi, Talkner &
    Borkovec 1990, Eq. 4.56b). The extrema are located on a grid of ``n_grid`` points and refined
    with a bounded scalar minimisation; curvatures are central differences.

    The formula is the leading term of an expansion in ``1 / E0``; the fine model's rate lies below
    it by the finite-barrier correction (``1 - 3/(8 E0)`` for the symmetric quartic well).
    """
    x, _ = _grid(x_range, n_grid)
    d = float(check_positive("D", D))
    u = _evaluate(U, x)
    left, top, right = _two_minima(U, x, u)
    xl, xt, xr = (_refine_extremum(U, x, left, 1.0), _refine_extremum(U, x, top, -1.0),
                  _refine_extremum(U, x, right, 1.0))
    step = 2e-4 * (x[-1] - x[0])
    ul, ut, ur = _evaluate(U, np.array([xl, xt, xr]))
    c_top = abs(_curvature(U, xt, step))
    k_lr = d * math.sqrt(_curvature(U, xl, step) * c_top) / (2 * math.pi) * math.exp(-(ut - ul))
    k_rl = d * math.sqrt(_curvature(U, xr, step) * c_top) / (2 * math.pi) * math.exp(-(ut - ur))
    return k_lr, k_rl


def intra_well_time(E0, D=1.0):
    """Intra-well relaxation time ``1 / (D U''(min)) = 1 / (8 E0 D)`` of :func:`quartic_double_well`."""
    return 1.0 / (8.0 * check_positive("E0", E0) * float(check_positive("D", D)))


# --- driven comparison --------------------------------------------------------------------------


def _knot_times(times: np.ndarray, t_end: float, kind: str, n_sub: int) -> np.ndarray:
    """Output/knot times on [0, t_end]: the protocol knots, subdivided n_sub-fold where linear."""
    grid = np.unique(np.concatenate(([0.0, t_end], times[(times > 0) & (times < t_end)])))
    if kind == "constant":
        return grid
    parts = [np.linspace(a, b, n_sub, endpoint=False) for a, b in zip(grid[:-1], grid[1:])]
    return np.concatenate(parts + [grid[-1:]])


def reduce_two_state(E0, dE=0.0, *, K, t_end, x_range=None, D=1.0, n_sub=16):
    """The two-state reduction of :func:`double_well` under protocols ``E0(t)``, ``dE(t)``.

    At each knot the reduction takes the fine model's well free energies ``F_L, F_R`` as its two
    energies and the effective rates of :func:`well_split` as its rates (``rate_law="arrhenius"``,
    ``J_max = 1``, barrier ``-ln sqrt(k_LR k_RL)``), so that ``k_LR / k_RL = exp(F_L - F_R)``: the
    adiabatic (instantaneous-equilibrium) two-state model of the paper's Eq. 3 with the prefactor
    and barrier it really has. Between knots the inputs are held (step protocols) or interpolated
    linearly over ``n_sub`` sub-intervals per protocol segment (linear protocols).

    Returns
    -------
    (HopModel, times, splits)
        The two-state model (state 0 = left well), the knot times on ``[0, t_end]`` and the
        :class:`WellSplit` at each of them.
    """
    p_e0, p_de, times, kind = _double_well_knots(E0, dE)
    t_end = float(check_positive("t_end", t_end))
    n_sub = check_int("n_sub", n_sub, minimum=1)
    knots = _knot_times(np.empty(0) if times is None else times, t_end, kind, n_sub)
    e0s, des = np.atleast_1d(p_e0(knots)), np.atleast_1d(p_de(knots))
    if x_range is None:
        x_range = default_x_range(e0s)
    splits = [well_split(quartic_double_well(a, b), x_range=x_range, K=K, D=D) for a, b in zip(e0s, des)]
    free = np.array([s.free_energy for s in splits])
    barrier = np.array([-0.5 * math.log(s.k_lr * s.k_rl) for s in splits])
    protocol = PiecewiseLinear if kind == "linear" else PiecewiseConstant
    energies = (protocol(knots, free[:, 0]), protocol(knots, free[:, 1]))
    model = HopModel(energies, [(0, 1)], protocol(knots, barrier), J_max=1.0, rate_law="arrhenius")
    return model, knots, splits


@dataclass(frozen=True)
class DrivenComparison:
    """Fine model against its two-state reduction under the same protocol (at the knot times).

    Attributes
    ----------
    t : ndarray
        Output times (the reduction's knots).
    p_right_fine, p_right_two_state : ndarray
        Occupation of the right well (fine: top site counted half).
    current_fine, current_two_state : ndarray
        Cumulative net number of crossings left -> right.
    work_fine, work_two_state : ndarray
        Cumulative mean work on the system, kT.
    heat_fine, heat_two_state : ndarray
        Cumulative mean heat released, kT. The reduction's heat is ``W - Delta sum_w p_w U_w``
        with ``U_w`` the equilibrium mean energy inside well ``w`` (the first law with the wells'
        internal energies; Esposito 2012, Phys. Rev. E 85 041125), so that it includes the change
        of the intra-well entropy a two-state model cannot see.
    tau_intra : float
        Shortest intra-well relaxation time over the protocol, ``1 / (8 max E0 D)``.
    fine, two_state : MasterSolution
        The two solutions.
    """

    t: np.ndarray
    p_right_fine: np.ndarray
    p_right_two_state: np.ndarray
    current_fine: np.ndarray
    current_two_state: np.ndarray
    work_fine: np.ndarray
    work_two_state: np.ndarray
    heat_fine: np.ndarray
    heat_two_state: np.ndarray
    tau_intra: float
    fine: MasterSolution
    two_state: MasterSolution

    def errors(self) -> dict:
        """Absolute differences, two-state minus fine: the largest occupation difference over time,
        and the net current, work and heat (kT) accumulated by the end.

        Cumulative quantities are compared at the end because right after a step of the protocol
        the reduction has already released the heat of the intra-well relaxation that the fine
        model releases over the following ``tau_intra``.
        """
        return {
            "occupation": float(np.max(np.abs(self.p_right_two_state - self.p_right_fine))),
            "current": float(self.current_two_state[-1] - self.current_fine[-1]),
            "work": float(self.work_two_state[-1] - self.work_fine[-1]),
            "heat": float(self.heat_two_state[-1] - self.heat_fine[-1]),
        }


def driven_comparison(E0, dE=0.0, *, K, t_end, x_range=None, D=1.0, n_sub=16) -> DrivenComparison:
    """Solve the fine double well and its two-state reduction under the same ``E0(t)``, ``dE(t)``.

    Both start with the left well in local equilibrium (the memory holds "left"); both are solved
    exactly with :func:`stochlim.solve_master` (``"expm"`` for step protocols such as the paper's
    schedules from :func:`stochlim.protocols.schedule_protocols`, Radau for ramps). The reduction
    is :func:`reduce_two_state`. The differences shrink as the protocol gets slow against the
    intra-well relaxation time (:attr:`DrivenComparison.tau_intra`), not against the hop time.

    Parameters
    ----------
    E0, dE, K, x_range, D
        As for :func:`double_well`.
    t_end : float
        End of the comparison, > 0.
    n_sub : int, optional
        Sub-intervals per linear protocol segment for the reduction's inputs.
    """
    two, knots, splits = reduce_two_state(E0, dE, K=K, t_end=t_end, x_range=x_range, D=D, n_sub=n_sub)
    if x_range is None:
        x_range = default_x_range(np.atleast_1d(as_protocol("E0", E0)(knots)))
    fine = double_well(E0, dE, K=K, x_range=x_range, D=D)
    top0 = splits[0].top
    u0 = fine.energy(0.0)
    local = np.where(np.arange(fine.n_states) <= top0, np.exp(-(u0 - u0.min())), 0.0)
    local[top0] *= 0.5
    method = "expm" if two.lower(float(t_end)).is_piecewise_constant else "ode"
    sol_f = solve_master(fine, p0=local / local.sum(), t_eval=knots, method=method)
    sol_2 = solve_master(two, p0=[1.0, 0.0], t_eval=knots, method=method)
    for sol in (sol_f, sol_2):
        if not sol.success:
            raise RuntimeError(f"master equation failed: {sol.message}")
    tops = np.array([s.top for s in splits])
    rows = np.arange(knots.size)
    p_right_f = np.array([p[t + 1 :].sum() + 0.5 * p[t] for p, t in zip(sol_f.p, tops)])
    current_f = 0.5 * (sol_f.currents[rows, tops - 1] + sol_f.currents[rows, tops])
    mean_u = np.array([s.mean_energy for s in splits])
    internal = np.einsum("tw,tw->t", sol_2.p, mean_u)
    e0_max = float(np.max(as_protocol("E0", E0)(knots)))
    return DrivenComparison(
        t=knots,
        p_right_fine=p_right_f,
        p_right_two_state=sol_2.p[:, 1],
        current_fine=current_f,
        current_two_state=sol_2.currents[:, 0],
        work_fine=sol_f.mean_work,
        work_two_state=sol_2.mean_work,
        heat_fine=sol_f.mean_heat,
        heat_two_state=sol_2.mean_work - (internal - internal[0]),
        tau_intra=float(intra_well_time(e0_max, D)),
        fine=sol_f,
        two_state=sol_2,
    )


# --- tables -------------------------------------------------------------------------------------


def rate_table(E0_values, dE_values, K_values, *, D=1.0) -> list[dict]:
    """Effective rates against Kramers, Arrhenius and Eq. 7 on a grid of barriers, biases and K.

    For each ``(E0, dE, K)`` with two minima and enough resolution: the effective rates of the
    fine model (:func:`effective_rates`, default x_range), the Kramers rates, their relative
    errors, the ratio ``k_LR / k_RL`` against ``exp(dE)``, the fine net current against Eq. 7
    ``2 A e^-E0 tanh(dE/2)`` and the Arrhenius form ``2 A e^-E0 sinh(dE/2)`` with the prefactor
    ``A`` fitted at zero bias (``A = k(dE=0) e^E0`` at the same E0 and K), and the eigenvalue gap.
    Combinations that are not a resolved double well are skipped.
    """
    rows = []
    for e0 in np.atleast_1d(as_float_array("E0_values", E0_values)):
        xr = default_x_range(e0)
        for k in np.atleast_1d(K_values):
            try:
                prefactor = well_split(quartic_double_well(e0, 0.0), x_range=xr, K=int(k), D=D).k_lr * math.exp(e0)
            except ValueError:
                continue
            for de in np.atleast_1d(as_float_array("dE_values", dE_values)):
                U = quartic_double_well(e0, de)
                try:
                    s = well_split(U, x_range=xr, K=int(k), D=D)
                except ValueError:
                    continue
                kk_lr, kk_rl = kramers_rates(U, x_range=xr, D=D)
                net = s.k_lr - s.k_rl
                eq7 = 2.0 * prefactor * math.exp(-e0) * math.tanh(de / 2.0)
                arr = 2.0 * prefactor * math.exp(-e0) * math.sinh(de / 2.0)
                rows.append({
                    "E0": float(e0), "dE": float(de), "K": int(k),
                    "k_lr": s.k_lr, "k_rl": s.k_rl, "kramers_lr": kk_lr, "kramers_rl": kk_rl,
                    "rel_err_kramers": kk_lr / s.k_lr - 1.0,
                    "ratio_over_exp_dE": s.k_lr / s.k_rl / math.exp(de) - 1.0,
                    "net_current": net,
                    "rel_err_eq7": (eq7 / net - 1.0) if de != 0 else 0.0,
                    "rel_err_arrhenius": (arr / net - 1.0) if de != 0 else 0.0,
                    "gap": s.gap,
                })
    return rows


def ramp_scan(durations, *, E0=(8.0, 4.0), dE=(0.0, 2.0), K=151, D=1.0) -> list[dict]:
    """Two-state reduction errors against the duration ``T`` of a linear ramp.

    ``E0`` and ``dE`` go linearly from their first to their second value over ``T``, starting in
    the left well (:func:`driven_comparison`). Each row holds ``T``, ``T / tau_intra`` and the
    :meth:`DrivenComparison.errors` (two-state minus fine), plus the fine model's heat.
    """
    rows = []
    for T in np.atleast_1d(check_positive("durations", durations)):
        T = float(T)
        c = driven_comparison(PiecewiseLinear([0.0, T], E0), PiecewiseLinear([0.0, T], dE),
                              K=K, t_end=T, D=D)
        rows.append({"T": T, "T_over_tau_intra": T / c.tau_intra, "heat_fine": float(c.heat_fine[-1]),
                     **c.errors()})
    return rows


def plot_coarse(rate_rows, ramp_rows):
    """Figure: two-state (Kramers) rate error vs E0 per K and bias; heat error vs ramp duration.

    Parameters
    ----------
    rate_rows : list of dict
        From :func:`rate_table`.
    ramp_rows : list of dict
        From :func:`ramp_scan`.

    Returns
    -------
    (fig, axes)
    """
    import matplotlib.pyplot as plt

    fig, (ax_rate, ax_heat) = plt.subplots(1, 2, figsize=(11, 4.2))
    ks = sorted({r["K"] for r in rate_rows})
    des = sorted({r["dE"] for r in rate_rows})
    styles = ["-", "--", ":", "-."]
    for j, de in enumerate(des):
        for i, k in enumerate(ks):
            sel = [r for r in rate_rows if r["K"] == k and r["dE"] == de]
            ax_rate.plot([r["E0"] for r in sel], [100 * r["rel_err_kramers"] for r in sel],
                         styles[i % len(styles)], color=f"C{j}", marker="o", ms=3,
                         label=f"dE = {de:g} kT, K = {k}")
    ax_rate.axhline(0.0, color="0.6", lw=0.8)
    ax_rate.set_xlabel("barrier E0 / kT")
    ax_rate.set_ylabel("Kramers rate / fine-model rate - 1  [%]")
    ax_rate.set_title("two-state (Kramers) rate error")
    ax_rate.legend(fontsize=7, ncol=2)
    x = [r["T_over_tau_intra"] for r in ramp_rows]
    for key, label in [("heat", "heat"), ("work", "work"), ("occupation", "occupation (max |dP|)")]:
        ax_heat.loglog(x, [abs(r[key]) for r in ramp_rows], marker="o", label=label)
    ax_heat.set_xlabel("ramp duration T / tau_intra")
    ax_heat.set_ylabel("|two-state - fine|  [kT; probability]")
    ax_heat.set_title("driven ramp: E0 8 -> 4 kT, dE 0 -> 2 kT")
    ax_heat.legend(fontsize=8)
    fig.tight_layout()
    return fig, (ax_rate, ax_heat)


def report_section() -> str:
    """One line for ``stochlim reproduce``: Kramers agreement, low-barrier breakdown, heat error."""
    def err(e0):
        xr = default_x_range(e0)
        k = effective_rates(quartic_double_well(e0, 0.0), x_range=xr, K=401)[0]
        return 100 * (k / kramers_rates(quartic_double_well(e0, 0.0), x_range=xr)[0] - 1)

    fast, slow = ramp_scan([1.0, 100.0])
    return (
        "## Two-state rates against a fine double well (`stochlim coarse`)\n\n"
        f"Fine quartic double well against the two-state picture: rate vs Kramers {err(8.0):+.1f} % "
        f"at E0 = 8 kT, {err(1.0):+.1f} % at E0 = 1 kT (breakdown); two-state heat error for an "
        f"E0 8 -> 4 kT, dE 0 -> 2 kT ramp {fast['heat']:+.3f} kT at T = {fast['T_over_tau_intra']:.0f} "
        f"tau_intra and {slow['heat']:+.4f} kT at T = {slow['T_over_tau_intra']:.0f} tau_intra "
        "(`stochlim coarse` for the tables).\n"
    )


def _markdown(rows: list[dict], keys: list[str]) -> str:
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(f"{r[k]:.4g}" for k in keys) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def write_coarse(out_dir, *, E0_values, dE_values, K_values, durations, formats=("png", "pdf")) -> list:
    """Write ``coarse_rates.csv``, ``coarse_ramp.csv``, ``coarse.md`` and the figure into ``out_dir``.

    The tables are :func:`rate_table` and :func:`ramp_scan`; the figure is :func:`plot_coarse`.
    Returns the written paths.
    """
    import csv
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    from .plots import save_figure

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rates = rate_table(E0_values, dE_values, K_values)
    if not rates:
        raise ValueError("no (E0, dE, K) combination is a resolved double well: raise K or E0, or "
                         "lower |dE| below 0.75 E0")
    ramps = ramp_scan(durations)
    written = []
    for name, rows in (("coarse_rates.csv", rates), ("coarse_ramp.csv", ramps)):
        path = out / name
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        written.append(path)
    md = out / "coarse.md"
    md.write_text(
        "# Coarse-grained rates: fine double well against the two-state picture\n\n"
        "## Effective rates (relative errors are prediction / fine - 1)\n\n"
        + _markdown(rates, ["E0", "dE", "K", "k_lr", "k_rl", "rel_err_kramers", "ratio_over_exp_dE",
                            "rel_err_eq7", "rel_err_arrhenius", "gap"])
        + "\n## Driven ramp E0 8 -> 4 kT, dE 0 -> 2 kT (two-state minus fine, at the end)\n\n"
        + _markdown(ramps, ["T", "T_over_tau_intra", "occupation", "current", "work", "heat", "heat_fine"]),
        encoding="utf-8",
    )
    written.append(md)
    fig, _ = plot_coarse(rates, ramps)
    return written + save_figure(fig, out, "coarse", formats)
