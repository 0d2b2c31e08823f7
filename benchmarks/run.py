"""Run the benchmarks and write ``benchmarks/results/bench-<UTC time>.json``.

stochlim and its peers are timed interleaved: for each repeat r, stochlim's run r, then the C
baseline's run r (one C process per run), then, on (a) and (c), GillesPy2's run r, so that every
pair sees the same machine speed (the machines are shared and drift by tens of percent over tens
of seconds). Each side reports the median (``ns_per_event``) and the minimum
(``ns_per_event_min``) over ``--repeats`` runs; ``ratio_c`` gives the median over repeats of the
paired ratios stochlim / C (the table's "stochlim / C (paired median)" column) and the ratio of
the two minima, and a peer's ``over_stochlim_paired`` the median paired ratio peer / stochlim. The
memory peak of stochlim is measured in a separate run under tracemalloc.

GillesPy2 (where installed) is timed on (a) and (c) with one solver compiled outside the clock. On
(b), whose rates change at 100 barrier steps and which GillesPy2 cannot run in one go, it is timed
two ways (see ``benchmarks.peers``): ``gillespy2``, one solver compiled once with variable
parameters and restarted at each step - the fastest GillesPy2 usage we found; and
``gillespy2_rebuild``, a new model with that step's constants and a new solver (a C++ compile)
per step, inside the clock - what a user gets with an ordinary GillesPy2 model whose constants
change. The rebuild takes minutes
(``--no-rebuild`` skips it). JIT compile time is measured apart, in fresh interpreters with an
empty numba cache directory, together with the time to load the compiled kernels from a warm
cache.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numba
import numpy as np

from stochlim import ssa

from . import c_baseline, peers
from .cases import K01, K10, _events_per_time_two_state, cases
from .common import median, median_paired_ratio, write_record

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
    return np.searchsorted(plan.p0_cum, rng.random(case.n_trajectories), side="right").astype(
        np.int64
    )


def _summary(seconds: list[float], events: list[int | float]) -> dict:
    """Median and minimum ns/event over runs, with the median seconds and events."""
    ns = [1e9 * s / n for s, n in zip(seconds, events)]
    med = median(ns)
    return {
        "events": median(events),
        "seconds": median(seconds),
        "ns_per_event": med,
        "ns_per_event_min": min(ns),
        "ns_per_event_runs": ns,
        "events_per_s": 1e9 / med,
    }


def time_paired(case, repeats: int, binary, threads: int, with_gillespy2: bool) -> dict:
    """stochlim, the C baseline (where ``binary`` is built) and, on (a) and (c), GillesPy2 (where
    ``with_gillespy2``), interleaved run by run: stochlim's run r, then C's, then GillesPy2's.

    Returns ``{"stochlim": ..., "c": ..., "ratio_c": ..., "gillespy2": ...}``; each peer's entry
    carries the median over repeats of its paired ratio with stochlim."""
    kw = dict(t_end=case.t_end, n_trajectories=case.n_trajectories, x0=case.x0)
    peers_now = {}  # name -> run(r) returning {"seconds": ..., "events": ...}
    if binary is not None:
        p = ssa.plan(case.model, rng=0, method="restart", **kw)
        x0 = _x0(case, p)
        peers_now["c"] = lambda r: c_baseline.run(binary, p, x0, 1, threads)[0]
    if with_gillespy2 and case.name != "b":
        g_run = peers.two_state_runner(case.t_end, case.n_trajectories, K01, K10)
        g_events = _events_per_time_two_state() * case.t_end * case.n_trajectories
        peers_now["gillespy2"] = lambda r: {"seconds": g_run(r), "events": g_events}
    # load (or compile) this case's kernel before the clock: a short untimed run
    ssa.simulate(case.model, rng=0, **{**kw, "t_end": 1e-3 * case.t_end})
    st_s, st_n = [], []
    runs = {name: [] for name in peers_now}
    for r in range(repeats):
        start = time.perf_counter()
        ens = ssa.simulate(case.model, rng=r, **kw)
        st_s.append(time.perf_counter() - start)
        st_n.append(int(ens.n_jumps.sum()))
        for name, run in peers_now.items():
            runs[name].append(run(r))
    tracemalloc.start()
    ssa.simulate(case.model, rng=repeats, **kw)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    out = {"stochlim": {"method": ens.method,
                        "threads": numba.get_num_threads() if case.n_trajectories > 1 else 1,
                        **_summary(st_s, st_n), "peak_traced_bytes": peak}}
    st = out["stochlim"]["ns_per_event_runs"]
    for name, rs in runs.items():
        entry = _summary([x["seconds"] for x in rs], [x["events"] for x in rs])
        entry["over_stochlim_paired"] = median_paired_ratio(entry["ns_per_event_runs"], st)
        if name == "c":
            entry = {"threads": rs[0]["threads"], **entry,
                     "peak_rss_kb": max(x["peak_rss_kb"] for x in rs)}
            out["ratio_c"] = {"median_paired": median_paired_ratio(st, entry["ns_per_event_runs"]),
                              "of_minima": min(st) / entry["ns_per_event_min"]}
        else:
            entry = {"events_expected": entry["events"], "runs": len(rs), **entry}
        out[name] = entry
    return out


def _step_times(case) -> np.ndarray:
    """Start times of case (b)'s 100 barrier steps."""
    return np.linspace(0.0, case.t_end, 100, endpoint=False)


