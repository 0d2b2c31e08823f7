"""Cost of tilted (Doob) sampling per event against plain SSA: ``python -m benchmarks.rare``.

Case: a two-level system, Arrhenius rates over a 0 kT barrier, well 1 raised linearly from 0 to
3 kT over ``t_end`` (about 1 jump per unit time), ``--trajectories`` trajectories. Plain: the
cheapest exact method ``stochlim.simulate`` picks (closed-form integrated hazard). Tilted:
``stochlim.rare.simulate_tilted(model, "heat", s=0.5)`` - the backward tilted solve for the Doob
rates on 128 cells (a fixed cost per call, independent of the number of trajectories), then the
direct method with restarts at every cell and the exact log-weight accumulated per event. Both are
timed in interleaved triples (``--repeats``) in one process after a warm-up call that compiles the
kernels (its time is reported apart): plain, tilted, and tilted with one trajectory (the fixed
cost). The per-event cost of tilted sampling is (tilted - fixed) / events; the ratio is the median
of the paired ratios of ns per event, and the fixed cost is reported beside it.
Writes ``benchmarks/results/rare-<UTC time>.json``.
"""

from __future__ import annotations

import argparse
import time

from stochlim import rare, ssa
from stochlim.models import two_state
from stochlim.protocols import PiecewiseLinear

from .common import median, median_paired_ratio, write_record


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trajectories", type=int, default=20_000)
    parser.add_argument("--t-end", type=float, default=200.0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--s", type=float, default=0.5)
    args = parser.parse_args(argv)
    t_end = args.t_end
    model = two_state(0.0, energies=(0.0, PiecewiseLinear([0.0, t_end], [0.0, 3.0])),
                      rate_law="arrhenius")
    kw = {"t_end": t_end, "n_trajectories": args.trajectories, "p0": [0.5, 0.5]}

    def plain(seed):
        ens = ssa.simulate(model, rng=seed, **kw)
        return int(ens.n_jumps.sum()), ens.method

    def tilted(seed):
        te = rare.simulate_tilted(model, "heat", s=args.s, rng=seed, **kw)
        return int(te.ensemble.n_jumps.sum()), te.ensemble.provenance["tilt"]["n_cells"]

    compile_plain, _ = _timed(lambda: ssa.simulate(model, rng=0, t_end=t_end, n_trajectories=2,
                                                    p0=[0.5, 0.5]))
    compile_tilted, _ = _timed(lambda: rare.simulate_tilted(model, "heat", s=args.s, rng=0,
                                                            t_end=t_end, n_trajectories=2,
                                                            p0=[0.5, 0.5]))
    rows = []
    for r in range(args.repeats):
        tp, (ep, method) = _timed(lambda r=r: plain(r + 1))
        tt, (et, cells) = _timed(lambda r=r: tilted(r + 1))
        fixed, _ = _timed(lambda r=r: rare.simulate_tilted(model, "heat", s=args.s, rng=r,
                                                            t_end=t_end, n_trajectories=1,
                                                            p0=[0.5, 0.5]))
        rows.append({"plain_ns_per_event": 1e9 * tp / ep,
                     "tilted_ns_per_event": 1e9 * (tt - fixed) / et,
                     "tilted_total_ns_per_event": 1e9 * tt / et, "tilted_fixed_seconds": fixed,
                     "plain_events": ep, "tilted_events": et})
    ratio = median_paired_ratio([r["tilted_ns_per_event"] for r in rows], [r["plain_ns_per_event"] for r in rows])
    record = {
        "case": f"two-level, linear ramp 0 -> 3 kT over t_end = {t_end}, "
                f"heat tilted at s = {args.s}",
        "trajectories": args.trajectories,
        "plain_method": method,
        "cells": cells,
        "compile_seconds": {"plain": compile_plain, "tilted": compile_tilted},
        "repeats": rows,
        "plain_ns_per_event": median(r["plain_ns_per_event"] for r in rows),
        "tilted_ns_per_event": median(r["tilted_ns_per_event"] for r in rows),
        "tilted_fixed_seconds": median(r["tilted_fixed_seconds"] for r in rows),
        "tilted_total_over_plain_paired_median": median_paired_ratio(
            [r["tilted_total_ns_per_event"] for r in rows], [r["plain_ns_per_event"] for r in rows]),
        "tilted_over_plain_paired_median": ratio,
    }
    write_record("rare", record)
    print(f"plain ({method}): {record['plain_ns_per_event']:.1f} ns/event; tilted ({cells} cells): "
          f"{record['tilted_ns_per_event']:.1f} ns/event + {record['tilted_fixed_seconds']:.2f} s "
          f"fixed per call; tilted / plain per event (paired median) {ratio:.2f}, including the "
          f"fixed cost {record['tilted_total_over_plain_paired_median']:.2f}; first calls "
          f"(compile) {compile_plain:.1f} s / {compile_tilted:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
