"""The paper's update schedules, Chen et al. (2026), Eq. 18-19, 21-24 and A.11-A.12 (corrected).

A schedule fixes, for every update ``n = 1, 2, ...``, the normalised update rate ``r_n = J_n / J_max``
and the learning rate ``eps_n``. With the precision ``delta`` these give

* the bias ``dE_n = eps_n / delta`` in kT (Eq. 18, A.10 with the calibration ``C = 1/delta``);
* the barrier ``E0_n = ln[(2 / r_n) tanh(dE_n / 2)]`` in kT (Eq. 19, sign corrected), computed in
  log-space: with ``delta = 2^-64`` the printed exponential form would overflow for every ``n``;
* the dissipation ratio ``sum eps_n r_n / sum r_n`` of Eq. 23 (and its truncation at ``N`` updates);
* the time step ``dt = F / (M J_max sum r_n)`` (Eq. 21) and the power per update
  ``P_n = M J_max r_n dE_n kT`` (Fig. 6A).

Two schedules are provided: :class:`PolynomialSchedule` (``r_n = n^-(1+gamma)``,
``eps_n = 1/sqrt(n)``, Eq. 18-19 and 24) and :class:`ExponentialSchedule` (``r_n = e^(-gamma n)``,
``eps_n = 1/n``, Appendix A.12 with its printed ``e^gamma`` slip corrected).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from . import _sums
from ._validation import as_float_array, check_int, check_interval, check_positive, scalar_or_array
from .physics import log_tanh_half
from .units import DEFAULT_TEMPERATURE, kT

__all__ = [
    "SCHEDULES",
    "Schedule",
    "PolynomialSchedule",
    "ExponentialSchedule",
    "get_schedule",
]

_LN2 = math.log(2.0)


def _index(n) -> np.ndarray:
    arr = as_float_array("n", n)
    bad = (arr < 1) | (arr != np.floor(arr))
    if bad.any():
        raise ValueError(f"n must be an update index >= 1 (an integer): got {arr[bad].flat[0]!r}")
    return arr


@dataclass(frozen=True)
class Schedule:
    """Base class: an update-rate schedule ``r_n`` with a learning-rate schedule ``eps_n``.

    Subclasses define ``log_rate``, ``log_learning_rate``, ``rate_sum`` and ``weighted_sum``;
    everything physical (Eq. 18-23) is derived here once for all schedules.

    Parameters
    ----------
    gamma : float
        Decay hyper-parameter, >= 0.

    Raises
    ------
    TypeError
        If ``gamma`` is not a single real number.
    ValueError
        If ``gamma`` is NaN, infinite or negative.

    Examples
    --------
    >>> from stochlim.schedules import PolynomialSchedule, Schedule
    >>> schedule = PolynomialSchedule(gamma=0.5)
    >>> isinstance(schedule, Schedule), schedule.gamma
    (True, 0.5)
    >>> PolynomialSchedule(gamma=-1.0)
    Traceback (most recent call last):
    ...
    ValueError: gamma must lie in [0, inf): got -1.0
    """

    gamma: float
    name: ClassVar[str] = ""

    def __post_init__(self):
        g = check_interval("gamma", self.gamma, 0.0, math.inf, closed_low=True)
        if g.ndim != 0:
            raise TypeError(f"gamma must be a single number: got an array of shape {g.shape}")
        object.__setattr__(self, "gamma", float(g))

    # --- defined by each schedule -------------------------------------------------------------
    def log_rate(self, n):
        """``ln r_n``, the log of the normalised update rate ``J_n / J_max``.

        Parameters
        ----------
        n : int or array_like
            Update index(es), integers >= 1.

        Returns
        -------
        ndarray
            ``ln r_n``, shaped like ``n``.

        Raises
        ------
        TypeError
            If ``n`` is not a real number or an array of them.
        ValueError
            If ``n`` is NaN, infinite or empty, or not an integer >= 1.

        Examples
        --------
        >>> from stochlim.schedules import PolynomialSchedule
        >>> print(f"{PolynomialSchedule(0.5).log_rate(4):.6g}")  # -1.5 ln 4
        -2.07944
        """
        raise NotImplementedError

    def log_learning_rate(self, n):
        """``ln eps_n``, the log of the learning rate.

        Parameters
        ----------
        n : int or array_like
            Update index(es), integers >= 1.

        Returns
        -------
        ndarray
            ``ln eps_n``, shaped like ``n``.

        Raises
        ------
        TypeError
            If ``n`` is not a real number or an array of them.
        ValueError
            If ``n`` is NaN, infinite or empty, or not an integer >= 1.

        Examples
        --------
        >>> from stochlim.schedules import ExponentialSchedule
        >>> print(f"{ExponentialSchedule(1.0).log_learning_rate(4):.6g}")  # ln(1/4)
        -1.38629
        """
        raise NotImplementedError

    def rate_sum(self, n_updates=None) -> float:
        """``sum_{n=1}^{N} r_n`` (``n_updates=None``: the infinite sum).

        Parameters
        ----------
        n_updates : int, optional
            Number of updates ``N``, >= 1; None for the infinite sum.

        Returns
        -------
        float
            The sum.

        Raises
        ------
        TypeError
            If ``n_updates`` is not an integer.
        ValueError
            If ``n_updates`` is < 1, or None with ``gamma = 0`` (the infinite sum diverges).

        Examples
        --------
        >>> import math
        >>> import scipy.special
        >>> from stochlim.schedules import PolynomialSchedule
        >>> math.isclose(PolynomialSchedule(0.5).rate_sum(), scipy.special.zeta(1.5))  # Eq. 24
        True
        >>> PolynomialSchedule(0.0).rate_sum(3) == 1 + 1 / 2 + 1 / 3
        True
        """
        raise NotImplementedError

    def weighted_sum(self, n_updates=None) -> float:
        """``sum_{n=1}^{N} eps_n r_n`` (``n_updates=None``: the infinite sum).

        Parameters
        ----------
        n_updates : int, optional
            Number of updates ``N``, >= 1; None for the infinite sum.

        Returns
        -------
        float
            The sum.

        Raises
        ------
        TypeError
            If ``n_updates`` is not an integer.
        ValueError
            If ``n_updates`` is < 1, or None with ``gamma = 0`` (the infinite sum diverges).

        Examples
        --------
        >>> import math
        >>> from stochlim.schedules import ExponentialSchedule
        >>> print(f"{ExponentialSchedule(1.0).weighted_sum():.6g}")  # -ln(1 - 1/e)
        0.458675
        >>> math.isclose(ExponentialSchedule(1.0).weighted_sum(2), math.exp(-1) + math.exp(-2) / 2)
        True
        """
        raise NotImplementedError

    # --- shared physics -----------------------------------------------------------------------
    def _n_updates(self, n_updates):
        if n_updates is None:
            if self.gamma == 0.0:
                raise ValueError(
                    f"gamma = 0 needs a finite n_updates for the {self.name} schedule: "
                    "its infinite rate sum diverges (zeta(1) for the polynomial schedule)"
                )
            return None
        return check_int("n_updates", n_updates, minimum=1)

    def rate(self, n):
        """Normalised update rate ``r_n = J_n / J_max`` (Eq. 21); underflows to 0, never NaN.

        Parameters
        ----------
        n : int or array_like
            Update index(es), integers >= 1.

        Returns
        -------
        float or ndarray
            ``r_n`` in (0, 1], or 0 where it underflows.

        Raises
        ------
        TypeError
            If ``n`` is not a real number or an array of them.
        ValueError
            If ``n`` is NaN, infinite or empty, or not an integer >= 1.

        Examples
        --------
        >>> from stochlim.schedules import ExponentialSchedule, PolynomialSchedule
        >>> round(PolynomialSchedule(0.5).rate(4), 12)  # 4^-1.5
        0.125
        >>> ExponentialSchedule(1.0).rate([1, 2]).round(6)  # e^-1, e^-2
        array([0.367879, 0.135335])
        """
        return scalar_or_array(np.exp(self.log_rate(n)))

    def bias(self, n, *, delta):
        """Bias ``dE_n = eps_n / delta`` in kT (Eq. 18, A.10 with ``C = 1/delta``).

        Parameters
        ----------
        n : int or array_like
            Update index(es), integers >= 1.
        delta : float
            Precision, in (0, 1).

        Returns
        -------
        float or ndarray
            ``dE_n`` in kT.

        Raises
        ------
        TypeError
            If ``n`` or ``delta`` is not a real number or an array of them.
        ValueError
            If ``delta`` is NaN or outside (0, 1), or ``n`` is not an integer >= 1.

        Examples
        --------
        >>> from stochlim.schedules import PolynomialSchedule
        >>> round(PolynomialSchedule(0.5).bias(4, delta=2**-16), 6)  # 2^16 / sqrt(4)
        32768.0
        """
        d = check_interval("delta", delta, 0.0, 1.0)
        return scalar_or_array(np.exp(self.log_learning_rate(n) - np.log(d)))

    def barrier(self, n, *, delta):
        """Barrier ``E0_n = ln[(2 / r_n) tanh(dE_n / 2)]`` in kT (Eq. 19, sign corrected).

        Computed in log-space (:func:`stochlim.physics.log_tanh_half`), finite for any ``delta``.

        Parameters
        ----------
        n : int or array_like
            Update index(es), integers >= 1.
        delta : float
            Precision, in (0, 1).

        Returns
        -------
        float or ndarray
            ``E0_n`` in kT.

        Raises
        ------
        TypeError
            If ``n`` or ``delta`` is not a real number or an array of them.
        ValueError
            If ``delta`` is NaN or outside (0, 1), or ``n`` is not an integer >= 1.

        Examples
        --------
        >>> import math
        >>> from stochlim.schedules import PolynomialSchedule
        >>> e0 = PolynomialSchedule(0.5).barrier(4, delta=2**-16)
        >>> math.isclose(e0, math.log(2 / 0.125))  # tanh(16384) = 1
        True
        >>> print(f"{PolynomialSchedule(0.5).barrier(10**6, delta=2.0**-64):.6g}")  # no overflow
        21.4164
        """
        d_e = np.asarray(self.bias(n, delta=delta))
        return scalar_or_array(_LN2 - self.log_rate(n) + log_tanh_half(d_e))

    def dissipation_ratio(self, n_updates=None) -> float:
        """``sum eps_n r_n / sum r_n``: mean bias per update in units of ``kT/delta`` (Eq. 23).

        Parameters
        ----------
        n_updates : int, optional
            Number of updates ``N``, >= 1; None for the infinite sums (Eq. 24, A.11-A.12).

        Returns
        -------
        float
            The dissipation ratio, in (0, 1].

        Raises
        ------
        TypeError
            If ``n_updates`` is not an integer.
        ValueError
            If ``n_updates`` is < 1, or None with ``gamma = 0`` (the infinite sum diverges).

        Examples
        --------
        >>> import math
        >>> import scipy.special
        >>> from stochlim.schedules import ExponentialSchedule, PolynomialSchedule
        >>> ratio = PolynomialSchedule(0.5).dissipation_ratio()  # zeta(2) / zeta(3/2), Eq. 24
        >>> math.isclose(ratio, scipy.special.zeta(2.0) / scipy.special.zeta(1.5))
        True
        >>> print(f"{ratio:.6g}")
        0.62967
        >>> e = math.e  # corrected A.12: (e^g - 1) ln(e^g / (e^g - 1)) at g = 1
        >>> math.isclose(ExponentialSchedule(1.0).dissipation_ratio(), (e - 1) * math.log(e / (e - 1)))
        True
        """
        n_updates = self._n_updates(n_updates)
        return self.weighted_sum(n_updates) / self.rate_sum(n_updates)

    def time_step(self, *, flops, n_params, J_max, n_updates=None) -> float:
        """Duration of one update step in seconds, ``dt = F / (M J_max sum r_n)`` (Eq. 21).

        Parameters
        ----------
        flops, n_params : float
            Workload ``#FLOPs`` and number of parameters ``M``, > 0.
        J_max : float
            Maximum switching rate in 1/s, > 0.
        n_updates : int, optional
            Number of updates ``N``; None for the infinite sum.

        Returns
        -------
        float
            ``dt`` in s.

        Raises
        ------
        TypeError
            If ``flops``, ``n_params`` or ``J_max`` is not a real number, or ``n_updates`` is not an
            integer.
        ValueError
            If ``flops``, ``n_params`` or ``J_max`` is not positive, or ``n_updates`` is < 1, or
            None with ``gamma = 0``.

        Examples
        --------
        >>> from stochlim.schedules import PolynomialSchedule
        >>> dt = PolynomialSchedule(0.5).time_step(flops=1e28, n_params=1e15, J_max=1e12)
        >>> print(f"{dt:.6g}")  # 1e28 / (1e15 * 1e12 * zeta(1.5)) s
        3.82793
        """
        f = float(check_positive("flops", flops))
        m = float(check_positive("n_params", n_params))
        j = float(check_positive("J_max", J_max))
        return f / (m * j * self.rate_sum(self._n_updates(n_updates)))

    def power(self, n, *, n_params, delta, J_max, temperature=DEFAULT_TEMPERATURE):
        """Dissipated power at update ``n`` in watts, ``P_n = M J_max r_n dE_n kT`` (Fig. 6A).

        Computed as ``exp(ln r_n + ln dE_n)`` so that it underflows gracefully for large ``n``.

        Parameters
        ----------
        n : int or array_like
            Update index(es), integers >= 1.
        n_params : float
            Number of parameters ``M``, > 0.
        delta : float
            Precision, in (0, 1).
        J_max : float
            Maximum switching rate in 1/s, > 0.
        temperature : float, optional
            Temperature in K, > 0 (default 298 K).

        Returns
        -------
        float or ndarray
            ``P_n`` in W.

        Raises
        ------
        TypeError
            If an argument is not a real number (or, for ``n``, an array of them).
        ValueError
            If ``n_params``, ``J_max`` or ``temperature`` is not positive, ``delta`` is outside
            (0, 1), or ``n`` is not an integer >= 1.

        Examples
        --------
        >>> from stochlim.schedules import PolynomialSchedule
        >>> p = PolynomialSchedule(0.5).power([1, 100], n_params=1e15, delta=2**-16, J_max=1e12)
        >>> [f"{x:.4g}" for x in p]  # W; P_n falls as n^-2 here
        ['2.696e+11', '2.696e+07']
        """
        m = float(check_positive("n_params", n_params))
        j = float(check_positive("J_max", J_max))
        d = check_interval("delta", delta, 0.0, 1.0)
        log_p = self.log_rate(n) + self.log_learning_rate(n) - np.log(d)
        return scalar_or_array(m * j * kT(temperature) * np.exp(log_p))


@dataclass(frozen=True)
class PolynomialSchedule(Schedule):
    """``r_n = n^-(1+gamma)``, ``eps_n = 1/sqrt(n)`` (Eq. 18-19, 21, 24; A.11).

    The infinite sums are Riemann zeta values, ``sum r_n = zeta(1+gamma)`` and
    ``sum eps_n r_n = zeta(3/2+gamma)``; ``gamma = 0`` needs a finite number of updates.
    Truncated sums are exact to rounding in O(1) time (see ``stochlim._sums``).

    Parameters
    ----------
    gamma : float
        Decay hyper-parameter, >= 0.

    Raises
    ------
    TypeError
        If ``gamma`` is not a single real number.
    ValueError
        If ``gamma`` is NaN, infinite or negative.

    Examples
    --------
    >>> from stochlim.schedules import PolynomialSchedule
    >>> schedule = PolynomialSchedule(2.0)
    >>> round(schedule.rate(2), 12), round(schedule.bias(4, delta=0.5), 12)  # 2^-3, 0.5 / 0.5
    (0.125, 1.0)
    """

    name: ClassVar[str] = "polynomial"

    def log_rate(self, n):
        return -(1.0 + self.gamma) * np.log(_index(n))

    def log_learning_rate(self, n):
        return -0.5 * np.log(_index(n))

    def rate_sum(self, n_updates=None) -> float:
        return _sums.power_sum(1.0 + self.gamma, self._n_updates(n_updates))

    def weighted_sum(self, n_updates=None) -> float:
        return _sums.power_sum(1.5 + self.gamma, self._n_updates(n_updates))


@dataclass(frozen=True)
class ExponentialSchedule(Schedule):
    """``r_n = e^(-gamma n)``, ``eps_n = 1/n`` (Appendix A.12, corrected).

    Infinite sums: ``sum r_n = 1/(e^gamma - 1)`` and ``sum eps_n r_n = -ln(1 - e^-gamma)``, so the
    dissipation ratio is ``(e^gamma - 1) ln(e^gamma / (e^gamma - 1))``. The printed A.12 has
    ``(1 - e^-gamma)`` in place of ``(e^gamma - 1)``, off by a factor ``e^gamma``.

    Parameters
    ----------
    gamma : float
        Decay hyper-parameter, >= 0.

    Raises
    ------
    TypeError
        If ``gamma`` is not a single real number.
    ValueError
        If ``gamma`` is NaN, infinite or negative.

    Examples
    --------
    >>> import math
    >>> from stochlim.schedules import ExponentialSchedule
    >>> schedule = ExponentialSchedule(1.0)
    >>> math.isclose(schedule.rate_sum(), 1 / (math.e - 1))
    True
    >>> print(f"{schedule.dissipation_ratio():.6g}")
    0.788133
    """

    name: ClassVar[str] = "exponential"

    def log_rate(self, n):
        return -self.gamma * _index(n)

    def log_learning_rate(self, n):
        return -np.log(_index(n))

    def rate_sum(self, n_updates=None) -> float:
        return _sums.geometric_sum(self.gamma, self._n_updates(n_updates))

    def weighted_sum(self, n_updates=None) -> float:
        return _sums.exp_over_n_sum(self.gamma, self._n_updates(n_updates))

    def dissipation_ratio(self, n_updates=None) -> float:
        n_updates = self._n_updates(n_updates)
        if n_updates is not None and self.gamma * n_updates < 40.0:
            return super().dissipation_ratio(n_updates)
        # Infinite sums (truncation changes them by e^(-gamma N) < 1e-17 relative otherwise):
        # (1 - x) * (-ln(1 - x)) / x with x = e^-gamma, which neither overflows nor underflows;
        # 1 - x = -expm1(-gamma) keeps its digits for gamma below float resolution (gamma = 1e-17),
        # and -ln(1 - x) is log1p(-x) for small x, -ln(1 - x) of the accurate 1 - x near x = 1.
        x = math.exp(-self.gamma)
        if x == 0.0:
            return 1.0
        one_minus_x = -math.expm1(-self.gamma)
        minus_log = -math.log1p(-x) if x < 0.5 else -math.log(one_minus_x)
        return one_minus_x * minus_log / x


#: Schedules by name.
SCHEDULES = {cls.name: cls for cls in (PolynomialSchedule, ExponentialSchedule)}


def get_schedule(schedule, gamma=None) -> Schedule:
    """Return a :class:`Schedule` from a name (``"polynomial"``, ``"exponential"``) and ``gamma``,
    or pass a :class:`Schedule` instance through unchanged.

    Parameters
    ----------
    schedule : str or Schedule
        A name in :data:`SCHEDULES`, or a schedule (returned as is; ``gamma`` is then ignored).
    gamma : float, optional
        Decay hyper-parameter, >= 0; required with a name.

    Returns
    -------
    Schedule
        The schedule.

    Raises
    ------
    ValueError
        If ``schedule`` is neither a :class:`Schedule` nor a name in :data:`SCHEDULES`, if
        ``gamma`` is missing with a name, or if ``gamma`` is NaN, infinite or negative.
    TypeError
        If ``gamma`` is not a single real number.

    Examples
    --------
    >>> from stochlim.schedules import PolynomialSchedule, get_schedule
    >>> get_schedule("exponential", 2.0)
    ExponentialSchedule(gamma=2.0)
    >>> schedule = PolynomialSchedule(0.5)
    >>> get_schedule(schedule) is schedule
    True
    """
    if isinstance(schedule, Schedule):
        return schedule
    if not isinstance(schedule, str) or schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {tuple(SCHEDULES)}: got {schedule!r}")
    if gamma is None:
        raise ValueError("gamma is required to build a schedule by name")
    return SCHEDULES[schedule](gamma)
