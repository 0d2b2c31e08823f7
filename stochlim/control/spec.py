"""An optimal-control problem from a TOML file, for ``stochlim optimize PROBLEM.toml``.

The file names the model (energies, edges, barriers, drives, rate law, initial law), the controls,
the target on the final law, the duration and the device constraints; :func:`load_problem` checks
every key and value and turns it into a :class:`~stochlim.control.Problem`. Every mistake is one
``ValueError`` (or ``TypeError``) naming the file, the table and the key. :data:`EXAMPLE` is a
complete file.
"""

from __future__ import annotations

from .. import _toml
from ..models import HopModel
from .problem import OBJECTIVES, Control, MaxError, Problem, TargetDistribution

__all__ = ["EXAMPLE", "load_problem", "parse_problem"]

#: A complete problem file: erase an Arrhenius bit to 1 % error in 4 / J_max under the rate cap.
EXAMPLE = '''\
# stochlim optimize: least-work protocol for a hopping model. Run:
#   stochlim optimize problem.toml --out optimum
tau = 4.0                 # duration in 1 / J_max
objective = "work"        # work | heat | entropy_production
steps = 64                # (sub-)steps of the master-equation propagation
knots = 9                 # piecewise-linear controls through 9 knots (omit: piecewise constant)
end_jumps = true          # false: no jumps at 0 and tau, the end knots held at initial and final
max_rate = 1.0            # rate cap: every hop rate <= max_rate (omit: none)

[model]
energies = [0.0, 0.0]     # kT
edges = [[0, 1]]
barriers = [0.0]          # kT, from the mean of the two wells
drives = [0.0]            # kT per jump along the edge as written (optional)
J_max = 1.0
rate_law = "arrhenius"    # paper | arrhenius
p0 = [0.5, 0.5]

[target]                  # either error_states and eps, or distribution (omit the table: none)
error_states = [1]
eps = 0.01

[[control]]               # kind = energy (index: state) | barrier | drive (index: edge)
kind = "energy"
index = 1
lower = -40.0
upper = 40.0

[[control]]
kind = "barrier"
index = 0
lower = -40.0
upper = 40.0
'''

_TOP = {"tau", "objective", "steps", "knots", "end_jumps", "max_rate", "model", "target", "control"}
_MODEL = {"energies", "edges", "barriers", "drives", "J_max", "rate_law", "p0"}
_TARGET = {"error_states", "eps", "distribution"}
_CONTROL = {"kind", "index", "name", "energy_weights", "barrier_weights", "drive_weights",
            "lower", "upper", "initial", "final"}
_KINDS = {"energy": "energy_weights", "barrier": "barrier_weights", "drive": "drive_weights"}


def _table(data, name: str, source: str, *, required: bool = True) -> dict:
    value = data.get(name)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise TypeError(f"{source}: [{name}] must be a table")
    return value


