"""Figures of Chen et al. (2026), Fig. 3A and Fig. 6A-D, redrawn from the corrected equations.

Every function returns ``(fig, ax)`` and never calls ``matplotlib.pyplot.show``, so the figures
can be saved by a script (only the ``stochlim`` command line selects a backend), embedded in a
notebook, or inspected by tests. Energies on the axes are in units of kT (barriers and biases) or in
joules (totals); powers in watts. The defaults are the paper's constants (:mod:`stochlim.constants`,
``docs/constants.md``):
T = 298 K, brain-scale workload F = 1e28 FLOPs and M = 1e15 parameters, delta = 2^-16,
J_max = 1e12 1/s and a finite number of updates N = 1e5 where a finite sum is needed.

* :func:`fig3` - barrier ``E0`` versus bias ``dE`` for several update rates (Eq. 8, sign corrected);
* :func:`fig6a` - barrier ``E0_n`` (Eq. 19) and power ``P_n`` (Eq. 20-21) along the schedule;
* :func:`fig6b` - total LIM energy for each schedule of Fig. 6A (Eq. 24);
* :func:`fig6c` - total LIM energy versus gamma, truncated (Eq. 23) and zeta (Eq. 24) forms;
* :func:`fig6d` - published training workloads against the LIM, CEB and A.1 estimates;
* :func:`all_figures` - all of the above by name.

Each line, bar group or marker series carries a ``label`` (or ``gid``) so that its data can be
retrieved from the returned axes.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from .bounds import ceb_energy, hardware_energy, lim_energy, load_workloads
from .constants import (
    BRAIN_FLOPS,
    BRAIN_PARAMS,
    DELTA,
    J_MAX,
    N_UPDATES,
    PAPER_GAMMAS,
    PRINTED_FIG6B,
)
from ._validation import check_interval
from .physics import barrier_for_rate
from .schedules import PolynomialSchedule
from .units import DEFAULT_TEMPERATURE

__all__ = ["fig3", "fig6a", "fig6b", "fig6c", "fig6d", "all_figures", "FIGURES", "save_figure"]

_LN2 = math.log(2.0)


def _new_axes(ax, figsize):
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    else:
        fig = ax.figure
    return fig, ax


def _fmt_sci(x: float, digits: int = 3) -> str:
    """``1.70e+12`` -> ``1.70e12`` (compact scientific notation for annotations)."""
    mant, exp = f"{x:.{digits - 1}e}".split("e")
    return f"{mant}e{int(exp)}"


def _schedule_index(n_max: int, n_points: int = 400) -> np.ndarray:
    """Integer update indices 1..n_max, log-spaced for plotting on a log axis."""
    n = np.unique(np.round(np.logspace(0.0, math.log10(n_max), n_points)))
    return n[(n >= 1) & (n <= n_max)]


def fig3(rates=(1.0, 0.5, 0.1, 1e-2, 1e-3), dE_max=10.0, *, E0_max=None, n_points=500, ax=None):
    """Fig. 3A: barrier height ``E0`` versus bias ``dE`` at fixed normalised update rates.

    Plots Eq. 8 with its sign corrected, ``E0 = ln[(2 / r) tanh(dE / 2)]`` (both in kT), for each
    ``r = J / J_max``. The inadmissible region ``r > 1`` (rate above ``J_max``) lies below the
    ``r = 1`` curve, ``E0 < ln(2 tanh(dE / 2))``, and is shaded. The ``r = 1`` curve approaches
    ``E0 = kT ln 2`` as ``dE -> inf`` (text after Eq. 8), marked by a dashed line; each curve crosses
    ``E0 = 0`` at ``dE = ln((2 + r) / (2 - r))``.

    Parameters
    ----------
    rates : sequence of float, optional
        Normalised update rates ``r`` in (0, 1]; 1 is always drawn (it bounds the shaded region).
    dE_max : float, optional
        Largest bias on the x axis, in kT.
    E0_max : float, optional
        Top of the y axis in kT; default just above the smallest rate's plateau ``ln(2 / r_min)``.
    n_points : int, optional
        Points per curve.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new figure is made if None.

    Returns
    -------
    fig : matplotlib.figure.Figure
    ax : matplotlib.axes.Axes
        Lines labelled ``"r = ..."``; the shaded region has ``gid="inadmissible"``.

    Raises
    ------
    ValueError
        If a rate is NaN or lies outside (0, 1] (``rates must lie in (0, 1]``, naming the bad
        value and its index).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> fig, ax = fig3(rates=(0.1,), n_points=50)
    >>> [line.get_label() for line in ax.get_lines()][:2]
    ['r = 1', 'r = 0.1']
    >>> curve = ax.get_lines()[1]
    >>> dE = curve.get_xdata()
    >>> bool(np.allclose(curve.get_ydata(), np.log(2 / 0.1 * np.tanh(dE / 2))))  # Eq. 8, sign corrected
    True
    >>> matplotlib.pyplot.close(fig)
    """
    # checked before use: r = 0 would divide by zero in the default E0_max (an empty rates is r = 1)
    rates = sorted(set(check_interval("rates", list(rates) or [1.0], 0.0, 1.0, closed_high=True)
                       .ravel().tolist()) | {1.0}, reverse=True)
    fig, ax = _new_axes(ax, (6.4, 4.6))
    dE = np.linspace(dE_max / n_points, dE_max, n_points)
    if E0_max is None:
        E0_max = math.log(2.0 / min(rates)) * 1.12 + 0.3
    y_min = -0.5

    colors = plt.cm.viridis(np.linspace(0.0, 0.85, len(rates)))
    for r, c in zip(rates, colors):
        e0 = barrier_for_rate(r, dE)
        ax.plot(dE, e0, color=c, lw=2.2 if r == 1.0 else 1.6, label=f"r = {r:g}")

    e0_r1 = barrier_for_rate(1.0, dE)
    ax.fill_between(dE, y_min, e0_r1, color="tab:red", alpha=0.18, lw=0, gid="inadmissible")
    ax.text(
        0.6 * dE_max, 0.5 * (y_min + _LN2) - 0.05,
        r"inadmissible: $r_n = J_n/J_{\max} > 1$",
        color="darkred", ha="center", va="center", fontsize=9,
    )
    ax.axhline(_LN2, color="k", ls="--", lw=1.0)
    ax.text(dE_max * 1.01, _LN2, r"$kT\ln 2$", ha="left", va="center", fontsize=9, clip_on=False)
    ax.text(0.98 * dE_max, _LN2 + 0.08, r"$r\to 1,\ \Delta E\to\infty$",
            ha="right", va="bottom", fontsize=8)
    ax.axhline(0.0, color="0.5", lw=0.6)
    ax.set_xlim(0.0, dE_max)
    ax.set_ylim(y_min, E0_max)
    ax.set_xlabel(r"energy difference (stored parameter) $\Delta E_n$ [kT]")
    ax.set_ylabel(r"energy barrier $E^0_n$ [kT]")
    ax.set_title("Fig. 3A: barrier vs bias at fixed update rate (Eq. 8, sign corrected)", fontsize=10)
    ax.legend(title=r"$r_n = J_n / J_{\max}$", loc="upper left", fontsize=8, title_fontsize=8)
    return fig, ax


def fig6a(
    gammas=PAPER_GAMMAS,
    *,
    flops=BRAIN_FLOPS,
    n_params=BRAIN_PARAMS,
    delta=DELTA,
    J_max=J_MAX,
    n_updates=N_UPDATES,
    temperature=DEFAULT_TEMPERATURE,
    n_points=400,
):
    """Fig. 6A: barrier ``E0_n`` and dissipated power ``P_n`` along polynomial schedules.

    For ``r_n = n^-(1+gamma)`` and ``eps_n = 1/sqrt(n)``: left panel ``E0_n`` in kT (Eq. 19, sign
    corrected), right panel ``P_n = M J_max r_n dE_n kT`` in W (Eq. 20-21), against the update index
    ``n = 1..n_updates`` on a log axis. The legend gives each schedule's time step
    ``dt = F / (M J_max sum_{n<=N} r_n)`` (Eq. 21), which converts ``n`` into wall-clock time.

    Parameters
    ----------
    gammas : sequence of float, optional
        Schedule exponents; the paper's P1..P4 are 0.5, 2, 5, 10.
    flops, n_params : float, optional
        Workload ``#FLOPs`` and parameters ``M`` (brain scale: 1e28, 1e15).
    delta : float, optional
        Precision (2^-16).
    J_max : float, optional
        Maximum switching rate in 1/s (1e12).
    n_updates : int, optional
        Last update index plotted and ``N`` of the time step (1e5).
    temperature : float, optional
        Temperature in K (298).
    n_points : int, optional
        Approximate number of (integer) indices per curve.

    Returns
    -------
    fig : matplotlib.figure.Figure
    ax : ndarray of two matplotlib.axes.Axes
        ``ax[0]`` barrier, ``ax[1]`` power; lines labelled ``"P<k>, gamma = <g>..."``.

    Raises
    ------
    ValueError
        From :func:`stochlim.bounds.lim_energy` and the schedules: ``gamma`` below 0, ``delta``
        outside (0, 1), ``flops`` or ``n_params`` not positive.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> fig, ax = fig6a(gammas=(0.5, 2.0), n_points=20)
    >>> len(ax), [line.get_label()[:2] for line in ax[0].get_lines()][:2]
    (2, ['P1', 'P2'])
    >>> f"{ax[0].get_lines()[0].get_ydata()[0]:.4f}"  # E0_1 = ln 2 kT: r_1 = 1, eps_1 = 1
    '0.6931'
    >>> matplotlib.pyplot.close(fig)
    """
    fig, ax = plt.subplots(1, 2, figsize=(11, 4.3), layout="constrained")
    n = _schedule_index(int(n_updates), n_points)
    colors = plt.cm.plasma(np.linspace(0.0, 0.8, len(gammas)))
    for k, (g, c) in enumerate(zip(gammas, colors), start=1):
        s = PolynomialSchedule(float(g))
        dt = s.time_step(flops=flops, n_params=n_params, J_max=J_max, n_updates=n_updates)
        label = rf"P{k}, $\gamma$ = {g:g} ($\Delta t$ = {dt:.4g} s)"
        ax[0].plot(n, s.barrier(n, delta=delta), color=c, label=label)
        p = s.power(n, n_params=n_params, delta=delta, J_max=J_max, temperature=temperature)
        ax[1].plot(n, p, color=c, label=label)
    ax[0].axhline(-math.log(delta), color="0.4", ls=":", lw=1.0)
    ax[0].text(0.8 * n_updates, -math.log(delta) - 1.5, r"retention barrier $\ln(1/\delta)$ (Eq. 21)",
               ha="right", va="top", fontsize=8, color="0.3")
    ax[0].set_ylabel(r"energy barrier $E^0_n$ [kT]")
    ax[0].set_title(r"Fig. 6A: barrier height $E^0_n$ (Eq. 19)", fontsize=10)
    ax[1].set_yscale("log")
    ax[1].set_ylabel(r"instantaneous power $P_n = M J_{\max} r_n \Delta E_n$ [W]")
    ax[1].set_title(r"Fig. 6A: power dissipation $P_n$ (Eq. 20-21)", fontsize=10)
    for a in ax:
        a.set_xscale("log")
        a.set_xlim(1, n_updates)
        a.set_xlabel("update index n")
        a.grid(True, which="major", alpha=0.3)
    ax[0].legend(fontsize=8, loc="upper left")
    ax[1].legend(fontsize=8, loc="lower left")
    fig.suptitle(
        rf"brain scale: F = {flops:.0e} FLOPs, M = {n_params:.0e}, $\delta$ = 2$^{{{math.log2(delta):.0f}}}$,"
        rf" $J_{{\max}}$ = {J_max:.0e} 1/s, $r_n = n^{{-(1+\gamma)}}$",
        fontsize=9,
    )
    return fig, ax


def fig6b(
    gammas=PAPER_GAMMAS,
    *,
    flops=BRAIN_FLOPS,
    n_params=BRAIN_PARAMS,
    delta=DELTA,
    n_updates=None,
    temperature=DEFAULT_TEMPERATURE,
    show_printed=True,
    ax=None,
):
    """Fig. 6B: total LIM energy for each polynomial schedule of Fig. 6A.

    Bar heights are :func:`stochlim.bounds.lim_energy`, Eq. 24 (zeta form)
    ``E = F (kT/delta) zeta(3/2+gamma)/zeta(1+gamma) + M kT ln(1/delta)`` by default, or the truncated
    sums of Eq. 23 when ``n_updates`` is given; each bar is annotated with its value in J. With
    ``show_printed`` the caption's printed values are marked; the printed 2.53e9 J for gamma = 2 is
    a typo for 2.53e12 J (``docs/errata.md``), shown off-scale in the annotation.

    Parameters
    ----------
    gammas : sequence of float, optional
        Schedule exponents (P1..P4: 0.5, 2, 5, 10); > 0 unless ``n_updates`` is given.
    flops, n_params, delta, temperature : float, optional
        Workload and precision (brain scale, 2^-16, 298 K).
    n_updates : int, optional
        None (default) for Eq. 24; an integer for the truncated Eq. 23.
    show_printed : bool, optional
        Mark the caption's printed values (only when ``gammas`` are the paper's four).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    fig : matplotlib.figure.Figure
    ax : matplotlib.axes.Axes
        The bar container is labelled ``"Eq. 24"`` (or ``"Eq. 23, N = ..."``).

    Raises
    ------
    ValueError
        From :func:`stochlim.bounds.lim_energy` and the schedules: ``gamma`` below 0, ``delta``
        outside (0, 1), ``flops`` or ``n_params`` not positive.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from stochlim.bounds import lim_energy
    >>> fig, ax = fig6b(gammas=(1.0, 2.0), flops=1e18, n_params=1e9, delta=2.0**-8)
    >>> heights = [bar.get_height() for bar in ax.containers[0]]
    >>> bool(np.allclose(heights, lim_energy(1e18, 1e9, delta=2.0**-8, gamma=[1.0, 2.0])))
    True
    >>> matplotlib.pyplot.close(fig)
    """
    fig, ax = _new_axes(ax, (6.4, 4.6))
    gammas = [float(g) for g in gammas]
    energy = np.atleast_1d(
        lim_energy(flops, n_params, delta=delta, gamma=gammas, n_updates=n_updates,
                   temperature=temperature)
    )
    x = np.arange(len(gammas))
    label = "Eq. 24 (zeta form)" if n_updates is None else f"Eq. 23, N = {n_updates:g}"
    colors = plt.cm.plasma(np.linspace(0.0, 0.8, len(gammas)))
    bars = ax.bar(x, energy, color=colors, width=0.6, label=label)
    for xi, e in zip(x, energy):
        ax.annotate(f"{_fmt_sci(e)} J", (xi, e), xytext=(0, 8), textcoords="offset points",
                    ha="center", va="bottom", fontsize=9)
    if show_printed and n_updates is None and tuple(gammas) == PAPER_GAMMAS:
        shown = [p if p > 1e11 else np.nan for p in PRINTED_FIG6B]
        ax.plot(x, shown, "kx", ms=8, mew=1.5, label="printed in caption")
        ax.annotate("printed 2.53e9 J\n(typo for 2.53e12)", (x[1], 0.5 * energy[1]),
                    ha="center", va="center", fontsize=8, color="k",
                    bbox=dict(boxstyle="round", fc="white", alpha=0.8, lw=0.5))
    ax.set_xticks(x, [rf"P{k}" + "\n" + rf"$\gamma$ = {g:g}" for k, g in enumerate(gammas, 1)])
    ax.set_ylim(0, energy.max() * 1.18)
    ax.set_xlabel(r"update-rate schedule $r_n = n^{-(1+\gamma)}$")
    ax.set_ylabel(r"total energy $E_{\mathrm{total}}$ [J]")
    ax.set_title("Fig. 6B: total LIM energy per schedule, brain scale", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    for b in bars:
        b.set_gid("lim_energy")
    return fig, ax


def fig6c(
    gammas=np.linspace(0.0, 10.0, 201),
    n_updates=N_UPDATES,
    *,
    flops=BRAIN_FLOPS,
    n_params=BRAIN_PARAMS,
    delta=DELTA,
    temperature=DEFAULT_TEMPERATURE,
    ax=None,
):
    """Fig. 6C: total LIM energy against the schedule exponent gamma, finite and infinite sums.

    Two curves of :func:`stochlim.bounds.lim_energy`: the "discrete finite simulation", truncated
    sums over ``n = 1..N`` (Eq. 23, ``N = n_updates``; defined at gamma = 0), and the infinite
    Riemann-zeta form (Eq. 24), drawn only for gamma > 0 because ``zeta(1)`` diverges. The finite
    curve spans the envelope [5.81e11, 2.70e12] J; the zeta curve falls towards the static term
    ``M kT ln(1/delta)`` as gamma -> 0. Both approach ``F kT/delta`` as gamma -> inf (dotted).

    Parameters
    ----------
    gammas : array_like, optional
        Exponents, >= 0 (default 0..10); zeros are dropped from the zeta curve.
    n_updates : int, optional
        ``N`` of the finite sums (1e5).
    flops, n_params, delta, temperature : float, optional
        Workload and precision (brain scale, 2^-16, 298 K).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    fig : matplotlib.figure.Figure
    ax : matplotlib.axes.Axes
        Lines labelled ``"finite N = ..."`` and ``"zeta (N -> inf)"``.

    Raises
    ------
    ValueError
        From :func:`stochlim.bounds.lim_energy` and the schedules: ``gamma`` below 0, ``delta``
        outside (0, 1), ``flops`` or ``n_params`` not positive.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from stochlim.bounds import lim_energy
    >>> from stochlim.units import kT
    >>> g = np.linspace(0.0, 2.0, 5)
    >>> fig, ax = fig6c(gammas=g, n_updates=1e5, flops=1e18, n_params=1e9, delta=2.0**-8)
    >>> finite, zeta, limit = ax.get_lines()[:3]
    >>> bool(np.allclose(finite.get_ydata(), lim_energy(1e18, 1e9, delta=2.0**-8, gamma=g, n_updates=1e5)))
    True
    >>> bool(np.isclose(limit.get_ydata()[0], 1e18 * kT() / 2.0**-8))  # gamma -> inf: F kT / delta
    True
    >>> matplotlib.pyplot.close(fig)
    """
    from .units import kT

    fig, ax = _new_axes(ax, (6.4, 4.6))
    g = np.asarray(gammas, dtype=float)
    finite = lim_energy(flops, n_params, delta=delta, gamma=g, n_updates=n_updates,
                        temperature=temperature)
    gz = g[g > 0]
    if gz.size and g.min() <= 0.0:
        # Resolve the zeta curve's plunge towards the static term M kT ln(1/delta) as gamma -> 0.
        gz = np.concatenate([np.logspace(-4.0, math.log10(gz.min()), 40, endpoint=False), gz])
    zeta = lim_energy(flops, n_params, delta=delta, gamma=gz, temperature=temperature)
    ax.plot(g, finite, color="tab:blue", lw=2, label=f"finite N = {n_updates:.0e} (Eq. 23)")
    ax.plot(gz, zeta, color="tab:orange", lw=2, ls="--", label=r"zeta, N $\to\infty$ (Eq. 24)")
    ax.axhline(flops * kT(temperature) / delta, color="0.4", ls=":", lw=1,
               label=r"$\gamma\to\infty$: $F\,kT/\delta$")
    i_lo = int(np.argmin(finite))
    lo, hi = float(finite[i_lo]), float(np.max(finite))
    ax.axhspan(lo, hi, color="tab:blue", alpha=0.08, lw=0)
    ax.plot([g[i_lo]], [lo], "o", color="tab:blue", ms=6, clip_on=False)
    ax.annotate(f"finite-N envelope\n[{_fmt_sci(lo)}, {_fmt_sci(hi)}] J",
                xy=(g.max() * 0.97, math.sqrt(lo * hi)), ha="right", va="center", fontsize=9,
                color="tab:blue")
    ax.annotate(r"zeta form $\to M\,kT\ln(1/\delta)$ as $\gamma\to 0$",
                xy=(0.02 * g.max(), lo / 12), xytext=(0.12 * g.max(), lo / 8),
                fontsize=8, color="tab:orange", va="center",
                arrowprops=dict(arrowstyle="->", color="tab:orange", lw=0.8))
    ax.set_ylim(lo / 20, hi * 1.4)
    ax.set_yscale("log")
    ax.set_xlim(g.min(), g.max())
    ax.set_xlabel(r"update-rate exponent $\gamma$ in $r_n = n^{-(1+\gamma)}$")
    ax.set_ylabel(r"total energy $E_{\mathrm{total}}$ [J]")
    ax.set_title(r"Fig. 6C: LIM energy vs $\gamma$, finite and zeta forms", fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return fig, ax


def fig6d(
    workloads=None,
    *,
    delta=DELTA,
    gamma=0.0,
    n_updates=N_UPDATES,
    bits=16,
    e_bits=(1e-15, 1e-12),
    temperature=DEFAULT_TEMPERATURE,
    ax=None,
):
    """Fig. 6D: reported training energy of published workloads against the analytic estimates.

    For each workload (T5 ... LaMDA and the brain-scale projection): the reported energy, the LIM
    lower envelope (:func:`stochlim.bounds.lim_energy`, truncated Eq. 23 with ``N = n_updates``
    and ``gamma = 0``, the bottom of the Fig. 6C envelope), the constant-energy-barrier limit
    ``(F + M) kT ln(1/delta)`` (Eq. 20 with a fixed barrier), and the hardware estimate of Eq. A.1,
    ``(F + M) bits E_bit``, at each ``E_bit`` in ``e_bits`` (1 fJ and 1 pJ).

    Parameters
    ----------
    workloads : sequence of Workload, optional
        Default :func:`stochlim.bounds.load_workloads` (all rows, brain scale included).
    delta : float, optional
        Precision (2^-16).
    gamma : float, optional
        Schedule exponent of the LIM estimate (0).
    n_updates : int, optional
        ``N`` of the truncated sums (1e5).
    bits : int, optional
        Bits per parameter in Eq. A.1 (16).
    e_bits : sequence of float, optional
        Switching energies per bit in J for Eq. A.1.
    temperature : float, optional
        Temperature in K (298).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    fig : matplotlib.figure.Figure
    ax : matplotlib.axes.Axes
        One marker series (a Line2D) per estimate, labelled ``"reported"``, ``"LIM ..."``,
        ``"CEB ..."`` and ``"A.1, E_bit = ..."``, with one point per workload in table order.

    Raises
    ------
    ValueError
        From :mod:`stochlim.bounds`: ``gamma`` below 0, ``delta`` outside (0, 1).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from stochlim.bounds import load_workloads
    >>> fig, ax = fig6d()
    >>> reported = ax.get_lines()[0]
    >>> reported.get_label(), len(reported.get_xdata()) == len(load_workloads())
    ('reported', True)
    >>> matplotlib.pyplot.close(fig)
    """
    if workloads is None:
        workloads = load_workloads()
    fig, ax = _new_axes(ax, (9.0, 5.0))
    names = [w.model for w in workloads]
    F = np.array([w.train_flops for w in workloads])
    M = np.array([w.params for w in workloads])
    x = np.arange(len(workloads), dtype=float)

    series = [
        ("reported", np.array([w.reported_energy_j for w in workloads]),
         dict(marker="o", color="k", ms=8)),
    ]
    for e_bit, mk, col in zip(e_bits, ("^", "v", "<", ">"), ("tab:purple", "tab:red", "tab:pink", "tab:brown")):
        vals = np.array([hardware_energy(f, m, bits=bits, e_bit=e_bit) for f, m in zip(F, M)])
        series.append((rf"A.1, $E_{{bit}}$ = {_fmt_sci(e_bit, 1)} J, {bits} bits", vals,
                       dict(marker=mk, color=col, ms=8)))
    lim = np.array([
        lim_energy(f, m, delta=delta, gamma=gamma, n_updates=n_updates, temperature=temperature)
        for f, m in zip(F, M)
    ])
    series.append((rf"LIM, Eq. 23 ($\gamma$ = {gamma:g}, N = {n_updates:.0e})", lim,
                   dict(marker="s", color="tab:blue", ms=8)))
    ceb = np.array([ceb_energy(f, m, delta=delta, temperature=temperature) for f, m in zip(F, M)])
    series.append(("CEB, Eq. 20 (constant barrier)", ceb, dict(marker="D", color="tab:green", ms=7)))

    width = 0.6
    offsets = np.linspace(-width / 2, width / 2, len(series))
    for (label, vals, style), off in zip(series, offsets):
        ax.plot(x + off, vals, ls="none", label=label, **style)
    # Open marker for the brain-scale "reported" value, which is a projection, not a measurement.
    for xi, w in zip(x, workloads):
        if w.energy_kind == "projection":
            ax.axvspan(xi - 0.5, xi + 0.5, color="0.9", zorder=0)
            ax.text(xi, 0.97, "projection", transform=ax.get_xaxis_transform(), ha="center",
                    va="top", fontsize=8, color="0.3")
    ax.set_yscale("log")
    ax.set_xticks(x, [n.replace(" ", "\n", 1) for n in names], fontsize=9)
    ax.set_xlim(-0.6, len(workloads) - 0.4)
    ax.set_ylabel("training energy [J]")
    ax.set_xlabel(rf"workload ($\delta$ = 2$^{{{math.log2(delta):.0f}}}$, T = {temperature:g} K)")
    ax.set_title("Fig. 6D: reported training energy vs LIM, CEB and Eq. A.1 estimates", fontsize=10)
    ax.grid(True, axis="y", which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", ncol=2)
    ymin, ymax = ax.get_ylim()
    ax.set_ylim(ymin, ymax * 1e3)  # head-room for the legend
    return fig, ax


#: Figure functions by name, in the paper's order.
FIGURES = {"fig3": fig3, "fig6a": fig6a, "fig6b": fig6b, "fig6c": fig6c, "fig6d": fig6d}


def save_figure(fig, out_dir, name, formats=("png", "pdf")) -> list:
    """Write ``fig`` as ``out_dir/name.<fmt>`` for every format (150 dpi, tight box), close it and
    return the paths. Each file is written atomically (temporary file, then rename): a failed
    write (disk full) raises ``OSError`` naming the file and leaves no truncated figure.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure (closed afterwards, also when a write fails).
    out_dir : str or path-like
        Existing folder to write into.
    name : str
        File name without extension.
    formats : sequence of str, optional
        Matplotlib output formats.

    Returns
    -------
    list of pathlib.Path
        The files written, one per format.

    Raises
    ------
    OSError
        If a file cannot be written (the message names it).
    ValueError
        If matplotlib does not know a format.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = save_figure(fig3(n_points=20)[0], tmp, "fig3", formats=("png",))
    ...     print([p.name for p in paths], paths[0].stat().st_size > 0)
    ['fig3.png'] True
    """
    from pathlib import Path

    from ._files import atomic_write

    paths = []
    try:
        for fmt in formats:
            path = Path(out_dir) / f"{name}.{fmt}"
            atomic_write(path, lambda f, fmt=fmt: fig.savefig(f, format=fmt, dpi=150, bbox_inches="tight"))
            paths.append(path)
    finally:
        plt.close(fig)
    return paths


def all_figures() -> dict:
    """Draw every figure with the paper's defaults.

    Returns
    -------
    dict
        ``{"fig3": (fig, ax), "fig6a": ..., "fig6b": ..., "fig6c": ..., "fig6d": ...}``.
        The caller owns the figures (save them, then ``plt.close(fig)``).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> figures = all_figures()
    >>> sorted(figures) == sorted(FIGURES)
    True
    >>> for fig, _ in figures.values():
    ...     matplotlib.pyplot.close(fig)
    """
    return {name: func() for name, func in FIGURES.items()}
