"""Two-state rates of a fine landscape: the slowest relaxation split by well populations, and Kramers.

:func:`effective_rates` splits the sites at the barrier top (the top site counts half to each
well), takes the slowest non-zero relaxation rate ``lambda_1`` of the fine generator and the
equilibrium well populations ``P_L, P_R``, and returns ``k_LR = lambda_1 P_R``, ``k_RL = lambda_1
P_L`` (Hänggi et al. 1990, Sec. IV: the rate as the smallest non-vanishing eigenvalue). By
construction ``k_LR / k_RL = P_R / P_L`` (detailed balance of the reduction). :func:`kramers_rates`
is the overdamped Kramers formula ``k = D sqrt(U''(min) |U''(top)|) / (2 pi) exp(-(U_top - U_min))``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.optimize

from .._validation import check_positive
from ..physics import log_hop_rates
from .landscapes import _curvature, _evaluate, _grid, _two_minima, resolved_double_well

__all__ = ["WellSplit", "well_split", "effective_rates", "kramers_rates", "intra_well_time"]

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

    Built by :func:`well_split`.

    Examples
    --------
    >>> import math
    >>> from stochlim.coarse import default_x_range, quartic_double_well, well_split
    >>> s = well_split(quartic_double_well(8.0, 1.0), x_range=default_x_range(8.0), K=301)
    >>> math.isclose(s.k_lr / s.k_rl, math.exp(s.free_energy[0] - s.free_energy[1]))   # detailed balance
    True
    >>> bool(s.gap > 100.0)   # the two-state picture is justified
    True
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


def _symmetric_generator(u: np.ndarray, h: float, D: float) -> tuple[np.ndarray, np.ndarray]:
    """Diagonal and off-diagonal of ``P^{-1/2} L P^{1/2}`` (P the Boltzmann weights), tridiagonal.

    Detailed balance makes the similarity-transformed generator symmetric with off-diagonal
    ``sqrt(k_{i,i+1} k_{i+1,i}) = D / h^2``; the rates are those of :func:`discretize`.
    """
    log_up, log_down = log_hop_rates(0.0, u[:-1] - u[1:], J_max=D / h**2, rate_law="arrhenius")
    up, down = np.exp(np.atleast_1d(log_up)), np.exp(np.atleast_1d(log_down))
    diag = np.zeros(u.size)
    diag[:-1] -= up
    diag[1:] -= down
    return diag, np.sqrt(up * down)


def well_split(U, *, x_range, K, D=1.0) -> WellSplit:
    """Effective two-state description of a static double well ``U(x)`` from its fine model.

    Parameters
    ----------
    U : callable
        Static potential ``U(x)`` in kT.
    x_range, K, D
        As for :func:`discretize`: interval ends, number of sites (>= 3), diffusion constant (> 0).

    Returns
    -------
    WellSplit

    Raises
    ------
    ValueError
        If ``U`` is not finite, lacks exactly two minima on the grid, or ``K`` leaves fewer than
        ``MIN_SITES_PER_WIDTH`` sites per thermal width of a well or the top; if ``K < 3``,
        ``x_range`` is not ``(low, high)`` with ``low < high``, or ``D`` is not positive.
    TypeError
        If ``U`` is not callable, or ``K`` is not an integer.
    MemoryError
        If the ``K`` sites' arrays would not fit in this machine's memory (about 128 B per site).

    Examples
    --------
    >>> from stochlim.coarse import default_x_range, quartic_double_well, well_split
    >>> s = well_split(quartic_double_well(8.0, 1.0), x_range=default_x_range(8.0), K=301)
    >>> print(f"{s.p_right / s.p_left:.4g}", s.top)   # about e^(dE) = 2.718; top at x = 0
    2.715 150
    """
    d = float(check_positive("D", D))
    x, h, u, (left, top, right) = resolved_double_well(U, x_range=x_range, K=K)
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
    Eq. 7 (:func:`stochlim.physics.net_rate`). See :func:`well_split` for the other outputs.

    Parameters
    ----------
    U, x_range, K, D
        As for :func:`well_split`.

    Returns
    -------
    (float, float)
        ``(k_LR, k_RL)`` in units of ``D``.

    Raises
    ------
    ValueError, TypeError
        As :func:`well_split`.

    Examples
    --------
    >>> from stochlim.coarse import default_x_range, effective_rates, quartic_double_well
    >>> k_lr, k_rl = effective_rates(quartic_double_well(8.0), x_range=default_x_range(8.0), K=301)
    >>> print(f"{k_lr:.4g}", f"{k_lr / k_rl:.6g}")   # symmetric well: equal rates
    0.002289 1
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

    Parameters
    ----------
    U : callable
        Static potential ``U(x)`` in kT.
    x_range : (float, float)
        Interval holding both minima and the top between them.
    D : float, optional
        Diffusion constant, > 0.
    n_grid : int, optional
        Points of the grid that locates the extrema, >= 3.

    Returns
    -------
    (float, float)
        ``(k_LR, k_RL)`` in units of ``D``.

    Raises
    ------
    ValueError
        If ``U`` is not finite or lacks exactly two minima on ``x_range``; if ``n_grid < 3``,
        ``x_range`` is not ``(low, high)`` with ``low < high``, or ``D`` is not positive.
    TypeError
        If ``U`` is not callable, or ``n_grid`` is not an integer.

    Examples
    --------
    >>> import math
    >>> from stochlim.coarse import default_x_range, effective_rates, kramers_rates, quartic_double_well
    >>> U, xr = quartic_double_well(8.0), default_x_range(8.0)
    >>> k_kramers, _ = kramers_rates(U, x_range=xr)
    >>> exact = math.sqrt(8 * 8.0 * 4 * 8.0) / (2 * math.pi) * math.exp(-8.0)   # U'' = 8 E0, -4 E0
    >>> print(f"{k_kramers:.4g}", f"{exact:.4g}")
    0.002416 0.002416
    >>> k_fine, _ = effective_rates(U, x_range=xr, K=301)
    >>> print(f"{k_fine / k_kramers:.3f}", f"{1 - 3 / (8 * 8.0):.3f}")   # finite-barrier correction
    0.947 0.953
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
    """Intra-well relaxation time ``1 / (D U''(min)) = 1 / (8 E0 D)`` of :func:`quartic_double_well`.

    Parameters
    ----------
    E0 : float or array_like
        Barrier height(s) in kT, > 0.
    D : float, optional
        Diffusion constant, > 0.

    Returns
    -------
    float or ndarray
        ``1 / (8 E0 D)``, shaped like ``E0``.

    Raises
    ------
    ValueError
        If ``E0`` or ``D`` is not positive.

    Examples
    --------
    >>> from stochlim.coarse import intra_well_time
    >>> print(f"{float(intra_well_time(10.0, D=2.0)):.6g}")
    0.00625
    """
    return 1.0 / (8.0 * check_positive("E0", E0) * float(check_positive("D", D)))
