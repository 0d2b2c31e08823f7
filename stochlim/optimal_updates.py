"""The paper's memory update set beside the least work physics allows for the same time and error.

One update ``n`` of Chen et al. (2026), Eq. 17-19, read as a two-state write: the memory's bit,
initially unknown (``p = 1/2``, gap 0), is pushed towards its new value by the bias ``dE_n = eps_n /
delta`` (Eq. 18) over the barrier ``E0_n`` (Eq. 19, sign corrected) for the update's duration
``tau_n = 1 / r_n`` (in ``1 / J_max``: one net hop at the rate ``J_n = r_n J_max``), after which the
bias is removed. With the paper law the total rate is ``Gamma_n = 2 e^-E0_n = r_n / tanh(dE_n / 2)``,
so ``Gamma_n tau_n = 1 / tanh(dE_n / 2)``, and the master equation gives in closed form

* the error ``eps_n = q + (1/2 - q) e^(-Gamma_n tau_n)``, ``q = 1 / (1 + e^dE_n)`` (about ``e^-1 / 2``
  for every large bias), and the work of the step, ``dE_n (1/2 - eps_n)`` kT;
* the paper's charge for the update, ``dE_n`` kT (Eq. 22-23: ``dE_n`` per FLOP).

The step runs at the speed limit of its own barrier (``Gamma_n tau_n`` is within ``e^-dE_n`` of the
least time ``ln(1 / (2 eps_n))`` of :func:`stochlim.finite_time.erasure_min_time`): any protocol that
keeps that barrier needs a bias of the same order, and the optimum of
:func:`~stochlim.finite_time.erasure_fixed_rate` saves only a constant (:func:`held_barrier_saving`).
Lowering the barrier to the rate cap ``J_max`` (which the paper allows: ``J_n <= J_max``) gives the
optimum of :func:`~stochlim.finite_time.erasure_rate_cap` for the same ``tau_n`` and ``eps_n``, and
also for the paper's precision ``delta`` as the error where ``tau_n`` allows it.

:func:`brain_scale_totals` sums these per-update costs over the paper's schedules as Eq. 22 does,
``E = F sum(r_n W_n) / sum(r_n) + M kT ln(1/delta)``, beside Eq. 23-24 and the constant-barrier
limit. The ``stochlim reproduce`` section and figure are in :mod:`stochlim.report.optimal`.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp
from scipy.interpolate import CubicSpline
from scipy.optimize import brentq
from scipy.special import expit

from . import finite_time as ft
from ._validation import as_float_array, check_int, check_interval, check_positive, check_scalar, scalar_or_array
from .bounds import ceb_energy, lim_energy, retention_energy
from .constants import BRAIN_FLOPS, BRAIN_PARAMS, DELTA, N_UPDATES
from .schedules import get_schedule
from .units import DEFAULT_TEMPERATURE, kT

__all__ = [
    "PaperUpdate",
    "brain_scale_totals",
    "held_barrier_saving",
    "held_step_work",
    "linear_ramp_work",
    "paper_update",
    "rate_cap_work",
]

#: Brain-scale workload and precision of the paper (F, M, delta) and its finite number of updates
#: (:mod:`stochlim.constants`).
BRAIN = {"flops": BRAIN_FLOPS, "n_params": BRAIN_PARAMS, "delta": DELTA, "n_updates": N_UPDATES}

#: The paper update's own error, ``e^-1 / 2`` (any large bias held for ``1 / r_n``).
PAPER_STEP_ERROR = 0.5 * math.exp(-1.0)


@functools.cache
def held_barrier_saving() -> float:
    """What the least-work protocol with the paper's barrier held saves on the paper's step, kT.

    Step work minus the fixed-rate optimum at ``eps = e^-1 / 2`` (the step's error) and ``tau``
    ``1e-8`` above the speed limit ``ln(1/(2 eps))`` where the paper's updates run: both grow as
    ``(1/2 - eps) ln(1/x)`` with the distance ``x`` to the limit, their difference converges (it is
    the same to 1e-6 at ``x = 1e-6``, tested).

    Returns
    -------
    float
        The saving in kT (positive: the optimum does less work than the paper's step).

    Examples
    --------
    >>> from stochlim.optimal_updates import held_barrier_saving
    >>> print(f"{held_barrier_saving():.4f}")
    0.0518
    """
    eps = PAPER_STEP_ERROR
    tau = float(ft.erasure_min_time(eps)) + 1e-8
    return held_step_work(eps, tau) - ft.erasure_fixed_rate(eps, tau).work


def held_step_work(eps, tau):
    """Work (kT) of the paper's kind of write: one bias step from ``p = 1/2``, held for ``tau``.

    At total rate ``Gamma = 1`` (the barrier held), a bias ``dE`` relaxes the error towards
    ``q = 1 / (1 + e^dE)``: ``eps = q + (1/2 - q) e^-tau``. The bias that reaches ``eps`` in
    ``tau`` is ``dE = ln((1 - q) / q)`` with ``q = (eps - e^-tau / 2) / (1 - e^-tau)``, and the
    step's work is ``dE (1/2 - eps)`` (the bias is lifted at the start, removed at the end).

    Parameters
    ----------
    eps : float
        Final error ``P(state 1)``, in (0, 1/2).
    tau : float or array_like
        Durations in ``1 / Gamma``, each above the speed limit ``ln(1 / (2 eps))``
        (:func:`stochlim.finite_time.erasure_min_time`).

    Returns
    -------
    float or numpy.ndarray
        The work in kT, shaped like ``tau``.

    Raises
    ------
    ValueError
        If ``eps`` is not a single number in (0, 1/2) or a ``tau`` is not above the speed limit.

    Examples
    --------
    >>> import math
    >>> from stochlim.optimal_updates import held_step_work, paper_update
    >>> u = paper_update(1, delta=0.5)   # dE = 2 held for Gamma tau = 1 / tanh(1): the same step
    >>> w = held_step_work(u.error, u.total_rate * u.tau)
    >>> bool(math.isclose(w, u.step_work, rel_tol=1e-6))
    True
    """
    e_min = check_scalar("eps", eps, ft._eps)
    t = as_float_array("tau", tau)
    t_min = float(ft.erasure_min_time(e_min))
    slow = t <= t_min
    if slow.any():
        raise ValueError(f"tau must exceed the speed limit ln(1/(2 eps)) = {t_min:.6g}: got {t[slow].min():.6g}")
    e = np.exp(-t)
    q = (e_min - 0.5 * e) / -np.expm1(-t)
    return scalar_or_array((np.log1p(-q) - np.log(q)) * (0.5 - e_min))


def linear_ramp_work(eps: float, tau: float) -> float:
    """Work (kT) of a linear gap ramp ``0 -> g_f`` over ``tau`` (then back to 0) reaching ``eps``.

    At total rate ``Gamma = 1`` (the paper law with the barrier held) the master equation
    ``dp/dt = q(t) - p``, ``q = 1 / (1 + e^g(t))``, ``g(t) = g_f t / tau``, is integrated with
    ``int p dt`` (DOP853, rtol 1e-10); ``g_f`` is found by root search so that ``p(tau) = eps``,
    and the work is ``(g_f / tau) int p dt - eps g_f``.

    Parameters
    ----------
    eps : float
        Final error ``P(state 1)``, in (0, 1/2).
    tau : float
        Duration in ``1 / Gamma``, > 0.

    Returns
    -------
    float
        The work in kT; NaN when no ramp up to 60 kT reaches ``eps`` in ``tau``.

    Raises
    ------
    ValueError
        If ``eps`` is not a single number in (0, 1/2) or ``tau`` is not a single positive number.
    RuntimeError
        If the master equation of a trial ramp fails to integrate.

    Examples
    --------
    >>> from stochlim import finite_time as ft
    >>> from stochlim.optimal_updates import linear_ramp_work
    >>> w = linear_ramp_work(0.1, 5.0)
    >>> bool(ft.erasure_fixed_rate(0.1, 5.0).work < w)   # the optimum does less work
    True
    >>> import math
    >>> math.isnan(linear_ramp_work(0.1, 0.5))   # below the speed limit ln(5): unreachable
    True
    """
    eps = check_scalar("eps", eps, ft._eps)
    tau = check_scalar("tau", tau, check_positive)

    def solve(g_f):
        def rhs(t, y):
            return [expit(-g_f * t / tau) - y[0], y[0]]

        sol = solve_ivp(rhs, (0.0, tau), [0.5, 0.0], method="DOP853", rtol=1e-10, atol=1e-13)
        if not sol.success:
            raise RuntimeError(f"linear_ramp_work: the ramp to {g_f:g} kT failed to integrate: {sol.message}")
        return sol.y[0, -1], sol.y[1, -1]

    high = 60.0
    if solve(high)[0] > eps:
        return math.nan
    g_f = brentq(lambda g: solve(g)[0] - eps, 0.0, high, xtol=1e-10)
    p_end, integral = solve(g_f)
    return g_f / tau * integral - p_end * g_f


@dataclass(frozen=True)
class PaperUpdate:
    """One update of the paper's schedule as a two-state write (energies kT, times ``1/J_max``).

    Attributes
    ----------
    n : int
    tau : float
        Duration ``1 / r_n``.
    bias, barrier : float
        ``dE_n`` (Eq. 18) and ``E0_n`` (Eq. 19).
    total_rate : float
        ``Gamma_n = 2 e^-E0_n``.
    error : float
        ``P(wrong well)`` at the end of the step.
    step_work : float
        Work of the step, ``dE_n (1/2 - error)``.
    paper_charge : float
        ``dE_n``, the energy Eq. 22 books for the update.

    Made by :func:`paper_update`.

    Examples
    --------
    >>> from stochlim.optimal_updates import paper_update
    >>> u = paper_update(1)
    >>> print(f"{u.tau:g} {u.total_rate:g} {u.error:.6f}")  # error e^-1 / 2
    1 1 0.183940
    """

    n: int
    tau: float
    bias: float
    barrier: float
    total_rate: float
    error: float
    step_work: float
    paper_charge: float


def paper_update(n, *, schedule="polynomial", gamma=0.0, delta=DELTA) -> PaperUpdate:
    """The paper's update ``n`` (Eq. 18-19) with its exact error and work from the master equation.

    Parameters
    ----------
    n : int
        Update index, ``>= 1``.
    schedule : str, optional
        Name of the rate schedule (see :func:`stochlim.schedules.get_schedule`).
    gamma : float, optional
        Schedule exponent (polynomial) or rate (exponential).
    delta : float, optional
        Precision ``delta`` of Eq. 18, in (0, 1).

    Returns
    -------
    PaperUpdate
        Duration, bias, barrier, error and work of the update.

    Raises
    ------
    TypeError
        If ``n`` is not an integer.
    ValueError
        If ``n < 1``, ``delta`` lies outside (0, 1), or ``schedule`` is unknown.

    Examples
    --------
    >>> import math
    >>> from stochlim.optimal_updates import paper_update
    >>> u = paper_update(1, delta=2.0**-8)
    >>> print(f"{u.bias:g} {u.error:.6f}")  # dE_1 = 1 / delta; error q + (1/2 - q) e^-1
    256 0.183940
    >>> bool(math.isclose(u.step_work, u.bias * (0.5 - u.error)))
    True
    """
    k = check_int("n", n, minimum=1)
    d = float(check_interval("delta", delta, 0.0, 1.0))
    s = get_schedule(schedule, gamma)
    bias, barrier = float(s.bias(k, delta=d)), float(s.barrier(k, delta=d))
    tau = math.exp(-float(s.log_rate(k)))
    gamma_n = 2.0 * math.exp(-barrier)
    q = math.exp(-bias - math.log1p(math.exp(-bias)))  # 1 / (1 + e^dE), no overflow
    error = q + (0.5 - q) * math.exp(-gamma_n * tau)
    return PaperUpdate(k, tau, bias, barrier, gamma_n, error, bias * (0.5 - error), bias)


#: Above this ``tau`` (in units of ``1/J_max``) :func:`rate_cap_work` uses ``ln 2 - h + L^2/tau``,
#: whose relative error in the entropy production is below 1e-9 there (tested).
SLOW_LIMIT_TAU = 1e10


def rate_cap_work(tau, eps) -> np.ndarray:
    """Least work (kT) of erasure to ``eps`` in each ``tau`` under the rate cap, vectorised.

    A cubic spline of ``tau * Sigma(tau)`` in ``ln(tau / tau_min - 1)`` through exact values of
    :func:`~stochlim.finite_time.erasure_rate_cap` on 200 points (relative error below 1e-7,
    tested), the slow-driving form beyond ``SLOW_LIMIT_TAU``; NaN where ``tau`` is infeasible.

    Parameters
    ----------
    tau : float or array_like
        Durations, in units of ``1 / J_max``.
    eps : float
        Final error, in (0, 1/2).

    Returns
    -------
    numpy.ndarray
        Least work in kT for each ``tau`` (1-d), NaN at or below the speed limit
        :func:`~stochlim.finite_time.erasure_min_time`.

    Raises
    ------
    ValueError
        If ``eps`` lies outside (0, 1/2).

    Examples
    --------
    >>> import numpy as np
    >>> from stochlim.finite_time import erasure_rate_cap
    >>> from stochlim.optimal_updates import rate_cap_work
    >>> w = rate_cap_work([1.0, 3.0, 10.0], 0.1)
    >>> bool(np.isnan(w[0]))  # 1 < ln(5): infeasible
    True
    >>> bool(np.isclose(w[1], erasure_rate_cap(0.1, 3.0).work, rtol=1e-6))
    True
    """
    t = np.atleast_1d(np.asarray(tau, dtype=np.float64))
    t_min = float(ft.erasure_min_time(eps))
    out = np.full(t.shape, np.nan)
    land = float(ft.landauer_term(eps))
    length2 = float(ft.thermodynamic_length(eps, "rate_cap")) ** 2
    slow = t > SLOW_LIMIT_TAU
    out[slow] = land + length2 / t[slow]
    mid = (t > t_min * 1.01) & ~slow
    if mid.any():
        # in u = ln(tau / tau_min - 1) both ends are smooth: Sigma ~ -u near the limit, ~ 1/tau far
        u = np.linspace(math.log(0.01), math.log(SLOW_LIMIT_TAU / t_min), 200)
        grid = t_min * (1.0 + np.exp(u))
        scaled = np.array([g * ft.erasure_rate_cap(eps, g).entropy_production for g in grid])
        out[mid] = land + CubicSpline(u, scaled)(np.log(t[mid] / t_min - 1.0)) / t[mid]
    near = (t > t_min) & (t <= t_min * 1.01)
    for i in np.flatnonzero(near):
        out[i] = ft.erasure_rate_cap(eps, t[i]).work
    return out


def _weighted_mean(r: np.ndarray, w: np.ndarray, m=slice(None)) -> float:
    return float(np.sum(r[m] * w[m]) / np.sum(r[m]))


def brain_scale_totals(*, flops=BRAIN["flops"], n_params=BRAIN["n_params"], delta=BRAIN["delta"],
                       n_updates=BRAIN["n_updates"], schedules=(("polynomial", 0.0), ("polynomial", 0.5),
                                                                 ("polynomial", 2.0), ("exponential", 1.0)),
                       temperature=DEFAULT_TEMPERATURE) -> list[dict]:
    """Total energy (J) with optimal per-update protocols beside the paper's Eq. 23 (truncated at N) and Eq. 24.

    For each schedule: the paper's ``E = F sum(r_n dE_n)/sum(r_n) + M kT ln(1/delta)``
    (:func:`stochlim.bounds.lim_energy`) truncated at ``N`` and its infinite-sum (Eq. 24 / A.12) form,
    the same sum with the work of the paper's own step, and with
    the rate-cap optimum at the step's error; with the rate-cap optimum at error ``delta`` over the
    updates long enough for it (``tau_n > ln(1/(2 delta))``) and the share of the rate sum they carry.
    Updates ``n = 1 .. N``; every total includes the retention term ``M kT ln(1/delta)``.

    Parameters
    ----------
    flops : float, optional
        Number of FLOPs ``F`` of the training run.
    n_params : float, optional
        Number of parameters ``M``.
    delta : float, optional
        Precision ``delta``, in (0, 1).
    n_updates : int, optional
        Number ``N`` of updates summed, ``>= 1``.
    schedules : sequence of (str, float), optional
        ``(schedule name, gamma)`` pairs, one row each.
    temperature : float, optional
        Temperature in kelvin.

    Returns
    -------
    list of dict
        One row per schedule with the keys ``schedule``, ``paper_eq23_J``, ``paper_eq24_J`` (NaN
        for ``gamma = 0``, whose infinite rate sum diverges), ``step_work_J``,
        ``optimal_same_error_J``, ``step_error``, ``at_limit_share``, ``optimal_delta_J``,
        ``delta_feasible_share`` and ``ceb_J``.

    Raises
    ------
    TypeError
        If ``n_updates`` is not an integer.
    ValueError
        If ``n_updates < 1``, a schedule is unknown, or the per-update errors differ along a
        schedule (``delta`` too large for the closed form used here).

    Examples
    --------
    >>> from stochlim.optimal_updates import brain_scale_totals
    >>> (row,) = brain_scale_totals(n_updates=1000, schedules=(("polynomial", 0.0),))
    >>> bool(row["optimal_same_error_J"] < row["step_work_J"] < row["paper_eq23_J"])
    True
    >>> print(f"{row['step_error']:.6f}")
    0.183940
    """
    n = np.arange(1, check_int("n_updates", n_updates, minimum=1) + 1, dtype=np.float64)
    unit = kT(temperature)
    retention = retention_energy(n_params, delta=delta, temperature=temperature)
    rows = []
    for name, gamma in schedules:
        s = get_schedule(name, gamma)
        log_r = np.asarray(s.log_rate(n))
        keep = log_r > log_r[0] - 700.0  # r_n below e^-700 r_1 adds nothing in float64
        nn, log_r = n[keep], log_r[keep]
        r = np.exp(log_r - log_r[0])
        tau = np.exp(-log_r)
        first = paper_update(1, schedule=name, gamma=gamma, delta=delta)
        bias = np.asarray(s.bias(nn, delta=delta))
        # every update's error equals that of update 1 to rounding here (dE_n >> 1); checked below
        errors = [paper_update(int(k), schedule=name, gamma=gamma, delta=delta).error for k in (nn[0], nn[-1])]
        if abs(errors[1] - errors[0]) > 1e-12:
            raise ValueError("per-update errors differ along the schedule; use a smaller delta")
        eps_step = first.error
        step_work = bias * (0.5 - eps_step)
        w_step_err = rate_cap_work(tau, eps_step)
        at_limit = ~np.isfinite(w_step_err)  # tau_n at the speed limit (r_n = 1): charge the step
        w_step_err[at_limit] = step_work[at_limit]
        w_delta = rate_cap_work(tau, delta) if delta < 0.5 else np.full(tau.shape, np.nan)
        ok = np.isfinite(w_delta)
        mean = functools.partial(_weighted_mean, r)
        rows.append({
            "schedule": f"{name} gamma={gamma:g}",
            "paper_eq23_J": float(lim_energy(flops, n_params, delta=delta, gamma=gamma, schedule=name,
                                             n_updates=n_updates, temperature=temperature)),
            "paper_eq24_J": float(lim_energy(flops, n_params, delta=delta, gamma=gamma, schedule=name,
                                             temperature=temperature)) if gamma > 0 else math.nan,
            "step_work_J": flops * unit * mean(step_work) + retention,
            "optimal_same_error_J": flops * unit * mean(w_step_err) + retention,
            "step_error": eps_step,
            "at_limit_share": float(np.sum(r[at_limit]) / np.sum(r)),
            "optimal_delta_J": flops * unit * mean(w_delta, ok) + retention if ok.any() else math.nan,
            "delta_feasible_share": float(np.sum(r[ok]) / np.sum(r)),
            "ceb_J": float(ceb_energy(flops, n_params, delta=delta, temperature=temperature)),
        })
    return rows
