"""Parameter sweeps: run a :class:`~stochlim.sweeps.Study` in checkpointed chunks, locally or on Dask.

Layout of the output folder ``DIR``::

    study.json          the validated study and its hash (marks the folder as this study's)
    chunks/pPPPPP_cCCCCC.npz   one finished chunk: arrays plus a ``__meta__`` record holding the
                        study hash, the indices and a SHA-256 of the arrays
    points/pPPPPP.npz   per-point arrays (all chunks in order), when ``[outputs] arrays = true``
    results.csv         one row per point: parameters, means, standard errors, counts
    results.parquet     the same table, when pyarrow is installed
    provenance.json     versions, seeds, study hash, chunks recomputed

Guarantees
----------
- **Seeding**: chunk ``c`` of point ``p`` draws from ``SeedSequence([seed, p, c])`` (the SSA then
  derives one stream per trajectory from it), so results depend neither on chunk order, nor on the
  number of workers, nor on where a chunk ran.
- **Nothing lost**: a chunk is written to a temporary file, flushed, fsync-ed and renamed into
  place (``os.replace`` is atomic), so a chunk file is either whole or absent. ``resume=True``
  verifies every chunk present (readable, same study hash, same indices, matching SHA-256) and
  recomputes the missing, corrupt and foreign ones; the table is assembled from the chunk files
  alone and written with fixed formatting (shortest round-trip ``repr``), so a resumed run writes
  a ``results.csv`` byte-for-byte equal to an uninterrupted one.
- **Ctrl-C** raises :class:`SweepInterrupted` after the finished chunks are on disk; a failed write
  raises ``OSError`` naming the file, with every finished chunk intact.

``stochlim.sweep`` and ``stochlim.sweeps.sweep`` are the function :func:`sweep`.
"""

from __future__ import annotations

import errno
import json
import shutil
import sys
import time
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
from numpy.lib import format as npformat

from .._budget import format_bytes
from .._files import atomic_write
from .._progress import bar as progress_bar
from .._validation import check_bool
from .build import run_chunk
from .dask import connect, results_dask
from .sizing import check_limits, check_size, size_of
from .store import HINT, chunk_path, claimed, read_chunk, valid_chunks, write_chunk
from .study import Study, load_study
from .table import Moments, csv_text, row, versions, write_parquet
from .table import table as make_table

__all__ = ["sweep", "SweepInterrupted"]

