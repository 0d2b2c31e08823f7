"""Tables, figure, files and report section of the coarse-graining check (``stochlim coarse``)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from .._files import atomic_write_text
from .._validation import as_float_array, check_positive
from ..coarse import (
    default_x_range,
    driven_comparison,
    effective_rates,
    intra_well_time,
    kramers_rates,
    quartic_double_well,
    well_split,
)
from ..protocols import PiecewiseLinear
from .tables import dict_table, write_csv

__all__ = ["rate_table", "ramp_scan", "plot_coarse", "section", "write_coarse", "RAMP_RANGE"]

#: Ramp durations :func:`ramp_scan` accepts, in intra-well relaxation times.
RAMP_RANGE = (1e-12, 1e5)


def rate_table(E0_values, dE_values, K_values, *, D=1.0) -> list[dict]:
    """Effective rates against Kramers, Arrhenius and Eq. 7 on a grid of barriers, biases and K.

    For each ``(E0, dE, K)`` with two minima and enough resolution: the effective rates of the
    fine model (:func:`~stochlim.coarse.effective_rates`, default x_range), the Kramers rates, their relative
    errors, the ratio ``k_LR / k_RL`` against ``exp(dE)``, the fine net current against Eq. 7
    ``2 A e^-E0 tanh(dE/2)`` and the Arrhenius form ``2 A e^-E0 sinh(dE/2)`` with the prefactor
    ``A`` fitted at zero bias (``A = k(dE=0) e^E0`` at the same E0 and K), and the eigenvalue gap.
    Combinations that are not a resolved double well are skipped.

    Parameters
    ----------
    E0_values, dE_values : float or array_like
        Barriers and biases of the quartic double well, in kT.
    K_values : int or array_like of int
        Grid sizes of the fine model.
    D : float, optional
        Diffusion constant.

    Returns
    -------
    list of dict
        One row per resolved ``(E0, dE, K)``: ``E0``, ``dE``, ``K``, ``k_lr``, ``k_rl``,
        ``kramers_lr``, ``kramers_rl``, ``rel_err_kramers``, ``ratio_over_exp_dE``,
        ``net_current``, ``rel_err_eq7``, ``rel_err_arrhenius``, ``gap``.

    Raises
    ------
    ValueError
        If ``E0_values`` or ``dE_values`` holds a value that is not a finite number.

    Examples
    --------
    >>> rows = rate_table([8.0], [0.0, 2.0], [151])
    >>> [(r["E0"], r["dE"], r["K"]) for r in rows]
    [(8.0, 0.0, 151), (8.0, 2.0, 151)]
    >>> abs(rows[1]["ratio_over_exp_dE"]) < 0.01  # detailed balance: k_LR / k_RL = e^dE
    True
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
    the left well (:func:`~stochlim.coarse.driven_comparison`). Each row holds ``T``, ``T / tau_intra`` and the
    :meth:`~stochlim.coarse.DrivenComparison.errors` (two-state minus fine), plus the fine model's heat.

    Parameters
    ----------
    durations : float or array_like
        Ramp durations ``T`` (positive, within :data:`RAMP_RANGE` intra-well times).
    E0, dE : tuple of float, optional
        Start and end barrier and bias, in kT.
    K : int, optional
        Grid size of the fine model.
    D : float, optional
        Diffusion constant.

    Returns
    -------
    list of dict
        One row per duration: ``T``, ``T_over_tau_intra``, ``heat_fine`` and the errors.

    Raises
    ------
    ValueError
        If a duration is not positive, or lies outside :data:`RAMP_RANGE` intra-well times; or if
        ``K`` is too small to resolve the wells.

    Examples
    --------
    A ramp of 64 intra-well times: the two-state picture's heat error is a few hundredths of kT.

    >>> row, = ramp_scan([1.0])
    >>> print(f"T/tau_intra = {row['T_over_tau_intra']:g}, heat error {row['heat']:+.3f} kT")
    T/tau_intra = 64, heat error -0.054 kT

    A duration outside the range is refused before any integration:

    >>> ramp_scan([1e-20])
    Traceback (most recent call last):
    ...
    ValueError: durations must lie in [1e-12, 100000] intra-well times ...
    """
    durations = np.atleast_1d(check_positive("durations", durations))
    tau = float(intra_well_time(max(E0), D))
    for i, T in enumerate(durations):
        if not RAMP_RANGE[0] <= T / tau <= RAMP_RANGE[1]:
            raise ValueError(
                f"durations must lie in [{RAMP_RANGE[0]:g}, {RAMP_RANGE[1]:g}] intra-well times "
                f"(tau_intra = {tau:.4g}): got {float(T)!r} at index {i} ({T / tau:.3g} tau_intra). Shorter ramps "
                "are sudden quenches (results unchanged to 1e-10); the stiff integration of longer ones grows "
                "faster than T (about 8 s at 6e4, 5 min at 6e5 tau_intra) while the errors have converged"
            )
    rows = []
    for T in tqdm(durations, desc="ramps", unit="ramp", disable=not sys.stderr.isatty(), file=sys.stderr):
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
    fig : matplotlib.figure.Figure
    axes : tuple of matplotlib.axes.Axes
        The rate errors (one line per bias and K) and the ramp errors (heat, work, occupation).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> fig, (ax_rate, ax_heat) = plot_coarse(rate_table([6.0, 8.0], [0.0], [151]), ramp_scan([1.0, 2.0]))
    >>> ax_rate.get_legend_handles_labels()[1], ax_heat.get_legend_handles_labels()[1]
    (['dE = 0 kT, K = 151'], ['heat', 'work', 'occupation (max |dP|)'])
    >>> ax_rate.get_lines()[0].get_xdata().tolist()   # one point per barrier
    [6.0, 8.0]
    >>> matplotlib.pyplot.close(fig)
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


def section() -> str:
    """One line for ``stochlim reproduce``: Kramers agreement, low-barrier breakdown, heat error.

    Returns
    -------
    str
        A markdown section (it runs two ramp integrations, well under a second).

    Examples
    --------
    >>> text = section()
    >>> print(text.splitlines()[0])
    ## Two-state rates against a fine double well (`stochlim coarse`)
    >>> "-5.3 % at E0 = 8 kT" in text   # Kramers against the fine model
    True
    """
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


def write_coarse(out_dir, *, E0_values, dE_values, K_values, durations, formats=("png", "pdf")) -> list:
    """Write ``coarse_rates.csv``, ``coarse_ramp.csv``, ``coarse.md`` and the figure into ``out_dir``.

    The tables are :func:`rate_table` and :func:`ramp_scan`; the figure is :func:`plot_coarse`.
    Everything is computed before the folder is created, and every file is written atomically.
    Returns the written paths.

    Parameters
    ----------
    out_dir : str or path-like
        Folder to write into (created after the computation).
    E0_values, dE_values, K_values
        Grid of :func:`rate_table`.
    durations : array_like
        Ramp durations of :func:`ramp_scan`.
    formats : sequence of str, optional
        Formats of the figure.

    Returns
    -------
    list of pathlib.Path
        The files written.

    Raises
    ------
    ValueError
        If no ``(E0, dE, K)`` combination is a resolved double well, or as for :func:`rate_table`
        and :func:`ramp_scan` (nothing is written then).
    OSError
        If a file cannot be written.

    Examples
    --------
    >>> import tempfile
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = write_coarse(tmp, E0_values=[8.0], dE_values=[0.0], K_values=[151],
    ...                          durations=[1.0], formats=("png",))
    ...     names = [p.name for p in paths]
    ...     header = (Path(tmp) / "coarse_rates.csv").read_text().splitlines()[0]
    >>> names
    ['coarse_rates.csv', 'coarse_ramp.csv', 'coarse.md', 'coarse.png']
    >>> header.split(",")[:4]
    ['E0', 'dE', 'K', 'k_lr']
    """
    from ..plots import save_figure

    rates = rate_table(E0_values, dE_values, K_values)
    if not rates:
        raise ValueError("no (E0, dE, K) combination is a resolved double well: raise K or E0, or "
                         "lower |dE| below 0.75 E0")
    ramps = ramp_scan(durations)
    out = Path(out_dir)  # created only now: a refused input leaves nothing behind
    out.mkdir(parents=True, exist_ok=True)
    written = [write_csv(out / "coarse_rates.csv", rates), write_csv(out / "coarse_ramp.csv", ramps)]
    md = out / "coarse.md"
    atomic_write_text(
        md,
        "# Coarse-grained rates: fine double well against the two-state picture\n\n"
        "## Effective rates (relative errors are prediction / fine - 1)\n\n"
        + dict_table(rates, ["E0", "dE", "K", "k_lr", "k_rl", "rel_err_kramers", "ratio_over_exp_dE",
                            "rel_err_eq7", "rel_err_arrhenius", "gap"])
        + "\n"
        + "\n## Driven ramp E0 8 -> 4 kT, dE 0 -> 2 kT (two-state minus fine, at the end)\n\n"
        + dict_table(ramps, ["T", "T_over_tau_intra", "occupation", "current", "work", "heat", "heat_fine"]) + "\n",
    )
    written.append(md)
    fig, _ = plot_coarse(rates, ramps)
    return written + save_figure(fig, out, "coarse", formats)
