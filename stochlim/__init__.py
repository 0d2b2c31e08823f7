"""stochlim: stochastic-thermodynamics Monte Carlo of learning-in-memory hardware.

Exact stochastic simulation and master equations for thermally activated memories under
time-varying barriers, per-trajectory energetics, and the energy bounds of Chen, Ahsan,
Chakrabartty, Leugering and Cauwenberghs, "Estimation of Energy-dissipation Lower-bounds for
Neuromorphic Learning-in-memory" (2026), with its printed errata corrected.

Layers, each importing only those above it:

* ``units``, ``physics``, ``schedules``, ``bounds``, ``constants`` - the paper's analytic model;
* ``protocols``, ``models`` - time-dependent inputs and the hopping model;
* ``ssa``, ``master``, ``thermo``, ``verify`` - the engines (exact simulation, master equation),
  fluctuation theorems and checks; ``fluctuations`` - exact fluctuation statistics (tilted master
  equation); ``streams`` - random streams and provenance;
* ``passage``, ``rare`` - exact first-passage laws and tilted sampling of rare events;
* ``_kernels`` - every compiled loop (``_reference`` is their pure-Python twin, for tests);
* ``lim/`` - the learning-in-memory optimiser; ``coarse/`` - fine landscapes against the two-state
  rates; ``sweeps/`` - parameter studies;
* ``report/`` - everything that writes markdown, CSV and figure files; ``plots`` - the figures;
  ``cli`` - the command line (the only module that selects a matplotlib backend).
"""

import importlib

from ._version import __version__
from . import study, sweep  # noqa: F401 - deprecated module paths, kept importable for one release

# The sweep function deliberately shadows the deprecated module: ``stochlim.sweep(study, out=...)``.
from .sweeps import Study, load_study, sweep  # noqa: F811

#: Submodules and public names, imported on first use (PEP 562): ``import stochlim`` stays cheap, so
#: that the command line answers bad input in well under a second, while ``stochlim.simulate``,
#: ``from stochlim import HopModel`` and ``stochlim.master`` work as if imported eagerly.
_SUBMODULES = frozenset({
    "bounds", "coarse", "constants", "fluctuations", "lim", "master", "models", "passage", "physics",
    "protocols", "rare", "schedules", "ssa", "streams", "sweeps", "thermo", "units", "verify",
})
_NAMES = {
    "Ising": "lim", "Quadratic": "lim",
    "MasterSolution": "master", "solve_master": "master",
    "HopModel": "models", "differential_memory": "models", "ladder": "models", "ring": "models",
    "two_state": "models",
    "FirstPassage": "passage", "first_passage": "passage",
    "TiltedEnsemble": "rare", "simulate_tilted": "rare",
    "Constant": "protocols", "PiecewiseConstant": "protocols", "PiecewiseLinear": "protocols",
    "schedule_protocols": "protocols",
    "METHODS": "ssa", "Ensemble": "ssa", "simulate": "ssa",
}


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _NAMES:
        value = getattr(importlib.import_module(f".{_NAMES[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "__version__",
    # modules
    "units", "physics", "schedules", "bounds", "protocols", "models", "ssa", "master", "thermo",
    "verify", "lim", "coarse", "sweeps", "constants", "streams", "passage", "rare", "fluctuations",
    # simulation engine
    "Constant", "PiecewiseConstant", "PiecewiseLinear", "schedule_protocols", "HopModel",
    "two_state", "ladder", "ring", "differential_memory", "METHODS", "Ensemble", "simulate",
    # master equation
    "MasterSolution", "solve_master",
    # first passage and rare events
    "FirstPassage", "first_passage", "TiltedEnsemble", "simulate_tilted",
    # optimiser and studies
    "Ising", "Quadratic", "Study", "load_study", "sweep",
]
