"""Throughput of the learning-in-memory array SSA (``stochlim.lim``): ``python -m benchmarks.lim``.

Cases:

* ``ising_2d`` - planted 100 x 100 periodic lattice Ising instance (1e4 spins, degree 4), annealed
  (scale 0.1 -> 3 and barriers 0 -> 3 kT, linear: the thinning path);
* ``ising_2d_constant`` - the same instance at constant scale 0.3 and barrier 0 (rejection-free
  direct method; a hot, hop-rich regime);
* ``quadratic_chain`` - sparse quadratic, M = 1e4 memories of 33 levels coupled along a chain
  (tridiagonal A = Laplacian + 0.1 I, degree 2), constant inputs;
* scaling - the constant case on planted lattices of ~1e5 and 1e6 spins (316^2 and 1000^2; 100^2
  and 316^2 with ``--quick``), each in a fresh interpreter so that its memory is its own;
* comparison with dwave-samplers' simulated annealing (``SimulatedAnnealingSampler``, default
  1000 sweeps) on the *same* planted instances, 8 x 8 (seed 3; stochlim anneal t_end = 10, 100,
  1000) and 100 x 100 (seed 1; t_end = 100): success probability (ground state = the planted
  state, checked to have the same energy in both conventions), wall and CPU time per read (CPU time
  summed over this process's threads: stochlim runs reads in parallel, SA one thread), and the
  wall time to reach the ground state with probability 0.99, ``t_read ln(0.01) / ln(1 - p)``.

C baseline: ``lim_direct.c``, the same event loop written by hand in C (same algorithm, arithmetic
and xoshiro256** streams), built at run time with ``cc -O3 -march=native -fopenmp`` and fed the
exact arrays ``lim.run`` passes to its kernel (captured from one call). Throughput cases run one
trajectory per thread, stochlim and C interleaved: stochlim's run r (``lim.run``: validation,
lowering, kernel and result, same seed every time), then one C process (its timed loop: per
trajectory set-up and event loop). Reported per case: hops (single-level updates) per second,
median over ``--repeats`` runs of each side, the median over pairs of stochlim's wall time divided
by C's (``ratio_c``: below 1 stochlim is faster, 1.5 means C makes 1.5 times as many hops per
second), and whether both made the same hops with the same total heat (same events). The record
names the command and its start time, so a table is traceable to one run. The first call (JIT
compile or on-disk cache load) is timed apart. Memory in the scaling rows: the rise of the
interpreter's resident peak (VmHWM, reset before the run) during ``lim.run``, per spin, and
the C process's peak (inputs included). Peer: dwave-samplers' simulated annealing where importable,
else skipped with a message. Results go to ``benchmarks/results/lim-<UTC time>.json``.
"""

from __future__ import annotations

import argparse
import inspect
import json
import subprocess
import sys
import time
from pathlib import Path

import numba
import numpy as np
import scipy.sparse as sp

from stochlim import lim
from stochlim.protocols import PiecewiseLinear

from . import c_baseline
from .common import median, median_paired_ratio, utc_now, write_record

ROOT = Path(__file__).resolve().parent.parent


def planted_lattice(side: int, seed: int = 1) -> tuple[lim.Ising, np.ndarray]:
    """Periodic ``side x side`` lattice, ``J_ij = c_ij s*_i s*_j`` (c in [0.5, 1.5]),
    ``h = 0.2 s*``: frustration-free, so ``s*`` is the unique ground state."""
    rng = np.random.default_rng(seed)
    n = side * side
    star = rng.choice([-1.0, 1.0], n)
    idx = np.arange(n).reshape(side, side)
    a = np.concatenate((idx.ravel(), idx.ravel()))
    b = np.concatenate((np.roll(idx, -1, axis=1).ravel(), np.roll(idx, -1, axis=0).ravel()))
    c = rng.uniform(0.5, 1.5, a.size) * star[a] * star[b]
    j = sp.coo_matrix((np.concatenate((c, c)), (np.concatenate((a, b)), np.concatenate((b, a)))),
                      shape=(n, n)).tocsr()
    return lim.Ising(j, 0.2 * star), star


