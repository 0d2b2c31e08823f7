"""The output folder of a sweep: chunk files, their checksums, and who may write there."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from .._files import atomic_write

__all__ = ["HINT", "chunk_path", "write_chunk", "read_chunk", "prepare_out"]

#: What a failed write tells the user.
HINT = "finished chunks are intact, rerun with --resume"


def _digest(study_hash: str, point: int, chunk: int, arrays: dict) -> str:
    h = hashlib.sha256(f"{study_hash}:{point}:{chunk}".encode())
    for name in sorted(arrays):
        arr = np.ascontiguousarray(arrays[name])
        h.update(f"|{name}:{arr.dtype.str}:{arr.shape}|".encode())
        h.update(arr.tobytes())
    return h.hexdigest()


def chunk_path(out: Path, point: int, chunk: int) -> Path:
    return out / "chunks" / f"p{point:05d}_c{chunk:05d}.npz"


def write_chunk(out: Path, study_hash: str, point: int, chunk: int, arrays: dict) -> None:
    meta = json.dumps({"study_hash": study_hash, "point": point, "chunk": chunk,
                       "sha256": _digest(study_hash, point, chunk, arrays)})
    atomic_write(chunk_path(out, point, chunk), lambda f: np.savez(f, __meta__=np.array(meta), **arrays),
                 hint=HINT)


def read_chunk(out: Path, study_hash: str, point: int, chunk: int) -> dict | None:
    """The chunk's arrays, or None when it is missing, unreadable, foreign or fails its checksum."""
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


def prepare_out(out: Path, study, resume: bool) -> None:
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
    atomic_write(marker, lambda f: f.write(text.encode()), hint=HINT)
    (out / "chunks").mkdir(exist_ok=True)
    for stale in [*out.glob("*.tmp"), *(out / "chunks").glob("*.tmp")]:  # left by a killed run
        stale.unlink(missing_ok=True)


