"""Study files: a parameter study described once in TOML, validated before anything runs.

A study names a model, fixed parameters, a grid of parameters to sweep (cartesian product, in file
order), trajectories per point, the chunk size and a seed::

    name = "two-state relaxation"
    seed = 20261129
    trajectories = 20000       # per point (ignored by kind = "master")
    chunk_size = 5000          # trajectories per chunk: the unit of checkpointing and of work
    # scheduler = "tcp://10.0.0.5:8786"   # optional Dask scheduler
    # max_points = 1e6; max_bytes = 107374182400; max_events = 1e13   # limits (these are the defaults)

    [model]
    kind = "two_state"         # two_state | ladder | ring | differential_memory | lim | master
    t_end = 10.0
    energies = [0.0, 1.0]
    x0 = 0

    [grid]
    barrier = [0.5, 1.0, 2.0]
    drive = [0.0, 1.0]

    [outputs]
    arrays = true              # per-point .npz of the per-trajectory results
    parquet = true             # results.parquet too, when pyarrow is installed

Model parameters are numbers, lists, or protocol tables: ``{kind = "linear", times = [...], values
= [...]}`` (also ``"steps"``), or ``{kind = "schedule", schedule = "polynomial", gamma = 1.0, delta
= 0.1, n_updates = 20, dt = 1.0, part = "barrier"}`` (the paper's schedules,
:func:`stochlim.protocols.schedule_protocols`). ``kind = "lim"`` runs :func:`stochlim.lim.run` on an
inline ``problem = "ising"`` (``J``, ``h``) or ``"quadratic"`` (``A``, ``b``, ``levels``,
``quantum``); ``kind = "master"`` solves the master equation of ``model = "<constructor>"``.

Before any model is built the study is sized (:mod:`stochlim.sweeps.sizing`): its points,
trajectories, chunks and bytes against ``max_points`` and ``max_bytes``; then every point's model is
built once and the jumps of the whole study bounded against ``max_events``. The limits are not part
of the study's hash, and the sweep's options override them.

Every error is a ``ValueError``/``TypeError`` whose one-line message names the file, the line, the
key and the problem, e.g. ``study.toml:7: [grid] barrier: empty grid (give at least one value)``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .. import _toml
from .._progress import bar as progress_bar
from .._validation import check_bool
from .build import build
from .points import Points
from .schema import (
    HOP_KINDS,
    KINDS,
    LIM,
    LIM_REQUIRED,
    OUTPUTS,
    PROTOCOL_KINDS,
    REQUIRED,
    RUN,
    SCHEMA,
    SECTIONS,
    SSA,
    STR,
    TOP,
    TYPE_WORDS,
    type_ok,
)
from .sizing import DEFAULT_LIMITS, check_limits, check_size

__all__ = ["Study", "load_study", "parse_study", "EXAMPLE", "HOP_KINDS", "KINDS"]


def _line_of(text: str | None, section: str | None, key: str | None) -> int | None:
    """Line (1-based) where ``key`` is set in ``[section]`` (or the section header), by scanning."""
    if text is None:
        return None
    current, header = None, None
    for number, line in enumerate(text.splitlines(), start=1):
        m = re.match(r"\s*\[\s*([A-Za-z0-9_.\-\"]+)\s*\]\s*(#.*)?$", line)
        if m:
            current = m.group(1).strip('"')
            if current == section and header is None:
                header = number
            continue
        if key is not None and current == section and re.match(rf"\s*\"?{re.escape(key)}\"?\s*=", line):
            return number
    return header


@dataclass(frozen=True)
class _Where:
    """Source text and name, to put ``file:line: [section] key`` in front of every message."""

    source: str
    text: str | None

    def error(self, section, key, message, exc=ValueError):
        line = _line_of(self.text, section, key)
        loc = self.source + (f":{line}" if line else "")
        name = (f"[{section}] " if section else "") + (key or "")
        return exc(f"{loc}: {name.strip()}: {message}" if name.strip() else f"{loc}: {message}")


def _check_protocol_tables(where: _Where, section: str, key: str, value) -> None:
    """Check the shape of every protocol table inside ``value`` (the numbers are checked on build)."""
    for table in (value if isinstance(value, list) else [value]):
        if not isinstance(table, dict):
            continue
        kind = table.get("kind")
        if kind not in PROTOCOL_KINDS:
            raise where.error(section, key, f"protocol kind must be one of {PROTOCOL_KINDS}: got {kind!r}")
        allowed = ({"kind", "schedule", "gamma", "delta", "n_updates", "dt", "part"} if kind == "schedule"
                   else {"kind", "value"} if kind == "constant" else {"kind", "times", "values"})
        unknown = sorted(set(table) - allowed)
        if unknown:
            raise where.error(section, key, f"unknown key {unknown[0]!r} in a {kind!r} protocol "
                              f"(allowed: {sorted(allowed)})")
        missing = sorted(allowed - set(table))
        if missing:
            raise where.error(section, key, f"a {kind!r} protocol needs the key {missing[0]!r}")


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class Study:
    """A validated study (plain data: picklable, hashable into ``hash``).

    Attributes
    ----------
    name : str
    seed : int
        Root of every chunk's stream: chunk ``c`` of point ``p`` draws from
        ``SeedSequence([seed, p, c])``.
    trajectories, chunk_size : int
        Trajectories per point and per chunk (``kind = "master"``: one deterministic chunk).
    model : dict
        ``kind`` plus the fixed parameters (and ``model`` for ``kind = "master"``).
    grid : dict of str to list
        Swept parameters in file order; the points are their cartesian product.
    outputs : dict
        ``arrays`` and ``parquet`` flags.
    scheduler : str or None
        Dask scheduler address.
    source : str
        Where the study came from (file name), for messages.
    limits : dict
        ``max_points``, ``max_bytes``, ``max_events`` set by the study or the caller (the rest take
        :data:`~stochlim.sweeps.sizing.DEFAULT_LIMITS`); not part of the hash.

    Parameters
    ----------
    name, seed, trajectories, chunk_size, model, grid, outputs, scheduler, source, limits
        The attributes above. Build a study with :func:`parse_study` or :func:`load_study`,
        which validate it; the constructor itself checks nothing.

    Examples
    --------
    >>> study = parse_study(EXAMPLE)
    >>> study.kind, study.points.size, study.n_chunks, study.chunk_sizes()
    ('two_state', 6, 4, [5000, 5000, 5000, 5000])
    >>> study.params(5)["barrier"], study.params(5)["drive"]
    (2.0, 1.0)
    """

    name: str
    seed: int
    trajectories: int
    chunk_size: int
    model: dict
    grid: dict
    outputs: dict
    scheduler: str | None = None
    source: str = field(default="<study>", compare=False)
    limits: dict = field(default_factory=dict, compare=False)

    @property
    def kind(self) -> str:
        """The model kind of ``[model]`` (``"two_state"``, ``"ladder"``, ``"master"`` ...).

        Examples
        --------
        >>> parse_study(EXAMPLE).kind
        'two_state'
        """
        return self.model["kind"]

    @property
    def hash(self) -> str:
        """SHA-256 of everything that decides the results (not the name, outputs or scheduler).

        Examples
        --------
        >>> from dataclasses import replace
        >>> study = parse_study(EXAMPLE)
        >>> len(study.hash), study.hash == parse_study(EXAMPLE).hash
        (64, True)
        >>> replace(study, name="renamed").hash == study.hash, replace(study, seed=7).hash == study.hash
        (True, False)
        """
        data = {"schema": SCHEMA, "seed": self.seed, "trajectories": self.trajectories,
                "chunk_size": self.chunk_size, "model": self.model,
                "grid": [[k, v] for k, v in self.grid.items()]}
        return hashlib.sha256(_canonical(data).encode()).hexdigest()

    def to_dict(self) -> dict:
        """The study as plain data (what ``study.json`` in the output folder holds).

        Returns
        -------
        dict
            The attributes and the ``hash``, as JSON-serialisable values.

        Examples
        --------
        >>> import json
        >>> data = parse_study(EXAMPLE).to_dict()
        >>> data["grid"], data["hash"] == parse_study(EXAMPLE).hash
        ({'barrier': [0.5, 1.0, 2.0], 'drive': [0.0, 1.0]}, True)
        >>> json.loads(json.dumps(data)) == data
        True
        """
        return {"name": self.name, "seed": self.seed, "trajectories": self.trajectories,
                "chunk_size": self.chunk_size, "model": self.model, "grid": self.grid,
                "outputs": self.outputs, "scheduler": self.scheduler, "limits": self.limits,
                "hash": self.hash}

    @cached_property
    def points(self) -> Points:
        """The grid points in order, enumerated lazily: a sequence of dicts of swept values
        (last key varies fastest); ``len`` and indexing are O(number of keys).

        Examples
        --------
        >>> points = parse_study(EXAMPLE).points
        >>> len(points), points[0], points[1]
        (6, {'barrier': 0.5, 'drive': 0.0}, {'barrier': 0.5, 'drive': 1.0})
        """
        return Points(self.grid)

    def params(self, point_index: int) -> dict:
        """Model parameters of one point: the fixed ones with the swept ones filled in (O(1)).

        Parameters
        ----------
        point_index : int
            Index of the point in :attr:`points`.

        Returns
        -------
        dict
            ``[model]`` with the point's swept values.

        Examples
        --------
        >>> params = parse_study(EXAMPLE).params(5)
        >>> params["barrier"], params["drive"], params["energies"]
        (2.0, 1.0, [0.0, 1.0])
        """
        return {**self.model, **self.points[point_index]}

    @property
    def n_chunks(self) -> int:
        """Chunks of each point (1 for the master equation).

        Examples
        --------
        >>> study = parse_study(EXAMPLE)
        >>> study.trajectories, study.chunk_size, study.n_chunks
        (20000, 5000, 4)
        """
        return 1 if self.kind == "master" else -(-self.trajectories // self.chunk_size)

    def chunk_trajectories(self, chunk: int) -> int:
        """Trajectories of chunk ``chunk`` of a point (the last one may be smaller; 1 for the master).

        Parameters
        ----------
        chunk : int
            Chunk index, in ``0 .. n_chunks - 1``.

        Returns
        -------
        int
            Number of trajectories it simulates.

        Examples
        --------
        >>> from dataclasses import replace
        >>> study = replace(parse_study(EXAMPLE), trajectories=12000)
        >>> [study.chunk_trajectories(c) for c in range(study.n_chunks)]
        [5000, 5000, 2000]
        """
        if self.kind == "master":
            return 1
        return min(self.chunk_size, self.trajectories - chunk * self.chunk_size)

    def chunk_sizes(self) -> list[int]:
        """Trajectories of each chunk of a point (``[1]`` for the master equation).

        Returns
        -------
        list of int
            :meth:`chunk_trajectories` of every chunk, in order.

        Examples
        --------
        >>> parse_study(EXAMPLE).chunk_sizes()
        [5000, 5000, 5000, 5000]
        """
        return [self.chunk_trajectories(c) for c in range(self.n_chunks)]


def _check_keys(where: _Where, section, table: dict, allowed: dict, what: str) -> None:
    for key, value in table.items():
        if key not in allowed:
            raise where.error(section, key, f"unknown key for {what} (allowed: {', '.join(sorted(allowed))})")
        if allowed[key] is not bool and not type_ok(allowed[key], value):
            raise where.error(section, key, f"must be {TYPE_WORDS[allowed[key]]}: got {value!r}", TypeError)


def _model_schema(where: _Where, model: dict) -> dict:
    """The allowed keys (with types) of ``[model]`` for its ``kind``."""
    kind = model.get("kind")
    if kind is None:
        raise where.error("model", None, "missing key 'kind' (one of " + ", ".join(KINDS) + ")")
    if kind not in KINDS:
        raise where.error("model", "kind", f"unknown model {kind!r} (one of {', '.join(KINDS)})")
    if kind in HOP_KINDS:
        return {"kind": STR, **HOP_KINDS[kind], **SSA}
    if kind == "lim":
        return {"kind": STR, **LIM}
    inner = model.get("model")
    if inner not in HOP_KINDS:
        raise where.error("model", "model", f"kind = 'master' needs model = one of {', '.join(HOP_KINDS)}: "
                          f"got {inner!r}")
    return {"kind": STR, "model": STR, **HOP_KINDS[inner], **RUN}


def _check_required(where: _Where, model: dict, grid: dict) -> None:
    kind = model["kind"]
    present = set(model) | set(grid)
    if kind == "lim":
        problem = model.get("problem")
        if problem not in LIM_REQUIRED:
            raise where.error("model", "problem", f"must be 'ising' or 'quadratic': got {problem!r}")
        required = LIM_REQUIRED[problem]
    else:
        required = REQUIRED[model.get("model", kind)]
    for key in ("t_end", *required):
        if key not in present:
            raise where.error("model", None, f"missing key {key!r} for kind = {kind!r}")


def _validate(data: dict, where: _Where, overrides: dict, progress: bool = False) -> Study:
    for key in data:
        if key not in TOP and key not in SECTIONS:
            raise where.error(None, key, "unknown key (allowed: " + ", ".join([*TOP, *SECTIONS]) + ")")
        if key in SECTIONS and not isinstance(data[key], dict):
            raise where.error(None, key, f"must be a table [{key}]", TypeError)
    _check_keys(where, None, {k: v for k, v in data.items() if k in TOP}, TOP, "a study")
    if "model" not in data:
        raise where.error(None, None, "missing table [model]")
    model, grid, outputs = dict(data["model"]), dict(data.get("grid", {})), dict(data.get("outputs", {}))
    schema = _model_schema(where, model)
    _check_keys(where, "model", model, schema, f"kind = {model['kind']!r}")
    for key, values in grid.items():
        if key not in schema or key in ("kind", "model", "problem"):
            raise where.error("grid", key, f"not a parameter of kind = {model['kind']!r} "
                              f"(allowed: {', '.join(sorted(set(schema) - {'kind', 'model', 'problem'}))})")
        if key in model:
            raise where.error("grid", key, "set in both [model] and [grid]; keep one")
        if not isinstance(values, list):
            raise where.error("grid", key, f"must be a list of values: got {values!r}", TypeError)
        if not values:
            raise where.error("grid", key, "empty grid (give at least one value)")
        for v in values:
            if not type_ok(schema[key], v):
                raise where.error("grid", key, f"each value must be {TYPE_WORDS[schema[key]]}: got {v!r}",
                                  TypeError)
            _check_protocol_tables(where, "grid", key, v)
    for key, value in model.items():
        _check_protocol_tables(where, "model", key, value)
    for key, value in outputs.items():
        if key not in OUTPUTS:
            raise where.error("outputs", key, f"unknown key (allowed: {', '.join(OUTPUTS)})")
        if not isinstance(value, bool):
            raise where.error("outputs", key, f"must be true or false: got {value!r}", TypeError)
    _check_required(where, model, grid)
    for key in ("seed", "trajectories"):
        if key not in data and not (key == "trajectories" and model["kind"] == "master"):
            raise where.error(None, None, f"missing key {key!r}")
    seed = data["seed"]
    if seed < 0:
        raise where.error(None, "seed", f"must be >= 0: got {seed}")
    trajectories = data.get("trajectories", 1)
    chunk_size = data.get("chunk_size", min(trajectories, 10_000))
    for key, value in (("trajectories", trajectories), ("chunk_size", chunk_size)):
        if value < 1:
            raise where.error(None, key, f"must be >= 1: got {value}")
    if trajectories < 2 and model["kind"] != "master":
        raise where.error(None, "trajectories", f"must be >= 2 (a standard error needs two): got {trajectories}")
    limits = {}
    for key in DEFAULT_LIMITS:
        try:
            limits.update(check_limits({key: data.get(key)}))
        except ValueError as exc:
            raise where.error(None, key, str(exc).removeprefix(f"{key} ")) from None
    limits.update(overrides)
    for section, table in (("model", model), ("grid", grid)):
        values = table.get("t_end")
        for v in (values if isinstance(values, list) else [] if values is None else [values]):
            if v <= 0:
                raise where.error(section, "t_end", f"must be > 0: got {v}")
    study = Study(name=data.get("name", where.source), seed=seed, trajectories=trajectories,
                  chunk_size=chunk_size, model=model, grid=grid,
                  outputs={"arrays": True, "parquet": True, **outputs}, scheduler=data.get("scheduler"),
                  source=where.source, limits=limits)
    check_size(study)
    _check_builds(study, where, progress)
    return study


def _blame(study: Study, point: dict, message: str) -> tuple[str, str | None]:
    """The ``(section, key)`` whose name comes first, as a word, in a constructor's message."""
    hits = []
    for section, keys in (("grid", point), ("model", study.model)):
        for key in keys:
            m = re.search(rf"\b{re.escape(key)}\b", message)
            if m and key != "kind":
                hits.append((m.start(), section, key))
    return min(hits)[1:] if hits else ("model", None)


