"""Input checks shared by the public API.

Every public function validates its arguments once, here, at the boundary; the numerical code
behind it trusts its inputs. Messages name the argument, the offending value and the reason,
e.g. ``"r must lie in (0, 1]: got 1.5 at index 3"``.
"""

from __future__ import annotations

import dataclasses
import math
from numbers import Integral, Real

import numpy as np

__all__ = [
    "as_float_array",
    "check_interval",
    "check_positive",
    "scalar_or_array",
    "output_times",
    "freeze_arrays",
    "check_int",
]


def _where(arr: np.ndarray, bad: np.ndarray) -> str:
    """Describe the first offending element of ``arr`` flagged by the mask ``bad``."""
    if arr.ndim == 0:
        return f"got {arr.item()!r}"
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    where = index[0] if len(index) == 1 else index
    return f"got {arr[index].item()!r} at index {where}"


def as_float_array(name: str, value, *, allow_inf: bool = False) -> np.ndarray:
    """Convert ``value`` to a float64 array, rejecting non-numbers, NaN and (optionally) inf."""
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be a real number or an array of them: got {value!r}")
    if np.iscomplexobj(value):  # numpy would drop the imaginary part with only a warning
        raise TypeError(f"{name} must be real: got a complex {type(value).__name__}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a real number or an array of them: got {value!r}") from exc
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    nan = np.isnan(arr)
    if nan.any():
        raise ValueError(f"{name} must not be NaN: {_where(arr, nan)}")
    if not allow_inf:
        inf = np.isinf(arr)
        if inf.any():
            raise ValueError(f"{name} must be finite: {_where(arr, inf)}")
    return arr


def check_interval(
    name: str,
    value,
    low: float,
    high: float,
    *,
    closed_low: bool = False,
    closed_high: bool = False,
) -> np.ndarray:
    """Return ``value`` as a float array after checking it lies in the given interval."""
    arr = as_float_array(name, value, allow_inf=math.isinf(high) or math.isinf(low))
    too_low = arr < low if closed_low else arr <= low
    too_high = arr > high if closed_high else arr >= high
    bad = too_low | too_high
    if bad.any():
        left = "[" if closed_low else "("
        right = "]" if closed_high else ")"
        raise ValueError(
            f"{name} must lie in {left}{_fmt(low)}, {_fmt(high)}{right}: {_where(arr, bad)}"
        )
    return arr


def check_positive(name: str, value, *, allow_inf: bool = False) -> np.ndarray:
    """Return ``value`` as a float array after checking every element is > 0 and finite (or
    ``+inf``, with ``allow_inf``)."""
    arr = as_float_array(name, value, allow_inf=allow_inf)
    bad = arr <= 0
    if bad.any():
        raise ValueError(f"{name} must be positive: {_where(arr, bad)}")
    return arr


def check_bool(name: str, value) -> bool:
    """``value`` as a bool, refusing anything but ``True``/``False`` (numpy's included) by name."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False: got {value!r}")
    return bool(value)


def check_scalar(name: str, value, check=as_float_array) -> float:
    """``check(name, value)`` (an array checker of this module) required to be a single number."""
    arr = check(name, value)
    if arr.ndim != 0:
        raise ValueError(f"{name} must be a single number: got an array of shape {arr.shape}")
    return float(arr)


def scalar_or_array(x):
    """``x`` as a Python float when it is 0-d, else as a float64 array: the return convention of
    every public function that takes "float or array_like"."""
    x = np.asarray(x, dtype=np.float64)
    return float(x) if x.ndim == 0 else x


def output_times(record: str, t_eval, t_end: float, records=("summary", "grid")) -> np.ndarray | None:
    """Validated output times ``t_eval`` for ``record="grid"``: sorted, 1-d, within ``[0, t_end]``.

    Returns ``None`` for the other records (where ``t_eval`` must not be given).
    """
    if record not in records:
        raise ValueError(f"record must be one of {tuple(records)}: got {record!r}")
    if record != "grid":
        if t_eval is not None:
            raise ValueError("t_eval is only used with record='grid'")
        return None
    if t_eval is None:
        raise ValueError("record='grid' needs t_eval")
    g = np.atleast_1d(as_float_array("t_eval", t_eval))
    if g.ndim != 1:
        raise ValueError(f"t_eval must be 1-d: got shape {g.shape}")
    bad = (g < 0) | (g > t_end)
    if bad.any():
        raise ValueError(f"t_eval must lie in [0, t_end = {t_end!r}]: got {g[bad][0]!r}")
    if np.any(np.diff(g) < 0):
        raise ValueError("t_eval must be sorted in increasing order")
    return np.ascontiguousarray(g)


def freeze_arrays(obj) -> None:
    """Make every ndarray field of the dataclass instance ``obj`` read-only (results are immutable)."""
    for f in dataclasses.fields(obj):
        arr = getattr(obj, f.name)
        if isinstance(arr, np.ndarray):
            arr.flags.writeable = False


def check_int(name: str, value, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as a Python int, accepting integral floats such as ``1e5``."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an integer: got {value!r}")
    if isinstance(value, Integral):
        out = int(value)
    elif isinstance(value, Real) and math.isfinite(value) and float(value).is_integer():
        out = int(value)
    else:
        raise TypeError(f"{name} must be an integer: got {value!r}")
    if minimum is not None and out < minimum:
        raise ValueError(f"{name} must be >= {minimum}: got {out}")
    if maximum is not None and out > maximum:
        raise ValueError(f"{name} must be <= {maximum}: got {out}")
    return out


def _fmt(x: float) -> str:
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:g}"
