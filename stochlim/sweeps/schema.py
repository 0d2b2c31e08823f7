"""The study schema: which keys a study file may hold, with their types, for each model kind."""

from __future__ import annotations

import math

__all__ = ["SCHEMA", "HOP_KINDS", "KINDS", "REQUIRED", "RUN", "SSA", "LIM", "LIM_REQUIRED", "TOP", "SECTIONS",
           "OUTPUTS", "PROTOCOL_KINDS", "TYPE_WORDS", "type_ok"]

#: Version of the study schema, part of the study hash.
SCHEMA = 1

NUM, INT, STR, VALUE, VEC, MAT = "number", "integer", "string", "value", "vector", "matrix"
COMMON_HOP = {"J_max": NUM, "rate_law": STR}

#: HopModel constructors a study can name, with their parameter types.
HOP_KINDS = {
    "two_state": {"barrier": VALUE, "energies": VALUE, "drive": VALUE, **COMMON_HOP},
    "ladder": {"n_levels": INT, "energy": VALUE, "barriers": VALUE, **COMMON_HOP},
    "ring": {"n_states": INT, "energies": VALUE, "barriers": VALUE, "drive": VALUE, **COMMON_HOP},
    "differential_memory": {"n_levels": INT, "barrier": VALUE, "bias": VALUE, **COMMON_HOP},
}
REQUIRED = {"two_state": ("barrier",), "ladder": ("n_levels", "energy"), "ring": ("n_states",),
            "differential_memory": ("n_levels", "barrier", "bias")}
RUN = {"t_end": NUM, "x0": INT, "p0": VEC}
SSA = {**RUN, "method": STR}
LIM = {"problem": STR, "J": MAT, "h": VEC, "A": MAT, "b": VEC, "levels": INT, "quantum": NUM,
       "barrier": VALUE, "scale": VALUE, "leak": VALUE, "t_end": NUM, "J_max": NUM, "rate_law": STR}
LIM_REQUIRED = {"ising": ("J", "barrier", "scale"), "quadratic": ("A", "b", "levels", "quantum", "barrier", "scale")}
#: Every model kind: the HopModel constructors, the optimiser and the master equation.
KINDS = (*HOP_KINDS, "lim", "master")

TOP = {"name": STR, "seed": INT, "trajectories": INT, "chunk_size": INT, "scheduler": STR,
       "max_points": NUM, "max_bytes": NUM, "max_events": NUM}
SECTIONS = ("model", "grid", "outputs")
OUTPUTS = {"arrays": bool, "parquet": bool}
PROTOCOL_KINDS = ("constant", "linear", "steps", "schedule")


def type_ok(kind: str, value) -> bool:
    """Whether ``value`` (as TOML parsed it) has the schema type ``kind``.

    Parameters
    ----------
    kind : str
        A schema type: a key of :data:`TYPE_WORDS` (``"number"``, ``"integer"``, ``"string"``,
        ``"vector"``, ``"matrix"``, ``"value"``).
    value : object
        The parsed TOML value.

    Returns
    -------
    bool
        ``True`` when ``value`` has the type (numbers must be finite; booleans are not numbers;
        a ``kind`` not listed is read as ``"value"``). Raises nothing.

    Examples
    --------
    >>> type_ok("integer", 3), type_ok("integer", True), type_ok("vector", [1, 2.5])
    (True, False, True)
    >>> type_ok("number", float("nan"))
    False
    """
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == NUM:
        return number and math.isfinite(value)
    if kind == INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == STR:
        return isinstance(value, str)
    if kind == VEC:
        return number or isinstance(value, list) and all(type_ok(NUM, v) for v in value)
    if kind == MAT:
        return isinstance(value, list) and bool(value) and all(type_ok(VEC, r) and isinstance(r, list)
                                                               for r in value)
    # VALUE: number, protocol table, or list of them
    if isinstance(value, list):
        return bool(value) and all(type_ok(VALUE, v) and not isinstance(v, list) for v in value)
    return type_ok(NUM, value) or isinstance(value, dict)


#: How messages name each schema type.
TYPE_WORDS = {NUM: "a finite number", INT: "an integer", STR: "a string",
              VEC: "a number or a list of numbers", MAT: "a non-empty list of lists of numbers",
              VALUE: "a number, a protocol table or a list of them"}
