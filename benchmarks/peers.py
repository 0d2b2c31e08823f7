"""Optional peer: GillesPy2's C++ SSA (``SSACSolver``), used only where it is installed.

GillesPy2 reports states on a time grid, not jump counts, so its events are the expected number
``rate * t_end * n_trajectories`` of the case (exact in expectation for the stationary two-state
chain). It cannot vary rates within a run, so case (b) is not run with it.
"""

from __future__ import annotations

import importlib.util
import time

import numpy as np


def available() -> tuple[bool, str]:
    if importlib.util.find_spec("gillespy2") is None:
        return False, "GillesPy2 is not installed: peer comparison skipped (pip install gillespy2)"
    return True, "GillesPy2 SSACSolver"


def time_two_state(t_end: float, n_trajectories: int, k01: float, k10: float) -> float:
    """Wall time of GillesPy2's C++ SSA on the two-state chain (one molecule), in seconds."""
    import gillespy2

    model = gillespy2.Model(name="two_state")
    a = gillespy2.Species(name="A", initial_value=1)
    b = gillespy2.Species(name="B", initial_value=0)
    fwd = gillespy2.Parameter(name="k01", expression=k01)
    bwd = gillespy2.Parameter(name="k10", expression=k10)
    model.add_species([a, b])
    model.add_parameter([fwd, bwd])
    model.add_reaction([
        gillespy2.Reaction(name="up", reactants={a: 1}, products={b: 1}, rate=fwd),
        gillespy2.Reaction(name="down", reactants={b: 1}, products={a: 1}, rate=bwd),
    ])
    model.timespan(np.linspace(0.0, t_end, 2))
    solver = gillespy2.SSACSolver(model=model)
    start = time.perf_counter()
    model.run(solver=solver, number_of_trajectories=n_trajectories)
    return time.perf_counter() - start
