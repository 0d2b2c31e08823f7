"""Ready-made erasure problems for a two-state bit, and writing an optimum to files.

:func:`erasure_problem` builds the two device models of :mod:`stochlim.finite_time` as
:class:`~stochlim.control.Problem` instances, so that the optimiser can be held against the closed
forms; :func:`write_optimum` writes a :class:`~stochlim.control.ControlResult` as a protocol table
(CSV), a summary (JSON) and a figure, for ``stochlim optimize``.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import numpy as np

from .. import finite_time as ft
from .._files import atomic_write_text
from .._validation import check_positive
from ..models import two_state
from .optimize import STATUS, ControlResult
from .problem import MaxError, Problem, barrier, energy

__all__ = ["closed_form", "erasure_problem", "plot_optimum", "write_optimum"]

#: Bounds on the gap and the barrier (kT) of the ready-made problems: wide enough not to bind.
GAP_BOUND = 40.0


def erasure_problem(device="fixed_rate", *, eps, tau, n_steps=32, rate=1.0, objective="work",
                    knots=None) -> Problem:
    """Erase a bit from ``p = 1/2`` to ``P(state 1) <= eps`` in ``tau``, gap ``E_1 - E_0`` free.

    ``"fixed_rate"``: the paper law with the barrier held so that ``k_01 + k_10 = rate``
    (``E0 = ln(2 / rate)`` with ``J_max = 1``); ``"rate_cap"``: the Arrhenius law with gap and barrier
    free and every rate ``<= rate`` (``J_max = rate``). Times in the unit of ``1 / J_max``.
    ``knots``: piecewise-linear controls through that many knots (see :class:`Problem`).

    Parameters
    ----------
    device : {"fixed_rate", "rate_cap"}, optional
        Device model (:data:`stochlim.finite_time.DEVICES`).
    eps : float
        Largest final error ``P(state 1)``, in (0, 1).
    tau : float
        Duration (> 0) in ``1 / J_max``.
    n_steps : int, optional
        Steps (or sub-steps with ``knots``) of the propagation.
    rate : float, optional
        Total rate (fixed rate) or rate cap ``J_max`` (> 0).
    objective : {"work", "heat", "entropy_production"}, optional
        What is minimised.
    knots : int, optional
        Number of knots of piecewise-linear controls (None: piecewise constant).

    Returns
    -------
    Problem
        One control (the gap) for the fixed rate; the gap and the barrier, capped at ``rate``,
        for the rate cap.

    Raises
    ------
    ValueError
        If ``device`` is unknown, ``rate`` is not positive, or :class:`Problem` rejects
        ``eps``, ``tau``, ``n_steps``, ``objective`` or ``knots``.

    Examples
    --------
    >>> from stochlim.control.erasure import erasure_problem
    >>> prob = erasure_problem("rate_cap", eps=0.1, tau=5.0, n_steps=8)
    >>> [c.name for c in prob.controls], prob.max_rate
    (['energy[1]', 'barrier[0]'], 1.0)
    """
    r = float(check_positive("rate", rate))
    if device == "fixed_rate":
        bit = two_state(math.log(2.0 / r))
        ctrls = [energy(1, 2, lower=-GAP_BOUND, upper=GAP_BOUND)]
        cap = None
    elif device == "rate_cap":
        bit = two_state(0.0, rate_law="arrhenius", J_max=r)
        ctrls = [energy(1, 2, lower=-GAP_BOUND, upper=GAP_BOUND), barrier(0, 1, lower=-GAP_BOUND, upper=GAP_BOUND)]
        cap = r
    else:
        raise ValueError(f"device must be one of {ft.DEVICES}: got {device!r}")
    return Problem(bit, ctrls, tau, [0.5, 0.5], MaxError([1], eps), objective, n_steps, cap, knots)


def closed_form(device, *, eps, tau, rate=1.0) -> ft.ErasureOptimum:
    """The exact optimum of :func:`erasure_problem`'s problem (its ``rate`` sets the time unit).

    Parameters
    ----------
    device : {"fixed_rate", "rate_cap"}
        Device model.
    eps, tau : float
        Final error in (0, 1/2) and duration (> 0).
    rate : float, optional
        Total rate or rate cap (> 0).

    Returns
    -------
    stochlim.finite_time.ErasureOptimum
        From :func:`stochlim.finite_time.erasure_optimum`.

    Raises
    ------
    ValueError
        If ``device`` is unknown, an input is out of range, or ``tau`` is below the least feasible
        time.

    Examples
    --------
    >>> from stochlim.control import optimize
    >>> from stochlim.control.erasure import closed_form, erasure_problem
    >>> exact = closed_form("rate_cap", eps=0.1, tau=5.0)
    >>> res = optimize(erasure_problem("rate_cap", eps=0.1, tau=5.0, n_steps=8))
    >>> bool(exact.work <= res.work < exact.work + 0.02)
    True
    """
    return ft.erasure_optimum(eps, tau, device, rate=rate)


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
    >>> from stochlim.control.erasure import closed_form, erasure_problem, plot_optimum
    >>> res = optimize(erasure_problem("fixed_rate", eps=0.1, tau=5.0, n_steps=8))
    >>> fig, ax = plot_optimum(res, closed_form("fixed_rate", eps=0.1, tau=5.0))
    >>> len(ax.patches), len(ax.lines)  # one staircase per control, one closed-form curve
    (1, 1)
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt

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
    OSError
        If a file cannot be written (disk full): each file is written whole or not at all.

    Examples
    --------
    >>> import json, tempfile
    >>> from stochlim.control import optimize
    >>> from stochlim.control.erasure import erasure_problem, write_optimum
    >>> res = optimize(erasure_problem("fixed_rate", eps=0.1, tau=5.0, n_steps=8))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     paths = write_optimum(res, folder)
    ...     summary = json.loads(paths[1].read_text())
    >>> [p.name for p in paths], summary["success"]
    (['protocol.csv', 'optimum.json', 'protocol.png'], True)
    """
    from ..plots import save_figure

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = _rows(result)
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    csv_path = atomic_write_text(out / "protocol.csv", buf.getvalue())
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
    import matplotlib

    matplotlib.use("Agg")
    fig, _ = plot_optimum(result, reference)
    return [csv_path, json_path] + save_figure(fig, out, "protocol", formats)
