"""Every benchmark of the project in one run: ``python -m benchmarks.suite [--quick]``.

Runs, in order, each benchmark module present - ``benchmarks.run`` (SSA kernels against a C
baseline and GillesPy2), ``benchmarks.master_equation``, ``benchmarks.lim`` (the optimiser, against
dwave-samplers) and ``benchmarks.sweep`` (sweep throughput, scaling with threads and Dask workers)
- through its ``main(argv)``. Peers that are not installed are skipped by the modules with a
message. The suite then writes ``benchmarks/results/suite-<UTC time>.json`` (machine information
plus every module's own JSON record) and regenerates ``benchmarks/PERFORMANCE.md``, the performance
tables the README points to. ``--quick`` shrinks every benchmark to a smoke run of a minute or two;
``--only NAME ...`` reruns some modules and keeps the others' results from the last suite record.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import time
import traceback
from pathlib import Path

from . import common
from .common import machine, utc_now, write_record

HERE = Path(__file__).resolve().parent
PERFORMANCE = HERE / "PERFORMANCE.md"

#: (module, JSON prefix it writes, arguments for a full run, arguments for --quick)
MODULES = (
    (
        "run",
        "bench",
        [],
        ["--scale", "0.01", "--repeats", "1", "--no-compile-time", "--rebuild-steps", "2"],
    ),
    ("master_equation", "master", [],
     ["--levels", "100", "1000", "--ramped-levels", "200", "--repeats", "1", "--no-previous"]),
    ("lim", "lim", [], ["--quick", "--repeats", "1"]),
    ("sweep", "sweep", [], ["--quick"]),
)
#: Peer packages compared where installed, and which module compares them.
PEERS = {"gillespy2": "benchmarks.run", "dwave.samplers": "benchmarks.lim", "cayenne": None}


def peers() -> dict:
    """For each peer: installed or not, and what the suite does about it."""
    out = {}
    for name, module in PEERS.items():
        try:
            installed = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:  # a missing parent package (dwave)
            installed = False
        if not installed:
            out[name] = f"not installed: skipped (pip install {name.replace('.', '-')})"
        elif module is None:
            out[name] = "installed, but no benchmark case compares it yet"
        else:
            out[name] = f"installed: compared in {module}"
    return out


def _newest(prefix: str, since: float) -> Path | None:
    files = [p for p in common.RESULTS.glob(f"{prefix}-*.json") if p.stat().st_mtime >= since]
    return max(files, key=lambda p: p.stat().st_mtime) if files else None


def run_module(name: str, prefix: str, argv: list[str]) -> dict:
    """Run ``benchmarks.<name>.main(argv)``; return its JSON record, or why there is none."""
    try:
        module = importlib.import_module(f"benchmarks.{name}")
    except ImportError as exc:
        return {"status": "skipped", "message": f"benchmarks.{name} not importable: {exc}"}
    print(f"\n=== benchmarks.{name} {' '.join(argv)}", flush=True)
    start = time.time()
    try:
        code = module.main(argv)
    except Exception:  # one broken benchmark must not lose the others' results
        return {"status": "failed", "message": traceback.format_exc(limit=3)}
    path = _newest(prefix, start - 1.0)
    if code or path is None:
        return {"status": "failed", "message": f"exit code {code}, record {path}"}
    return {"status": "ok", "seconds": time.time() - start, "file": path.name,
            "record": json.loads(path.read_text())}


def _master_table(rec: dict) -> str:
    return rec["table"]  # paired against scipy and the previous release


def _num(x, fmt=".3g") -> str:
    return "" if x is None else format(x, fmt)


def _lim_table(rec: dict) -> str:
    """The run it comes from, throughput rows (hops/s, paired with the C baseline), the 1e5/1e6-spin
    scaling rows, then anneal rows of stochlim and dwave-samplers (time to solution)."""
    rows = rec["results"]
    run = (f"One run of `{rec.get('command', 'python -m benchmarks.lim')}`, started "
           f"{rec.get('started', rec.get('utc'))}, {rec['threads']} threads, {rec['repeats']} "
           "interleaved stochlim/C pairs per case: every number in this section comes from it. "
           "Ratios are wall times, stochlim's over C's (below 1: stochlim is faster).")

    def c_cells(r):
        c, ratio = r.get("c"), r.get("ratio_c")
        if c is None:
            return "- | - | - | - |"
        return (f"{_num(c['hops_per_s'])} | {ratio['median_paired']:.2f} "
                f"({min(ratio['paired']):.2f}-{max(ratio['paired']):.2f}) | "
                f"{ratio['kernel_median_paired']:.2f} | {'yes' if c['same_events'] else 'NO'} |")

    head = ("stochlim hops/s | C hops/s | time stochlim / C, paired median (range) | "
            "kernel alone / C | same events as C |")
    lines = [
        run,
        "",
        "| case | parameters | hops/s per thread | " + head,
        "|---|---|---|---|---|---|---|---|",
    ]
    lines += [f"| {r['case']} | {r['n_params']} | {_num(r['hops_per_s_per_thread'])} | "
              f"{_num(r['hops_per_s'])} | {c_cells(r)}" for r in rows if "hops_per_s" in r]
    scaling = rec.get("scaling") or []
    if scaling:
        lines += ["", "| constant case, 2 trajectories | spins | edges | " + head
                  + " lim.run memory per spin | C process peak per spin |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for r in scaling:
            mem = r.get("run_bytes_per_spin")
            c_mem = (r.get("c") or {}).get("bytes_per_spin")
            lines.append(f"| {r['case']} | {r['n_params']} | {r['n_edges']} | "
                         f"{_num(r['hops_per_s'])} | {c_cells(r)} "
                         f"{'-' if mem is None else f'{mem:.0f} B'} | "
                         f"{'-' if c_mem is None else f'{c_mem:.0f} B'} |")
    anneals = [r for r in rows if "hops_per_s" not in r] + list(rec.get("dwave_samplers") or [])
    if anneals:
        lines += ["", "| solver | case | t_end / sweeps | wall per read (s) | P(ground) | "
                  "TTS99 wall (s) |", "|---|---|---|---|---|---|"]
        lines += [
            f"| {r.get('method', 'stochlim')} | {r['case']} | "
            f"{r.get('t_end', r.get('num_sweeps', ''))} | "
            f"{_num(r.get('wall_per_read_s'))} | {_num(r.get('success_probability'), '.2f')} | "
            f"{_num(r.get('tts99_wall_s'))} |"
            for r in anneals
        ]
    return "\n".join(lines)


_SECTIONS = {
    "run": ("SSA kernels (`python -m benchmarks`)", lambda rec: rec["table"]),
    "master_equation": ("Master equation (`python -m benchmarks.master_equation`)", _master_table),
    "lim": ("Learning-in-memory optimiser (`python -m benchmarks.lim`)", _lim_table),
    "sweep": (
        "Sweeps: throughput and scaling (`python -m benchmarks.sweep`)",
        lambda rec: rec["table"],
    ),
}


def _sections(markdown: str) -> dict:
    """``title -> body`` of the ``## `` sections of a ``PERFORMANCE.md`` text."""
    out = {}
    for chunk in markdown.split("\n## ")[1:]:
        title, _, body = chunk.partition("\n")
        out[title.strip()] = body.strip()
    return out


