"""Sizing a study before any work: points, chunks, bytes written and held, against its limits.

The estimate is cheap (no model is built) so that a study far beyond the machine stops within a
second of starting, with one line saying what it would need and which limit it passes. The limits
are study keys (``max_points``, ``max_bytes``, ``max_events``) or, overriding them, the sweep's
``--max-points``, ``--max-bytes`` and ``--max-events`` options.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .._budget import check_memory, format_bytes
from .build import METRICS, family

__all__ = ["DEFAULT_LIMITS", "Size", "size_of", "check_size", "check_limits"]

#: Limits of a study unless it (or the command line) says otherwise.
DEFAULT_LIMITS = {"max_points": 1_000_000, "max_bytes": 100 * 2**30, "max_events": 1e13}

#: Bytes one finished chunk file takes at least on disk (a file-system block, the zip and meta data).
CHUNK_FILE_BYTES = 4096


@dataclass(frozen=True)
class Size:
    """What a study would take.

    Attributes
    ----------
    points, chunks_per_point, trajectories : int
        Grid points, chunks of each point, trajectories of the whole study.
    bytes_written : int
        Chunk files plus per-point arrays (with ``[outputs] arrays``), on disk.
    bytes_held : int
        Memory one chunk holds while it runs (the engine's per-trajectory arrays).

    Parameters
    ----------
    points, chunks_per_point, trajectories, bytes_written, bytes_held : int
        The attributes above (built by :func:`size_of`).

    Examples
    --------
    >>> from stochlim.sweeps import parse_study, EXAMPLE
    >>> size = size_of(parse_study(EXAMPLE))
    >>> size.points, size.chunks_per_point, size.trajectories
    (6, 4, 120000)
    """

    points: int
    chunks_per_point: int
    trajectories: int
    bytes_written: int
    bytes_held: int


def _trajectory_bytes(study) -> int:
    """Bytes per trajectory of the arrays a chunk returns (one float64/int64 per metric)."""
    return 8 * len(METRICS[family(study.kind)])


def _held_per_trajectory(study) -> int:
    """Engine bytes per trajectory: the SSA's arrays, or the optimiser's states of every parameter."""
    if study.kind != "lim":
        return 48 + _trajectory_bytes(study)
    matrix = study.model.get("J", study.model.get("A", [[0]]))
    return 8 * (2 * len(matrix) + 10) + _trajectory_bytes(study)


def size_of(study) -> Size:
    """Estimate the size of ``study`` from its grid and counts alone (nothing is built).

    Parameters
    ----------
    study : Study
        A validated study.

    Returns
    -------
    Size
        Points, chunks, trajectories and bytes written and held.

    Examples
    --------
    >>> from stochlim.sweeps import parse_study, EXAMPLE
    >>> size = size_of(parse_study(EXAMPLE))
    >>> size.bytes_held  # 5000 trajectories x 80 bytes
    400000
    """
    points = study.points.size
    chunks = study.n_chunks
    per_point = study.trajectories if study.kind != "master" else 1
    copies = 2 if study.outputs.get("arrays", True) else 1
    written = points * (chunks * CHUNK_FILE_BYTES + per_point * _trajectory_bytes(study) * copies)
    held = study.chunk_size * _held_per_trajectory(study) if study.kind != "master" else 0
    return Size(points, chunks, points * per_point, written, held)


def check_limits(limits: dict) -> dict:
    """Validate limit overrides (``None`` values are dropped); returns the non-``None`` ones.

    Parameters
    ----------
    limits : dict
        Keys among ``max_points``, ``max_bytes``, ``max_events``; values numbers or ``None``.

    Returns
    -------
    dict
        The limits whose value is not ``None``.

    Raises
    ------
    ValueError
        If a key is not a known limit, or a value is not a positive finite number.

    Examples
    --------
    >>> check_limits({"max_points": 10, "max_bytes": None})
    {'max_points': 10}
    >>> check_limits({"max_points": 0})
    Traceback (most recent call last):
    ...
    ValueError: max_points must be a positive finite number: got 0
    """
    out = {}
    for key, value in limits.items():
        if key not in DEFAULT_LIMITS:
            raise ValueError(f"unknown limit {key!r} (one of {', '.join(DEFAULT_LIMITS)})")
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 \
                or not math.isfinite(value):
            raise ValueError(f"{key} must be a positive finite number: got {value!r}")
        out[key] = value
    return out


def check_size(study) -> Size:
    """Raise ``ValueError`` (one line) when ``study`` passes its limits; returns its :class:`Size`.

    Parameters
    ----------
    study : Study
        A validated study; its ``limits`` override :data:`DEFAULT_LIMITS`.

    Returns
    -------
    Size
        The study's size, when within its limits.

    Raises
    ------
    ValueError
        If the grid has more points than ``max_points``, or would write more than ``max_bytes``.
    MemoryError
        If one chunk (``chunk_size`` trajectories) would not fit in this machine's memory.

    Examples
    --------
    >>> import dataclasses
    >>> from stochlim.sweeps import parse_study, EXAMPLE
    >>> study = parse_study(EXAMPLE)
    >>> check_size(study).points
    6
    >>> check_size(dataclasses.replace(study, limits={"max_points": 5}))
    Traceback (most recent call last):
    ...
    ValueError: <study>: the study has 6 points x 20,000 trajectories in 24 chunks, ...
    """
    size = size_of(study)
    limits = {**DEFAULT_LIMITS, **study.limits}
    need = (f"{size.points:,} points x {study.trajectories if study.kind != 'master' else 1:,} trajectories "
            f"in {size.points * size.chunks_per_point:,} chunks, writing about {format_bytes(size.bytes_written)}")
    if size.points > limits["max_points"]:
        raise ValueError(f"{study.source}: the study has {need}: over max_points = {limits['max_points']:.6g} "
                         "(raise it with --max-points or the study key max_points, or shrink the grid)")
    if size.bytes_written > limits["max_bytes"]:
        raise ValueError(f"{study.source}: the study has {need}: over max_bytes = "
                         f"{format_bytes(limits['max_bytes'])} (raise it with --max-bytes or the study key "
                         "max_bytes, or use fewer points, trajectories or chunks)")
    check_memory("chunk_size", study.chunk_size, size.bytes_held, "arrays of one chunk")
    return size
