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

import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from .._files import atomic_write
from .build import run_chunk
from .dask import connect, results_dask
from .store import HINT, chunk_path, prepare_out, read_chunk, write_chunk
from .study import Study, load_study
from .table import csv_text, row, versions, write_parquet
from .table import table as make_table

__all__ = ["sweep", "SweepInterrupted"]

class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C during a sweep: the finished chunks are on disk; rerun with ``resume=True``."""

    def __init__(self, done: int, total: int):
        super().__init__(f"interrupted with {done} of {total} chunks written; rerun with --resume to finish")
        self.done, self.total = done, total


# --- running ----------------------------------------------------------------------------------------


def _progress(show: bool, total: int, initial: int, n_points: int, points_done: int):
    from tqdm import tqdm

    # a terminal reporting a 0 x 0 size (a fresh pty) would make tqdm hide the bar
    size = shutil.get_terminal_size((100, 20))
    bar = tqdm(total=total, initial=initial, unit="traj", unit_scale=True, disable=not show,
               file=sys.stderr, ncols=size.columns, nrows=size.lines, desc="sweep")
    bar.set_postfix_str(f"points {points_done}/{n_points}")
    return bar


def _results_local(study: Study, pending):
    for point, chunk in pending:
        yield point, chunk, run_chunk(study, point, chunk)


def sweep(study, *, out, resume=False, scheduler=None, quiet=False, progress=None) -> dict:
    """Run every point of ``study`` in checkpointed chunks and return the results table.

    Parameters
    ----------
    study : Study, str or path
        A validated :class:`~stochlim.study.Study` or the path of a TOML study file.
    out : str or path
        Output folder (see the module docstring for its layout). It must be new or empty, or hold
        this same study with ``resume=True``; a folder holding another study raises ``ValueError``.
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
        Force the progress bar on or off; default: on when stderr is a terminal and not ``quiet``.

    Returns
    -------
    dict of str to list
        The table of ``results.csv``: ``point``, the swept parameters, ``n_trajectories``,
        ``n_chunks`` and ``<metric>_mean``/``<metric>_se`` for each metric of :data:`METRICS`
        (``pandas.DataFrame(table)`` makes a data frame of it).

    Raises
    ------
    ValueError
        Invalid study or output folder (nothing is written).
    ConnectionError
        The scheduler cannot be reached (nothing is written).
    OSError
        A write failed; the finished chunks are intact.
    SweepInterrupted
        Ctrl-C; the finished chunks are intact.
    """
    if not isinstance(study, Study):
        study = load_study(study)
    out = Path(out)
    address = scheduler or study.scheduler
    client = connect(address) if address else None
    try:
        return _sweep(study, out, resume, client, quiet, progress)
    finally:
        if client is not None:
            client.close()


def _sweep(study: Study, out: Path, resume: bool, client, quiet: bool, progress) -> dict:
    started = time.time()
    prepare_out(out, study, resume)
    sizes = study.chunk_sizes()
    n_points = len(study.points)
    all_chunks = [(p, c) for p in range(n_points) for c in range(len(sizes))]
    present = [(p, c) for p, c in all_chunks if chunk_path(out, p, c).exists()]
    valid = {pc for pc in present if read_chunk(out, study.hash, *pc) is not None}
    recomputed = len(present) - len(valid)
    pending = [pc for pc in all_chunks if pc not in valid]
    left = {p: sum(1 for q, _ in pending if q == p) for p in range(n_points)}
    show = progress if progress is not None else (not quiet and sys.stderr.isatty())
    points_done = sum(1 for p in range(n_points) if not left[p])
    bar = _progress(show, n_points * sum(sizes), sum(sizes[c] for _, c in valid), n_points, points_done)
    written = len(valid)
    try:
        results = results_dask(client, study, pending) if client else _results_local(study, pending)
        for point, chunk, arrays in results:
            write_chunk(out, study.hash, point, chunk, arrays)
            written += 1
            left[point] -= 1
            points_done += left[point] == 0
            bar.update(sizes[chunk])
            bar.set_postfix_str(f"points {points_done}/{n_points}")
    except KeyboardInterrupt:
        raise SweepInterrupted(written, len(all_chunks)) from None
    finally:
        bar.close()
    return _assemble(study, out, recomputed, started, client is not None)


def _assemble(study: Study, out: Path, recomputed: int, started: float, distributed: bool) -> dict:
    """Read every chunk back (verified), write per-point arrays, the table and the provenance."""
    n_chunks = len(study.chunk_sizes())
    rows = []
    for p in range(len(study.points)):
        chunks = [read_chunk(out, study.hash, p, c) for c in range(n_chunks)]
        if any(c is None for c in chunks):
            raise OSError(f"chunk files of point {p} in {out / 'chunks'} changed during the run; rerun with --resume")
        arrays = {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}
        rows.append(row(study, arrays))
        if study.outputs["arrays"]:
            (out / "points").mkdir(exist_ok=True)
            atomic_write(out / "points" / f"p{p:05d}.npz", lambda f, a=arrays: np.savez(f, **a), hint=HINT)
    table = make_table(study, rows)
    text = csv_text(table)
    atomic_write(out / "results.csv", lambda f: f.write(text.encode()), hint=HINT)
    parquet = study.outputs["parquet"] and write_parquet(out / "results.parquet", table)
    provenance = {
        "study_hash": study.hash, "name": study.name, "seed": study.seed,
        "chunk_seeds": "numpy.random.SeedSequence([seed, point_index, chunk_index])",
        "chunk_sizes": study.chunk_sizes(), "n_points": len(study.points),
        "chunks_recomputed_as_corrupt_or_foreign": recomputed, "distributed": distributed,
        "parquet": bool(parquet), "versions": versions(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "wall_seconds": round(time.time() - started, 3),
    }
    text = json.dumps(provenance, indent=2, sort_keys=True) + "\n"
    atomic_write(out / "provenance.json", lambda f: f.write(text.encode()), hint=HINT)
    return table
