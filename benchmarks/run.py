"""Run the benchmarks and write ``benchmarks/results/bench-<UTC time>.json``.

stochlim and the C baseline are timed in pairs, interleaved: for each repeat r, stochlim's run r
and then C's run r (one C process per run), so that both sides of a pair see the same machine
speed (the machines are shared and drift by tens of percent over tens of seconds). Each side
reports the median (``ns_per_event``) and the minimum (``ns_per_event_min``) over ``--repeats``
runs; ``ratio_c`` gives the median over repeats of the paired ratios stochlim / C, which is the
table's "stochlim / C (paired median)" column, and the ratio of the two minima. The memory peak
of stochlim is measured in a separate run under tracemalloc.

GillesPy2 (where installed) is timed on (a) and (c) with one solver compiled outside the clock. On
(b), whose rates change at 100 barrier steps and which GillesPy2 cannot run in one go, it is timed
two ways (see ``benchmarks.peers``): ``gillespy2``, one solver compiled once with variable
parameters and restarted at each step - the fastest GillesPy2 usage we found; and
``gillespy2_rebuild``, a new model with that step's constants and a new solver (a C++ compile)
per step, inside the clock - what a user gets with an ordinary GillesPy2 model whose constants
change, and how the issue that specified the benchmark measured it. The rebuild takes minutes
(``--no-rebuild`` skips it). JIT compile time is measured apart, in fresh interpreters with an
empty numba cache directory, together with the time to load the compiled kernels from a warm
cache.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timezone
from pathlib import Path

import numba
import numpy as np

import stochlim
from stochlim import ssa

from . import c_baseline, peers
from .cases import K01, K10, _events_per_time_two_state, cases

RESULTS = Path(__file__).resolve().parent / "results"

_FIRST_CALL = """
import time
from benchmarks.cases import two_state_constant
from stochlim import ssa
start = time.perf_counter()
ssa.simulate(two_state_constant(), t_end=10.0, n_trajectories=2, x0=0, rng=0)
print(time.perf_counter() - start)
"""


def first_call_seconds() -> dict:
    """First ``simulate`` call in a fresh interpreter: cold (empty cache) and warm cache."""
    root = str(Path(__file__).resolve().parent.parent)
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache, "PYTHONPATH": root}
        runs = [
            float(subprocess.run([sys.executable, "-c", _FIRST_CALL], env=env, cwd=root,
                                 capture_output=True, text=True, check=True).stdout)
            for _ in range(2)
        ]
    return {"compile_s": runs[0], "cache_load_s": runs[1]}


def _x0(case, plan) -> np.ndarray:
    if plan.x0s.size:
        return plan.x0s
    rng = np.random.default_rng(0)
    return np.searchsorted(plan.p0_cum, rng.random(case.n_trajectories), side="right").astype(np.int64)


def _summary(seconds: list[float], events: list[int | float]) -> dict:
    """Median and minimum ns/event over runs, with the median seconds and events."""
    ns = [1e9 * s / n for s, n in zip(seconds, events)]
    med = statistics.median(ns)
    return {
        "events": statistics.median(events),
        "seconds": statistics.median(seconds),
        "ns_per_event": med,
        "ns_per_event_min": min(ns),
        "ns_per_event_runs": ns,
        "events_per_s": 1e9 / med,
    }


def time_paired(case, repeats: int, binary, threads: int) -> dict:
    """stochlim and (where ``binary`` is built) the C baseline, interleaved run by run.

    Returns ``{"stochlim": ..., "c": ..., "ratio_c": ...}``, without the C entries when there is
    no C baseline."""
    kw = dict(t_end=case.t_end, n_trajectories=case.n_trajectories, x0=case.x0)
    if binary is not None:
        p = ssa.plan(case.model, rng=0, method="restart", **kw)
        x0 = _x0(case, p)
    # load (or compile) this case's kernel before the clock: a short untimed run
    ssa.simulate(case.model, rng=0, **{**kw, "t_end": 1e-3 * case.t_end})
    st_s, st_n, c_runs = [], [], []
    for r in range(repeats):
        start = time.perf_counter()
        ens = ssa.simulate(case.model, rng=r, **kw)
        st_s.append(time.perf_counter() - start)
        st_n.append(int(ens.n_jumps.sum()))
        if binary is not None:
            c_runs += c_baseline.run(binary, p, x0, 1, threads)
    tracemalloc.start()
    ssa.simulate(case.model, rng=repeats, **kw)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    out = {"stochlim": {"method": ens.method,
                        "threads": numba.get_num_threads() if case.n_trajectories > 1 else 1,
                        **_summary(st_s, st_n), "peak_traced_bytes": peak}}
    if binary is not None:
        out["c"] = {"threads": c_runs[0]["threads"],
                    **_summary([c["seconds"] for c in c_runs], [c["events"] for c in c_runs]),
                    "peak_rss_kb": max(c["peak_rss_kb"] for c in c_runs)}
        st, c = out["stochlim"]["ns_per_event_runs"], out["c"]["ns_per_event_runs"]
        out["ratio_c"] = {"median_paired": statistics.median(a / b for a, b in zip(st, c)),
                          "of_minima": min(st) / min(c)}
    return out


def _step_times(case) -> np.ndarray:
    """Start times of case (b)'s 100 barrier steps."""
    return np.linspace(0.0, case.t_end, 100, endpoint=False)


