"""Parameter sweeps: run a :class:`~stochlim.study.Study` in checkpointed chunks, locally or on Dask.

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

``stochlim.sweep`` is the function :func:`sweep` (the public API); this module is reached with
``from stochlim.sweep import ...`` or ``sys.modules["stochlim.sweep"]``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from ._version import __version__
from .study import HOP_KINDS, Study, build_value, load_study

__all__ = ["sweep", "build", "run_chunk", "SweepInterrupted", "METRICS"]

#: Per-trajectory quantities summarised in the table, by model kind.
METRICS = {"hop": ("work", "heat", "n_jumps", "final_energy"),
           "lim": ("work", "heat", "n_jumps", "final_energy", "final_loss"),
           "master": ("work", "heat", "entropy_production", "activity")}


#: How long to try to reach a Dask scheduler before giving up.
CONNECT_TIMEOUT = "10s"


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C during a sweep: the finished chunks are on disk; rerun with ``resume=True``."""

    def __init__(self, done: int, total: int):
        super().__init__(f"interrupted with {done} of {total} chunks written; rerun with --resume to finish")
        self.done, self.total = done, total


def _family(kind: str) -> str:
    return "hop" if kind in HOP_KINDS else kind


def _built(params: dict, keys) -> dict:
    """``build_value`` of each of ``keys`` present in ``params``; errors name the key."""
    out = {}
    for key in keys:
        if key in params:
            try:
                out[key] = build_value(params[key])
            except (ValueError, TypeError) as exc:
                raise type(exc)(f"{key}: {exc}") from None
    return out


def _hop_model(ctor: str, params: dict):
    from . import models

    args = _built(params, HOP_KINDS[ctor])
    for key in ("energies", "energy", "barriers", "drive"):
        if isinstance(args.get(key), list):
            args[key] = tuple(args[key])
    return getattr(models, ctor)(**args)


def build(params: dict):
    """Build one point: return ``run(n, seed_sequence) -> dict of arrays`` for its parameters.

    Builds the model (and, for the SSA, validates the run arguments) without simulating, so that
    impossible values raise ``ValueError``/``TypeError`` here.
    """
    kind = params["kind"]
    if kind == "lim":
        return _build_lim(params)
    model = _hop_model(params.get("model", kind), params)
    start = {k: params[k] for k in ("p0", "x0") if k in params}
    t_end = params["t_end"]
    if kind == "master":
        from .master import solve_master

        if "x0" in start:
            p0 = np.zeros(model.n_states)
            p0[start["x0"]] = 1.0
        elif "p0" in start:
            p0 = np.asarray(start["p0"], dtype=float)
        else:
            p0 = model.equilibrium(0.0)

        def run_master(n, seed_sequence):
            sol = solve_master(model, p0=p0, t_end=t_end)
            if not sol.success:
                raise RuntimeError(f"master equation failed: {sol.message}")
            return {"work": sol.mean_work[-1:], "heat": sol.mean_heat[-1:],
                    "entropy_production": sol.entropy_production[-1:], "activity": sol.activity[-1:]}

        return run_master

    from .ssa import plan, simulate

    method = params.get("method", "auto")
    plan(model, t_end=t_end, n_trajectories=1, method=method, **start)

    def run_ssa(n, seed_sequence):
        ens = simulate(model, t_end=t_end, n_trajectories=n, rng=seed_sequence, method=method, **start)
        return {m: np.asarray(getattr(ens, m)) for m in METRICS["hop"]}

    return run_ssa


def _build_lim(params: dict):
    from . import lim

    if params["problem"] == "ising":
        problem = lim.Ising(np.asarray(params["J"], dtype=float), np.asarray(params.get("h", 0.0), dtype=float))
    else:
        problem = lim.Quadratic(np.asarray(params["A"], dtype=float), np.asarray(params["b"], dtype=float),
                                levels=params["levels"], quantum=params["quantum"])
    args = _built(params, ("barrier", "scale", "leak"))
    args.update({k: params[k] for k in ("t_end", "J_max", "rate_law") if k in params})
    if "x0" in params or "p0" in params:
        raise ValueError("x0/p0 are not parameters of kind = 'lim'")

    def run_lim(n, seed_sequence):
        res = lim.run(problem, n_trajectories=n, rng=seed_sequence, **args)
        return {m: np.asarray(getattr(res, m)) for m in METRICS["lim"]}

    return run_lim


def run_chunk(study: Study, point: int, chunk: int) -> dict:
    """Compute chunk ``chunk`` of point ``point``: arrays depending only on the study and indices.

    This is the unit of work sent to Dask workers; it writes nothing.
    """
    import numpy.random as npr

    size = study.chunk_sizes()[chunk]
    return build(study.params(point))(size, npr.SeedSequence([study.seed, point, chunk]))