def quadratic_chain(m: int, seed: int = 2) -> lim.Quadratic:
    rng = np.random.default_rng(seed)
    main = np.full(m, 2.1)
    off = np.full(m - 1, -1.0)
    a = sp.diags([off, main, off], [-1, 0, 1], format="csr")
    return lim.Quadratic(a, rng.normal(0.0, 0.5, m), levels=33, quantum=0.1)


def _anneal(t_end):
    return dict(barrier=PiecewiseLinear([0.0, t_end], [0.0, 3.0]),
                scale=PiecewiseLinear([0.0, t_end], [0.1, 3.0]))


class KernelTap:
    """Within ``with KernelTap() as tap:``, every ``lim.run`` call times its compiled kernel
    (``tap.seconds``) and the first one's kernel arguments are kept, by name and copied
    (``tap.args``): the exact inputs for the C baseline, and the run time without ``lim.run``'s
    validation, lowering and result building."""

    def __enter__(self):
        self.module = sys.modules[lim.run.__module__]
        self.kernel = self.module.run_array
        names = list(inspect.signature(self.kernel.py_func).parameters)
        self.args, self.seconds = None, []

        def tapped(*args):
            if self.args is None:
                self.args = {n: a.copy() if isinstance(a, np.ndarray) else a
                             for n, a in zip(names, args)}
            start = time.perf_counter()
            out = self.kernel(*args)
            self.seconds.append(time.perf_counter() - start)
            return out

        self.module.run_array = tapped
        return self

    def __exit__(self, *exc):
        self.module.run_array = self.kernel


def paired(name, problem, kwargs, n_traj, repeats, binary, optimum=None):
    """stochlim's ``lim.run`` and the C baseline (where ``binary`` is built), interleaved run by
    run on the same inputs and seed; one JSON row."""
    run_kw = dict(n_trajectories=n_traj, rng=0, optimum=optimum, **kwargs)
    walls, c_runs = [], []
    with KernelTap() as tap:
        first = time.perf_counter()
        lim.run(problem, **run_kw)
        first = time.perf_counter() - first
        for _ in range(repeats):
            start = time.perf_counter()
            res = lim.run(problem, **run_kw)
            walls.append(time.perf_counter() - start)
            if binary is not None:
                c_runs.append(c_baseline.run_lim(binary, tap.args, 1, n_traj)[0])
    kernel_s = tap.seconds[1:]
    hops = int(res.n_jumps.sum())
    wall = median(walls)
    threads = min(numba.get_num_threads(), n_traj)
    row = {"case": name, "n_params": problem.n_params, "n_trajectories": n_traj,
           "t_end": kwargs["t_end"], "hops": hops, "wall_s": wall, "wall_s_runs": walls,
           "kernel_s_runs": kernel_s, "first_call_s": first, "hops_per_s": hops / wall,
           "hops_per_s_per_thread": hops / wall / threads, "threads": threads,
           "method": res.provenance["method"]}
    if optimum is not None:
        row["success_probability"] = float(res.success().mean())
    row["mean_residual_energy_per_param"] = (
        float((res.final_loss - res.optimum_energy).mean()) / problem.n_params
        if res.optimum_energy is not None else None)
    line = (f"{name:22s} M = {problem.n_params:7d} {hops:10d} hops  "
            f"stochlim {hops / wall:9.3e} hops/s (first call {first:.2f} s)")
    if c_runs:
        c_s = [c["seconds"] for c in c_runs]
        heat = float(res.heat.sum())
        same = all(c["hops"] == hops and abs(c["heat"] - heat) <= 1e-9 * (1.0 + abs(heat))
                   for c in c_runs)
        ratios = [a / b for a, b in zip(walls, c_s)]  # stochlim's time over C's, pair by pair
        row["c"] = {"threads": c_runs[0]["threads"], "wall_s": median(c_s),
                    "wall_s_runs": c_s, "hops_per_s": hops / median(c_s),
                    "peak_rss_kb": max(c["peak_rss_kb"] for c in c_runs), "same_events": same}
        row["ratio_c"] = {"median_paired": median_paired_ratio(walls, c_s), "paired": ratios,
                          "of_minima": min(walls) / min(c_s),
                          "kernel_median_paired": median_paired_ratio(kernel_s, c_s)}
        ratio = row["ratio_c"]
        line += (f"  C {row['c']['hops_per_s']:9.3e} hops/s  time stochlim / C "
                 f"{ratio['median_paired']:.2f} (pairs {', '.join(f'{x:.2f}' for x in ratios)}; "
                 f"kernel alone {ratio['kernel_median_paired']:.2f})"
                 f"{'' if same else '  EVENTS DIFFER'}")
    print(line, flush=True)
    return row


