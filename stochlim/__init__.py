"""stochlim: stochastic-thermodynamics Monte Carlo of learning-in-memory hardware.

Exact stochastic simulation and master equations for thermally activated memories under
time-varying barriers, per-trajectory energetics, and the energy bounds of Chen, Ahsan,
Chakrabartty, Leugering and Cauwenberghs, "Estimation of Energy-dissipation Lower-bounds for
Neuromorphic Learning-in-memory" (2026), with its printed errata corrected.

Modules: ``units``, ``physics``, ``schedules``, ``bounds`` (the paper's analytic model);
``protocols``, ``models``, ``ssa`` (exact simulation); ``master``, ``thermo``, ``verify`` (master
equation, fluctuation theorems, checks); ``fluctuations`` (exact fluctuation statistics); ``lim`` (the learning-in-memory optimiser); ``coarse``
(fine landscapes against the two-state rates); ``study`` and ``sweep`` (parameter studies);
``plots``, ``reproduce``, ``cli`` (figures, report, command line; imported on demand).
"""

from ._version import __version__
from . import bounds, coarse, fluctuations, lim, master, models, physics, protocols, schedules, ssa, study, thermo, units, verify
from .lim import Ising, Quadratic
from .master import MasterSolution, solve_master
from .models import HopModel, differential_memory, ladder, ring, two_state
from .protocols import Constant, PiecewiseConstant, PiecewiseLinear, schedule_protocols
from .ssa import METHODS, Ensemble, simulate
from .study import Study, load_study

# The sweep function deliberately shadows its module: ``stochlim.sweep(study, out=...)``.
from .sweep import sweep

__all__ = [
    "__version__",
    # modules
    "units", "physics", "schedules", "bounds", "protocols", "models", "ssa", "master", "thermo",
    "verify", "lim", "coarse", "study", "fluctuations",
    # simulation engine
    "Constant", "PiecewiseConstant", "PiecewiseLinear", "schedule_protocols", "HopModel",
    "two_state", "ladder", "ring", "differential_memory", "METHODS", "Ensemble", "simulate",
    # master equation
    "MasterSolution", "solve_master",
    # optimiser and studies
    "Ising", "Quadratic", "Study", "load_study", "sweep",
]