# --- chunk files ------------------------------------------------------------------------------------


def _digest(study_hash: str, point: int, chunk: int, arrays: dict) -> str:
    h = hashlib.sha256(f"{study_hash}:{point}:{chunk}".encode())
    for name in sorted(arrays):
        arr = np.ascontiguousarray(arrays[name])
        h.update(f"|{name}:{arr.dtype.str}:{arr.shape}|".encode())
        h.update(arr.tobytes())
    return h.hexdigest()


def _atomic_write(path: Path, write) -> None:
    """Write ``path`` through ``write(fileobj)`` into a temporary file renamed into place."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OSError(exc.errno, f"cannot write {path}: {exc.strerror or exc}; finished chunks are "
                      "intact, rerun with --resume") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _chunk_path(out: Path, point: int, chunk: int) -> Path:
    return out / "chunks" / f"p{point:05d}_c{chunk:05d}.npz"


def _write_chunk(out: Path, study_hash: str, point: int, chunk: int, arrays: dict) -> None:
    meta = json.dumps({"study_hash": study_hash, "point": point, "chunk": chunk,
                       "sha256": _digest(study_hash, point, chunk, arrays)})
    _atomic_write(_chunk_path(out, point, chunk), lambda f: np.savez(f, __meta__=np.array(meta), **arrays))


def _read_chunk(out: Path, study_hash: str, point: int, chunk: int) -> dict | None:
    """The chunk's arrays, or None when it is missing, unreadable, foreign or fails its checksum."""
    path = _chunk_path(out, point, chunk)
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
        meta = json.loads(str(arrays.pop("__meta__")))
    except Exception:  # a truncated or garbled file can raise almost anything from zipfile/numpy
        return None
    if (meta.get("study_hash"), meta.get("point"), meta.get("chunk")) != (study_hash, point, chunk):
        return None
    if meta.get("sha256") != _digest(study_hash, point, chunk, arrays):
        return None
    return arrays


# --- output folder ----------------------------------------------------------------------------------


def _prepare_out(out: Path, study: Study, resume: bool) -> None:
    """Check ``out`` is new, empty or this study's (with ``resume``), then mark it as this study's."""
    marker = out / "study.json"
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} exists and is not a folder")
    if marker.exists():
        try:
            held = json.loads(marker.read_text()).get("hash")
        except (ValueError, OSError, AttributeError):
            held = None
        if held != study.hash:
            raise ValueError(f"--out {out} holds another study (hash {str(held)[:12]}, this one "
                             f"{study.hash[:12]}); choose another folder")
        if not resume:
            raise ValueError(f"--out {out} already holds this study; pass --resume to finish or reuse it")
    elif out.exists() and any(not p.name.endswith(".tmp") for p in out.iterdir()):
        raise ValueError(f"--out {out} is not empty and holds no stochlim study; choose another folder")
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(study.to_dict(), indent=2, sort_keys=True) + "\n"
    _atomic_write(marker, lambda f: f.write(text.encode()))
    (out / "chunks").mkdir(exist_ok=True)
    for stale in [*out.glob("*.tmp"), *(out / "chunks").glob("*.tmp")]:  # left by a killed run
        stale.unlink(missing_ok=True)


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


def _row(study: Study, arrays: dict) -> dict:
    """Counts, means and standard errors of one point's arrays (the SSA/LIM metrics or the master's)."""
    stochastic = study.kind != "master"
    row = {"n_trajectories": int(next(iter(arrays.values())).size) if stochastic else 0,
           "n_chunks": len(study.chunk_sizes())}
    for m in METRICS[_family(study.kind)]:
        a = arrays[m]
        row[f"{m}_mean"] = float(np.mean(a))
        if not stochastic:
            row[f"{m}_se"] = 0.0
        else:
            row[f"{m}_se"] = float(np.std(a, ddof=1) / np.sqrt(a.size)) if a.size > 1 else float("nan")
    return row


def _table(study: Study, rows: list[dict]) -> dict:
    """The tidy table: column name -> list of values, one entry per point."""
    columns = {"point": list(range(len(rows)))}
    for key in study.grid:
        columns[key] = [p[key] for p in study.points]
    for key in rows[0]:
        columns[key] = [r[key] for r in rows]
    return columns


def _csv_text(columns: dict) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in zip(*columns.values()):
        writer.writerow([_fmt(v) for v in row])
    return buf.getvalue()


def _write_parquet(path: Path, columns: dict) -> bool:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return False
    data = {k: [_fmt(v) if isinstance(v, (dict, list)) else v for v in col] for k, col in columns.items()}
    _atomic_write(path, lambda f: pq.write_table(pa.table(data), f))
    return True