_SCALING_CHILD = """
import json, sys
sys.path.insert(0, {root!r})
from benchmarks import lim as bench
print(json.dumps(bench.scaling_child({side}, {t_end}, {repeats}, {binary!r})))
"""


def _rss_kb(key: str) -> int:
    """``VmRSS`` or ``VmHWM`` of this process in kB (-1 where /proc is missing)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return -1


def scaling_child(side: int, t_end: float, repeats: int, binary: str | None) -> dict:
    """One scaling row, run in a fresh interpreter: the constant case on a ``side x side`` planted
    lattice, two trajectories; first the memory (rise of the resident peak during one ``lim.run``
    after the kernel is loaded), then the runs paired with C."""
    small, _ = planted_lattice(4)
    lim.run(small, barrier=0.0, scale=0.3, t_end=1.0, n_trajectories=2, rng=0)  # load the kernel
    ising, star = planted_lattice(side)
    kw = dict(t_end=t_end, barrier=0.0, scale=0.3)
    try:  # reset the resident peak to the current resident size (Linux >= 4.0)
        Path("/proc/self/clear_refs").write_text("5")
        before = _rss_kb("VmRSS")
    except OSError:
        before = -1
    lim.run(ising, n_trajectories=2, rng=0, optimum=star, **kw)
    rise = _rss_kb("VmHWM") - before if before > 0 else None
    row = paired(f"ising_{side}x{side}_constant", ising, kw, 2, repeats,
                 None if binary is None else Path(binary), optimum=star)
    row.update(n_edges=int(ising.J.nnz // 2), run_peak_rise_kb=rise,
               run_bytes_per_spin=None if rise is None else 1024.0 * rise / ising.n_params)
    if "c" in row:
        row["c"]["bytes_per_spin"] = 1024.0 * row["c"]["peak_rss_kb"] / ising.n_params
    return row


def scaling(sides, t_end, repeats, binary) -> list[dict]:
    """:func:`scaling_child` for each side, each in a fresh interpreter."""
    rows = []
    for side in sides:
        code = _SCALING_CHILD.format(root=str(ROOT), side=side, t_end=t_end, repeats=repeats,
                                     binary=None if binary is None else str(binary))
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
        if out.returncode != 0:
            raise RuntimeError(f"scaling run {side} x {side} failed:\n{out.stderr[-2000:]}")
        lines = out.stdout.strip().splitlines()
        print("\n".join(lines[:-1]), flush=True)
        row = json.loads(lines[-1])
        if row.get("run_bytes_per_spin") is not None:
            c_mem = (f"; C process peak {row['c']['bytes_per_spin']:.0f} B per spin"
                     if "c" in row else "")
            print(f"  memory: lim.run raised the resident peak by "
                  f"{row['run_bytes_per_spin']:.0f} B per spin{c_mem}")
        rows.append(row)
    return rows


def _tts99(per_read_s, p):
    """Wall time to reach the ground state with probability 0.99: ``t_read ln(0.01) / ln(1-p)``."""
    if p <= 0.0:
        return float("inf")
    if p >= 1.0:
        return per_read_s
    return per_read_s * max(1.0, np.log(0.01) / np.log1p(-p))


def _timed(fn):
    """(wall s, CPU s summed over this process's threads, result) of one call."""
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - w, time.process_time() - c, out


def _instance(side):
    return planted_lattice(side, seed=3 if side == 8 else 1)


def stochlim_anneal(side, t_end, n_reads, repeats):
    """stochlim's LIM anneal (scale 0.1 -> 3, barrier 0 -> 3 kT over ``t_end``) on the planted
    ``side x side`` instance: success probability and wall/CPU time per read (median of repeats;
    the first call, JIT or cache load, is made before)."""
    ising, star = _instance(side)

    def go():
        return lim.run(ising, n_trajectories=n_reads, rng=1, optimum=star, t_end=t_end,
                       **_anneal(t_end))

    lim.run(ising, n_trajectories=min(n_reads, 2), rng=0, optimum=star, t_end=min(t_end, 1.0),
            **_anneal(min(t_end, 1.0)))
    runs = [_timed(go) for _ in range(repeats)]
    wall = median(r[0] for r in runs)
    cpu = median(r[1] for r in runs)
    res = runs[-1][2]
    s = res.summary()
    p = float(s.success_probability)
    row = {
        "method": "stochlim LIM anneal",
        "case": f"planted_{side}x{side}",
        "n_spins": side * side,
        "t_end": t_end,
        "n_reads": n_reads,
        "threads": min(numba.get_num_threads(), n_reads),
        "wall_s": wall,
        "cpu_s": cpu,
        "wall_per_read_s": wall / n_reads,
        "cpu_per_read_s": cpu / n_reads,
        "success_probability": p,
        "success_probability_se": float(s.success_probability_se),
        "hops_per_read": float(res.n_jumps.mean()),
        "time_to_solution_model_units": float(s.time_to_solution),
        "tts99_wall_s": _tts99(wall / n_reads, p),
    }
    print(f"stochlim anneal {side}x{side} t = {t_end:6g}: P(ground) = {p:.3f} +- "
          f"{row['success_probability_se']:.3f}, {row['wall_per_read_s'] * 1e3:.3f} ms wall / read "
          f"({row['cpu_per_read_s'] * 1e3:.3f} ms CPU), TTS99 {row['tts99_wall_s']:.3g} s wall")
    return row


def dwave_sa(side, n_reads, repeats, num_sweeps=None):
    """dwave-samplers' simulated annealing (defaults: 1000 sweeps, geometric beta schedule chosen
    from the instance) on the same instance as a BQM; ``None`` when not importable."""
    try:
        import dimod
        from dwave.samplers import SimulatedAnnealingSampler
    except ImportError:
        return None
    ising, star = _instance(side)
    rows, cols = ising.J.nonzero()
    keep = rows < cols
    # stochlim: E = -sum_{i<j} J s s - sum h s; dimod Ising: E = sum h s + sum J s s.
    bqm = dimod.BinaryQuadraticModel.from_ising(
        {i: -float(ising.h[i]) for i in range(ising.n_params)},
        {(int(r), int(c)): -float(ising.J[r, c]) for r, c in zip(rows[keep], cols[keep])})
    e_star = bqm.energy(dict(enumerate(star)))
    e_ours = float(np.asarray(ising.energy(star)).ravel()[0])
    assert abs(e_star - e_ours) < 1e-6 * max(1.0, abs(e_ours)), (e_star, e_ours)
    sampler = SimulatedAnnealingSampler()
    kw = {} if num_sweeps is None else {"num_sweeps": num_sweeps}
    sampler.sample(bqm, num_reads=1, num_sweeps=10, seed=0)  # load/warm up
    runs = [_timed(lambda r=r: sampler.sample(bqm, num_reads=n_reads, seed=r + 1, **kw))
            for r in range(repeats)]
    wall = median(r[0] for r in runs)
    cpu = median(r[1] for r in runs)
    ss = runs[-1][2]
    p = float(np.mean(ss.record.energy <= e_star + 1e-9))
    row = {"method": "dwave-samplers SA", "case": f"planted_{side}x{side}", "n_spins": side * side,
           "num_sweeps": num_sweeps or 1000, "n_reads": n_reads, "wall_s": wall, "cpu_s": cpu,
           "wall_per_read_s": wall / n_reads, "cpu_per_read_s": cpu / n_reads,
           "success_probability": p,
           "success_probability_se": float(np.sqrt(p * (1 - p) / n_reads)),
           "flip_attempts_per_read": (num_sweeps or 1000) * side * side,
           "tts99_wall_s": _tts99(wall / n_reads, p)}
    print(
        f"dwave-samplers SA {side}x{side} ({row['num_sweeps']} sweeps): P(ground) = {p:.3f}, "
        f"{row['wall_per_read_s'] * 1e3:.3f} ms wall / read "
        f"({row['cpu_per_read_s'] * 1e3:.3f} ms CPU), TTS99 {row['tts99_wall_s']:.3g} s wall"
    )
    return row


def comparison(repeats, quick):
    """Same planted instances for both: 8 x 8 (seed 3) and 100 x 100 (seed 1)."""
    n8 = 50 if quick else 200
    n100 = 4 if quick else 20
    ours = [stochlim_anneal(8, t, n8, repeats) for t in (10.0, 100.0, 1000.0)]
    ours.append(stochlim_anneal(100, 10.0 if quick else 100.0, n100, repeats))
    theirs = [dwave_sa(8, n8, repeats), dwave_sa(100, n100, repeats)]
    if theirs[0] is None:
        print("dwave-samplers not importable: peer comparison skipped "
              "(pip install dwave-samplers to run it)")
        theirs = None
    return ours, theirs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="smaller runs, for a smoke test")
    parser.add_argument("--no-scaling", action="store_true", help="skip the 1e5/1e6-spin rows")
    parser.add_argument("--no-peers", action="store_true",
                        help="skip the dwave-samplers comparison")
    args = parser.parse_args(argv)
    started = utc_now()
    command = " ".join(["python -m benchmarks.lim", *(sys.argv[1:] if argv is None else argv)])
    threads = numba.get_num_threads()
    scale_t = 0.1 if args.quick else 1.0
    binary, c_message = c_baseline.build("lim_direct")
    print(f"C baseline: {c_message}")
    ising, star = planted_lattice(100)
    chain = quadratic_chain(10_000)
    rows = [
        paired("ising_2d_constant", ising, dict(t_end=50.0 * scale_t, barrier=0.0, scale=0.3),
               threads, args.repeats, binary, optimum=star),
        paired("ising_2d", ising, dict(t_end=100.0 * scale_t, **_anneal(100.0 * scale_t)),
               threads, args.repeats, binary, optimum=star),
        paired("quadratic_chain", chain, dict(t_end=50.0 * scale_t, barrier=1.0, scale=1.0),
               threads, args.repeats, binary),
    ]
    scaled = [] if args.no_scaling else scaling((100, 316) if args.quick else (316, 1000),
                                                0.5 if args.quick else 2.0, args.repeats, binary)
    ours, peer = ([], None) if args.no_peers else comparison(args.repeats, args.quick)
    rows += ours
    path = write_record("lim", {
        "command": command, "started": started, "threads": threads, "repeats": args.repeats,
        "c_baseline": c_message, "results": rows,
        "scaling": scaled, "dwave_samplers": peer,
    })
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
