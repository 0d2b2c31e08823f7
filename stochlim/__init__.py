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

from ._version import __version__
from . import (bounds, coarse, constants, fluctuations, lim, master, models, passage, physics, protocols, rare,
               schedules, ssa, streams, sweeps, thermo, units, verify)
from . import study, sweep  # noqa: F401 - deprecated module paths, kept importable for one release
from .lim import Ising, Quadratic
from .master import MasterSolution, solve_master
from .models import HopModel, differential_memory, ladder, ring, two_state
from .passage import FirstPassage, first_passage
from .rare import TiltedEnsemble, simulate_tilted
from .protocols import Constant, PiecewiseConstant, PiecewiseLinear, schedule_protocols
from .ssa import METHODS, Ensemble, simulate

# The sweep function deliberately shadows the deprecated module: ``stochlim.sweep(study, out=...)``.
from .sweeps import Study, load_study, sweep  # noqa: F811

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
