"""The paper's constants, in one place: the workload, precision and rates its figures and text use.

Chen, Ahsan, Chakrabartty, Leugering and Cauwenberghs, "Estimation of Energy-dissipation
Lower-bounds for Neuromorphic Learning-in-memory" (2026). Where each constant comes from (and the
temperature, :data:`stochlim.units.DEFAULT_TEMPERATURE`) is documented in ``docs/constants.md``;
the corrections to printed values in ``docs/errata.md``. :mod:`stochlim.plots` takes its defaults
and :mod:`stochlim.report.reproduce` its recomputations from here.

Examples
--------
>>> from stochlim.bounds import lim_energy
>>> from stochlim.constants import BITS, BRAIN_FLOPS, BRAIN_PARAMS, DELTA, PAPER_GAMMAS, PRINTED_FIG6B
>>> DELTA == 2.0**-BITS
True
>>> totals = lim_energy(BRAIN_FLOPS, BRAIN_PARAMS, delta=DELTA, gamma=list(PAPER_GAMMAS))
>>> [f"{e:.3g}" for e in totals]  # Fig. 6B; the caption's 2.53e9 J is a typo for 2.53e12 J
['1.7e+12', '2.53e+12', '2.68e+12', '2.7e+12']
>>> [f"{e / p:.3g}" for e, p in zip(totals, PRINTED_FIG6B)]  # computed / printed
['0.999', '999', '1', '0.999']
"""

from __future__ import annotations

__all__ = [
    "BRAIN_FLOPS",
    "BRAIN_PARAMS",
    "BITS",
    "DELTA",
    "J_MAX",
    "N_UPDATES",
    "PAPER_GAMMAS",
    "PRINTED_FIG6B",
]

#: Brain-scale training workload F in FLOPs (Fig. 6B-C).
BRAIN_FLOPS = 1e28
#: Brain-scale parameter count M (Fig. 6B-C).
BRAIN_PARAMS = 1e15
#: Bits of precision per parameter (Fig. 6, Eq. A.1).
BITS = 16
#: Precision ``delta = 2^-BITS``.
DELTA = 2.0**-BITS
#: Maximal update (attempt) rate J_max in 1/s (Fig. 6A power).
J_MAX = 1e12
#: Number of updates N where a finite sum is needed (Fig. 6C, Eq. 23).
N_UPDATES = 100_000
#: Schedule exponents gamma of Fig. 6A-B.
PAPER_GAMMAS = (0.5, 2.0, 5.0, 10.0)
#: Totals printed in the Fig. 6B caption for :data:`PAPER_GAMMAS`, in J; the second is a typo for
#: 2.53e12 J (``docs/errata.md``).
PRINTED_FIG6B = (1.70e12, 2.53e9, 2.68e12, 2.70e12)
