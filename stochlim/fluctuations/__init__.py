"""Exact fluctuation statistics of trajectory observables from the tilted master equation.

For a :class:`~stochlim.models.HopModel` under any protocol stochlim supports, and for the
observables work, heat, total entropy production, number of jumps and net edge currents
(:class:`Current`), alone or jointly:

* :func:`generating_function` - ``G(s, t) = <exp(-s . X(t))>``; :func:`characteristic_function`;
* :func:`cumulants` - exact joint cumulants up to order 4 (moment hierarchy, no finite differences);
* :func:`backward_tilted` and :func:`tilted_generator` - the backward tilted solution ``r(t)`` and
  the tilted rates per edge, the ingredients of Doob-transformed sampling;
* :func:`count_distribution` - the law of an integer observable by a joint master equation;
  :func:`cdf` - the law of the work or the heat, atoms apart, by Fourier inversion;
* :func:`scgf`, :func:`rate_function`, :func:`steady_cumulant_rates` - large deviations in a steady
  state, with the Gallavotti-Cohen symmetry check :func:`gallavotti_cohen`;
* :func:`exponential_reference`, :func:`crooks_reference` and :func:`tur_product` - exact references
  for the diagnostics of :mod:`stochlim.thermo`.

Conventions are those of :func:`stochlim.simulate` and :func:`stochlim.solve_master` (kT, k_B, heat
released to the bath, ``S_tot = ln p0(x0) - ln p_t(x_t) + Q``), and the functions take the same
keywords (``p0``, ``t_end``, ``t_eval``, ``method``) and return results with ``success``,
``status`` and ``message``.
"""

from ._observables import OBSERVABLES, Current
from .continuous import ContinuousLaw, cdf
from .cumulants import MAX_ORDER, CumulantSolution, cumulants
from .diagnostics import CrooksReference, ExponentialReference, crooks_reference, exponential_reference, tur_product
from .distributions import CountDistribution, count_distribution
from .large_deviations import (
    RateFunction,
    gallavotti_cohen,
    rate_function,
    scgf,
    steady_cumulant_rates,
)
from .tilted import (
    BackwardTiltedSolution,
    TiltedGenerator,
    TiltedSolution,
    backward_tilted,
    characteristic_function,
    generating_function,
    tilted_generator,
)

__all__ = [
    "OBSERVABLES", "Current", "MAX_ORDER", "CumulantSolution", "cumulants", "TiltedSolution",
    "BackwardTiltedSolution", "TiltedGenerator", "generating_function", "characteristic_function",
    "backward_tilted", "tilted_generator", "ExponentialReference", "exponential_reference", "CrooksReference",
    "crooks_reference", "tur_product",
    "CountDistribution", "count_distribution", "RateFunction", "gallavotti_cohen", "rate_function", "scgf",
    "steady_cumulant_rates", "ContinuousLaw", "cdf",
]
