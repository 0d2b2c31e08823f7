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

__all__ = ["row", "table", "csv_text", "write_parquet", "versions"]


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


def row(study, arrays: dict) -> dict:
    """Counts, means and standard errors of one point's arrays (the SSA/LIM metrics or the master's)."""
    stochastic = study.kind != "master"
    row = {"n_trajectories": int(next(iter(arrays.values())).size) if stochastic else 0,
           "n_chunks": len(study.chunk_sizes())}
    for m in METRICS[family(study.kind)]:
        a = arrays[m]
        row[f"{m}_mean"] = float(np.mean(a))
        if not stochastic:
            row[f"{m}_se"] = 0.0
        else:
            row[f"{m}_se"] = float(np.std(a, ddof=1) / np.sqrt(a.size)) if a.size > 1 else float("nan")
    return row


def table(study, rows: list[dict]) -> dict:
    """The tidy table: column name -> list of values, one entry per point."""
    columns = {"point": list(range(len(rows)))}
    for key in study.grid:
        columns[key] = [p[key] for p in study.points]
    for key in rows[0]:
        columns[key] = [r[key] for r in rows]
    return columns


def csv_text(columns: dict) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in zip(*columns.values()):
        writer.writerow([_fmt(v) for v in row])
    return buf.getvalue()


def write_parquet(path: Path, columns: dict) -> bool:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return False
    data = {k: [_fmt(v) if isinstance(v, (dict, list)) else v for v in col] for k, col in columns.items()}
    atomic_write(path, lambda f: pq.write_table(pa.table(data), f), hint=HINT)
    return True


def versions() -> dict:
    import numba
    import scipy

    return {"stochlim": __version__, "python": platform.python_version(), "numpy": np.__version__,
            "numba": numba.__version__, "scipy": scipy.__version__, "platform": platform.platform()}


