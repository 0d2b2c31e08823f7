"""Ready-made erasure problems for a two-state bit, and writing an optimum to files.

:func:`erasure_problem` builds the two device models of :mod:`stochlim.finite_time` as
:class:`~stochlim.control.Problem` instances, so that the optimiser can be held against the closed
forms; :func:`write_optimum` writes a :class:`~stochlim.control.ControlResult` as a protocol table
(CSV), a summary (JSON) and a figure, for ``stochlim optimize``.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np

from .. import finite_time as ft
from .._validation import check_positive
from ..models import two_state
from .optimize import STATUS, ControlResult
from .problem import MaxError, Problem, barrier, energy

__all__ = ["closed_form", "erasure_problem", "plot_optimum", "write_optimum"]

#: Bounds on the gap and the barrier (kT) of the ready-made problems: wide enough not to bind.
GAP_BOUND = 40.0


def erasure_problem(device="fixed_rate", *, eps, tau, n_steps=32, rate=1.0, objective="work") -> Problem:
    """Erase a bit from ``p = 1/2`` to ``P(state 1) <= eps`` in ``tau``, gap ``E_1 - E_0`` free.

    ``"fixed_rate"``: the paper law with the barrier held so that ``k_01 + k_10 = rate``
    (``E0 = ln(2 / rate)`` with ``J_max = 1``); ``"rate_cap"``: the Arrhenius law with gap and barrier
    free and every rate ``<= rate`` (``J_max = rate``). Times in the unit of ``1 / J_max``.
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
    return Problem(bit, ctrls, tau, [0.5, 0.5], MaxError([1], eps), objective, n_steps, cap)


def closed_form(device, *, eps, tau, rate=1.0) -> ft.ErasureOptimum:
    """The exact optimum of :func:`erasure_problem`'s problem (its ``rate`` sets the time unit)."""
    return ft.erasure_optimum(eps, tau, device, rate=rate)


def _rows(result: ControlResult) -> list[dict]:
    t = result.times
    rows = []
    for j in range(result.problem.n_steps):
        row = {"t_start": t[j], "t_end": t[j + 1]}
        row.update({c.name: float(result.values[j, i]) for i, c in enumerate(result.problem.controls)})
        rows.append(row)
    return rows


def plot_optimum(result: ControlResult, reference: ft.ErasureOptimum | None = None):
    """Control values against time (steps), with the closed-form gap when ``reference`` is given."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    t = result.times
    for i, c in enumerate(result.problem.controls):
        ax.stairs(result.values[:, i], t, label=c.name, lw=1.5)
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
    """Write ``protocol.csv``, ``optimum.json`` and ``protocol.<fmt>`` into ``out_dir``; return the paths."""
    from ..plots import save_figure

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = _rows(result)
    csv_path = out / "protocol.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
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
    json_path = out / "optimum.json"
    json_path.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    import matplotlib

    matplotlib.use("Agg")
    fig, _ = plot_optimum(result, reference)
    return [csv_path, json_path] + save_figure(fig, out, "protocol", formats)
