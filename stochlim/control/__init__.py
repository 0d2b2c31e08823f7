"""Optimal protocols for hopping models: least work, heat or entropy production in a given time.

Controls (:mod:`.problem`) move energies, barriers and drives of a
:class:`~stochlim.models.HopModel` linearly and are piecewise constant (free step values) or
piecewise linear (free knot values) in time, with free end-point jumps; the
master equation gives the objective and the constraints with exact gradients (:mod:`.sensitivity`),
and SLSQP finds the optimum (``stochlim.control.optimize``). The closed-form optima and bounds it is checked
against are in :mod:`stochlim.finite_time`.

Examples
--------
Erase a bit to 1 % error in 4 units of ``1 / Gamma`` with the paper law and the barrier held:

>>> import numpy as np
>>> from stochlim import control, models
>>> bit = models.two_state(np.log(2.0))            # Gamma = 2 e^-E0 = 1
>>> prob = control.Problem(bit, [control.energy(1, 2, lower=-30, upper=30)], tau=4.0,
...                        p0=[0.5, 0.5], target=control.MaxError([1], 0.01), n_steps=16)
>>> res = control.optimize(prob)
>>> res.success, round(res.final_error, 6)
(True, 0.01)
"""

from .optimize import STATUS, ControlResult, optimize, refine
from .problem import (
    OBJECTIVES,
    Control,
    MaxError,
    Problem,
    TargetDistribution,
    barrier,
    drive,
    energy,
)
from .sensitivity import Evaluation, evaluate

__all__ = [
    "OBJECTIVES",
    "STATUS",
    "Control",
    "ControlResult",
    "Evaluation",
    "MaxError",
    "Problem",
    "TargetDistribution",
    "barrier",
    "drive",
    "energy",
    "evaluate",
    "optimize",
    "refine",
]