def performance_md(suite: dict, kept: dict | None = None) -> str:
    """The text of ``PERFORMANCE.md`` from one suite record; sections of modules the record lacks
    are taken from ``kept`` (title -> body, from the previous ``PERFORMANCE.md``) where present."""
    m = suite["machine"]
    v = ", ".join(f"{k} {x}" for k, x in m["versions"].items())
    parts = ["# Performance", "",
             f"Regenerated by `python -m benchmarks.suite{' --quick' if suite['quick'] else ''}"
             f"{' --only ' + ' '.join(suite['only']) if suite.get('only') else ''}` on "
             f"{suite['utc']}: {m['processor']}, {m['cpu_count']} cores, {m['platform']}, Python "
             f"{m['python']}; {v}. Do not edit by hand.", ""]
    if suite.get("only"):
        parts += ["*Only the modules named were rerun; every other section is kept from the run "
                  "that last produced it.*", ""]
    if suite["quick"]:
        parts += ["*Quick (smoke) run: small sizes, one repeat; rerun without `--quick` for the "
                  "numbers to quote.*", ""]
    parts += ["Peers: " + "; ".join(f"{k}: {x}" for k, x in suite["peers"].items()) + ".", ""]
    for name, _, _, _ in MODULES:
        title, render = _SECTIONS[name]
        entry = suite["modules"].get(name)
        if entry is None:
            if kept and title in kept:
                parts += [f"## {title}", "", kept[title], ""]
            continue
        parts += [f"## {title}", ""]
        if entry["status"] == "ok":
            parts += [render(entry["record"])]
        else:
            parts += [f"{entry['status']}: {entry['message'].strip().splitlines()[-1]}"]
        parts.append("")
    return "\n".join(parts)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.suite", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="smoke-sized runs of every benchmark")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=[m[0] for m in MODULES],
        help="run only these modules; the others keep their results of the last suite run",
    )
    args = parser.parse_args(argv)
    suite = {"utc": utc_now(), "quick": args.quick, "only": args.only,
             "machine": machine(), "peers": peers(), "modules": {}}
    for name, message in suite["peers"].items():
        print(f"peer {name}: {message}")
    previous = _newest("suite", 0.0) if args.only else None
    kept = None
    if previous is not None:  # keep the other modules' latest results in PERFORMANCE.md
        suite["modules"] = json.loads(previous.read_text())["modules"]
    elif args.only and PERFORMANCE.exists():  # no record here: keep their sections as they stand
        kept = _sections(PERFORMANCE.read_text())
    for name, prefix, full, quick in MODULES:
        if args.only and name not in args.only:
            continue
        suite["modules"][name] = run_module(name, prefix, quick if args.quick else full)
        if suite["modules"][name]["status"] != "ok":
            print(
                f"benchmarks.{name}: {suite['modules'][name]['status']}: "
                f"{suite['modules'][name]['message']}"
            )
    out = write_record("suite", suite)
    PERFORMANCE.write_text(performance_md(suite, kept))
    print(f"\nwrote {out} and {PERFORMANCE}")
    return 0 if all(e["status"] == "ok" for e in suite["modules"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