def _keys(table: dict, allowed: set, where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ValueError(f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")


def _require(table: dict, key: str, where: str):
    if key not in table:
        raise ValueError(f"{where}: missing key {key!r}")
    return table[key]


def _number(value, key: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{where}: {key} must be a number: got {value!r}")
    return float(value)


def _control(entry, i: int, n_states: int, n_edges: int, source: str) -> Control:
    where = f"{source}: [[control]] {i + 1}"
    if not isinstance(entry, dict):
        raise TypeError(f"{where} must be a table")
    _keys(entry, _CONTROL, where)
    kind = entry.get("kind")
    bounds = {k: _number(entry[k], k, where) for k in ("lower", "upper", "initial", "final") if k in entry}
    weights = {k: entry[k] for k in _KINDS.values() if k in entry}
    if kind is None:
        if not weights:
            raise ValueError(f"{where}: give kind and index, or weight vectors ({', '.join(_KINDS.values())})")
        return Control(str(_require(entry, "name", where)), **weights, **bounds)
    if kind not in _KINDS:
        raise ValueError(f"{where}: kind must be one of {sorted(_KINDS)}: got {kind!r}")
    if weights:
        raise ValueError(f"{where}: give kind and index, or weight vectors, not both")
    index = _require(entry, "index", where)
    size = n_states if kind == "energy" else n_edges
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < size:
        raise ValueError(f"{where}: index must be an integer in 0..{size - 1} for kind {kind!r}: got {index!r}")
    unit = [0.0] * size
    unit[index] = 1.0
    return Control(str(entry.get("name", f"{kind}[{index}]")), **{_KINDS[kind]: unit}, **bounds)


def _problem(data: dict, source: str) -> Problem:
    _keys(data, _TOP, source)
    model_t = _table(data, "model", source)
    where = f"{source}: [model]"
    _keys(model_t, _MODEL, where)
    try:
        model = HopModel(tuple(_require(model_t, "energies", where)), _require(model_t, "edges", where),
                         _require(model_t, "barriers", where), J_max=model_t.get("J_max", 1.0),
                         rate_law=model_t.get("rate_law", "paper"), drives=model_t.get("drives"))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{where}: {exc}") from None
    target_t = _table(data, "target", source, required=False)
    where = f"{source}: [target]"
    _keys(target_t, _TARGET, where)
    if "distribution" in target_t:
        if "eps" in target_t or "error_states" in target_t:
            raise ValueError(f"{where}: give error_states and eps, or distribution, not both")
        target = TargetDistribution(target_t["distribution"])
    elif target_t:
        target = MaxError(_require(target_t, "error_states", where), _number(_require(target_t, "eps", where),
                                                                             "eps", where))
    else:
        target = None
    entries = data.get("control")
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{source}: give at least one [[control]] table")
    controls = [_control(e, i, model.n_states, model.n_edges, source) for i, e in enumerate(entries)]
    objective = data.get("objective", "work")
    if objective not in OBJECTIVES:
        raise ValueError(f"{source}: objective must be one of {OBJECTIVES}: got {objective!r}")
    p0 = model_t.get("p0")
    if p0 is None:
        raise ValueError(f"{source}: [model]: missing key 'p0' (the initial distribution)")
    cap = data.get("max_rate")
    return Problem(model, controls, _number(_require(data, "tau", source), "tau", source), p0, target,
                   objective, data.get("steps", 32), None if cap is None else _number(cap, "max_rate", source),
                   data.get("knots"), data.get("end_jumps", True))


def parse_problem(text: str, source: str = "<problem>") -> Problem:
    """Parse and validate a problem from TOML text; ``source`` names it in messages.

    Parameters
    ----------
    text : str
        TOML text in the layout of :data:`EXAMPLE`.
    source : str, optional
        Name of the text in error messages.

    Returns
    -------
    Problem
        The validated problem.

    Raises
    ------
    ValueError
        For invalid TOML, an unknown or missing key, or a value out of range; the message names
        ``source``, the table and the key.
    TypeError
        For a value of the wrong type (a table that is not one, a number given as text).

    Examples
    --------
    >>> from stochlim.control.spec import EXAMPLE, parse_problem
    >>> prob = parse_problem(EXAMPLE)
    >>> prob.tau, prob.n_controls, prob.knots, prob.target.eps
    (4.0, 2, 9, 0.01)
    >>> try:
    ...     parse_problem(EXAMPLE.replace("tau = 4.0", "tau = -1.0"), source="bad.toml")
    ... except ValueError as exc:
    ...     print(str(exc).split(":")[0])
    bad.toml
    """
    data = _toml.loads(text, source)
    try:
        return _problem(data, source)
    except (ValueError, TypeError) as exc:
        msg = str(exc)
        raise type(exc)(msg if msg.startswith(source) else f"{source}: {msg}") from None


def load_problem(path) -> Problem:
    """Read and validate a problem file (``.toml``).

    Parameters
    ----------
    path : str or os.PathLike
        The file, in the layout of :data:`EXAMPLE`.

    Returns
    -------
    Problem
        The validated problem.

    Raises
    ------
    ValueError
        If the file is missing, a folder, unreadable or not UTF-8, or as :func:`parse_problem`.
    TypeError
        As :func:`parse_problem`.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from stochlim.control.spec import EXAMPLE, load_problem
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "problem.toml")
    ...     _ = path.write_text(EXAMPLE, encoding="utf-8")
    ...     prob = load_problem(path)
    >>> prob.n_steps, prob.max_rate
    (64, 1.0)
    """
    text, source = _toml.read_text(path, "problem")
    return parse_problem(text, source=source)