def _check_builds(study: Study, where: _Where, progress: bool = False) -> None:
    """Build every point's model once, so impossible values fail before anything runs, and bound
    the jumps of the whole study (hop models) against its ``max_events``; ``progress`` shows a bar
    (a million points take about half an hour)."""
    log_events = -math.inf
    points = progress_bar(study.points.size, iterable=study.points, desc="validate", unit="point", show=progress,
                          leave=False)
    for i, point in enumerate(points):
        try:
            run = build(study.params(i))
        except (ValueError, TypeError, MemoryError) as exc:
            at = ", ".join(f"{k} = {v!r}" for k, v in point.items())
            section, key = _blame(study, point, str(exc))
            message = str(exc).removeprefix(f"{key}: ")
            kind = next(t for t in (ValueError, TypeError, MemoryError) if isinstance(exc, t))
            raise where.error(section, key, message + (f" (grid point {i}: {at})" if at else ""), kind) from None
        log_events = np.logaddexp(log_events, getattr(run, "log_events", -math.inf) + math.log(study.trajectories))
    limit = {**DEFAULT_LIMITS, **study.limits}["max_events"]
    if log_events > math.log(limit):
        raise where.error(None, None, f"up to 1e{log_events / math.log(10):.0f} jumps over all points (rate "
                          f"bound x t_end x trajectories): over max_events = {limit:.3g} (raise it with "
                          "--max-events or the study key max_events, or shorten t_end)")