def time_gillespy2(case, repeats: int) -> dict:
    """GillesPy2's C++ SSA; events are expected counts, not counted (it reports a time grid).

    On (b): one solver with variable parameters, restarted at each barrier step (the restart loop
    takes tens of seconds at full scale, so it is timed once)."""
    if case.name == "b":
        r = peers.time_ladder_restarts(case.model, case.t_end, _step_times(case), 50, repeats=1)
        seconds, n = r["walls"], r["events_expected"]
        extra = {"restarts": r["restarts"], "x0": 50}
    else:
        seconds = peers.time_two_state(case.t_end, case.n_trajectories, K01, K10, repeats=repeats)
        n = _events_per_time_two_state() * case.t_end * case.n_trajectories
        extra = {}
    s = statistics.median(seconds)
    return {"events_expected": n, "seconds": s, "runs": len(seconds), "ns_per_event": 1e9 * s / n,
            **extra}


def time_gillespy2_rebuild(case, n_steps: int | None = None) -> dict:
    """GillesPy2 on (b) as an ordinary model: a new model and a compiled solver per barrier step,
    builds inside the clock, timed once (minutes at full scale). ``n_steps``: only the first steps."""
    r = peers.time_ladder_rebuilds(case.model, case.t_end, _step_times(case), 50, n_steps=n_steps)
    n = r["events_expected"]
    return {"events_expected": n, "seconds": r["wall"], "build_s": r["build_s"],
            "ns_per_event": 1e9 * r["wall"] / n, "rebuilds": r["rebuilds"],
            "steps_total": r["steps_total"], "x0": 50}


def _process_peak_rss_kb() -> int:
    """Peak resident memory of this Python process (VmHWM), or -1 where /proc is missing."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return -1


def table(results: dict) -> str:
    """Markdown table of the results."""
    rows = [
        "| case | stochlim method (threads) | stochlim ns/event | stochlim events/s | stochlim arrays peak | "
        "C ns/event (threads) | stochlim / C (paired median) | C peak RSS | GillesPy2 ns/event | "
        "GillesPy2 / stochlim | GillesPy2 rebuild per step ns/event | "
        "GillesPy2 rebuild per step / stochlim |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results["cases"].items():
        st, c, g, gr = r["stochlim"], r.get("c"), r.get("gillespy2"), r.get("gillespy2_rebuild")
        cells = [f"({name})", f"{st['method']} ({st['threads']})", f"{st['ns_per_event']:.1f}",
                 f"{st['events_per_s']:.3g}", f"{st['peak_traced_bytes'] / 1024:.0f} KiB"]
        if c:
            cells += [f"{c['ns_per_event']:.1f} ({c['threads']})",
                      f"{r['ratio_c']['median_paired']:.2f}", f"{c['peak_rss_kb'] / 1024:.1f} MiB"]
        else:
            cells += ["skipped", "-", "-"]
        if g:
            cells += [f"{g['ns_per_event']:.4g}", f"{g['ns_per_event'] / st['ns_per_event']:.4g}"]
        else:
            cells += ["skipped", "-"]
        if gr:
            partial = gr["rebuilds"] < gr["steps_total"]
            steps = f" ({gr['rebuilds']} of {gr['steps_total']} steps)" if partial else ""
            cells += [f"{gr['ns_per_event']:.4g}{steps}", f"{gr['ns_per_event'] / st['ns_per_event']:.4g}"]
        else:
            cells += ["-" if name != "b" else "not run" if g else "skipped", "-"]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply the event counts (default 1)")
    ap.add_argument("--repeats", type=int, default=5, help="runs per measurement (median)")
    ap.add_argument("--no-compile-time", action="store_true", help="skip the cold-compile measurement")
    ap.add_argument("--no-rebuild", action="store_true",
                    help="skip GillesPy2 on (b) with a new model and solver per barrier step (minutes)")
    ap.add_argument("--rebuild-steps", type=int, default=None, metavar="N",
                    help="developer check: run the GillesPy2 rebuild on (b) for the first N of the 100 "
                         "barrier steps only (default: all)")
    args = ap.parse_args(argv)
    if args.rebuild_steps is not None and args.rebuild_steps < 1:
        ap.error("--rebuild-steps must be at least 1")

    binary, c_message = c_baseline.build()
    has_peer, peer_message = peers.available()
    print(f"C baseline: {c_message}")
    print(f"peer: {peer_message}")
    results = {
        "utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "processor": platform.processor(),
                    "cpu_count": os.cpu_count(), "python": platform.python_version()},
        "versions": {"stochlim": stochlim.__version__, "numba": numba.__version__,
                     "numpy": np.__version__},
        "c_baseline": c_message,
        "peer": peer_message,
        "scale": args.scale,
        "repeats": args.repeats,
        "cases": {},
    }
    if not args.no_compile_time:
        results["jit"] = first_call_seconds()
        print(f"JIT: {results['jit']}")
    for n in (1, 2):  # load the serial and the parallel kernel before timing
        ssa.simulate(cases(1e-4)[0].model, t_end=10.0, n_trajectories=n, x0=0, rng=0)
    for case in cases(args.scale):
        threads = os.cpu_count() if case.n_trajectories > 1 else 1
        entry = {"description": case.description, "t_end": case.t_end,
                 "n_trajectories": case.n_trajectories,
                 **time_paired(case, args.repeats, binary, threads)}
        if has_peer:
            entry["gillespy2"] = time_gillespy2(case, args.repeats)
            if case.name == "b" and not args.no_rebuild:
                entry["gillespy2_rebuild"] = time_gillespy2_rebuild(case, args.rebuild_steps)
        results["cases"][case.name] = entry
        print(f"({case.name}) {json.dumps(entry)}")
    results["process_peak_rss_kb"] = _process_peak_rss_kb()
    md = table(results)
    print(md)
    if "jit" in results:
        print(f"JIT compile {results['jit']['compile_s']:.2f} s (empty cache), "
              f"{results['jit']['cache_load_s']:.2f} s first call with a warm cache")
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"bench-{stamp}.json"
    out.write_text(json.dumps({**results, "table": md}, indent=2))
    print(f"wrote {out}")
    return 0
