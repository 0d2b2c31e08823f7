"""Sweep throughput and scaling with cores: ``python -m benchmarks.sweep``.

Three measurements on one study (a 4-state driven ring, ``--points`` grid points of
``--trajectories`` each, chunks of ``--chunk-size``):

- **overhead**: the sweep (chunking, checksums, atomic writes, table) against plain ``simulate``
calls
  producing the same trajectories, both on all cores; the ratio is the price of checkpointing;
- **threads**: the local sweep with numba limited to 1, 2, ... ``os.cpu_count()`` threads
  (trajectories per second and speed-up over one thread);
- **dask**: the same study on a ``LocalCluster`` of 1, 2, ... single-threaded worker processes on
  loopback, when ``dask.distributed`` is installed (skipped with a message otherwise).

Every number is the median of ``--repeats`` runs. Results go to ``benchmarks/results/sweep-<UTC
time>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

import numba

import stochlim
from stochlim.sweeps import parse_study

from .common import time_median, write_record

_STUDY = """\
seed = 1
trajectories = {trajectories}
chunk_size = {chunk_size}
[model]
kind = "ring"
n_states = 4
t_end = 200.0
barriers = 1.0
x0 = 0
[grid]
drive = {drives}
"""


def study(points: int, trajectories: int, chunk_size: int):
    drives = [round(0.25 * i, 2) for i in range(points)]
    return parse_study(
        _STUDY.format(trajectories=trajectories, chunk_size=chunk_size, drives=drives),
        source="benchmark",
    )


def _sweep_seconds(st, repeats: int, scheduler=None) -> float:
    def once():
        with tempfile.TemporaryDirectory() as tmp:
            stochlim.sweep(st, out=Path(tmp) / "out", scheduler=scheduler, quiet=True)

    return time_median(once, repeats)[0]


def overhead(st, repeats: int) -> dict:
    """Sweep against plain ``simulate`` calls of the same trajectories (one call per point)."""
    def plain():
        for i in range(len(st.points)):
            drive = st.points[i]["drive"]
            stochlim.simulate(stochlim.ring(4, 0.0, 1.0, drive=drive), t_end=200.0,
                              n_trajectories=st.trajectories, x0=0, rng=i)

    plain()  # compile or load the kernels
    t_plain = time_median(plain, repeats)[0]
    t_sweep = _sweep_seconds(st, repeats)
    total = st.trajectories * len(st.points)
    return {"trajectories": total, "plain_s": t_plain, "sweep_s": t_sweep,
            "plain_traj_per_s": total / t_plain, "sweep_traj_per_s": total / t_sweep,
            "sweep_over_plain": t_sweep / t_plain}


def thread_scaling(st, repeats: int) -> list[dict]:
    total = st.trajectories * len(st.points)
    rows, before = [], numba.get_num_threads()
    try:
        for k in range(1, numba.config.NUMBA_NUM_THREADS + 1):
            numba.set_num_threads(k)
            seconds = _sweep_seconds(st, repeats)
            rows.append({"threads": k, "seconds": seconds, "traj_per_s": total / seconds})
    finally:
        numba.set_num_threads(before)
    for r in rows:
        r["speedup"] = rows[0]["seconds"] / r["seconds"]
    return rows


def dask_scaling(st, repeats: int) -> list[dict] | str:
    try:
        from distributed import LocalCluster
    except ImportError:
        return ("dask.distributed not installed: Dask scaling skipped "
                "(pip install 'stochlim[distributed]')")
    total = st.trajectories * len(st.points)
    rows, saved = [], os.environ.get("NUMBA_NUM_THREADS")
    os.environ["NUMBA_NUM_THREADS"] = "1"  # one core per worker process, inherited by the workers
    try:
        for workers in range(1, (os.cpu_count() or 1) + 1):
            with LocalCluster(
                n_workers=workers,
                processes=True,
                threads_per_worker=1,
                host="127.0.0.1",
                dashboard_address="127.0.0.1:0",
            ) as cluster:
                _sweep_seconds(st, 1, cluster.scheduler_address)  # workers load the kernels
                seconds = _sweep_seconds(st, repeats, cluster.scheduler_address)
            rows.append({"workers": workers, "seconds": seconds, "traj_per_s": total / seconds})
    finally:
        if saved is None:
            os.environ.pop("NUMBA_NUM_THREADS")
        else:
            os.environ["NUMBA_NUM_THREADS"] = saved
    for r in rows:
        r["speedup"] = rows[0]["seconds"] / r["seconds"]
    return rows


def table(record: dict) -> str:
    """Markdown rows of the sweep measurements."""
    o = record["overhead"]
    lines = ["| measurement | setting | trajectories/s | relative |", "|---|---|---|---|",
             f"| plain `simulate` | all cores | {o['plain_traj_per_s']:.3g} | 1 |",
             f"| `stochlim.sweep` (local) | all cores | {o['sweep_traj_per_s']:.3g} | "
             f"{1 / o['sweep_over_plain']:.2f} |"]
    lines += [
        f"| local sweep | {r['threads']} numba thread(s) | {r['traj_per_s']:.3g} "
        f"| {r['speedup']:.2f}x |"
        for r in record["threads"]
    ]
    if isinstance(record["dask"], list):
        lines += [
            f"| Dask LocalCluster | {r['workers']} worker process(es) | {r['traj_per_s']:.3g} | "
            f"{r['speedup']:.2f}x |"
            for r in record["dask"]
        ]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.sweep", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--points", type=int, default=4)
    parser.add_argument(
        "--trajectories", type=int, default=100_000, help="per point (default 100000)"
    )
    parser.add_argument("--chunk-size", type=int, default=25_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="10x fewer trajectories, one repeat")
    args = parser.parse_args(argv)
    if args.quick:
        args.trajectories, args.chunk_size, args.repeats = (
            args.trajectories // 10,
            args.chunk_size // 10,
            1,
        )
    st = study(args.points, args.trajectories, args.chunk_size)
    record = {"benchmark": "sweep", "study": st.to_dict(), "repeats": args.repeats}
    record["overhead"] = overhead(st, args.repeats)
    print(f"overhead: {json.dumps(record['overhead'])}")
    record["threads"] = thread_scaling(st, args.repeats)
    record["dask"] = dask_scaling(st, args.repeats)
    if isinstance(record["dask"], str):
        print(record["dask"])
    record["table"] = table(record)
    print(record["table"])
    path = write_record("sweep", record)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
