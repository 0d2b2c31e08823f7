"""Loading optimiser problems from files (``stochlim lim problem.npz``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .problems import Ising, Quadratic

__all__ = ["load_problem"]


def load_problem(path):
    """A problem from a ``.npz`` or ``.json`` file.

    Keys: ``kind`` (``"quadratic"`` or ``"ising"``; default from the keys present), ``A``, ``b``,
    ``levels``, ``quantum`` for a quadratic problem, ``J`` and optional ``h`` for an Ising problem.
    Matrices are dense nested lists/arrays.
    """
    path = Path(path)
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as f:
            data = {k: f[k] for k in f.files}
    elif path.suffix == ".json":
        data = json.loads(path.read_text())
    else:
        raise ValueError(f"problem file must be .npz or .json: got {path.name!r}")
    kind = str(data.get("kind", "ising" if "J" in data else "quadratic")).lower()
    if kind == "ising":
        if "J" not in data:
            raise ValueError(f"{path.name}: an Ising problem needs the key 'J'")
        return Ising(np.asarray(data["J"], dtype=float), np.asarray(data.get("h", 0.0), dtype=float))
    if kind == "quadratic":
        missing = [k for k in ("A", "b", "levels", "quantum") if k not in data]
        if missing:
            raise ValueError(f"{path.name}: a quadratic problem needs the keys {missing}")
        return Quadratic(np.asarray(data["A"], dtype=float), np.asarray(data["b"], dtype=float),
                         levels=int(np.asarray(data["levels"])), quantum=float(np.asarray(data["quantum"])))
    raise ValueError(f"{path.name}: kind must be 'quadratic' or 'ising': got {kind!r}")
