"""The one table formatter of every report: markdown and CSV from rows of cells.

Every section of ``stochlim reproduce``, ``stochlim verify`` and ``stochlim coarse`` writes its
tables through :func:`markdown_table` (and :func:`write_csv` for files), so numbers look alike
everywhere: cells that are numbers go through :func:`number` unless a column gives its own format.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Mapping, Sequence
from numbers import Real
from pathlib import Path

from .._files import atomic_write_text

__all__ = ["number", "markdown_table", "dict_table", "write_csv"]


def number(x, digits: int = 4) -> str:
    """A number in ``digits`` significant figures: fixed notation in ``[1e-3, 1e4)``, else exponent."""
    if isinstance(x, bool) or not isinstance(x, Real):
        return str(x)
    x = float(x)
    if x == 0.0 or not math.isfinite(x) or 1e-3 <= abs(x) < 1e4:
        return f"{x:.{digits}g}"
    return f"{x:.{digits - 1}e}"


def markdown_table(header: Sequence[str], rows, formats: Mapping[int, Callable] | None = None) -> str:
    """A markdown table (no trailing newline).

    Parameters
    ----------
    header : sequence of str
        Column titles.
    rows : iterable of sequences
        Cells, one sequence per row, as long as ``header``.
    formats : mapping of column index to callable, optional
        Formatter per column; other cells use :func:`number` (numbers) or ``str``.
    """
    formats = formats or {}
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"rows must have {len(header)} cells like the header: got {len(row)}")
        cells = [formats[i](c) if i in formats else number(c) for i, c in enumerate(row)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def dict_table(rows: Sequence[Mapping], keys: Sequence[str]) -> str:
    """:func:`markdown_table` of the columns ``keys`` of dictionaries ``rows``."""
    return markdown_table(list(keys), [[r[k] for k in keys] for r in rows])


def write_csv(path, rows: Sequence[Mapping]) -> Path:
    """Write dictionaries ``rows`` (keys of the first row as columns) as CSV, atomically; return the path."""
    if not rows:
        raise ValueError("rows must hold at least one row to write a CSV file")
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return atomic_write_text(path, buf.getvalue())
