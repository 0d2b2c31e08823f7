"""Coarse-grained rate check: fine-grained barrier landscapes against the two-state rates.

The paper's memory is two wells and a barrier hopped at ``J_max e^-E0`` (Eq. 3), with the net
update rate ``2 J_max e^-E0 tanh(dE/2)`` under a bias (Eq. 7). That two-state picture is an
adiabatic elimination of the fast motion inside the wells and over the barrier top (Kramers 1940,
Physica 7 284; Hänggi, Talkner & Borkovec 1990, Rev. Mod. Phys. 62 251). This package builds the
fine-grained model the two-state numbers come from and measures when they hold.

Modules: :mod:`~stochlim.coarse.landscapes` (potentials, :func:`discretize`, :func:`double_well`),
:mod:`~stochlim.coarse.rates` (:func:`effective_rates`, :func:`kramers_rates`),
:mod:`~stochlim.coarse.driven` (:func:`driven_comparison`). The tables, figure and report section
are in :mod:`stochlim.report.coarse`; what they measure is summarised in ``docs/coarse.md``.

Usage
-----
>>> from stochlim import coarse
>>> k_lr, k_rl = coarse.effective_rates(coarse.quartic_double_well(10.0, 1.0),
...                                     x_range=coarse.default_x_range(10.0), K=401)
>>> k_k, _ = coarse.kramers_rates(coarse.quartic_double_well(10.0, 1.0),
...                               x_range=coarse.default_x_range(10.0))
>>> bool(abs(k_lr / k_k - 1) < 0.06)
True
"""

from .._deprecation import moved_to
from .driven import DrivenComparison, driven_comparison, reduce_two_state
from .landscapes import (
                         EDGE_HEIGHT,
                         MIN_SITES_PER_WIDTH,
                         TILT_WIDTH,
                         barrier_shape,
                         default_x_range,
                         discretize,
                         double_well,
                         quartic_double_well,
                         tilt_shape,
                         tilted_quartic,
)
from .rates import (
                         WellSplit,
                         effective_rates,
                         intra_well_time,
                         kramers_rates,
                         well_split,
)

__all__ = [
    "TILT_WIDTH",
    "MIN_SITES_PER_WIDTH",
    "EDGE_HEIGHT",
    "quartic_double_well",
    "default_x_range",
    "discretize",
    "double_well",
    "barrier_shape",
    "tilt_shape",
    "tilted_quartic",
    "WellSplit",
    "well_split",
    "effective_rates",
    "kramers_rates",
    "intra_well_time",
    "reduce_two_state",
    "DrivenComparison",
    "driven_comparison",
]

# The tables, figure and report section moved to stochlim.report.coarse.
__getattr__ = moved_to(__name__, "stochlim.report.coarse", {
    "rate_table": "rate_table", "ramp_scan": "ramp_scan", "plot_coarse": "plot_coarse",
    "write_coarse": "write_coarse", "report_section": "section",
})