def _versions() -> dict:
    import numba
    import scipy

    return {"stochlim": __version__, "python": platform.python_version(), "numpy": np.__version__,
            "numba": numba.__version__, "scipy": scipy.__version__, "platform": platform.platform()}


# --- running ----------------------------------------------------------------------------------------


def _progress(show: bool, total: int, initial: int, n_points: int, points_done: int):
    from tqdm import tqdm

    # a terminal reporting a 0 x 0 size (a fresh pty) would make tqdm hide the bar
    size = shutil.get_terminal_size((100, 20))
    bar = tqdm(total=total, initial=initial, unit="traj", unit_scale=True, disable=not show,
               file=sys.stderr, ncols=size.columns, nrows=size.lines, desc="sweep")
    bar.set_postfix_str(f"points {points_done}/{n_points}")
    return bar


def _connect(address: str):
    try:
        from distributed import Client
    except ImportError:
        raise ValueError("a Dask scheduler needs the distributed extra: pip install 'stochlim[distributed]'") \
            from None
    try:
        return Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ConnectionError(f"cannot reach the Dask scheduler at {address}: {exc}") from None


def _results_local(study: Study, pending):
    for point, chunk in pending:
        yield point, chunk, run_chunk(study, point, chunk)


def _results_dask(client, study: Study, pending):
    from distributed import as_completed

    remote = client.scatter(study, broadcast=True)
    futures = [client.submit(run_chunk, remote, p, c, key=f"stochlim-{study.hash[:16]}-{p}-{c}", retries=2)
               for p, c in pending]
    index = {f.key: pc for f, pc in zip(futures, pending)}
    try:
        for fut in as_completed(futures, loop=client.loop):
            point, chunk = index[fut.key]
            yield point, chunk, fut.result()
    finally:
        client.cancel(futures)


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
        ``n_chunks`` and ``<metric>_mean``/``<metric>_se`` for each metric of ``METRICS``
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
    client = _connect(address) if address else None
    try:
        return _sweep(study, out, resume, client, quiet, progress)
    finally:
        if client is not None:
            client.close()


def _sweep(study: Study, out: Path, resume: bool, client, quiet: bool, progress) -> dict:
    started = time.time()
    _prepare_out(out, study, resume)
    sizes = study.chunk_sizes()
    n_points = len(study.points)
    all_chunks = [(p, c) for p in range(n_points) for c in range(len(sizes))]
    present = [(p, c) for p, c in all_chunks if _chunk_path(out, p, c).exists()]
    valid = {pc for pc in present if _read_chunk(out, study.hash, *pc) is not None}
    recomputed = len(present) - len(valid)
    pending = [pc for pc in all_chunks if pc not in valid]
    left = {p: sum(1 for q, _ in pending if q == p) for p in range(n_points)}
    show = progress if progress is not None else (not quiet and sys.stderr.isatty())
    points_done = sum(1 for p in range(n_points) if not left[p])
    bar = _progress(show, n_points * sum(sizes), sum(sizes[c] for _, c in valid), n_points, points_done)
    written = len(valid)
    try:
        results = _results_dask(client, study, pending) if client else _results_local(study, pending)
        for point, chunk, arrays in results:
            _write_chunk(out, study.hash, point, chunk, arrays)
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
        chunks = [_read_chunk(out, study.hash, p, c) for c in range(n_chunks)]
        if any(c is None for c in chunks):
            raise OSError(f"chunk files of point {p} in {out / 'chunks'} changed during the run; rerun with --resume")
        arrays = {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}
        rows.append(_row(study, arrays))
        if study.outputs["arrays"]:
            (out / "points").mkdir(exist_ok=True)
            _atomic_write(out / "points" / f"p{p:05d}.npz", lambda f, a=arrays: np.savez(f, **a))
    table = _table(study, rows)
    text = _csv_text(table)
    _atomic_write(out / "results.csv", lambda f: f.write(text.encode()))
    parquet = study.outputs["parquet"] and _write_parquet(out / "results.parquet", table)
    provenance = {
        "study_hash": study.hash, "name": study.name, "seed": study.seed,
        "chunk_seeds": "numpy.random.SeedSequence([seed, point_index, chunk_index])",
        "chunk_sizes": study.chunk_sizes(), "n_points": len(study.points),
        "chunks_recomputed_as_corrupt_or_foreign": recomputed, "distributed": distributed,
        "parquet": bool(parquet), "versions": _versions(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "wall_seconds": round(time.time() - started, 3),
    }
    text = json.dumps(provenance, indent=2, sort_keys=True) + "\n"
    _atomic_write(out / "provenance.json", lambda f: f.write(text.encode()))
    return table
