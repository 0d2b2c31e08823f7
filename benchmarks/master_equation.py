"""Master-equation benchmark: ``solve_master`` against plain scipy and against the previous release.

``python -m benchmarks.master_equation [--levels 100 1000 10000 100000] [--repeats 3]`` prints a
markdown table and writes ``benchmarks/results/master-<UTC time>.json``. Cases:

* ``erasure tau=1``, ``erasure tau=100`` - a two-state bit (paper law) erased by piecewise-linear
  ramps of the barrier (12 -> 0 -> 0 -> 12 -> 12 kT) and the upper well (0 -> 0 -> 8 -> 8 -> 0 kT)
  over the knots ``(0, 1/4, 1/2, 3/4, 1) tau``, ``t_eval = [0, tau]``, every energetic integral;
* ``driven ring`` - a 4-state ring with a drive of 1 kT per step and ramped energies and barriers;
* ``ladder N`` - ``N`` levels in a harmonic well under a 1e3-step barrier schedule (0 -> 5 kT), and
  ``ladder N, 100 steps`` under a 100-step one;
* ``ramped ladder N`` - ``N`` levels with a barrier ramped linearly 5 -> 0 -> 5 kT.

Each case is timed in interleaved triples (scipy reference, stochlim, previous release) in one
run, so that the ratios compare times taken moments apart on a noisy machine; the tables give
medians and the median of the paired ratios. The scipy reference is written by hand and does the
least a user could get away with: ``solve_ivp(LSODA)`` on ``p`` and the heat ``Q`` only for the
small ramped models, a loop of ``scipy.sparse.linalg.expm_multiply`` that propagates ``p`` alone
for the stepped ladders, and ``solve_ivp(BDF)`` with the sparse Jacobian on ``p`` and ``Q`` for the
ramped ladder. The previous release is ``stochlim/master.py`` as of :data:`PREVIOUS_COMMIT`,
loaded from git into this package; where git or that file is unavailable its column is empty.
The first stochlim solve of each case (numba compile or cache load) is reported apart.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.integrate import solve_ivp
from scipy.sparse.linalg import expm_multiply

from stochlim.master import solve_master
from stochlim.models import HopModel, ladder, ring, two_state
from stochlim.protocols import PiecewiseConstant, PiecewiseLinear

from .common import median, median_paired_ratio, write_record

ROOT = Path(__file__).resolve().parent.parent
#: The release whose master-equation solver is the "previous release" column.
PREVIOUS_COMMIT = "8df39f3"
N_STEPS = 1000
#: The shorter barrier schedule of the comparison with the plain ``expm_multiply`` loop.
SHORT_STEPS = 100
T_END = 10.0
RTOL, ATOL = 1e-10, 1e-12


# --- the cases ----------------------------------------------------------------------------------


def erasure(tau: float) -> HopModel:
    """Two-state erasure: barrier and upper well piecewise linear over four phases of ``tau /
    4``."""
    knots = np.array([0.0, 0.25, 0.5, 0.75, 1.0]) * tau
    barrier = PiecewiseLinear(knots, [12.0, 0.0, 0.0, 12.0, 12.0])
    upper = PiecewiseLinear(knots, [0.0, 0.0, 8.0, 8.0, 0.0])
    return two_state(barrier, energies=(0.0, upper))


def driven_ring() -> HopModel:
    """A 4-state ring driven by 1 kT per step, one well and every barrier ramped over ``[0,
    10]``."""
    knots = [0.0, 5.0, 10.0]
    energies = (0.0, PiecewiseLinear(knots, [0.0, 2.0, 0.5]), 1.0, 0.5)
    return ring(4, energies, PiecewiseLinear(knots, [3.0, 0.5, 2.0]), drive=1.0)


def _harmonic(n_levels: int):
    width, c = n_levels / 4.0, (n_levels - 1) / 2.0
    return lambda i: 0.5 * ((i - c) / width) ** 2


def ladder_under_schedule(n_levels: int, n_steps: int = N_STEPS) -> HopModel:
    """A ladder with a harmonic well of width ~n/4 and a barrier raised from 0 to 5 kT in
    ``n_steps`` steps."""
    barrier = PiecewiseConstant(
        np.linspace(0.0, T_END, n_steps, endpoint=False), np.linspace(0.0, 5.0, n_steps)
    )
    return ladder(n_levels, _harmonic(n_levels), barriers=barrier)


def ramped_ladder(n_levels: int) -> HopModel:
    """The same well with the barrier ramped linearly 5 -> 0 -> 5 kT over ``[0, 10]``."""
    return ladder(
        n_levels, _harmonic(n_levels), barriers=PiecewiseLinear([0.0, 5.0, T_END], [5.0, 0.0, 5.0])
    )


def _end_point(n: int) -> np.ndarray:
    p0 = np.zeros(n)
    p0[0] = 1.0
    return p0


# --- the hand-written scipy references ----------------------------------------------------------


def _interpolants(protocols):
    """``(knots, values)`` of piecewise-linear protocols (numbers become one flat knot)."""
    out = []
    for p in protocols:
        knots = p.knots if p.knots.size else np.zeros(1)
        out.append((knots, np.array([float(p(t)) for t in knots])))
    return out


def lsoda_p_and_q(model: HopModel, p0, t_end: float):
    """``solve_ivp(LSODA)`` on ``p`` and the heat ``Q`` (paper law), written as a user would: inputs
    by ``np.interp`` of their knots, rates and fluxes in numpy, one call over ``[0, t_end]``."""
    x, y = model.edges[:, 0], model.edges[:, 1]
    s = model.n_states
    energies, barriers = _interpolants(model.energies), _interpolants(model.barriers)
    log_2j = np.log(2.0 * model.J_max)

    def rhs(t, v):
        e = np.array([np.interp(t, k, val) for k, val in energies])
        e0 = np.array([np.interp(t, k, val) for k, val in barriers])
        de = e[x] - e[y] + model.drives
        kf = np.exp(log_2j - e0 - np.logaddexp(0.0, -de))
        kb = np.exp(log_2j - e0 - np.logaddexp(0.0, de))
        flux = kf * v[x] - kb * v[y]
        out = np.zeros_like(v)
        np.add.at(out, x, -flux)
        np.add.at(out, y, flux)
        out[s] = flux @ de
        return out

    v0 = np.concatenate((p0, [0.0]))
    return solve_ivp(
        rhs, (0.0, t_end), v0, method="LSODA", t_eval=[0.0, t_end], rtol=RTOL, atol=ATOL
    )


def _shared_barrier_generator(model: HopModel):
    """``L`` at zero barrier, the heat row ``R`` and the shared barrier protocol of a ladder whose
    energies are constant and whose edges share one barrier protocol (paper law):
    ``L(t) = exp(-E0(t)) L0``, built once as a user who knows the model would."""
    if len({id(b) for b in model.barriers}) != 1 or not all(
        p.knots.size == 0 for p in model.energies
    ):
        raise ValueError("this reference needs constant energies and one shared barrier protocol")
    x, y = model.edges[:, 0], model.edges[:, 1]
    s = model.n_states
    e = model.energy(0.0)
    de = e[x] - e[y] + model.drives
    kf = 2.0 * model.J_max / (1.0 + np.exp(-de))
    kb = 2.0 * model.J_max / (1.0 + np.exp(de))
    rows = np.concatenate((y, x, x, y))
    cols = np.concatenate((x, y, x, y))
    l0 = sp.csr_matrix((np.concatenate((kf, kb, -kf, -kb)), (rows, cols)), shape=(s, s))
    r0 = sp.csr_matrix(
        (
            np.concatenate((kf * de, -kb * de)),
            (np.zeros(2 * x.size, dtype=int), np.concatenate((x, y))),
        ),
        shape=(1, s),
    )
    return l0, r0, model.barriers[0]


def expm_multiply_loop(model: HopModel, p0, t_end: float):
    """``p`` alone, propagated by ``expm_multiply`` over every interval of the step schedule."""
    l0, _, barrier = _shared_barrier_generator(model)
    knots = np.unique(np.concatenate(([0.0, t_end], barrier.knots)))
    knots = knots[knots <= t_end]
    p = np.asarray(p0, dtype=float)
    for a, b in itertools.pairwise(knots):
        p = expm_multiply(l0 * (math.exp(-barrier(a)) * (b - a)), p)
    return p


def bdf_p_and_q(model: HopModel, p0, t_end: float):
    """``solve_ivp(BDF)`` on ``p`` and ``Q`` with the sparse Jacobian ``exp(-E0(t)) [[L0, 0], [R0,
    0]]``."""
    l0, r0, barrier = _shared_barrier_generator(model)
    a0 = sp.bmat([[l0, None], [r0, sp.csr_matrix((1, 1))]], format="csr")
    knots, values = _interpolants([barrier])[0]

    def jac(t, v):
        return a0 * math.exp(-np.interp(t, knots, values))

    def rhs(t, v):
        return jac(t, v) @ v

    v0 = np.concatenate((p0, [0.0]))
    return solve_ivp(
        rhs, (0.0, t_end), v0, method="BDF", jac=jac, t_eval=[0.0, t_end], rtol=RTOL, atol=ATOL
    )


# --- the previous release -----------------------------------------------------------------------


def load_previous():
    """``solve_master`` of :data:`PREVIOUS_COMMIT`, imported inside ``stochlim``; None if
    unavailable."""
    try:
        text = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{PREVIOUS_COMMIT}:stochlim/master.py"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    name = "stochlim._master_previous_release"
    spec = importlib.util.spec_from_loader(name, loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "stochlim"
    sys.modules[name] = module  # dataclasses look their module up there
    try:
        exec(compile(text, f"{PREVIOUS_COMMIT}:stochlim/master.py", "exec"), module.__dict__)  # noqa: S102 (our own history)
    except ImportError:  # the package moved on beyond what the old file imports
        del sys.modules[name]
        return None
    return module.solve_master


# --- timing ---------------------------------------------------------------------------------------


def _timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def time_case(name: str, model: HopModel, t_end: float, reference, previous, repeats: int,
              previous_repeats: int, n_steps: int) -> dict:
    """Interleaved (reference, stochlim, previous) triples; the first stochlim solve timed apart."""
    p0 = (
        np.full(model.n_states, 1.0 / model.n_states)
        if model.n_states == 2
        else _end_point(model.n_states)
    )
    def current():
        return solve_master(model, p0=p0, t_eval=[0.0, t_end])
    first, sol = _timed(current)
    ref_t, cur_t, prev_t = [], [], []
    prev_sol = None
    for i in range(repeats):
        ref_t.append(_timed(lambda: reference(model, p0, t_end))[0])
        cur_t.append(_timed(current)[0])
        if previous is not None and i < previous_repeats:
            dt, prev_sol = _timed(lambda: previous(model, p0=p0, t_eval=[0.0, t_end]))
            prev_t.append(dt)
    row = {
        "case": name, "states": model.n_states, "steps": n_steps, "method": sol.method,
        "success": bool(sol.success), "first_call_s": first,
        "seconds": median(cur_t), "reference_s": median(ref_t),
        "ratio_to_reference": median_paired_ratio(cur_t, ref_t),
        "us_per_state_step": median(cur_t) / (model.n_states * n_steps) * 1e6,
        "runs": {"stochlim": cur_t, "reference": ref_t, "previous": prev_t},
    }
    if prev_t:
        row["previous_s"] = median(prev_t)
        row["speedup_vs_previous"] = median_paired_ratio(prev_t, cur_t[: len(prev_t)])
        row["max_rel_diff_previous"] = float(
            max(
                np.max(np.abs(sol.p[-1] - prev_sol.p[-1])),
                abs(sol.mean_heat[-1] - prev_sol.mean_heat[-1])
                / max(1.0, abs(prev_sol.mean_heat[-1])),
                abs(sol.mean_work[-1] - prev_sol.mean_work[-1])
                / max(1.0, abs(prev_sol.mean_work[-1])),
            )
        )
    return row


def _fmt(x, spec=".3g"):
    return "-" if x is None else format(x, spec)


def table(rows: list[dict]) -> str:
    lines = [
        (
            "| case | states x steps | method | stochlim s | us per state and step | scipy reference s | "
            "stochlim / reference | previous release s | speedup vs previous | first call s |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['case']} | {r['states']} x {r['steps']} | {r['method']} | {_fmt(r['seconds'])} | "
            f"{_fmt(r['us_per_state_step'])} | {_fmt(r['reference_s'])} | {_fmt(r['ratio_to_reference'], '.2f')} | "
            f"{_fmt(r.get('previous_s'))} | {_fmt(r.get('speedup_vs_previous'), '.1f')} | {_fmt(r['first_call_s'])} |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.master_equation", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--levels", type=int, nargs="+", default=[100, 1000, 10_000, 100_000])
    parser.add_argument("--short-schedule-levels", type=int, nargs="*", default=[10_000],
                        help=f"ladders under a {SHORT_STEPS}-step schedule as well")
    parser.add_argument("--ramped-levels", type=int, nargs="+", default=[1000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--previous-repeats-large",
        type=int,
        default=1,
        help="repeats of the previous release on ladders of >= 1e4 levels (it is slow)",
    )
    parser.add_argument("--no-previous", action="store_true", help="skip the previous release")
    args = parser.parse_args(argv)
    previous = None if args.no_previous else load_previous()
    r = args.repeats
    rows = [
        time_case("erasure tau=1", erasure(1.0), 1.0, lsoda_p_and_q, previous, r, r, 4),
        time_case("erasure tau=100", erasure(100.0), 100.0, lsoda_p_and_q, previous, r, r, 4),
        time_case("driven ring", driven_ring(), 10.0, lsoda_p_and_q, previous, r, r, 2),
    ]
    ladders = [(n, N_STEPS) for n in args.levels] + [(n, SHORT_STEPS) for n in args.short_schedule_levels]
    for n, steps in ladders:
        prev_r = r if n < 10_000 else min(r, args.previous_repeats_large)
        name = f"ladder {n}" if steps == N_STEPS else f"ladder {n}, {steps} steps"
        rows.append(time_case(name, ladder_under_schedule(n, steps), T_END, expm_multiply_loop, previous, r,
                              prev_r, steps))
    for n in args.ramped_levels:
        rows.append(
            time_case(f"ramped ladder {n}", ramped_ladder(n), T_END, bdf_p_and_q, previous, r, r, 2)
        )
    text = table(rows)
    print(text)
    write_record("master", {
        "benchmark": "master_equation",
        "previous_release": PREVIOUS_COMMIT if previous is not None else None,
        "tolerances": {"rtol": RTOL, "atol": ATOL},
        "rows": rows,
        "table": text,
    })
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
