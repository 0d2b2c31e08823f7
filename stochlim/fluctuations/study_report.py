"""Deprecated: moved to :mod:`stochlim.report.fluctuations` (kept for one release)."""

from .._deprecation import moved_to

__getattr__ = moved_to("stochlim.fluctuations.study_report", "stochlim.report.fluctuations",
                       {"fluctuation_report": "fluctuation_report", "OBSERVABLES": "OBSERVABLES"})