def time_gillespy2_restarts(case) -> dict:
    """GillesPy2 on (b): one solver with variable parameters, restarted at each barrier step; events
    are expected counts (it reports a time grid). Tens of seconds at full scale, so timed once."""
    r = peers.time_ladder_restarts(case.model, case.t_end, _step_times(case), 50, repeats=1)
    s, n = r["walls"][0], r["events_expected"]
    return {"events_expected": n, "seconds": s, "runs": 1, "ns_per_event": 1e9 * s / n,
            "restarts": r["restarts"], "x0": 50}


def time_gillespy2_rebuild(case, n_steps: int | None = None) -> dict:
    """GillesPy2 on (b) as an ordinary model: a new model and a compiled solver per barrier step,
    builds inside the clock, timed once (minutes at full scale). ``n_steps``: only the first
    steps."""
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
        "| case | stochlim method (threads) | stochlim ns/event | stochlim events/s "
        "| stochlim arrays peak | "
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
            ratio = g.get("over_stochlim_paired", g["ns_per_event"] / st["ns_per_event"])
            cells += [f"{g['ns_per_event']:.4g}", f"{ratio:.4g}"]
        else:
            cells += ["skipped", "-"]
        if gr:
            partial = gr["rebuilds"] < gr["steps_total"]
            steps = f" ({gr['rebuilds']} of {gr['steps_total']} steps)" if partial else ""
            cells += [
                f"{gr['ns_per_event']:.4g}{steps}",
                f"{gr['ns_per_event'] / st['ns_per_event']:.4g}",
            ]
        else:
            cells += ["-" if name != "b" else "not run" if g else "skipped", "-"]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    ap.add_argument(
        "--scale", type=float, default=1.0, help="multiply the event counts (default 1)"
    )
    ap.add_argument("--repeats", type=int, default=5, help="runs per measurement (median)")
    ap.add_argument(
        "--no-compile-time", action="store_true", help="skip the cold-compile measurement"
    )
    ap.add_argument(
        "--no-rebuild",
        action="store_true",
        help="skip GillesPy2 on (b) with a new model and solver per barrier step (minutes)",
    )
    ap.add_argument(
        "--rebuild-steps",
        type=int,
        default=None,
        metavar="N",
        help="developer check: run the GillesPy2 rebuild on (b) for the first N of the 100 "
        "barrier steps only (default: all)",
    )
    args = ap.parse_args(argv)
    if args.rebuild_steps is not None and args.rebuild_steps < 1:
        ap.error("--rebuild-steps must be at least 1")

    binary, c_message = c_baseline.build()
    has_peer, peer_message = peers.available()
    print(f"C baseline: {c_message}")
    print(f"peer: {peer_message}")
    results = {
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
                 **time_paired(case, args.repeats, binary, threads, has_peer)}
        if has_peer and case.name == "b":
            entry["gillespy2"] = time_gillespy2_restarts(case)
            if not args.no_rebuild:
                entry["gillespy2_rebuild"] = time_gillespy2_rebuild(case, args.rebuild_steps)
        results["cases"][case.name] = entry
        print(f"({case.name}) {json.dumps(entry)}")
    results["process_peak_rss_kb"] = _process_peak_rss_kb()
    md = table(results)
    print(md)
    if "jit" in results:
        print(f"JIT compile {results['jit']['compile_s']:.2f} s (empty cache), "
              f"{results['jit']['cache_load_s']:.2f} s first call with a warm cache")
    out = write_record("bench", {**results, "table": md})
    print(f"wrote {out}")
    return 0
