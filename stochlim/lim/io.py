"""Loading optimiser problems from files (``stochlim lim problem.npz``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._safe_load import read_json, read_npz
from .problems import Ising, Quadratic

__all__ = ["load_problem"]


def _scalar(path: Path, data: dict, key: str):
    """``data[key]`` as a Python number (a 0-d array in ``.npz`` files), refusing arrays."""
    value = np.asarray(data[key])
    if value.ndim != 0:
        raise ValueError(f"{path.name}: {key} must be a single number: got shape {value.shape}")
    return value.item()


def load_problem(path):
    """A problem from a ``.npz`` or ``.json`` file.

    Keys: ``kind`` (``"quadratic"`` or ``"ising"``; default from the keys present), ``A``, ``b``,
    ``levels``, ``quantum`` for a quadratic problem, ``J`` and optional ``h`` for an Ising problem.
    Matrices are dense nested lists/arrays. The file is checked before it is loaded
    (``stochlim._safe_load``: JSON depth, the sizes ``.npz`` headers declare, no pickles, no
    complex numbers); every problem ends in one ``ValueError`` (``TypeError`` for a file that is not a
    mapping) naming the file.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.npz`` or ``.json`` file.

    Returns
    -------
    Quadratic or Ising
        Built and validated by the class's constructor.

    Raises
    ------
    ValueError
        If the suffix is neither ``.npz`` nor ``.json``; if the file is missing, unreadable or fails
        the safe-load checks; if ``kind`` is not ``"quadratic"`` or ``"ising"``; if a required key is
        missing; if ``levels`` or ``quantum`` is not a single number; or if the problem's constructor
        refuses the data.
    TypeError
        If the JSON file does not hold a mapping of named entries.

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> from stochlim.lim import load_problem
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "pair.json"
    ...     _ = path.write_text(json.dumps({"J": [[0, 1], [1, 0]], "h": [0.5, 0.0]}))
    ...     problem = load_problem(path)
    >>> type(problem).__name__, problem.h.tolist()
    ('Ising', [0.5, 0.0])
    """
    path = Path(path)
    if path.suffix == ".npz":
        data = read_npz(path)
    elif path.suffix == ".json":
        data = read_json(path)
    else:
        raise ValueError(f"problem file must be .npz or .json: got {path.name!r}")
    if not isinstance(data, dict):
        raise TypeError(f"{path.name}: a problem file holds named entries (J, h or A, b, levels, quantum): "
                         f"got a JSON {type(data).__name__}")
    kind = str(data.get("kind", "ising" if "J" in data else "quadratic")).lower()
    if kind == "ising":
        if "J" not in data:
            raise ValueError(f"{path.name}: an Ising problem needs the key 'J'")
        return Ising(data["J"], data.get("h", 0.0))
    if kind == "quadratic":
        missing = [k for k in ("A", "b", "levels", "quantum") if k not in data]
        if missing:
            raise ValueError(f"{path.name}: a quadratic problem needs the keys {missing}")
        return Quadratic(data["A"], data["b"], levels=_scalar(path, data, "levels"),
                         quantum=_scalar(path, data, "quantum"))
    raise ValueError(f"{path.name}: kind must be 'quadratic' or 'ising': got {kind!r}")
