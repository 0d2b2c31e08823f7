"""Time-dependent inputs (protocols): well energies, barriers and biases as functions of time.

A protocol is a frozen, exactly evaluable function of time ``t``, in the inverse of the unit of the
model's ``J_max`` (with ``J_max = 1``, time in units of ``1 / J_max``). Three shapes cover the exact simulation methods:

* :class:`Constant` - one value for all times (the ``"direct"`` method, Gillespie 1977);
* :class:`PiecewiseConstant` - steps at knots (the ``"restart"`` method, exact restart at
  breakpoints);
* :class:`PiecewiseLinear` - linear between knots, continuous (the ``"hazard"`` method for Arrhenius
  rates, whose log is then linear in ``t``, or ``"thinning"`` otherwise).

Every protocol is right-continuous, holds its first value before its first knot and its last value
after its last knot, stores its knots and values as read-only float64 arrays, and integrates exactly.
:func:`schedule_protocols` turns the paper's update schedules (Eq. 18-19) into protocols.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._budget import check_memory
from ._validation import as_float_array, check_int, check_positive, scalar_or_array

__all__ = [
    "Protocol",
    "Constant",
    "PiecewiseConstant",
    "PiecewiseLinear",
    "as_protocol",
    "schedule_protocols",
]


def _frozen(arr: np.ndarray) -> np.ndarray:
    out = np.array(arr, dtype=np.float64, copy=True)
    out.flags.writeable = False
    return out


class Protocol:
    """Base class of the time protocols.

    Subclasses provide ``_value`` and ``_slope`` (value and right derivative at an array of
    times, unchecked) and ``knots``. The public ``__call__`` and ``slope``
    validate ``t`` once and call them; internal hot paths (lowering a model, the optimiser's
    segments) call the unchecked forms directly with float arrays.

    The base class takes no parameters and is not built directly; see :class:`Constant`,
    :class:`PiecewiseConstant` and :class:`PiecewiseLinear`.

    Examples
    --------
    >>> from stochlim.protocols import Constant, PiecewiseLinear, Protocol
    >>> all(isinstance(p, Protocol) for p in (Constant(1.0), PiecewiseLinear([0, 1], [0, 2])))
    True
    """

    #: Knot times (read-only); empty for :class:`Constant`.
    knots: np.ndarray

    def __call__(self, t):
        """Value at time(s) ``t`` (right-continuous at knots).

        Parameters
        ----------
        t : float or array_like
            Time(s); ``+-inf`` allowed (the value held outside the knots).

        Returns
        -------
        float or ndarray
            The value(s), shaped like ``t``.

        Raises
        ------
        TypeError
            If ``t`` is not a real number or an array of them.
        ValueError
            If ``t`` is NaN or empty.

        Examples
        --------
        >>> from stochlim.protocols import PiecewiseConstant
        >>> PiecewiseConstant([0.0, 1.0], [2.0, 3.0])([-1.0, 0.5, 1.0])
        array([2., 2., 3.])
        """
        return scalar_or_array(self._value(as_float_array("t", t, allow_inf=True)))

    def slope(self, t):
        """Right derivative at time(s) ``t``.

        Parameters
        ----------
        t : float or array_like
            Time(s); ``+-inf`` allowed.

        Returns
        -------
        float or ndarray
            The right derivative(s), shaped like ``t`` (0 outside the knots).

        Raises
        ------
        TypeError
            If ``t`` is not a real number or an array of them.
        ValueError
            If ``t`` is NaN or empty.

        Examples
        --------
        >>> from stochlim.protocols import PiecewiseLinear
        >>> PiecewiseLinear([0.0, 2.0], [0.0, 4.0]).slope([-1.0, 1.0, 2.0])
        array([0., 2., 0.])
        """
        return scalar_or_array(self._slope(as_float_array("t", t, allow_inf=True)))

    def _value(self, tt: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _slope(self, tt: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @property
    def is_piecewise_constant(self) -> bool:
        """True when the protocol never changes between knots (slope 0 everywhere).

        Examples
        --------
        >>> from stochlim.protocols import Constant
        >>> Constant(1.0).is_piecewise_constant
        True
        """
        return True


@dataclass(frozen=True, eq=False)
class Constant(Protocol):
    """A value that does not change in time.

    Parameters
    ----------
    value : float
        The value, finite.

    Raises
    ------
    TypeError
        If ``value`` is not a real number.
    ValueError
        If ``value`` is NaN, infinite or an array of more than one number.

    Examples
    --------
    >>> from stochlim.protocols import Constant
    >>> barrier = Constant(20.0)
    >>> barrier(3.0), float(barrier.slope(3.0)), barrier.knots.size
    (20.0, 0.0, 0)
    """

    value: float
    knots: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        v = as_float_array("value", self.value)
        if v.ndim != 0:
            raise ValueError(f"value must be a single number: got an array of shape {v.shape}")
        object.__setattr__(self, "value", float(v))
        object.__setattr__(self, "knots", _frozen(np.empty(0)))

    def _value(self, tt):
        return np.full(np.shape(tt), self.value)

    def _slope(self, tt):
        return np.zeros(np.shape(tt))


    def scaled(self, factor: float) -> "Constant":
        """The protocol ``factor * p(t)``.

        Parameters
        ----------
        factor : float
            Finite multiplier.

        Returns
        -------
        Constant
            A new protocol; this one is unchanged.

        Raises
        ------
        TypeError
            If ``factor`` is not a real number.
        ValueError
            If the product is NaN or infinite.

        Examples
        --------
        >>> from stochlim.protocols import Constant
        >>> Constant(2.0).scaled(3.0).value
        6.0
        """
        return Constant(self.value * float(factor))

    def reversed(self, t_end: float) -> "Constant":
        """The time-reversed protocol ``p(t_end - t)``: the same constant.

        Parameters
        ----------
        t_end : float
            End of the protocol, > 0.

        Returns
        -------
        Constant
            This protocol.

        Raises
        ------
        TypeError, ValueError
            If ``t_end`` is not a positive number.

        Examples
        --------
        >>> from stochlim.protocols import Constant
        >>> Constant(2.0).reversed(5.0).value
        2.0
        """
        check_positive("t_end", t_end)
        return self


def _check_knots(times, values, kind: str):
    t = as_float_array("times", times)
    v = as_float_array("values", values)
    if t.ndim != 1 or v.ndim != 1:
        raise ValueError(f"{kind} needs 1-d times and values: got shapes {t.shape} and {v.shape}")
    if t.shape != v.shape:
        raise ValueError(
            f"{kind} needs one value per knot: times has {t.size} entries, values has {v.size}"
        )
    steps = np.diff(t)
    bad = steps <= 0
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(
            f"times must be strictly increasing: times[{i}] = {t[i]!r} >= times[{i + 1}] = {t[i + 1]!r}"
        )
    return _frozen(t), _frozen(v)


@dataclass(frozen=True, eq=False)
class _KnotProtocol(Protocol):
    """Shared part of the protocols defined by values at knots: validation, knots, lookup, scaling.

    Subclasses precompute their own tables in :meth:`_tabulate`.
    """

    times: np.ndarray
    values: np.ndarray

    def __post_init__(self):
        t, v = _check_knots(self.times, self.values, type(self).__name__)
        object.__setattr__(self, "times", t)
        object.__setattr__(self, "values", v)
        with np.errstate(over="ignore", invalid="ignore"):
            tables = self._tabulate(t, v)
        for name, table in tables.items():
            bad = ~np.isfinite(table)
            if bad.any():
                i = min(int(np.argmax(bad)), t.size - 2)
                a, b = (f"{float(v[j])!r} at t = {float(t[j])!r}" for j in (i, i + 1))
                raise ValueError(
                    f"values: {type(self).__name__} from {a} to {b} changes too fast or too much for "
                    "float64 (its slope or integral overflows); use smaller values or knots further apart"
                )
            object.__setattr__(self, name, _frozen(table))

    def _tabulate(self, t: np.ndarray, v: np.ndarray) -> dict:
        """Precomputed read-only tables of a subclass (none by default)."""
        return {}

    @property
    def knots(self) -> np.ndarray:
        """Knot times (read-only): ``times``, where the value steps or changes slope.

        Examples
        --------
        >>> PiecewiseLinear([0.0, 2.0, 5.0], [1.0, 3.0, 3.0]).knots.tolist()
        [0.0, 2.0, 5.0]
        >>> PiecewiseConstant([0.0, 1.0], [4.0, 2.0]).knots.flags.writeable
        False
        """
        return self.times

    def _index(self, t: np.ndarray) -> np.ndarray:
        return np.clip(np.searchsorted(self.times, t, side="right") - 1, 0, self.times.size - 1)

    def scaled(self, factor: float):
        """The protocol ``factor * p(t)``.

        Parameters
        ----------
        factor : float
            Finite multiplier.

        Returns
        -------
        PiecewiseConstant or PiecewiseLinear
            A new protocol of the same type and knots; this one is unchanged.

        Raises
        ------
        TypeError
            If ``factor`` is not a real number.
        ValueError
            If a scaled value is NaN or infinite.

        Examples
        --------
        >>> from stochlim.protocols import PiecewiseConstant
        >>> PiecewiseConstant([0.0, 1.0], [1.0, 3.0]).scaled(2.0).values
        array([2., 6.])
        """
        return type(self)(self.times, self.values * float(factor))


@dataclass(frozen=True, eq=False)
class PiecewiseConstant(_KnotProtocol):
    """A step function: ``values[i]`` holds on ``[times[i], times[i+1])``.

    ``values[0]`` also holds before ``times[0]`` and ``values[-1]`` after the last knot; the
    function is right-continuous.

    Parameters
    ----------
    times : array_like
        Knot times, finite and strictly increasing.
    values : array_like
        One finite value per knot.

    Raises
    ------
    TypeError
        If ``times`` or ``values`` is not real numbers.
    ValueError
        If ``times`` or ``values`` is empty, not 1-d, NaN or infinite, if their lengths differ,
        if ``times`` is not strictly increasing, or if the values change too fast between knots
        for float64.

    Examples
    --------
    >>> from stochlim.protocols import PiecewiseConstant
    >>> bias = PiecewiseConstant([0.0, 1.0, 2.0], [1.0, 3.0, 5.0])
    >>> bias([-1.0, 0.5, 1.0, 10.0])
    array([1., 1., 3., 5.])
    >>> PiecewiseConstant([0.0, 1.0], [1.0])
    Traceback (most recent call last):
    ...
    ValueError: PiecewiseConstant needs one value per knot: times has 2 entries, values has 1
    """

    def reversed(self, t_end: float) -> "PiecewiseConstant":
        """The time-reversed protocol ``p(t_end - t)``, right-continuous like every protocol.

        The value on ``[times[i], times[i+1])`` moves to ``[t_end - times[i+1], t_end - times[i])``;
        the two differ only at the knots themselves (the reversed protocol takes the left limit of
        ``p`` there), which no work or rate integral over ``[0, t_end]`` sees.

        Parameters
        ----------
        t_end : float
            End of the protocol, > 0.

        Returns
        -------
        PiecewiseConstant
            A new protocol; this one is unchanged.

        Raises
        ------
        TypeError, ValueError
            If ``t_end`` is not a positive number.

        Examples
        --------
        >>> from stochlim.protocols import PiecewiseConstant
        >>> p = PiecewiseConstant([0.0, 1.0, 3.0], [1.0, 2.0, 5.0]).reversed(4.0)
        >>> p([0.0, 0.5, 1.5, 3.5])          # p(4 - t): 5 on t < 1, 2 on [1, 3), 1 after
        array([5., 5., 2., 1.])
        """
        t_end = float(check_positive("t_end", t_end))
        mirrored = t_end - self.times[::-1]  # values[i] now starts at t_end - times[i + 1]
        first = float(mirrored[0])
        before = 2.0 * min(0.0, first) - 1.0  # a knot before 0 and the first mirrored knot: holds values[-1]
        return PiecewiseConstant(np.concatenate(([before], mirrored[:-1])), self.values[::-1])

    def _value(self, tt):
        return self.values[self._index(tt)]

    def _slope(self, tt):
        return np.zeros(np.shape(tt))


@dataclass(frozen=True, eq=False)
class PiecewiseLinear(_KnotProtocol):
    """A continuous function, linear between knots and held constant outside them.

    Parameters
    ----------
    times : array_like
        Knot times, finite and strictly increasing.
    values : array_like
        One finite value per knot.

    Raises
    ------
    TypeError
        If ``times`` or ``values`` is not real numbers.
    ValueError
        If ``times`` or ``values`` is empty, not 1-d, NaN or infinite, if their lengths differ,
        if ``times`` is not strictly increasing, or if the values change too fast between knots
        for float64.

    Examples
    --------
    >>> import numpy as np
    >>> from stochlim.protocols import PiecewiseLinear
    >>> ramp = PiecewiseLinear([0.0, 2.0], [0.0, 4.0])
    >>> ramp([-1.0, 1.0, 3.0]), float(ramp(np.inf))
    (array([0., 2., 4.]), 4.0)
    >>> ramp.is_piecewise_constant
    False
    """

    def _tabulate(self, t, v):
        # slope on [times[i], times[i+1]) for i < K-1, and 0 after the last knot
        return {"_slopes": np.concatenate((np.diff(v) / np.diff(t), [0.0]))}

    @property
    def is_piecewise_constant(self) -> bool:
        """True when every segment is flat (all slopes 0), so the ``"restart"`` method is exact.

        Examples
        --------
        >>> from stochlim.protocols import PiecewiseLinear
        >>> PiecewiseLinear([0.0, 1.0], [2.0, 2.0]).is_piecewise_constant
        True
        """
        return bool(np.all(self._slopes == 0.0))

    def reversed(self, t_end: float) -> "PiecewiseLinear":
        """The time-reversed protocol ``p(t_end - t)`` (exact for every ``t``: ``p`` is continuous).

        Parameters
        ----------
        t_end : float
            End of the protocol, > 0.

        Returns
        -------
        PiecewiseLinear
            A new protocol; this one is unchanged.

        Raises
        ------
        TypeError, ValueError
            If ``t_end`` is not a positive number.

        Examples
        --------
        >>> from stochlim.protocols import PiecewiseLinear
        >>> PiecewiseLinear([0.0, 1.0], [0.0, 4.0]).reversed(2.0)([0.0, 1.5, 2.0])
        array([4., 2., 0.])
        """
        t_end = float(check_positive("t_end", t_end))
        return PiecewiseLinear(t_end - self.times[::-1], self.values[::-1])

    def _value(self, tt):
        # exact linear interpolation; before the first knot the value is held
        i = self._index(tt)
        dt = np.maximum(tt - self.times[i], 0.0)
        return self.values[i] + self._slopes[i] * np.where(np.isinf(dt), 0.0, dt)

    def _slope(self, tt):
        # 0 before the first and after the last knot
        i = self._index(tt)
        return np.where(tt < self.times[0], 0.0, self._slopes[i])



def as_protocol(name: str, value) -> Protocol:
    """Return ``value`` as a :class:`Protocol` (a number becomes :class:`Constant`).

    Parameters
    ----------
    name : str
        Name of the argument, used in error messages.
    value : Protocol or float
        A protocol (returned as is) or a finite number.

    Returns
    -------
    Protocol
        ``value`` itself, or ``Constant(value)``.

    Raises
    ------
    ValueError
        Naming ``name``, if ``value`` is a NaN or infinite number, or an array of more than one.
    TypeError
        Naming ``name``, if ``value`` is neither a protocol nor a real number.

    Examples
    --------
    >>> from stochlim.protocols import PiecewiseLinear, as_protocol
    >>> as_protocol("E0", 3.0)
    Constant(value=3.0)
    >>> ramp = PiecewiseLinear([0.0, 1.0], [0.0, 1.0])
    >>> as_protocol("E0", ramp) is ramp
    True
    >>> as_protocol("E0", float("nan"))
    Traceback (most recent call last):
    ...
    ValueError: E0: value must not be NaN: got nan
    """
    if isinstance(value, Protocol):
        return value
    try:
        return Constant(value)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{name}: {exc}") from exc


def schedule_protocols(schedule, *, delta, n_updates, dt, t0=0.0):
    """The bias and barrier of a paper update schedule as step protocols in time.

    Update ``n = 1 .. n_updates`` lasts ``dt`` and starts at ``t0 + (n - 1) dt``; during it the bias
    is ``dE_n = eps_n / delta`` (Eq. 18) and the barrier ``E0_n`` (Eq. 19, sign corrected), both in
    kT, taken from ``schedule.bias`` and ``schedule.barrier``. After the last update the last values
    hold (retention at the final barrier).

    Parameters
    ----------
    schedule : stochlim.schedules.Schedule
        E.g. ``PolynomialSchedule(gamma)`` or ``ExponentialSchedule(gamma)``.
    delta : float
        Precision of the stored value, in (0, 1).
    n_updates : int
        Number of updates, >= 1.
    dt : float
        Duration of one update in the simulation's time unit (the inverse of ``J_max``'s unit),
        > 0; see ``schedule.time_step`` for the paper's Eq. 21 value in seconds.
    t0 : float, optional
        Start time of the first update.

    Returns
    -------
    (bias, barrier) : tuple of PiecewiseConstant
        Knots at ``t0 + (n - 1) dt``, values ``dE_n`` and ``E0_n`` in kT.

    Raises
    ------
    TypeError
        If ``n_updates`` is not an integer, or ``dt``, ``t0`` or ``delta`` is not a real number.
    ValueError
        If ``n_updates`` < 1, ``dt`` is not positive, ``t0`` is NaN or infinite, or ``delta`` is
        outside (0, 1).
    MemoryError
        If the ``n_updates`` knots would not fit in this machine's memory (128 B each).

    Examples
    --------
    >>> import numpy as np
    >>> from stochlim.protocols import schedule_protocols
    >>> from stochlim.schedules import PolynomialSchedule
    >>> bias, barrier = schedule_protocols(PolynomialSchedule(0.5), delta=2**-4, n_updates=3, dt=0.5)
    >>> bias.times
    array([0. , 0.5, 1. ])
    >>> bool(np.allclose(bias.values, 16 / np.sqrt([1, 2, 3])))  # dE_n = eps_n / delta
    True
    >>> print(f"{barrier(0.75):.6g}")  # E0_2 = ln(2 * 2^1.5 * tanh(dE_2 / 2))
    1.73284
    """
    n_upd = check_int("n_updates", n_updates, minimum=1)
    # knot times, bias and barrier, their protocols and a model's lowered segments: about 96 B each
    check_memory("n_updates", n_upd, 128.0 * n_upd, "schedule's knots (times, bias and barrier)")
    step = float(check_positive("dt", dt))
    start = float(as_float_array("t0", t0))
    n = np.arange(1, n_upd + 1, dtype=np.float64)
    times = start + step * (n - 1.0)
    bias = np.atleast_1d(schedule.bias(n, delta=delta))
    barrier = np.atleast_1d(schedule.barrier(n, delta=delta))
    return PiecewiseConstant(times, bias), PiecewiseConstant(times, barrier)
