"""Exact-fluctuation benchmark: cumulants and count distributions of a 1e4-level ladder.

``python -m benchmarks.fluctuations [--levels 10000] [--repeats 3]`` prints a markdown table and
writes ``benchmarks/results/fluctuations-<UTC time>.json``. The ladder (harmonic well of width
n/4, barrier raised from 0 to 3 kT in 10 steps over t = 2, start at the bottom) is piecewise
constant, so ``"auto"`` propagates with sparse Krylov exponentials. Each task is timed against one
``solve_master`` of the same model in interleaved pairs (task, reference, task, reference ...) so
that the ratio is measured under the same load; times are medians of ``--repeats`` after one
warm-up call (there is no JIT here: the warm-up only fills caches).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from stochlim import fluctuations as fl
from stochlim.master import solve_master
from stochlim.models import ladder
from stochlim.protocols import PiecewiseConstant

from .common import median, median_paired_ratio, write_record

T_END = 2.0


def model_of(n_levels: int):
    c = (n_levels - 1) / 2.0
    width = n_levels / 4.0
    barrier = PiecewiseConstant(
        np.linspace(0.0, T_END, 10, endpoint=False), np.linspace(0.0, 3.0, 10)
    )
    return ladder(n_levels, lambda i: 0.5 * ((i - c) / width) ** 2, barriers=barrier)


def tasks(model, p0):
    return {
        "solve_master (reference)": lambda: solve_master(model, p0=p0, t_eval=[0.0, T_END]),
        "cumulants heat, order 4": lambda: fl.cumulants(model, "heat", p0=p0, t_eval=[0.0, T_END]),
        "cumulants work+heat+jumps, order 2": lambda: fl.cumulants(
            model, ["work", "heat", "n_jumps"], p0=p0, t_eval=[0.0, T_END], order=2),
        "count_distribution n_jumps": lambda: fl.count_distribution(model, p0=p0, t_eval=[T_END]),
    }


def run(n_levels: int, repeats: int) -> list[dict]:
    model = model_of(n_levels)
    p0 = np.zeros(n_levels)
    p0[0] = 1.0
    todo = tasks(model, p0)
    reference = todo.pop("solve_master (reference)")
    reference()
    rows = []
    for name, task in todo.items():
        result = task()  # warm-up
        own, ref = [], []
        for _ in range(repeats):
            start = time.perf_counter()
            task()
            own.append(time.perf_counter() - start)
            start = time.perf_counter()
            reference()
            ref.append(time.perf_counter() - start)
        rows.append({
            "levels": n_levels,
            "task": name,
            "seconds": median(own),
            "solve_master_seconds": median(ref),
            "ratio": median_paired_ratio(own, ref),
            "success": bool(result.success),
        })
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", type=int, nargs="+", default=[10_000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    rows = [row for n in args.levels for row in run(n, args.repeats)]
    print("| levels | task | seconds | solve_master s | ratio | success |")
    print("|---:|---|---:|---:|---:|---|")
    for r in rows:
        print(
            f"| {r['levels']} | {r['task']} | {r['seconds']:.3f} | {r['solve_master_seconds']:.3f} | "
            f"{r['ratio']:.1f} | {r['success']} |"
        )
    write_record("fluctuations", {"rows": rows})


if __name__ == "__main__":
    main()
