"""The output folder of a sweep: chunk files, their checksums, and who may write there."""

from __future__ import annotations

import hashlib
import json
import os
import re
from contextlib import contextmanager, suppress
from pathlib import Path

import numpy as np

from .._files import atomic_write

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no folder lock
    fcntl = None

__all__ = ["HINT", "chunk_path", "write_chunk", "read_chunk", "claimed", "valid_chunks"]

#: What a failed write tells the user.
HINT = "finished chunks are intact, rerun with --resume"


def _digest(study_hash: str, point: int, chunk: int, arrays: dict) -> str:
    h = hashlib.sha256(f"{study_hash}:{point}:{chunk}".encode())
    for name in sorted(arrays):
        arr = np.ascontiguousarray(arrays[name])
        h.update(f"|{name}:{arr.dtype.str}:{arr.shape}|".encode())
        h.update(arr.tobytes())
    return h.hexdigest()


_CHUNK_NAME = re.compile(r"p(\d{5,})_c(\d{5,})\.npz")


def chunk_path(out: Path, point: int, chunk: int) -> Path:
    """Where chunk ``chunk`` of point ``point`` lives in the output folder ``out``.

    Parameters
    ----------
    out : pathlib.Path
        The sweep's output folder.
    point, chunk : int
        Grid point and chunk indices.

    Returns
    -------
    pathlib.Path
        ``out/chunks/pPPPPP_cCCCCC.npz``.

    Examples
    --------
    >>> from pathlib import PurePosixPath
    >>> chunk_path(PurePosixPath("results"), 3, 12).as_posix()
    'results/chunks/p00003_c00012.npz'
    """
    return out / "chunks" / f"p{point:05d}_c{chunk:05d}.npz"


def write_chunk(out: Path, study_hash: str, point: int, chunk: int, arrays: dict) -> None:
    """Write one chunk's arrays with its study hash and SHA-256 checksum, atomically.

    Parameters
    ----------
    out : pathlib.Path
        The sweep's output folder (its ``chunks`` folder must exist).
    study_hash : str
        ``Study.hash`` of the study the chunk belongs to.
    point, chunk : int
        Grid point and chunk indices.
    arrays : dict of str to numpy.ndarray
        The chunk's per-trajectory arrays.

    Returns
    -------
    None

    Raises
    ------
    OSError
        If the file cannot be written (the message says how to free space or choose another folder).

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = pathlib.Path(tmp)
    ...     (out / "chunks").mkdir()
    ...     write_chunk(out, "abc", 0, 1, {"x": np.arange(3.0)})
    ...     print(read_chunk(out, "abc", 0, 1)["x"], read_chunk(out, "other", 0, 1))
    [0. 1. 2.] None
    """
    meta = json.dumps({"study_hash": study_hash, "point": point, "chunk": chunk,
                       "sha256": _digest(study_hash, point, chunk, arrays)})
    atomic_write(chunk_path(out, point, chunk), lambda f: np.savez(f, __meta__=np.array(meta), **arrays),
                 hint=HINT)


def read_chunk(out: Path, study_hash: str, point: int, chunk: int) -> dict | None:
    """The chunk's arrays, or None when it is missing, unreadable, foreign or fails its checksum.

    Parameters
    ----------
    out : pathlib.Path
        The sweep's output folder.
    study_hash : str
        Hash of the study the chunk must belong to.
    point, chunk : int
        Grid point and chunk indices.

    Returns
    -------
    dict of str to numpy.ndarray or None
        The arrays :func:`write_chunk` wrote, or ``None`` (never raises for a bad file).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     print(read_chunk(pathlib.Path(tmp), "abc", 0, 0))
    None
    """
    path = chunk_path(out, point, chunk)
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


LOCK_NAME = ".lock"


