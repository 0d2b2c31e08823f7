"""Master-equation benchmark: ladders of 1e2 .. 1e5 levels under a 1e3-step barrier protocol.

``python -m benchmarks.master_equation [--levels 100 1000 ...] [--repeats 3]`` prints a markdown
table and writes ``benchmarks/results/master-<UTC time>.json``. The cost of one solve should grow
about linearly with the number of levels (sparse Krylov propagation, ``method="krylov"``, which
``"auto"`` picks beyond 400 states); the dense method is timed where it is affordable for scale.
Each time is the median of ``--repeats`` solves after one warm-up solve.
"""

from __future__ import annotations

import argparse

import numpy as np

from stochlim.master import solve_master
from stochlim.models import ladder
from stochlim.protocols import PiecewiseConstant

from .common import time_median, write_record

N_STEPS = 1000
T_END = 10.0


def ladder_under_schedule(n_levels: int):
    """A ladder with a harmonic well of width ~n/4 and a barrier raised from 0 to 5 kT in 1e3
    steps."""
    width = n_levels / 4.0
    barrier = PiecewiseConstant(
        np.linspace(0.0, T_END, N_STEPS, endpoint=False), np.linspace(0.0, 5.0, N_STEPS)
    )
    c = (n_levels - 1) / 2.0
    return ladder(n_levels, lambda i: 0.5 * ((i - c) / width) ** 2, barriers=barrier)


def time_solve(n_levels: int, method: str, repeats: int) -> dict:
    model = ladder_under_schedule(n_levels)
    p0 = np.zeros(n_levels)
    p0[0] = 1.0
    solve = lambda: solve_master(model, p0=p0, t_eval=[0.0, T_END], method=method)  # noqa: E731
    sol = solve()
    seconds, _ = time_median(solve, repeats)
    return {
        "levels": n_levels,
        "method": method,
        "seconds": seconds,
        "success": bool(sol.success),
        "norm_error": float(abs(sol.p[-1].sum() - 1.0)),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.master_equation", description=__doc__
    )
    parser.add_argument("--levels", type=int, nargs="+", default=[100, 1000, 10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--dense-limit", type=int, default=100, help="largest ladder also timed with 'expm'"
    )
    args = parser.parse_args(argv)
    rows = []
    for n in args.levels:
        rows.append(time_solve(n, "krylov", args.repeats))
        if n <= args.dense_limit:
            rows.append(time_solve(n, "expm", args.repeats))
    base = next(r for r in rows if r["method"] == "krylov")
    print(
        f"| levels | method | seconds per solve ({N_STEPS} steps) | us per level and step "
        "| cost / levels vs first |"
    )
    print("|---|---|---|---|---|")
    for r in rows:
        per = r["seconds"] / (r["levels"] * N_STEPS) * 1e6
        rel = (r["seconds"] / r["levels"]) / (base["seconds"] / base["levels"])
        r["us_per_level_step"] = per
        print(f"| {r['levels']} | {r['method']} | {r['seconds']:.3f} | {per:.3f} | {rel:.2f} |")
    path = write_record("master", {
        "benchmark": "master_equation",
        "protocol": {"steps": N_STEPS, "t_end": T_END, "barrier": "0 -> 5 kT"},
        "rows": rows,
    })
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
