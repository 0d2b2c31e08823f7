"""``stochlim reproduce`` section and figure: the paper's update against the least work.

The numbers come from :mod:`stochlim.optimal_updates` (the paper's update as a two-state write, the
optima of :mod:`stochlim.finite_time`, the brain-scale totals) and :mod:`stochlim.control` (the
optimiser's points in the figure); this module only formats and draws them.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from .. import control
from .. import finite_time as ft
from .. import optimal_updates as ou
from ..models import two_state
from .tables import markdown_table

__all__ = ["plot_dissipation_vs_time", "section"]


def section() -> str:
    """Markdown for ``stochlim reproduce``: the paper's update against the optimum, then totals.

    Returns
    -------
    str
        A markdown section with its tables.

    Examples
    --------
    >>> text = section()
    >>> print(text.splitlines()[0])
    ## The paper's update against the least work for the same time and error
    >>> row = next(line for line in text.splitlines() if line.startswith("| 100 |"))
    >>> row.split(" | ")[2:5]   # dE_n = 2^16 / sqrt(100), error e^-1 / 2, exact step work
    ['6553.6', '0.18394', '2071.3']
    """
    delta = ou.BRAIN["delta"]
    lines = [
        "## The paper's update against the least work for the same time and error",
        "",
        ("One update n of Eq. 18-19 (polynomial schedule, gamma = 0, delta = 2^-16) as a two-state "
        "write from an unknown bit (p = 1/2): bias dE_n held over the barrier E0_n for tau_n = 1/r_n "
        "(units 1/J_max), then removed. Exact master-equation error and work of that step; the least "
        "work with the same barrier held (fixed total rate; the step is at that barrier's speed limit, "
        f"so the optimum saves only {ou.held_barrier_saving():.4f} kT); and the least work with every rate "
        "<= J_max (barrier free), for the step's error and for error delta (`stochlim.finite_time`). "
        "Energies in kT."),
        "",
    ]
    t_delta = float(ft.erasure_min_time(delta))
    rows = []
    for n in (1, 2, 10, 100, 10_000, 100_000):
        u = ou.paper_update(n, delta=delta)
        cap = float(ou.rate_cap_work(u.tau, u.error)[0]) if u.tau > float(ft.erasure_min_time(u.error)) else math.nan
        cap_txt = f"{cap:.4f}" if math.isfinite(cap) else "at the limit: step"
        at_delta = (f"{ft.erasure_rate_cap(delta, u.tau).work:.4f}" if u.tau > t_delta
                    else f"infeasible (tau_n < {t_delta:.3f})")
        ratio = f"{cap / u.paper_charge:.2e}" if math.isfinite(cap) else "-"
        rows.append([str(n), f"{u.tau:g}", f"{u.paper_charge:.5g}", f"{u.error:.5f}", f"{u.step_work:.5g}",
                     f"{u.step_work - ou.held_barrier_saving():.5g}", cap_txt, ratio, at_delta])
    lines += [
        markdown_table(["n", "tau_n", "dE_n (paper's charge)", "step error", "step work", "optimum, barrier held",
                        "optimum, rate cap", "ratio to dE_n", "rate cap, error delta"], rows),
        "",
        (f"Brain scale (F = {ou.BRAIN['flops']:g}, M = {ou.BRAIN['n_params']:g}, delta = 2^-16, n = 1 .. "
        f"{ou.BRAIN['n_updates']:g}), Eq. 22 with each update's cost, in J, all with the retention term "
        "M kT ln(1/delta):"),
        "",
    ]
    totals = ou.brain_scale_totals()
    joules, share = "{:.4e}".format, "{:.3f}".format
    lines += [
        markdown_table(["schedule", "Eq. 23 (dE_n per update)", "Eq. 24 (N -> infinity)", "paper's steps (exact work)",
                        "optimum, rate cap, same error", "optimum, rate cap, error delta",
                        "share of updates feasible at delta", "CEB"],
                       [[r["schedule"], r["paper_eq23_J"],
                         joules(r["paper_eq24_J"]) if math.isfinite(r["paper_eq24_J"]) else "- (rate sum diverges)",
                         r["step_work_J"], r["optimal_same_error_J"], r["optimal_delta_J"], r["delta_feasible_share"],
                         r["ceb_J"]] for r in totals],
                       {1: joules, 3: joules, 4: joules, 5: joules, 6: share, 7: joules}),
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


def plot_dissipation_vs_time(eps=ou.PAPER_STEP_ERROR, *, n_points=9, optimiser_points=(2.0, 8.0), ax=None):
    """Work vs duration for erasure to ``eps`` at fixed total rate (``Gamma = 1``, the held barrier).

    Curves: the paper's kind of protocol (one bias step held for ``tau``), a linear ramp (master
    equation), the exact optimum, the optimiser's result at a few ``tau``, the slow-driving limit,
    the activity speed limit and the Landauer term. ``eps = e^-1 / 2`` is the paper update's own
    error, so the paper's update sits at the left end (``tau = tau_min``, infinite bias).

    Parameters
    ----------
    eps : float, optional
        Final error ``P(state 1)`` of the erasure, in (0, 1/2).
    n_points : int, optional
        Durations at which the linear ramp is solved (a root search each).
    optimiser_points : sequence of float, optional
        Durations at which :func:`stochlim.control.optimize` runs (16 steps); its converged
        results are drawn as circles.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new figure is made if None.

    Returns
    -------
    fig : matplotlib.figure.Figure
    ax : matplotlib.axes.Axes
        Log-log axes, one labelled line per curve.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from stochlim import finite_time as ft
    >>> fig, ax = plot_dissipation_vs_time(n_points=3, optimiser_points=(2.0,))
    >>> len(ax.get_legend_handles_labels()[1])
    8
    >>> dot = next(line for line in ax.get_lines() if line.get_label() == "optimiser, 16 steps")
    >>> closed = ft.erasure_fixed_rate(np.exp(-1) / 2, 2.0).work   # the optimum at tau = 2
    >>> bool(abs(dot.get_ydata()[0] / closed - 1) < 0.01)   # 16 steps come within 1 %
    True
    >>> plt.close(fig)
    """

    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 4.4))
    else:
        fig = ax.figure
    t_min = float(ft.erasure_min_time(eps))
    taus = t_min * np.exp(np.linspace(math.log(1.05), math.log(100.0 / t_min), 40))
    step = ou.held_step_work(eps, taus)
    optimum = np.array([ft.erasure_fixed_rate(eps, t).work for t in taus])
    land = float(ft.landauer_term(eps))
    ramp_t = t_min * np.exp(np.linspace(math.log(1.5), math.log(100.0 / t_min), n_points))
    ramp = np.array([ou.linear_ramp_work(eps, t) for t in ramp_t])
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
    ax.plot(taus, land + float(ft.thermodynamic_length(eps)) ** 2 / taus, "k:",
            label="slow driving: Landauer + L^2/tau")
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
