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
limit; :func:`report_section` and :func:`plot_dissipation_vs_time` are the ``stochlim reproduce``
section and figure.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy.interpolate import CubicSpline

from . import finite_time as ft
from ._validation import check_int, check_interval
from .bounds import ceb_energy, lim_energy, retention_energy
from .schedules import get_schedule
from .units import DEFAULT_TEMPERATURE, kT

__all__ = [
    "PaperUpdate",
    "brain_scale_totals",
    "held_barrier_saving",
    "paper_update",
    "plot_dissipation_vs_time",
    "rate_cap_work",
    "report_section",
]

#: Brain-scale workload and precision of the paper (F, M, delta) and its finite number of updates.
BRAIN = {"flops": 1e28, "n_params": 1e15, "delta": 2.0**-16, "n_updates": 100_000}

#: The paper update's own error, ``e^-1 / 2`` (any large bias held for ``1 / r_n``).
PAPER_STEP_ERROR = 0.5 * math.exp(-1.0)


@functools.cache
def held_barrier_saving() -> float:
    """What the least-work protocol with the paper's barrier held saves on the paper's step, kT.

    Step work minus the fixed-rate optimum at ``eps = e^-1 / 2`` (the step's error) and ``tau``
    ``1e-8`` above the speed limit ``ln(1/(2 eps))`` where the paper's updates run: both grow as
    ``(1/2 - eps) ln(1/x)`` with the distance ``x`` to the limit, their difference converges (it is
    the same to 1e-6 at ``x = 1e-6``, tested).
    """
    eps = PAPER_STEP_ERROR
    tau = float(ft.erasure_min_time(eps)) + 1e-8
    e = math.exp(-tau)
    q = (eps - 0.5 * e) / (1.0 - e)
    step = math.log((1.0 - q) / q) * (0.5 - eps)
    return step - ft.erasure_fixed_rate(eps, tau).work


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
    """

    n: int
    tau: float
    bias: float
    barrier: float
    total_rate: float
    error: float
    step_work: float
    paper_charge: float


def paper_update(n, *, schedule="polynomial", gamma=0.0, delta=2.0**-16) -> PaperUpdate:
    """The paper's update ``n`` (Eq. 18-19) with its exact error and work from the master equation."""
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
    tested), the slow-driving form beyond :data:`SLOW_LIMIT_TAU`; NaN where ``tau`` is infeasible.
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
    """Total energy (J) with optimal per-update protocols beside the paper's Eq. 23 (truncated at N).

    For each schedule: the paper's ``E = F sum(r_n dE_n)/sum(r_n) + M kT ln(1/delta)``
    (:func:`stochlim.bounds.lim_energy`), the same sum with the work of the paper's own step, and with
    the rate-cap optimum at the step's error; with the rate-cap optimum at error ``delta`` over the
    updates long enough for it (``tau_n > ln(1/(2 delta))``) and the share of the rate sum they carry.
    Updates ``n = 1 .. N``; every total includes the retention term ``M kT ln(1/delta)``.
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
            "step_work_J": flops * unit * mean(step_work) + retention,
            "optimal_same_error_J": flops * unit * mean(w_step_err) + retention,
            "step_error": eps_step,
            "at_limit_share": float(np.sum(r[at_limit]) / np.sum(r)),
            "optimal_delta_J": flops * unit * mean(w_delta, ok) + retention if ok.any() else math.nan,
            "delta_feasible_share": float(np.sum(r[ok]) / np.sum(r)),
            "ceb_J": float(ceb_energy(flops, n_params, delta=delta, temperature=temperature)),
        })
    return rows


def report_section() -> str:
    """Markdown for ``stochlim reproduce``: the paper's update against the optimum, then totals."""
    delta = BRAIN["delta"]
    lines = [
        "## The paper's update against the least work for the same time and error",
        "",
        ("One update n of Eq. 18-19 (polynomial schedule, gamma = 0, delta = 2^-16) as a two-state "
        "write from an unknown bit (p = 1/2): bias dE_n held over the barrier E0_n for tau_n = 1/r_n "
        "(units 1/J_max), then removed. Exact master-equation error and work of that step; the least "
        "work with the same barrier held (fixed total rate; the step is at that barrier's speed limit, "
        f"so the optimum saves only {held_barrier_saving():.4f} kT); and the least work with every rate "
        "<= J_max (barrier free), for the step's error and for error delta (`stochlim.finite_time`). "
        "Energies in kT."),
        "",
        ("| n | tau_n | dE_n (paper's charge) | step error | step work | optimum, barrier held "
        "| optimum, rate cap | ratio to dE_n | rate cap, error delta |"),
        "|---|---|---|---|---|---|---|---|---|",
    ]
    t_delta = float(ft.erasure_min_time(delta))
    for n in (1, 2, 10, 100, 10_000, 100_000):
        u = paper_update(n, delta=delta)
        cap = float(rate_cap_work(u.tau, u.error)[0]) if u.tau > float(ft.erasure_min_time(u.error)) else math.nan
        cap_txt = f"{cap:.4f}" if math.isfinite(cap) else "at the limit: step"
        at_delta = (f"{ft.erasure_rate_cap(delta, u.tau).work:.4f}" if u.tau > t_delta
                    else f"infeasible (tau_n < {t_delta:.3f})")
        ratio = f"{cap / u.paper_charge:.2e}" if math.isfinite(cap) else "-"
        lines.append(
            f"| {n} | {u.tau:g} | {u.paper_charge:.5g} | {u.error:.5f} | {u.step_work:.5g} | "
            f"{u.step_work - held_barrier_saving():.5g} | {cap_txt} | {ratio} | {at_delta} |"
        )
    lines += [
        "",
        (f"Brain scale (F = {BRAIN['flops']:g}, M = {BRAIN['n_params']:g}, delta = 2^-16, n = 1 .. "
        f"{BRAIN['n_updates']:g}), Eq. 22 with each update's cost, in J, all with the retention term "
        "M kT ln(1/delta):"),
        "",
        ("| schedule | Eq. 23 (dE_n per update) | paper's steps (exact work) | optimum, rate cap, "
        "same error | optimum, rate cap, error delta | share of updates feasible at delta | CEB |"),
        "|---|---|---|---|---|---|---|",
    ]
    totals = brain_scale_totals()
    for row in totals:
        lines.append(
            f"| {row['schedule']} | {row['paper_eq23_J']:.4e} | {row['step_work_J']:.4e} | "
            f"{row['optimal_same_error_J']:.4e} | {row['optimal_delta_J']:.4e} | "
            f"{row['delta_feasible_share']:.3f} | {row['ceb_J']:.4e} |"
        )
    lines += [
        "",
        "'Same error' charges the updates with r_n = 1 (tau_n = 1 / J_max, n = 1 of the polynomial "
        "schedules) their step work: they sit at the speed limit of the cap as well "
        "(" + ", ".join(f"{r['schedule']}: {r['at_limit_share']:.3f}" for r in totals) + " of the rate sum).",
        "",
        ("The paper's schedules spend the bias dE_n = 1/(delta sqrt(n)) kT on every update because they "
        "hold the barrier of Eq. 19, which sets the update at its speed limit; with the barrier lowered "
        "to the rate cap the same update costs a fraction of a kT. Updates shorter than "
        f"ln(1/(2 delta)) = {t_delta:.3f} / J_max cannot reach error delta at all; their share of the "
        "rate sum is reported, and the 'error delta' total covers only the feasible ones. Figure: "
        "`optimal_protocols.png`."),
    ]
    return "\n".join(lines) + "\n"


