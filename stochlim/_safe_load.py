"""Reading user data files without trusting them: JSON and ``.npz`` checked before they are loaded.

A hostile or broken file must end in one ``ValueError`` naming the file and the problem, never in
a ``RecursionError`` (JSON nested thousands deep), an allocation of a size the file only declares
(a 300-byte ``.npz`` whose header claims a 1e5 x 1e5 array), a pickle, or a complex array silently
cast to its real part.
"""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path

import numpy as np
from numpy.lib import format as npformat

from ._budget import check_memory, format_bytes

__all__ = ["MAX_DEPTH", "read_json", "read_npz"]

#: Deepest nesting of lists/objects a data file may have.
MAX_DEPTH = 64


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ValueError(f"{path}: is a folder, not a file") from None
    except PermissionError:
        raise ValueError(f"{path}: cannot read the file (permission denied)") from None


def _depth(text: str) -> int:
    """Deepest bracket nesting of JSON text, ignoring brackets inside strings (one linear scan)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def read_json(path) -> object:
    """Parse a JSON file, refusing invalid UTF-8, invalid JSON and nesting deeper than :data:`MAX_DEPTH`."""
    path = Path(path)
    try:
        text = _read_bytes(path).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not a UTF-8 text file ({exc.reason})") from None
    if _depth(text) > MAX_DEPTH:
        raise ValueError(f"{path}: JSON nested deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: invalid JSON: {exc}") from None


def _member_header(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path):
    """``(shape, dtype)`` a ``.npy`` member declares, read from its header alone."""
    with zf.open(info) as f:
        try:
            version = npformat.read_magic(f)
            if version == (1, 0):
                shape, _, dtype = npformat.read_array_header_1_0(f)
            else:
                shape, _, dtype = npformat.read_array_header_2_0(f)
        except (ValueError, OSError, SyntaxError) as exc:
            raise ValueError(f"{path}: {info.filename} is not a valid .npy array ({exc})") from None
    return shape, dtype


def read_npz(path) -> dict:
    """Load every array of an ``.npz`` file after checking what each one declares.

    Refused, each with a message naming the file and the array: a file that is not a zip archive
    (an empty file included), pickled (object) arrays, complex or non-numeric arrays, and arrays
    whose declared size exceeds the bytes the file holds or this machine's memory.
    """
    path = Path(path)
    _read_bytes(path)[:0]  # existence and permission, with the messages above
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        what = "an empty file" if path.stat().st_size == 0 else f"not a zip archive ({exc})"
        raise ValueError(f"{path}: not a valid .npz file: {what}") from None
    with zf:
        for info in zf.infolist():
            name = info.filename.removesuffix(".npy")
            shape, dtype = _member_header(zf, info, path)
            if dtype.hasobject:
                raise ValueError(f"{path}: array {name!r} holds Python objects (pickles are not loaded)")
            if dtype.kind == "c":
                raise ValueError(f"{path}: array {name!r} is complex; give real numbers")
            if dtype.kind not in "biuf" and not (dtype.kind == "U" and shape == ()):
                raise ValueError(f"{path}: array {name!r} has dtype {dtype}; give numbers")
            declared = math.prod(shape) * dtype.itemsize
            if declared > info.file_size:
                dims = " x ".join(str(d) for d in shape)
                raise ValueError(f"{path}: array {name!r} declares shape {dims} ({format_bytes(declared)}) "
                                 f"but the file holds {format_bytes(info.file_size)} for it")
            check_memory(f"{path}: array {name!r} of shape", shape, declared, "array")
    try:
        with np.load(path, allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(f"{path}: not a valid .npz file ({exc})") from None