class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C during a sweep: the finished chunks are on disk; rerun with ``resume=True``.

    ``assembling`` is true when every chunk was done and the table was being assembled (no
    chunk is lost either way; the table and per-point files are written atomically).

    Parameters
    ----------
    done, total : int
        Chunks written and chunks of the study.
    assembling : bool, optional
        Whether the interruption came while the table was being assembled.

    Examples
    --------
    >>> exc = SweepInterrupted(3, 10)
    >>> isinstance(exc, KeyboardInterrupt), str(exc)
    (True, 'interrupted with 3 of 10 chunks written; rerun with --resume to finish')
    """

    def __init__(self, done: int, total: int, assembling: bool = False):
        during = " while assembling the table" if assembling else ""
        super().__init__(f"interrupted{during} with {done} of {total} chunks written; rerun with --resume to finish")
        self.done, self.total, self.assembling = done, total, assembling


# --- running ----------------------------------------------------------------------------------------


def _progress(show: bool, total: int, initial: int, n_points: int, points_done: int, *, unit: str = "traj",
              desc: str = "sweep"):
    progress = progress_bar(total, desc=desc, unit=unit, show=show, initial=initial, unit_scale=True)
    progress.set_postfix_str(f"points {points_done}/{n_points}")
    return progress


def _results_local(study: Study, pending):
    for point, chunk in pending:
        yield point, chunk, run_chunk(study, point, chunk)


def sweep(study, *, out, resume=False, scheduler=None, quiet=False, progress=None, limits=None) -> dict:
    """Run every point of ``study`` in checkpointed chunks and return the results table.

    Parameters
    ----------
    study : Study, str or path
        A validated :class:`~stochlim.sweeps.Study` or the path of a TOML study file.
    out : str or path
        Output folder (see the module docstring for its layout). It must be new or empty, or hold
        this same study with ``resume=True``; a folder holding another study raises ``ValueError``.
        The run holds an exclusive lock on it: a second run on the same folder raises
        ``ValueError`` naming the first one's process id.
    resume : bool, optional
        Keep the verified chunks already in ``out`` and compute only the missing, corrupt or
        foreign ones.
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``); overrides the study's ``scheduler``.
        Workers compute chunks and return arrays; this process writes them. Needs
        ``stochlim[distributed]``.
    quiet : bool, optional
        No progress bar.
    progress : bool, optional
        Force the progress bars (validating a study file's points, then computing its chunks) on or
        off; default: on when stderr is a terminal and not ``quiet``.
    limits : dict, optional
        ``max_points``, ``max_bytes``, ``max_events`` overriding the study's (see
        :mod:`stochlim.sweeps.sizing`); the study is sized against them before any work.

    Returns
    -------
    dict of str to list
        The table of ``results.csv``: ``point``, the swept parameters, ``n_trajectories``,
        ``n_chunks`` and ``<metric>_mean``/``<metric>_se`` for each metric of
        ``stochlim.sweeps.METRICS`` (``pandas.DataFrame(table)`` makes a data frame of it).

    Raises
    ------
    ValueError
        Invalid study, a study past its limits, an output folder that is not this study's or is
        in use (nothing is written).
    TypeError
        ``resume``, ``quiet`` or ``progress`` is not a bool (nothing is written).
    MemoryError
        One chunk would not fit in memory (nothing is written).
    ConnectionError
        The scheduler cannot be reached (nothing is written).
    OSError
        A write failed, or the disk cannot hold the study; the finished chunks are intact.
    SweepInterrupted
        Ctrl-C; the finished chunks are intact.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from stochlim.sweeps import parse_study, EXAMPLE
    >>> small = EXAMPLE.replace("trajectories = 20000", "trajectories = 20").replace(
    ...     "chunk_size = 5000", "chunk_size = 10")
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     columns = sweep(parse_study(small), out=pathlib.Path(tmp) / "results", quiet=True)
    ...     print((pathlib.Path(tmp) / "results" / "results.csv").exists())
    True
    >>> columns["point"], columns["n_trajectories"][0], columns["work_mean"][0]
    ([0, 1, 2, 3, 4, 5], 20, 0.0)
    """
    resume, quiet = check_bool("resume", resume), check_bool("quiet", quiet)
    if progress is not None:
        progress = check_bool("progress", progress)
    if isinstance(study, Study):
        if limits:
            study = replace(study, limits={**study.limits, **check_limits(limits)})
        check_size(study)
    else:
        study = load_study(study, limits=limits, progress=progress if progress is not None else
                           (not quiet and sys.stderr.isatty()))
    if str(out) == "":
        raise ValueError("--out must name a folder: got an empty string")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} exists and is not a folder")
    address = scheduler or study.scheduler
    client = connect(address) if address else None
    try:
        with claimed(out, study, resume):
            return _sweep(study, out, client, quiet, progress)
    finally:
        if client is not None:
            client.close()


def _check_disk(out: Path, study: Study, pending: int) -> None:
    """Refuse to start when the disk under ``out`` cannot hold the chunks still to write."""
    size = size_of(study)
    total = size.points * size.chunks_per_point
    need = size.bytes_written * pending // max(total, 1)
    free = shutil.disk_usage(out).free
    if need > free:
        raise OSError(errno.ENOSPC, f"the study still needs about {format_bytes(need)} in {out}, which has "
                      f"{format_bytes(free)} free; free some space or choose another --out")


def _sweep(study: Study, out: Path, client, quiet: bool, progress) -> dict:
    started = time.time()
    n_points, n_chunks = study.points.size, study.n_chunks
    valid, recomputed = valid_chunks(out, study)
    total = n_points * n_chunks
    _check_disk(out, study, total - len(valid))
    pending = ((p, c) for p in range(n_points) for c in range(n_chunks) if (p, c) not in valid)
    left = [n_chunks] * n_points
    for p, _ in valid:
        left[p] -= 1
    show = progress if progress is not None else (not quiet and sys.stderr.isatty())
    points_done = left.count(0)
    bar = _progress(show, n_points * study.trajectories if study.kind != "master" else n_points,
                    sum(study.chunk_trajectories(c) for _, c in valid), n_points, points_done)
    written = len(valid)
    try:
        results = results_dask(client, study, pending) if client else _results_local(study, pending)
        for point, chunk, arrays in results:
            write_chunk(out, study.hash, point, chunk, arrays)
            written += 1
            left[point] -= 1
            points_done += left[point] == 0
            bar.update(study.chunk_trajectories(chunk))
            bar.set_postfix_str(f"points {points_done}/{n_points}")
    except KeyboardInterrupt:
        raise SweepInterrupted(written, total) from None
    finally:
        bar.close()
    try:
        return _assemble(study, out, recomputed, written - len(valid), started, client is not None, show)
    except KeyboardInterrupt:
        raise SweepInterrupted(written, total, assembling=True) from None


def _point_moments(study: Study, out: Path, point: int) -> tuple[dict, dict]:
    """Verify a point's chunks one at a time; their metrics' :class:`Moments` and each array's
    ``(dtype, length)``. Memory: one chunk."""
    moments, layout = {}, {}
    for c in range(study.n_chunks):
        arrays = read_chunk(out, study.hash, point, c)
        if arrays is None:
            raise OSError(f"chunk files of point {point} in {out / 'chunks'} changed during the run; "
                          "rerun with --resume")
        for key, a in arrays.items():
            moments.setdefault(key, Moments()).add(a)
            dtype, n = layout.get(key, (a.dtype, 0))
            layout[key] = (dtype, n + a.shape[0])
    return moments, layout


def _stream_point_arrays(f, study: Study, out: Path, point: int, layout: dict) -> None:
    """Write a point's arrays as an ``.npz`` into ``f``, chunk by chunk (memory: one array of one chunk).

    Each array is one ``.npy`` member whose header declares the point's full length; the chunks'
    bytes follow in order, so ``numpy.load`` reads back the concatenation of the chunks.
    """
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for key, (dtype, n) in layout.items():
            with zf.open(f"{key}.npy", "w", force_zip64=True) as member:
                header = {"descr": npformat.dtype_to_descr(dtype), "fortran_order": False, "shape": (n,)}
                npformat.write_array_header_2_0(member, header)
                for c in range(study.n_chunks):
                    with np.load(chunk_path(out, point, c), allow_pickle=False) as chunk:
                        member.write(np.ascontiguousarray(chunk[key], dtype=dtype).tobytes())


def _assemble(study: Study, out: Path, recomputed: int, computed: int, started: float, distributed: bool,
              show: bool) -> dict:
    """Reduce every point's chunks (verified, one at a time) into the table, per-point arrays and
    the provenance; memory is one chunk however many trajectories a point has."""
    rows = []
    n_points = study.points.size
    bar = _progress(show and n_points > 1, n_points, 0, n_points, 0, unit="point", desc="assemble")
    try:
        for p in range(n_points):
            moments, layout = _point_moments(study, out, p)
            rows.append(row(study, p, moments))
            if study.outputs["arrays"]:
                (out / "points").mkdir(exist_ok=True)
                atomic_write(out / "points" / f"p{p:05d}.npz",
                             lambda f, p=p, lay=layout: _stream_point_arrays(f, study, out, p, lay), hint=HINT)
            bar.update(1)
    finally:
        bar.close()
    table = make_table(study, rows)
    text = csv_text(table)
    atomic_write(out / "results.csv", lambda f: f.write(text.encode()), hint=HINT)
    parquet = study.outputs["parquet"] and write_parquet(out / "results.parquet", table)
    provenance = {
        "study_hash": study.hash, "name": study.name, "seed": study.seed,
        "chunk_seeds": "numpy.random.SeedSequence([seed, point_index, chunk_index])",
        "chunk_size": study.chunk_size if study.kind != "master" else 1, "n_chunks_per_point": study.n_chunks,
        "n_points": n_points,
        "chunks_recomputed_as_corrupt_or_foreign": recomputed, "chunks_computed_by_this_run": computed,
        "distributed": distributed,
        "parquet": bool(parquet), "versions": versions(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "wall_seconds": round(time.time() - started, 3),
    }
    text = json.dumps(provenance, indent=2, sort_keys=True) + "\n"
    atomic_write(out / "provenance.json", lambda f: f.write(text.encode()), hint=HINT)
    return table
