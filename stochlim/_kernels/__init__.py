"""Numba kernels: the only numba code in stochlim. Plain arrays in, plain arrays out; no checks.

Nothing here imports from stochlim's public modules.
"""

from .ssa import ARRHENIUS, HAZARD, PAPER, TABLE, THINNING, log_rate, run_ensemble, run_serial

__all__ = ["ARRHENIUS", "HAZARD", "PAPER", "TABLE", "THINNING", "log_rate", "run_ensemble", "run_serial"]