def _lock(out: Path) -> int:
    """Take the exclusive lock of ``out`` (an OS lock on ``out/.lock``, released when the process
    ends, however it ends); returns the open file descriptor. Raises ``ValueError`` naming the
    holder's pid when another process holds it."""
    fd = os.open(out / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    if fcntl is None:  # pragma: no cover
        return fd
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise ValueError(f"--out {out} is in use by another stochlim sweep (pid {holder}); wait for it to "
                         "finish or choose another folder") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


def _check_held(out: Path, study, resume: bool) -> None:
    """Check (under the lock) that ``out`` is empty, or holds this study and ``resume`` is set."""
    marker = out / "study.json"
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
    elif any(not (p.name.endswith(".tmp") or p.name == LOCK_NAME) for p in out.iterdir()):
        raise ValueError(f"--out {out} is not empty and holds no stochlim study; choose another folder")
    for name in ("chunks", "points"):  # a link would let this study overwrite another's files
        folder = out / name
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            raise ValueError(f"--out {out}: {name} must be a plain folder of this study, not a link or a file")


@contextmanager
def claimed(out: Path, study, resume: bool):
    """Hold ``out`` for ``study`` for the duration of the ``with`` block.

    Checks ``out`` (not a file; new, empty, or this study's with ``resume``), takes its exclusive
    lock (a second run on the same folder raises ``ValueError`` naming the holder), marks it as
    this study's (``study.json``) and removes the temporary files a killed run left. A folder this
    call created is removed again when a check fails under its lock, so a refused run leaves nothing
    behind; a run refused by the lock leaves the folder to the run that holds it.

    Parameters
    ----------
    out : pathlib.Path
        The output folder (created when missing).
    study : Study
        The study that will write there.
    resume : bool
        Whether ``out`` may already hold this study.

    Returns
    -------
    contextlib.AbstractContextManager of pathlib.Path
        Yields ``out`` while it holds the lock.

    Raises
    ------
    ValueError
        If ``out`` is an empty string, exists and is not a folder, is locked by another sweep, holds
        another study, holds this study without ``resume``, or is not empty and holds no study.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from stochlim.sweeps import parse_study, EXAMPLE
    >>> study = parse_study(EXAMPLE)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = pathlib.Path(tmp) / "results"
    ...     with claimed(out, study, resume=False):
    ...         print(sorted(p.name for p in out.iterdir() if p.name != ".lock"))
    ...     try:
    ...         with claimed(out, study, resume=False):
    ...             pass
    ...     except ValueError as exc:
    ...         print(str(exc).endswith("already holds this study; pass --resume to finish or reuse it"))
    ['chunks', 'study.json']
    True
    """
    if str(out) == "":
        raise ValueError("--out must name a folder: got an empty string")
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} exists and is not a folder")
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    # A run refused by the lock leaves the folder alone: even when it saw the folder missing, the
    # holder may have created it at the same moment and now owns it (and its lock file).
    fd = _lock(out)
    try:
        _check_held(out, study, resume)
    except BaseException:
        os.close(fd)
        if created:
            (out / LOCK_NAME).unlink(missing_ok=True)
            with suppress(OSError):
                out.rmdir()
        raise
    try:
        text = json.dumps(study.to_dict(), indent=2, sort_keys=True) + "\n"
        atomic_write(out / "study.json", lambda f: f.write(text.encode()), hint=HINT)
        (out / "chunks").mkdir(exist_ok=True)
        for stale in [*out.glob("*.tmp"), *(out / "chunks").glob("*.tmp"), *(out / "points").glob("*.tmp")]:
            stale.unlink(missing_ok=True)  # left by a killed run; no other run can be writing now
        yield out
    finally:
        os.close(fd)


def valid_chunks(out: Path, study) -> tuple[set, int]:
    """The ``(point, chunk)`` pairs whose files in ``out/chunks`` verify, and how many files did not.

    Only the files present are read (the folder is listed once), so a resumed study of many
    chunks costs the chunks it holds, not the chunks it could hold.

    Parameters
    ----------
    out : pathlib.Path
        The output folder (with a ``chunks`` folder).
    study : Study
        The study whose chunks count (others' files and indices beyond its grid are skipped).

    Returns
    -------
    valid : set of tuple of int
        ``(point, chunk)`` pairs whose files verify.
    bad : int
        Files of this study's names that did not verify (truncated, foreign, corrupt).

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np
    >>> from stochlim.sweeps import parse_study, EXAMPLE
    >>> study = parse_study(EXAMPLE)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = pathlib.Path(tmp)
    ...     (out / "chunks").mkdir()
    ...     write_chunk(out, study.hash, 2, 0, {"x": np.zeros(2)})
    ...     _ = chunk_path(out, 2, 1).write_bytes(b"garbled")
    ...     print(valid_chunks(out, study))
    ({(2, 0)}, 1)
    """
    valid, bad = set(), 0
    for entry in os.scandir(out / "chunks"):
        m = _CHUNK_NAME.fullmatch(entry.name)
        if not m:
            continue
        point, chunk = int(m.group(1)), int(m.group(2))
        if point >= study.points.size or chunk >= study.n_chunks:
            continue
        if read_chunk(out, study.hash, point, chunk) is not None:
            valid.add((point, chunk))
        else:
            bad += 1
    return valid, bad
