"""stochlim: stochastic-thermodynamics Monte Carlo of learning-in-memory hardware.

Exact stochastic simulation and master equations for thermally activated memories under
time-varying barriers, per-trajectory energetics, and the energy bounds of Chen, Ahsan,
Chakrabartty, Leugering and Cauwenberghs, "Estimation of Energy-dissipation Lower-bounds for
Neuromorphic Learning-in-memory" (2026), with its printed errata corrected.
"""

from ._version import __version__
from . import units, physics, schedules, bounds

__all__ = ["__version__", "units", "physics", "schedules", "bounds"]

# SSA engine (issue 3)
from . import protocols, models, ssa
from .protocols import Constant, PiecewiseConstant, PiecewiseLinear, schedule_protocols
from .models import HopModel, differential_memory, ladder, ring, two_state
from .ssa import METHODS, Ensemble, simulate

__all__ += [
    "protocols", "models", "ssa", "Constant", "PiecewiseConstant", "PiecewiseLinear",
    "schedule_protocols", "HopModel", "two_state", "ladder", "ring", "differential_memory",
    "METHODS", "Ensemble", "simulate",
]

# Master equation and stochastic thermodynamics (issue 4)
from . import master, thermo
from .master import MasterSolution, solve_master

__all__ += ["master", "thermo", "MasterSolution", "solve_master"]

# Learning-in-memory optimiser (issue 5)
from . import lim
from .lim import Ising, Quadratic

__all__ += ["lim", "Ising", "Quadratic"]

# Coarse-graining check of the two-state rates (issue 6)
from . import coarse

__all__ += ["coarse"]

# Parameter studies (issue 7): the function shadows the module name on purpose (stochlim.sweep(...))
from . import study
from .study import Study, load_study
from .sweep import sweep

__all__ += ["study", "Study", "load_study", "sweep"]
