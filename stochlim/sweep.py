"""Deprecated: sweeps live in :mod:`stochlim.sweeps`; ``stochlim.sweep`` is the function."""

from ._deprecation import moved_to

__getattr__ = moved_to("stochlim.sweep", "stochlim.sweeps",
                       {n: n for n in ("sweep", "build", "run_chunk", "SweepInterrupted", "METRICS")})
