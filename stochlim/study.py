"""Deprecated: study files live in :mod:`stochlim.sweeps` (``stochlim.sweeps.study``)."""

from ._deprecated_module import forwarding_getattr

__getattr__ = forwarding_getattr("stochlim.study", "stochlim.sweeps")
