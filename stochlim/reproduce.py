"""Deprecated: moved to :mod:`stochlim.report.reproduce` (kept for one release)."""

from ._deprecation import warn

warn("stochlim.reproduce", "stochlim.report.reproduce", stacklevel=2)

from .report.reproduce import (  # noqa: E402, F401
    PRINTED_RTOL,
    SECTIONS,
    PaperValue,
    claims,
    paper_values,
    save_figures,
    write_report,
)
