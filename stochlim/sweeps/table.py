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

    The constructor takes no argument: a new instance is empty (``n = 0``); feed it chunks with
    :meth:`add`.

    Attributes
    ----------
    n : int
        Values merged so far.
    mean : float
        Their mean.
    m2 : float
        Their sum of squared deviations from ``mean``.

    Examples
    --------
    >>> import numpy as np
    >>> m = Moments()
    >>> m.add(np.array([1.0, 2.0]))
    >>> m.add(np.array([3.0, 4.0, 5.0]))
    >>> m.n, m.mean, bool(np.isclose(m.se, np.std([1, 2, 3, 4, 5], ddof=1) / np.sqrt(5)))
    (5, 3.0, True)
    """

    __slots__ = ("n", "mean", "m2")

    def __init__(self):
        self.n, self.mean, self.m2 = 0, 0.0, 0.0

    def add(self, values: np.ndarray) -> None:
        """Merge the values of one chunk.

        Parameters
        ----------
        values : array_like
            The chunk's values (any shape, read as float; an empty chunk changes nothing).

        Returns
        -------
        None

        Examples
        --------
        >>> m = Moments()
        >>> m.add([2.0, 4.0])
        >>> m.n, m.mean, m.m2
        (2, 3.0, 2.0)
        """
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
        """Standard error of the mean (sample standard deviation / sqrt(n)); 0 for ``n < 2``.

        Examples
        --------
        >>> m = Moments()
        >>> m.add([1.0, 2.0])
        >>> m.add([3.0, 4.0])   # chunks merge exactly: as one sample of four
        >>> m.se == float(np.std([1.0, 2.0, 3.0, 4.0], ddof=1) / 2)
        True
        """
        return float(np.sqrt(self.m2 / (self.n - 1) / self.n)) if self.n > 1 else 0.0


def row(study, point: int, moments: dict) -> dict:
    """Counts, means and standard errors of one point from the :class:`Moments` of its metrics.

    Raises ``ValueError`` naming the point and the metric when a value is not finite: no
    non-finite number is ever written to the table.

    Parameters
    ----------
    study : Study
        The study (its kind decides the metrics).
    point : int
        Index of the point, for messages.
    moments : dict of str to Moments
        One :class:`Moments` per metric of
        ``stochlim.sweeps.METRICS`` for the study's kind.

    Returns
    -------
    dict
        ``n_trajectories``, ``n_chunks`` and ``<metric>_mean``, ``<metric>_se`` of each metric.

    Raises
    ------
    ValueError
        If a mean or standard error is not finite.

    Examples
    --------
    >>> import numpy as np
    >>> from stochlim.sweeps import parse_study, EXAMPLE, run_chunk
    >>> study = parse_study(EXAMPLE.replace("chunk_size = 5000", "chunk_size = 100"))
    >>> moments = {}
    >>> for key, values in run_chunk(study, 0, 0).items():
    ...     moments[key] = Moments()
    ...     moments[key].add(values)
    >>> r = row(study, 0, moments)
    >>> r["n_trajectories"], r["work_mean"]  # a constant protocol does no work
    (100, 0.0)
    >>> bool(np.isclose(r["heat_mean"], -r["final_energy_mean"]))  # first law from energy 0
    True
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
    """The tidy table: column name -> list of values, one entry per point.

    Parameters
    ----------
    study : Study
        The study (its grid gives the swept columns).
    rows : list of dict
        One :func:`row` per point, in point order (at least one).

    Returns
    -------
    dict of str to list
        ``point``, the swept parameters, then the keys of the rows.

    Examples
    --------
    >>> from stochlim.sweeps import parse_study, EXAMPLE
    >>> study = parse_study(EXAMPLE)
    >>> columns = table(study, [{"work_mean": 0.0}, {"work_mean": 0.5}])
    >>> columns
    {'point': [0, 1], 'barrier': [0.5, 0.5], 'drive': [0.0, 1.0], 'work_mean': [0.0, 0.5]}
    """
    columns = {"point": list(range(len(rows)))}
    for key in study.grid:
        columns[key] = [study.points[i][key] for i in range(len(rows))]
    for key in rows[0]:
        columns[key] = [r[key] for r in rows]
    return columns


def csv_text(columns: dict) -> str:
    """The table as CSV text, each value in its shortest round-trip form.

    Parameters
    ----------
    columns : dict of str to list
        A :func:`table` (equal-length columns).

    Returns
    -------
    str
        Header line then one line per point (booleans as ``true``/``false``, lists and tables as JSON).

    Examples
    --------
    >>> print(csv_text({"point": [0, 1], "x": [0.1, 1 / 3], "ok": [True, False]}), end="")
    point,x,ok
    0,0.1,true
    1,0.3333333333333333,false
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in zip(*columns.values()):
        writer.writerow([_fmt(v) for v in row])
    return buf.getvalue()


def write_parquet(path: Path, columns: dict) -> bool:
    """Write the table as Parquet when pyarrow is installed; returns whether it did.

    Parameters
    ----------
    path : pathlib.Path
        File to write (atomically).
    columns : dict of str to list
        A :func:`table`; lists and tables in cells are written as JSON text.

    Returns
    -------
    bool
        ``True`` when the file was written, ``False`` when pyarrow is missing.

    Examples
    --------
    >>> import importlib.util, tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "t.parquet"
    ...     wrote = write_parquet(path, {"point": [0, 1], "x": [0.5, 1.5]})
    ...     print(wrote == (importlib.util.find_spec("pyarrow") is not None) == path.exists())
    True
    """
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return False
    data = {k: [_fmt(v) if isinstance(v, (dict, list)) else v for v in col] for k, col in columns.items()}
    atomic_write(path, lambda f: pq.write_table(pa.table(data), f), hint=HINT)
    return True


def versions() -> dict:
    """Versions of stochlim and its numerical dependencies, for the provenance record.

    Returns
    -------
    dict of str to str
        Versions of ``stochlim``, ``python``, ``numpy``, ``numba``, ``scipy`` and the ``platform``.

    Examples
    --------
    >>> import numpy as np
    >>> v = versions()
    >>> sorted(v), v["numpy"] == np.__version__
    (['numba', 'numpy', 'platform', 'python', 'scipy', 'stochlim'], True)
    """
    import numba
    import scipy

    return {"stochlim": __version__, "python": platform.python_version(), "numpy": np.__version__,
            "numba": numba.__version__, "scipy": scipy.__version__, "platform": platform.platform()}


