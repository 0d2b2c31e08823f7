"""The results table of a sweep: one row of means and standard errors per point."""

from __future__ import annotations

import csv
import io
import json
import platform
from pathlib import Path

import numpy as np

from .._files import atomic_write
from .._version import __version__
from .build import METRICS, family
from .store import HINT

__all__ = ["Moments", "row", "table", "csv_text", "write_parquet", "versions"]


def _fmt(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


class Moments:
    """Count, mean and sum of squared deviations of a stream of arrays, merged chunk by chunk.

    Chan, Golub and LeVeque's pairwise update ("Updating formulae and a pairwise algorithm for
    computing sample variances", 1979): each chunk's own mean and squared deviations are computed
    exactly by numpy and merged into the running ones, so memory is one chunk whatever the count.
    """

    __slots__ = ("n", "mean", "m2")

    def __init__(self):
        self.n, self.mean, self.m2 = 0, 0.0, 0.0

    def add(self, values: np.ndarray) -> None:
        """Merge the values of one chunk."""
        a = np.asarray(values, dtype=float)
        if a.size == 0:
            return
        mean_b = float(np.mean(a))
        m2_b = float(np.sum((a - mean_b) ** 2))
        n = self.n + a.size
        delta = mean_b - self.mean
        self.mean += delta * a.size / n
        self.m2 += m2_b + delta * delta * self.n * a.size / n
        self.n = n

    @property
    def se(self) -> float:
        """Standard error of the mean (sample standard deviation / sqrt(n))."""
        return float(np.sqrt(self.m2 / (self.n - 1) / self.n)) if self.n > 1 else 0.0


def row(study, point: int, moments: dict) -> dict:
    """Counts, means and standard errors of one point from the :class:`Moments` of its metrics.

    Raises ``ValueError`` naming the point and the metric when a value is not finite: no
    non-finite number is ever written to the table.
    """
    stochastic = study.kind != "master"
    metrics = METRICS[family(study.kind)]
    row = {"n_trajectories": moments[metrics[0]].n if stochastic else 0, "n_chunks": study.n_chunks}
    for m in metrics:
        row[f"{m}_mean"] = moments[m].mean
        row[f"{m}_se"] = moments[m].se if stochastic else 0.0
        for key in (f"{m}_mean", f"{m}_se"):
            if not np.isfinite(row[key]):
                raise ValueError(f"point {point}: {key} is {row[key]}, not a finite number; the results "
                                 "table is not written (check the parameters of that point)")
    return row


def table(study, rows: list[dict]) -> dict:
    """The tidy table: column name -> list of values, one entry per point."""
    columns = {"point": list(range(len(rows)))}
    for key in study.grid:
        columns[key] = [study.points[i][key] for i in range(len(rows))]
    for key in rows[0]:
        columns[key] = [r[key] for r in rows]
    return columns


def csv_text(columns: dict) -> str:
    """The table as CSV text, each value in its shortest round-trip form."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in zip(*columns.values()):
        writer.writerow([_fmt(v) for v in row])
    return buf.getvalue()


def write_parquet(path: Path, columns: dict) -> bool:
    """Write the table as Parquet when pyarrow is installed; returns whether it did."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return False
    data = {k: [_fmt(v) if isinstance(v, (dict, list)) else v for v in col] for k, col in columns.items()}
    atomic_write(path, lambda f: pq.write_table(pa.table(data), f), hint=HINT)
    return True


def versions() -> dict:
    """Versions of stochlim and its numerical dependencies, for the provenance record."""
    import numba
    import scipy

    return {"stochlim": __version__, "python": platform.python_version(), "numpy": np.__version__,
            "numba": numba.__version__, "scipy": scipy.__version__, "platform": platform.platform()}


