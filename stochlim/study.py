"""Deprecated: study files live in :mod:`stochlim.sweeps` (``stochlim.sweeps.study``)."""

from ._deprecation import moved_to

__getattr__ = moved_to("stochlim.study", "stochlim.sweeps",
                       {n: n for n in ("Study", "load_study", "parse_study", "EXAMPLE", "HOP_KINDS", "KINDS")})
