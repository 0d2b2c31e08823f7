"""Files of ``stochlim optimize``: an optimal protocol as a table, a summary and a figure.

:func:`write_optimum` writes a :class:`~stochlim.control.ControlResult` (from
:func:`stochlim.control.optimize`, e.g. on :func:`stochlim.control.erasure.erasure_problem`) as
``protocol.csv`` (the control values per step or knot), ``optimum.json`` (status, work, heat,
entropy production, final law, with the closed form when given) and the figure of
:func:`plot_optimum`. Like every module of :mod:`stochlim.report`, it selects no matplotlib backend.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from .. import finite_time as ft
from .._files import atomic_write_text
from ..control.optimize import STATUS, ControlResult
from ..plots import save_figure
from .tables import write_csv

__all__ = ["plot_optimum", "write_optimum"]


def _rows(result: ControlResult) -> list[dict]:
    """One row per step (``t_start, t_end``) or, for piecewise-linear controls, per knot (``t``)."""
    t, knots = result.times, result.problem.knot_times
    rows = []
    for j in range(result.problem.n_params):
        row = {"t_start": t[j], "t_end": t[j + 1]} if knots is None else {"t": knots[j]}
        row.update({c.name: float(result.values[j, i]) for i, c in enumerate(result.problem.controls)})
        rows.append(row)
    return rows


def plot_optimum(result: ControlResult, reference: ft.ErasureOptimum | None = None):
    """Control values against time (steps), with the closed-form gap when ``reference`` is given.

    Parameters
    ----------
    result : ControlResult
        An optimum.
    reference : stochlim.finite_time.ErasureOptimum, optional
        Closed-form optimum whose gap is drawn dotted.

    Returns
    -------
    (matplotlib.figure.Figure, matplotlib.axes.Axes)
        The figure, not shown.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from stochlim.control import optimize
    >>> from stochlim.control.erasure import closed_form, erasure_problem
    >>> from stochlim.report.control import plot_optimum
    >>> res = optimize(erasure_problem("fixed_rate", eps=0.1, tau=5.0, n_steps=8))
    >>> fig, ax = plot_optimum(res, closed_form("fixed_rate", eps=0.1, tau=5.0))
    >>> len(ax.patches), len(ax.lines)  # one staircase per control, one closed-form curve
    (1, 1)
    >>> plt.close(fig)
    """
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    t = result.times
    for i, c in enumerate(result.problem.controls):
        if result.problem.knots is None:
            ax.stairs(result.values[:, i], t, label=c.name, lw=1.5)
        else:
            ax.plot(result.problem.knot_times, result.values[:, i], "o-", ms=3, label=c.name, lw=1.5)
    if reference is not None:
        tt = np.linspace(0.0, reference.tau, 200)
        ax.plot(tt, reference.gap(tt), "k:", label="closed-form gap")
    ax.set_xlabel("time (1 / J_max)")
    ax.set_ylabel("kT")
    ax.set_title(f"least {result.problem.objective}: {result.objective:.5g} (status {result.status})")
    ax.legend()
    return fig, ax


def write_optimum(result: ControlResult, out_dir, *, reference: ft.ErasureOptimum | None = None,
                  formats=("png",)) -> list[Path]:
    """Write ``protocol.csv``, ``optimum.json`` and ``protocol.<fmt>`` into ``out_dir``; return the paths.

    Parameters
    ----------
    result : ControlResult
        An optimum.
    out_dir : str or os.PathLike
        Folder, created if missing.
    reference : stochlim.finite_time.ErasureOptimum, optional
        Closed-form optimum: its work and the Landauer term go into the summary, its gap into the
        figure.
    formats : sequence of str, optional
        Figure formats.

    Returns
    -------
    list of pathlib.Path
        The CSV, the JSON summary and the figure files.

    Raises
    ------
    ValueError
        If a figure format is not supported.

    Examples
    --------
    >>> import json, tempfile
    >>> from stochlim.control import optimize
    >>> from stochlim.control.erasure import erasure_problem
    >>> from stochlim.report.control import write_optimum
    >>> res = optimize(erasure_problem("fixed_rate", eps=0.1, tau=5.0, n_steps=8))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     paths = write_optimum(res, folder)
    ...     summary = json.loads(paths[1].read_text())
    >>> [p.name for p in paths], summary["success"]
    (['protocol.csv', 'optimum.json', 'protocol.png'], True)
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    csv_path = write_csv(out / "protocol.csv", _rows(result))
    summary = {
        "status": result.status, "status_meaning": STATUS[result.status], "success": result.success,
        "message": result.message, "tau": result.problem.tau, "n_steps": result.problem.n_steps,
        "objective": result.problem.objective, "value": result.objective, "work": result.work,
        "heat": result.heat, "entropy_production": result.entropy_production,
        "p_final": result.p_final.tolist(), "final_error": result.final_error,
        "rate_cap_slack": result.constraints["rate_cap"], "iterations": result.n_iterations,
    }
    if reference is not None:
        summary["closed_form_work"] = reference.work
        summary["landauer_term"] = float(ft.landauer_term(reference.eps))
    json_path = atomic_write_text(out / "optimum.json", json.dumps(summary, indent=2))
    fig, _ = plot_optimum(result, reference)
    return [csv_path, json_path] + save_figure(fig, out, "protocol", formats)