def _linear_ramp_work(eps: float, tau: float) -> float:
    """Work of a linear gap ramp 0 -> g_f over ``tau`` (then back to 0) reaching ``eps``, ``Gamma = 1``.

    The master equation ``dp/dt = q(t) - p`` with ``q = 1 / (1 + e^g)`` is integrated together with
    ``int p dt``; the work is ``(g_f / tau) int p dt - eps g_f``. NaN when no ramp up to 60 kT reaches
    ``eps``.
    """
    from scipy.integrate import solve_ivp
    from scipy.optimize import brentq
    from scipy.special import expit

    def solve(g_f):
        rhs = lambda t, y: [expit(-g_f * t / tau) - y[0], y[0]]
        sol = solve_ivp(rhs, (0.0, tau), [0.5, 0.0], method="DOP853", rtol=1e-10, atol=1e-13)
        return sol.y[0, -1], sol.y[1, -1]

    high = 60.0
    if solve(high)[0] > eps:
        return math.nan
    g_f = brentq(lambda g: solve(g)[0] - eps, 0.0, high, xtol=1e-10)
    p_end, integral = solve(g_f)
    return g_f / tau * integral - p_end * g_f


def plot_dissipation_vs_time(eps=PAPER_STEP_ERROR, *, n_points=9, optimiser_points=(2.0, 8.0), ax=None):
    """Work vs duration for erasure to ``eps`` at fixed total rate (``Gamma = 1``, the held barrier).

    Curves: the paper's kind of protocol (one bias step held for ``tau``), a linear ramp (master
    equation), the exact optimum, the optimiser's result at a few ``tau``, the slow-driving limit,
    the activity speed limit and the Landauer term. ``eps = e^-1 / 2`` is the paper update's own
    error, so the paper's update sits at the left end (``tau = tau_min``, infinite bias).
    """
    import matplotlib.pyplot as plt

    from . import control
    from .models import two_state

    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 4.4))
    else:
        fig = ax.figure
    t_min = float(ft.erasure_min_time(eps))
    taus = t_min * np.exp(np.linspace(math.log(1.05), math.log(100.0 / t_min), 40))
    e = np.exp(-taus)
    q = (eps - 0.5 * e) / (1.0 - e)
    step = np.log((1.0 - q) / q) * (0.5 - eps)
    optimum = np.array([ft.erasure_fixed_rate(eps, t).work for t in taus])
    land = float(ft.landauer_term(eps))
    ramp_t = t_min * np.exp(np.linspace(math.log(1.5), math.log(100.0 / t_min), n_points))
    ramp = np.array([_linear_ramp_work(eps, t) for t in ramp_t])
    ax.plot(taus, step, label="bias step held for tau (paper's kind)")
    ax.plot(ramp_t, ramp, "s-", ms=4, label="linear ramp (master equation)")
    ax.plot(taus, optimum, "k-", lw=2, label="least work (closed form)")
    bit = two_state(math.log(2.0))
    for t in optimiser_points:
        prob = control.Problem(bit, [control.energy(1, 2, lower=-40, upper=40)], tau=t, p0=[0.5, 0.5],
                               target=control.MaxError([1], eps), n_steps=16)
        res = control.optimize(prob)
        if res.success:
            ax.plot([t], [res.work], "o", color="C3", ms=7, mfc="none",
                    label="optimiser, 16 steps" if t == optimiser_points[0] else None)
    ax.plot(taus, land + float(ft.thermodynamic_length(eps)) ** 2 / taus, "k:", label="slow driving: Landauer + L^2/tau")
    ax.plot(taus, land + np.asarray(ft.activity_speed_limit(1 - 2 * eps, taus)), "--", color="0.5",
            label="bound: Landauer + D^2/(2 Gamma tau)")
    ax.axhline(land, color="0.3", lw=0.8, label=f"Landauer term ln 2 - h(eps) = {land:.4f}")
    ax.axvline(t_min, color="C3", lw=0.8, ls="-.", label="tau_min: the paper's update")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("duration tau (1 / Gamma)")
    ax.set_ylabel("mean work (kT)")
    ax.set_title(f"Erasing a bit to error {eps:.4f} with the barrier held")
    ax.legend(fontsize=7)
    return fig, ax
