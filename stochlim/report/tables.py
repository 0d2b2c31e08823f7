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
    """A number in ``digits`` significant figures: fixed notation in ``[1e-3, 1e4)``, else exponent.

    Parameters
    ----------
    x : object
        A real number (other objects, booleans included, are returned as ``str(x)``).
    digits : int, optional
        Significant figures (default 4).

    Returns
    -------
    str
        The formatted cell.

    Examples
    --------
    >>> number(3.14159), number(123456.0), number(True)
    ('3.142', '1.235e+05', 'True')
    """
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

    Returns
    -------
    str
        The table, one line per row after the header and rule, no trailing newline.

    Raises
    ------
    ValueError
        If a row of ``rows`` does not have as many cells as ``header``.

    Examples
    --------
    >>> print(markdown_table(["n", "x"], [[1, 0.5], [2, 1 / 3]]))
    | n | x |
    |---|---|
    | 1 | 0.5 |
    | 2 | 0.3333 |
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
    """:func:`markdown_table` of the columns ``keys`` of dictionaries ``rows``.

    Parameters
    ----------
    rows : sequence of mapping
        One dictionary per row.
    keys : sequence of str
        Columns to show, in order (each must be a key of every row).

    Returns
    -------
    str
        The markdown table.

    Raises
    ------
    KeyError
        If a row lacks one of ``keys``.

    Examples
    --------
    >>> print(dict_table([{"a": 1, "b": 2.5}], ["b", "a"]))
    | b | a |
    |---|---|
    | 2.5 | 1 |
    """
    return markdown_table(list(keys), [[r[k] for k in keys] for r in rows])


def write_csv(path, rows: Sequence[Mapping]) -> Path:
    """Write dictionaries ``rows`` (keys of the first row as columns) as CSV, atomically; return the path.

    Parameters
    ----------
    path : str or path-like
        File to write (replaced atomically).
    rows : sequence of mapping
        One dictionary per row; the first row's keys are the columns.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ValueError
        If ``rows`` is empty.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = write_csv(pathlib.Path(tmp) / "t.csv", [{"a": 1, "b": 2}, {"a": 3, "b": 4}])
    ...     print(out.read_text().split())
    ['a,b', '1,2', '3,4']
    """
    if not rows:
        raise ValueError("rows must hold at least one row to write a CSV file")
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return atomic_write_text(path, buf.getvalue())
