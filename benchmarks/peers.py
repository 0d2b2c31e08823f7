"""Optional peer: GillesPy2's C++ SSA (``SSACSolver``), used only where it is installed.

GillesPy2 reports states on a time grid, not jump counts, so its events are *estimated*, not
counted: ``rate * t_end * n_trajectories`` for the two-state cases (exact in expectation for the
stationary chain; the start in state 0 shifts it by O(1) events per trajectory), and for the ladder
the sum over barrier steps of the Boltzmann-averaged total escape rate times the step length (the
same near-equilibrium estimate the benchmark uses to choose ``t_end``).

GillesPy2 cannot vary rates within a run, so the ladder case (b) is run the only way it allows: the
solver is compiled once with ``variable=True`` and restarted at each of the 100 barrier steps with
that step's rate constants, starting from the previous step's final state. Compilation (C++ build
with the system compiler, seconds) happens before the clock starts; each timed ``run`` includes the
solver's process launch and its output parsing, which is what a user pays.
"""

from __future__ import annotations

import importlib.util
import time

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


def time_two_state(t_end: float, n_trajectories: int, k01: float, k10: float,
                   repeats: int = 1, seed: int = 0) -> list[float]:
    """Wall times (s) of GillesPy2's C++ SSA on the two-state chain (one molecule), one per repeat.

    The solver is compiled once, outside the timing."""
    model, solver = _two_state_solver(k01, k10)
    out = []
    for r in range(repeats):
        solver.model.timespan(np.array([0.0, t_end]))
        start = time.perf_counter()
        solver.run(t=t_end, number_of_trajectories=n_trajectories,
                   seed=seed + r + 1)
        out.append(time.perf_counter() - start)
    return out


def _ladder_solver(n: int):
    import gillespy2

    model = gillespy2.Model(name="ladder")
    species = [gillespy2.Species(name=f"S{i}", initial_value=0, mode="discrete") for i in range(n)]
    model.add_species(species)
    params, reactions = [], []
    for i in range(n - 1):
        for a, b in ((i, i + 1), (i + 1, i)):
            p = gillespy2.Parameter(name=f"k_{a}_{b}", expression=1.0)
            params.append(p)
            reactions.append(gillespy2.Reaction(name=f"r_{a}_{b}", reactants={species[a]: 1},
                                                products={species[b]: 1}, rate=p))
    model.add_parameter(params)
    model.add_reaction(reactions)
    return model, gillespy2.SSACSolver(model=model, variable=True)


def time_ladder_restarts(model, t_end: float, step_times: np.ndarray, x0: int,
                         repeats: int = 1, seed: int = 0) -> dict:
    """Case (b) with GillesPy2: one solver run per barrier step, rates of that step, state carried over.

    ``model`` is the stochlim ``HopModel`` (its ``rates(t)`` matrix gives each step's constants);
    ``step_times`` the step start times. Returns wall times per repeat and the expected events."""
    n = model.n_states
    gmodel, solver = _ladder_solver(n)
    ends = np.append(step_times[1:], t_end)
    steps = []
    expected = 0.0
    e = model.energy(0.0)
    p = np.exp(-(e - e.min()))
    p /= p.sum()
    for t0, t1 in zip(step_times, ends):
        r = model.rates(0.5 * (t0 + t1))
        var = {f"k_{a}_{b}": float(r[a, b]) for i in range(n - 1) for a, b in ((i, i + 1), (i + 1, i))}
        steps.append((float(t1 - t0), var))
        expected += float(p @ r.sum(axis=1)) * (t1 - t0)
    walls = []
    for rep in range(repeats):
        state = int(x0)
        start = time.perf_counter()
        for k, (dt, var) in enumerate(steps):
            solver.model.timespan(np.array([0.0, dt]))
            v = dict(var)
            v.update({f"S{i}": (1 if i == state else 0) for i in range(n)})
            res = solver.run(t=dt, number_of_trajectories=1,
                             seed=seed + 1000 * rep + k + 1, variables=v)
            last = np.array([res[0][f"S{i}"][-1] for i in range(n)])
            state = int(np.argmax(last))
        walls.append(time.perf_counter() - start)
    return {"walls": walls, "events_expected": expected, "restarts": len(steps)}
