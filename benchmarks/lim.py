"""Throughput of the learning-in-memory array SSA (``stochlim.lim``): ``python -m benchmarks.lim``.

Cases (issue 5):

* ``ising_2d`` - planted 100 x 100 periodic lattice Ising instance (1e4 spins, degree 4), annealed
  (scale 0.1 -> 3 and barriers 0 -> 3 kT, linear: the thinning path);
* ``ising_2d_constant`` - the same instance at constant scale 0.3 and barrier 0 (rejection-free
  direct method; a hot, hop-rich regime);
* ``quadratic_chain`` - sparse quadratic, M = 1e4 memories of 33 levels coupled along a chain
  (tridiagonal A = Laplacian + 0.1 I, degree 2), constant inputs;
* ``planted_8x8`` - success probability and time to solution of annealing a planted 8 x 8 instance.

Reported: hops (single-level updates) per second over all trajectories and per thread, median of
``--repeats`` runs; the first call (JIT compile or on-disk cache load) is timed apart. Peer:
dwave-samplers' simulated annealing on the same instances when it is importable, else skipped with a
message. Results go to ``benchmarks/results/lim-<UTC time>.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

import numba
import numpy as np
import scipy.sparse as sp

import stochlim
from stochlim import lim
from stochlim.protocols import PiecewiseLinear

RESULTS = Path(__file__).resolve().parent / "results"


def planted_lattice(side: int, seed: int = 1) -> tuple[lim.Ising, np.ndarray]:
    """Periodic ``side x side`` lattice, ``J_ij = c_ij s*_i s*_j`` (c in [0.5, 1.5]), ``h = 0.2 s*``:
    frustration-free, so ``s*`` is the unique ground state."""
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


def _time(fn, repeats):
    walls, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        walls.append(time.perf_counter() - start)
    return statistics.median(walls), out


def throughput(name, problem, kwargs, n_traj, repeats, optimum=None):
    def go():
        return lim.run(problem, n_trajectories=n_traj, rng=0, optimum=optimum, **kwargs)

    first = time.perf_counter()
    go()
    first = time.perf_counter() - first
    wall, res = _time(go, repeats)
    hops = int(res.n_updates.sum())
    threads = min(numba.get_num_threads(), n_traj)
    row = {"case": name, "n_params": problem.n_params, "n_trajectories": n_traj,
           "t_end": kwargs["t_end"], "hops": hops, "wall_s": wall, "first_call_s": first,
           "hops_per_s": hops / wall, "hops_per_s_per_thread": hops / wall / threads,
           "threads": threads, "method": res.provenance["method"]}
    if optimum is not None:
        row["success_probability"] = float(res.success().mean())
    row["mean_residual_energy_per_param"] = (
        float((res.final_energy - res.optimum_energy).mean()) / problem.n_params
        if res.optimum_energy is not None else None)
    print(f"{name:20s} M = {problem.n_params:6d}  {hops:10d} hops in {wall:7.3f} s  "
          f"{hops / wall:10.3e} hops/s ({hops / wall / threads:.3e} per thread)  first call {first:.2f} s")
    return row


def planted_success(repeats, n_traj=200):
    ising, star = planted_lattice(8, seed=3)
    rows = []
    for t_end in (10.0, 100.0, 1000.0):
        wall, res = _time(lambda: lim.run(ising, n_trajectories=n_traj, rng=1, optimum=star, t_end=t_end,
                                          **_anneal(t_end)), repeats)
        s = res.summary()
        rows.append({"case": "planted_8x8", "t_end": t_end, "n_trajectories": n_traj, "wall_s": wall,
                     "success_probability": s.success_probability,
                     "time_to_solution": s.time_to_solution,
                     "wall_per_run_s": wall / n_traj})
        print(f"planted 8x8 anneal t = {t_end:6g}: P(ground) = {s.success_probability:.3f} "
              f"+- {s.success_probability_se:.3f}, TTS99 = {s.time_to_solution:.4g} / J_max, "
              f"{wall / n_traj * 1e3:.3f} ms wall per run")
    return rows


def dwave_peer(n_traj):
    try:
        from dwave.samplers import SimulatedAnnealingSampler  # noqa: F401
        import dimod  # noqa: F401
    except ImportError:
        print("dwave-samplers not importable: peer comparison skipped "
              "(pip install dwave-samplers to run it)")
        return None
    import dimod
    from dwave.samplers import SimulatedAnnealingSampler

    out = []
    for side in (8, 100):
        ising, star = planted_lattice(side, seed=3 if side == 8 else 1)
        rows, cols = ising.J.nonzero()
        keep = rows < cols
        bqm = dimod.BinaryQuadraticModel.from_ising(
            {i: -ising.h[i] for i in range(ising.n_params)},
            {(int(r), int(c)): -float(ising.J[r, c]) for r, c in zip(rows[keep], cols[keep])})
        start = time.perf_counter()
        ss = SimulatedAnnealingSampler().sample(bqm, num_reads=n_traj)
        wall = time.perf_counter() - start
        e_star = bqm.energy(dict(enumerate(star)))
        p = float(np.mean(ss.record.energy <= e_star + 1e-9))
        out.append({"case": f"dwave_sa_{side}x{side}", "wall_s": wall, "num_reads": n_traj,
                    "success_probability": p})
        print(f"dwave-samplers SA {side}x{side}: {wall:.3f} s for {n_traj} reads, P(ground) = {p:.3f}")
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="smaller runs, for a smoke test")
    args = parser.parse_args(argv)
    threads = numba.get_num_threads()
    scale_t = 0.1 if args.quick else 1.0
    ising, star = planted_lattice(100)
    chain = quadratic_chain(10_000)
    rows = [
        throughput("ising_2d", ising, dict(t_end=100.0 * scale_t, **_anneal(100.0 * scale_t)),
                   threads, args.repeats, optimum=star),
        throughput("ising_2d_constant", ising, dict(t_end=50.0 * scale_t, barrier=0.0, scale=0.3),
                   threads, args.repeats, optimum=star),
        throughput("quadratic_chain", chain, dict(t_end=50.0 * scale_t, barrier=1.0, scale=1.0),
                   threads, args.repeats),
    ]
    rows += planted_success(args.repeats, n_traj=50 if args.quick else 200)
    peer = dwave_peer(200)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"lim-{stamp}.json"
    path.write_text(json.dumps({
        "stochlim": stochlim.__version__, "numba": numba.__version__, "numpy": np.__version__,
        "python": platform.python_version(), "machine": platform.machine(), "threads": threads,
        "repeats": args.repeats, "results": rows, "dwave_samplers": peer,
    }, indent=2))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