def parse_study(text: str, source: str = "<study>", *, limits: dict | None = None, progress: bool = False) -> Study:
    """Parse and validate a study from TOML text; ``source`` names it in messages.

    ``limits`` (``max_points``, ``max_bytes``, ``max_events``; ``None`` values ignored) override
    the study's own; the study's size is checked against them before any model is built.

    Parameters
    ----------
    text : str
        The study in TOML (see :data:`EXAMPLE`).
    source : str, optional
        Name of the study in messages (a file name).
    limits : dict, optional
        Limit overrides, as for :func:`~stochlim.sweeps.sizing.check_limits`.
    progress : bool, optional
        Show a progress bar on stderr while each point's model is built (``stochlim sweep`` does on a
        terminal).

    Returns
    -------
    Study
        The validated study.

    Raises
    ------
    ValueError
        If the TOML does not parse, a key is unknown or missing, a value is out of range (``seed < 0``,
        ``trajectories < 2``, ``chunk_size < 1``, ``t_end <= 0``, an empty grid, ...), a grid point
        does not build a model, or the study passes one of its limits; the message names the source,
        line and key.
    TypeError
        If a value has the wrong type (a table where a number belongs, a grid that is not a list, ...),
        or ``progress`` is not a bool.

    Examples
    --------
    >>> study = parse_study(EXAMPLE)
    >>> study.trajectories, list(study.grid)
    (20000, ['barrier', 'drive'])
    >>> parse_study(EXAMPLE.replace("seed = 20261129", "seed = -1"))
    Traceback (most recent call last):
    ...
    ValueError: <study>:4: seed: must be >= 0: got -1
    """
    progress = check_bool("progress", progress)
    overrides = check_limits(limits or {})
    return _validate(_toml.loads(text, source), _Where(source, text), overrides, progress)


