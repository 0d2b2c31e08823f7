"""Deprecated: sweeps live in :mod:`stochlim.sweeps`; ``stochlim.sweep`` is the function."""

from ._deprecated_module import forwarding_getattr

__getattr__ = forwarding_getattr("stochlim.sweep", "stochlim.sweeps")
