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
        """``ln r_n``, the log of the normalised update rate ``J_n / J_max``."""
        raise NotImplementedError

    def log_learning_rate(self, n):
        """``ln eps_n``, the log of the learning rate."""
        raise NotImplementedError

    def rate_sum(self, n_updates=None) -> float:
        """``sum_{n=1}^{N} r_n`` (``n_updates=None``: the infinite sum)."""
        raise NotImplementedError

    def weighted_sum(self, n_updates=None) -> float:
        """``sum_{n=1}^{N} eps_n r_n`` (``n_updates=None``: the infinite sum)."""
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
        """Normalised update rate ``r_n = J_n / J_max`` (Eq. 21); underflows to 0, never NaN."""
        return scalar_or_array(np.exp(self.log_rate(n)))

    def bias(self, n, *, delta):
        """Bias ``dE_n = eps_n / delta`` in kT (Eq. 18, A.10 with ``C = 1/delta``)."""
        d = check_interval("delta", delta, 0.0, 1.0)
        return scalar_or_array(np.exp(self.log_learning_rate(n) - np.log(d)))

    def barrier(self, n, *, delta):
        """Barrier ``E0_n = ln[(2 / r_n) tanh(dE_n / 2)]`` in kT (Eq. 19, sign corrected)."""
        d_e = np.asarray(self.bias(n, delta=delta))
        return scalar_or_array(_LN2 - self.log_rate(n) + log_tanh_half(d_e))

    def dissipation_ratio(self, n_updates=None) -> float:
        """``sum eps_n r_n / sum r_n``: mean bias per update in units of ``kT/delta`` (Eq. 23)."""
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
        """
        f = float(check_positive("flops", flops))
        m = float(check_positive("n_params", n_params))
        j = float(check_positive("J_max", J_max))
        return f / (m * j * self.rate_sum(self._n_updates(n_updates)))

    def power(self, n, *, n_params, delta, J_max, temperature=DEFAULT_TEMPERATURE):
        """Dissipated power at update ``n`` in watts, ``P_n = M J_max r_n dE_n kT`` (Fig. 6A).

        Computed as ``exp(ln r_n + ln dE_n)`` so that it underflows gracefully for large ``n``.
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
    or pass a :class:`Schedule` instance through unchanged."""
    if isinstance(schedule, Schedule):
        return schedule
    if not isinstance(schedule, str) or schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {tuple(SCHEDULES)}: got {schedule!r}")
    if gamma is None:
        raise ValueError("gamma is required to build a schedule by name")
    return SCHEDULES[schedule](gamma)