def load_study(path, *, limits: dict | None = None, progress: bool = False) -> Study:
    """Read and validate a study file (``.toml``); ``limits`` and ``progress`` as for :func:`parse_study`.

    Parameters
    ----------
    path : str or path-like
        The study file.
    limits : dict, optional
        Limit overrides, as for :func:`parse_study`.
    progress : bool, optional
        Progress bar while validating, as for :func:`parse_study`.

    Returns
    -------
    Study
        The validated study (its ``source`` is the file name).

    Raises
    ------
    ValueError
        If the file cannot be read, or as for :func:`parse_study`.
    TypeError
        As for :func:`parse_study`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "study.toml"
    ...     _ = path.write_text(EXAMPLE)
    ...     print(load_study(path).name)
    two-state relaxation
    """
    text, source = _toml.read_text(path, "study")
    return parse_study(text, source=source, limits=limits, progress=progress)


#: A small valid study: 6 points x 20 000 trajectories, well under a minute on 2 cores.
EXAMPLE = '''\
# stochlim study: a single thermally activated bit relaxing from well 0, swept over
# barrier height and drive. Run:  stochlim sweep study.toml --out results
name = "two-state relaxation"
seed = 20261129
trajectories = 20000      # per grid point
chunk_size = 5000         # unit of checkpointing (and of work on a Dask cluster)
# scheduler = "tcp://127.0.0.1:8786"   # run the chunks on a Dask cluster

[model]
kind = "two_state"        # two_state | ladder | ring | differential_memory | lim | master
t_end = 10.0              # in 1 / J_max
energies = [0.0, 1.0]     # kT
x0 = 0                    # start in well 0 (default: Boltzmann at t = 0)
rate_law = "paper"

[grid]                    # cartesian product, last key varies fastest
barrier = [0.5, 1.0, 2.0]
drive = [0.0, 1.0]

[outputs]
arrays = true             # per-point arrays in points/*.npz
parquet = true            # also results.parquet when pyarrow is installed
'''
