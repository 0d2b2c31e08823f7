"""Optional peer: GillesPy2's C++ SSA (``SSACSolver``), used only where it is installed.

GillesPy2 reports states on a time grid, not jump counts, so its events are *estimated*, not
counted: ``rate * t_end * n_trajectories`` for the two-state cases (exact in expectation for the
stationary chain; the start in state 0 shifts it by O(1) events per trajectory), and for the ladder
the sum over barrier steps of the Boltzmann-averaged total escape rate times the step length (the
same near-equilibrium estimate the benchmark uses to choose ``t_end``).

GillesPy2 cannot vary rates within a run, so the ladder case (b) is run as a sequence of 100 runs,
one per barrier step, with that step's rate constants, each starting from the previous step's final
state. It is timed two ways:

- ``time_ladder_restarts``: one solver compiled once with ``variable=True`` (rate constants and
  initial counts as run-time arguments) and restarted at each step. Compilation (C++ build with the
  system compiler, seconds) happens before the clock starts; each timed ``run`` includes the
  solver's process launch and its output parsing, which is what a user pays. This is the fastest
  way of using GillesPy2 on (b) that we found.
- ``time_ladder_rebuilds``: a new ``Model`` with that step's rate constants as fixed ``Parameter``
  expressions and a new ``SSACSolver`` (a C++ compile of seconds) per step, all inside the clock.
  This is what a user gets with an ordinary GillesPy2 model whose constants change; compilation
  dominates it.

Both share one model builder (``_ladder_model``) and one table of steps (``_ladder_steps``).
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable

import numpy as np


def available() -> tuple[bool, str]:
    if importlib.util.find_spec("gillespy2") is None:
        return False, "GillesPy2 is not installed: peer comparison skipped (pip install gillespy2)"
    import gillespy2

    return True, f"GillesPy2 {gillespy2.__version__} SSACSolver (C++)"


def _two_state_solver(k01: float, k10: float):
    import gillespy2

    model = gillespy2.Model(name="two_state")
    a = gillespy2.Species(name="A", initial_value=1, mode="discrete")
    b = gillespy2.Species(name="B", initial_value=0, mode="discrete")
    fwd = gillespy2.Parameter(name="k01", expression=k01)
    bwd = gillespy2.Parameter(name="k10", expression=k10)
    model.add_species([a, b])
    model.add_parameter([fwd, bwd])
    model.add_reaction([
        gillespy2.Reaction(name="up", reactants={a: 1}, products={b: 1}, rate=fwd),
        gillespy2.Reaction(name="down", reactants={b: 1}, products={a: 1}, rate=bwd),
    ])
    return model, gillespy2.SSACSolver(model=model)


def two_state_runner(t_end: float, n_trajectories: int, k01: float, k10: float,
                     seed: int = 0) -> Callable[[int], float]:
    """GillesPy2's C++ SSA on the two-state chain (one molecule), compiled now, outside any clock.

    Returns ``run(r)``: one timed run with seed ``seed + r + 1``, its wall time in seconds."""
    model, solver = _two_state_solver(k01, k10)

    def run(r: int) -> float:
        solver.model.timespan(np.array([0.0, t_end]))
        start = time.perf_counter()
        solver.run(t=t_end, number_of_trajectories=n_trajectories, seed=seed + r + 1)
        return time.perf_counter() - start

    return run


def _pairs(n: int) -> list[tuple[int, int]]:
    """The ladder's hops ``(a, b)``: up and down between neighbouring levels."""
    return [(a, b) for i in range(n - 1) for a, b in ((i, i + 1), (i + 1, i))]


def _ladder_model(n: int, constants: dict[str, float], state: int | None = None):
    """GillesPy2 ``Model`` of an ``n``-level ladder: one molecule, parameters ``k_a_b`` for the hop
    ``a -> b`` set to ``constants`` (missing ones 1.0), the molecule in level ``state`` (or
    none)."""
    import gillespy2

    model = gillespy2.Model(name="ladder")
    species = [gillespy2.Species(name=f"S{i}", initial_value=int(i == state), mode="discrete")
               for i in range(n)]
    model.add_species(species)
    params, reactions = [], []
    for a, b in _pairs(n):
        p = gillespy2.Parameter(
            name=f"k_{a}_{b}", expression=float(constants.get(f"k_{a}_{b}", 1.0))
        )
        params.append(p)
        reactions.append(gillespy2.Reaction(name=f"r_{a}_{b}", reactants={species[a]: 1},
                                            products={species[b]: 1}, rate=p))
    model.add_parameter(params)
    model.add_reaction(reactions)
    return model


