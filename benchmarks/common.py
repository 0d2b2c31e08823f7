"""What every benchmark module shares: machine information, JSON records, medians, paired ratios.

The machines these benchmarks run on are shared and drift in speed by tens of percent within a
run, so a ratio between two codes is measured in interleaved pairs (A, B, A, B, ...) and reported
as the median of the per-pair ratios (:func:`median_paired_ratio`); single timings are the median
of repeats (:func:`time_median`). Every module writes one JSON record with :func:`write_record`,
which stamps it with the UTC time and :func:`machine`.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

#: Where the JSON records go (ignored by git: they describe one machine at one time).
RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict:
    """Platform, processor, core count, Python and the versions of stochlim and its numerics."""
    import numba
    import numpy
    import scipy

    import stochlim

    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "versions": {
            "stochlim": stochlim.__version__,
            "numba": numba.__version__,
            "numpy": numpy.__version__,
            "scipy": scipy.__version__,
        },
    }


def utc_now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def write_record(prefix: str, record: dict, results: Path | None = None) -> Path:
    """Write ``record`` with ``utc`` and ``machine`` added to ``results/<prefix>-<UTC stamp>.json``.

    ``results`` defaults to :data:`RESULTS`; keys already in ``record`` win. Returns the path.
    """
    results = RESULTS if results is None else results
    results.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = results / f"{prefix}-{stamp}.json"
    path.write_text(json.dumps({"utc": utc_now(), "machine": machine(), **record}, indent=2))
    return path


def median(values: Iterable[float]) -> float:
    """Median of the values (the statistic every benchmark reports)."""
    return statistics.median(values)


def time_median(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Median wall time in seconds of ``repeats`` calls of ``fn``, and the last call's result."""
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1: got {repeats}")
    walls, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        walls.append(time.perf_counter() - start)
    return median(walls), out


def median_paired_ratio(numerators: Iterable[float], denominators: Iterable[float]) -> float:
    """Median over pairs of ``numerator / denominator``, the pairs timed back to back.

    A drift of the machine's speed between pairs cancels within each pair; the median discards
    the pairs a burst of other load hit.
    """
    pairs = list(zip(numerators, denominators, strict=True))
    if not pairs:
        raise ValueError("median_paired_ratio needs at least one pair")
    return median(a / b for a, b in pairs)
