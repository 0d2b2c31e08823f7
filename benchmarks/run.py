"""Run the benchmarks and write ``benchmarks/results/bench-<UTC time>.json``.

Every number is the median over ``--repeats`` runs in this process; ratios compare stochlim with
the C baseline measured in the same run (the machines are noisy). JIT compile time is measured
apart, in fresh interpreters with an empty numba cache directory, together with the time to load
the compiled kernels from a warm cache.
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


def time_stochlim(case, repeats: int) -> dict:
    kw = dict(t_end=case.t_end, n_trajectories=case.n_trajectories, x0=case.x0)
    seconds, events = [], []
    for r in range(repeats):
        start = time.perf_counter()
        ens = ssa.simulate(case.model, rng=r, **kw)
        seconds.append(time.perf_counter() - start)
        events.append(int(ens.n_jumps.sum()))
    tracemalloc.start()
    ssa.simulate(case.model, rng=repeats, **kw)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    s, n = statistics.median(seconds), statistics.median(events)
    return {
        "method": ens.method,
        "threads": numba.get_num_threads() if case.n_trajectories > 1 else 1,
        "events": n,
        "seconds": s,
        "ns_per_event": 1e9 * s / n,
        "events_per_s": n / s,
        "peak_traced_bytes": peak,
    }


def time_c(binary, case, repeats: int, threads: int) -> dict:
    p = ssa.plan(case.model, t_end=case.t_end, n_trajectories=case.n_trajectories, x0=case.x0,
                 rng=0, method="restart")
    runs = c_baseline.run(binary, p, _x0(case, p), repeats, threads)
    s = statistics.median(r["seconds"] for r in runs)
    n = statistics.median(r["events"] for r in runs)
    return {
        "threads": runs[0]["threads"],
        "events": n,
        "seconds": s,
        "ns_per_event": 1e9 * s / n,
        "events_per_s": n / s,
        "peak_rss_kb": max(r["peak_rss_kb"] for r in runs),
    }


def time_gillespy2(case, repeats: int) -> dict:
    """GillesPy2's C++ SSA; events are expected counts, not counted (it reports a time grid)."""
    if case.name == "b":
        # One solver run per barrier step (it cannot vary rates within a run). The restart loop
        # takes tens of seconds at full scale, so it is timed once.
        steps = np.linspace(0.0, case.t_end, 100, endpoint=False)
        r = peers.time_ladder_restarts(case.model, case.t_end, steps, 50, repeats=1)
        seconds, n = r["walls"], r["events_expected"]
        extra = {"restarts": r["restarts"], "x0": 50}
    else:
        seconds = peers.time_two_state(case.t_end, case.n_trajectories, K01, K10, repeats=repeats)
        n = _events_per_time_two_state() * case.t_end * case.n_trajectories
        extra = {}
    s = statistics.median(seconds)
    return {"events_expected": n, "seconds": s, "runs": len(seconds), "ns_per_event": 1e9 * s / n,
            **extra}


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
        "C ns/event (threads) | stochlim / C | C peak RSS | GillesPy2 ns/event | GillesPy2 / stochlim |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results["cases"].items():
        st, c, g = r["stochlim"], r.get("c"), r.get("gillespy2")
        cells = [f"({name})", f"{st['method']} ({st['threads']})", f"{st['ns_per_event']:.1f}",
                 f"{st['events_per_s']:.3g}", f"{st['peak_traced_bytes'] / 1024:.0f} KiB"]
        if c:
            cells += [f"{c['ns_per_event']:.1f} ({c['threads']})",
                      f"{st['ns_per_event'] / c['ns_per_event']:.2f}", f"{c['peak_rss_kb'] / 1024:.1f} MiB"]
        else:
            cells += ["skipped", "-", "-"]
        if g:
            cells += [f"{g['ns_per_event']:.4g}", f"{g['ns_per_event'] / st['ns_per_event']:.4g}"]
        else:
            cells += ["skipped", "-"]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply the event counts (default 1)")
    ap.add_argument("--repeats", type=int, default=5, help="runs per measurement (median)")
    ap.add_argument("--no-compile-time", action="store_true", help="skip the cold-compile measurement")
    args = ap.parse_args(argv)

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
        entry = {"description": case.description, "t_end": case.t_end,
                 "n_trajectories": case.n_trajectories,
                 "stochlim": time_stochlim(case, args.repeats)}
        if binary is not None:
            threads = os.cpu_count() if case.n_trajectories > 1 else 1
            entry["c"] = time_c(binary, case, args.repeats, threads)
        if has_peer:
            entry["gillespy2"] = time_gillespy2(case, args.repeats)
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