def _ladder_solver(n: int):
    import gillespy2

    model = _ladder_model(n, {})
    return model, gillespy2.SSACSolver(model=model, variable=True)


def _ladder_steps(model, t_end: float, step_times: np.ndarray) -> list[tuple[float, dict, float]]:
    """One ``(length, rate constants, expected events)`` per barrier step of the ``HopModel``.

    Rate constants are taken at each step's midpoint; the expected events are the step length
    times the total escape rate averaged over the Boltzmann distribution at t = 0."""
    ends = np.append(step_times[1:], t_end)
    p = model.equilibrium(0.0)
    steps = []
    for t0, t1 in zip(step_times, ends):
        r = model.rates(0.5 * (t0 + t1))
        constants = {f"k_{a}_{b}": float(r[a, b]) for a, b in _pairs(model.n_states)}
        steps.append((float(t1 - t0), constants, float(p @ r.sum(axis=1)) * (t1 - t0)))
    return steps


def _final_level(result, n: int) -> int:
    """The level the molecule is in at the end of a one-trajectory GillesPy2 result."""
    return int(np.argmax([result[0][f"S{i}"][-1] for i in range(n)]))


def time_ladder_restarts(model, t_end: float, step_times: np.ndarray, x0: int,
                         repeats: int = 1, seed: int = 0) -> dict:
    """Case (b) with GillesPy2: one solver run per barrier step, rates of that step, state carried
    over.

    One solver, compiled once with ``variable=True`` before the clock starts, restarted per step.
    ``model`` is the stochlim ``HopModel`` (its ``rates(t)`` matrix gives each step's constants);
    ``step_times`` the step start times. Returns wall times per repeat and the expected events."""
    n = model.n_states
    gmodel, solver = _ladder_solver(n)
    steps = _ladder_steps(model, t_end, step_times)
    walls = []
    for rep in range(repeats):
        state = int(x0)
        start = time.perf_counter()
        for k, (dt, constants, _) in enumerate(steps):
            solver.model.timespan(np.array([0.0, dt]))
            v = dict(constants)
            v.update({f"S{i}": (1 if i == state else 0) for i in range(n)})
            res = solver.run(t=dt, number_of_trajectories=1,
                             seed=seed + 1000 * rep + k + 1, variables=v)
            state = _final_level(res, n)
        walls.append(time.perf_counter() - start)
    return {"walls": walls, "events_expected": sum(s[2] for s in steps), "restarts": len(steps)}


def time_ladder_rebuilds(model, t_end: float, step_times: np.ndarray, x0: int, seed: int = 0,
                         n_steps: int | None = None) -> dict:
    """Case (b) with GillesPy2 as an ordinary model: a new model and solver per barrier step.

    For each step a fresh GillesPy2 ``Model`` with that step's rate constants as ``Parameter``
    expressions and the molecule where the previous step left it, a new ``SSACSolver`` (which
    compiles it) and one run over the step; the whole loop, builds included, is timed once.
    ``n_steps`` runs only the first steps (a quick check; None: all). Returns the wall time, the
    part of it spent building solvers, and the expected events of the steps run."""
    import gillespy2

    n = model.n_states
    steps = _ladder_steps(model, t_end, step_times)[:n_steps]
    state = int(x0)
    build = 0.0
    start = time.perf_counter()
    for k, (dt, constants, _) in enumerate(steps):
        b0 = time.perf_counter()
        gmodel = _ladder_model(n, constants, state)
        gmodel.timespan(np.array([0.0, dt]))
        solver = gillespy2.SSACSolver(model=gmodel)
        build += time.perf_counter() - b0
        res = solver.run(t=dt, number_of_trajectories=1, seed=seed + k + 1)
        state = _final_level(res, n)
    wall = time.perf_counter() - start
    return {"wall": wall, "build_s": build, "events_expected": sum(s[2] for s in steps),
            "rebuilds": len(steps), "steps_total": len(step_times)}
