"""Finite-time thermodynamics of a two-state memory: exact minimal work and bounds for erasure.

A bit has wells 0 (the target) and 1 (the wrong well) with energy gap ``g = E_1 - E_0`` in kT, a
controllable function of time. It starts in equilibrium at ``g = 0`` (``p = P(wrong well) = 1/2``),
must end with ``p(tau) = eps`` after the time ``tau``, and the gap returns to 0 at ``tau`` (as it
must for a memory that is erased again and again). End-point jumps of ``g`` are allowed. Writing
``q = 1 / (1 + e^g)`` for the equilibrium of the current gap, the work is

``W = -int g dp = ln 2 - h(eps) + Sigma``,

the Landauer term :func:`landauer_term` plus the total entropy production ``Sigma >= 0`` (all in kT;
``h`` the binary entropy in nats). Two device models, each with an exact optimum in closed form
(obtained from the first integral of the Euler-Lagrange equation, since the Lagrangian of
``Sigma`` does not depend on time; the result is given parametrically and the one constant is
found by a root search on ``tau``):

* **fixed total rate** :func:`erasure_fixed_rate`: ``k_01 + k_10 = Gamma`` whatever the gap. This
  is the paper law (Chen et al. 2026, Eq. 5-7) with the barrier held at ``E0``, ``Gamma = 2 J_max
  e^-E0``, and the single-level quantum dot of Esposito, Kawai, Lindenberg & Van den Broeck,
  "Finite-time thermodynamics for a single-level quantum dot", EPL 89, 20003 (2010).
* **rate cap** :func:`erasure_rate_cap`: every rate ``<= J_max`` with barrier and gap free. The
  optimum holds the downhill rate at the cap, ``k_10 = J_max``, ``k_01 = J_max e^-g``: for the
  Arrhenius law the barrier top sits at the upper well (``E0 = g / 2``); the paper law capped at
  ``J_max`` gives the same pair of rates.

In both, ``dp/dt >= -rate * p`` (``rate`` = ``Gamma`` or ``J_max``), so errors below ``e^(-rate tau)
/ 2`` are infeasible: :func:`erasure_min_time` is the least time, reached only with an infinite gap.

The bounds beside them: the Landauer term; the slow-driving limit ``Sigma -> L^2 / tau`` with the
thermodynamic length ``L`` of the path (Sivak & Crooks, PRL 108, 190602 (2012)),
:func:`thermodynamic_length`; and the speed limit ``Sigma >= D^2 / (2 A)`` in the total activity
``A`` and the l1 distance ``D`` travelled (Shiraishi, Funo & Saito, PRL 121, 070601 (2018)),
:func:`activity_speed_limit`.

Times are in units of ``1 / Gamma`` (fixed rate) or ``1 / J_max`` (rate cap) unless a rate is given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from ._validation import as_float_array, check_interval, check_positive, check_scalar, scalar_or_array

__all__ = [
    "DEVICES",
    "ErasureOptimum",
    "activity_speed_limit",
    "binary_entropy",
    "erasure_fixed_rate",
    "erasure_min_time",
    "erasure_optimum",
    "erasure_rate_cap",
    "landauer_term",
    "slow_driving_work",
    "thermodynamic_length",
]

#: Device models with a closed-form optimum.
DEVICES = ("fixed_rate", "rate_cap")

_LN2 = math.log(2.0)


def _eps(name: str, eps) -> np.ndarray:
    return check_interval(name, eps, 0.0, 0.5)


def binary_entropy(p):
    """``h(p) = -p ln p - (1 - p) ln(1 - p)`` in nats, for ``p`` in [0, 1].

    Parameters
    ----------
    p : float or array_like
        Probability, in [0, 1] (``h(0) = h(1) = 0``).

    Returns
    -------
    float or numpy.ndarray
        ``h(p)`` in nats, a float for a scalar ``p``.

    Raises
    ------
    ValueError
        If ``p`` lies outside [0, 1] or is NaN.
    TypeError
        If ``p`` is not real.

    Examples
    --------
    >>> from stochlim.finite_time import binary_entropy
    >>> print(f"{binary_entropy(0.5):.6f}")  # ln 2
    0.693147
    >>> binary_entropy([0.0, 1.0]).tolist() == [0.0, 0.0]
    True
    """
    x = check_interval("p", p, 0.0, 1.0, closed_low=True, closed_high=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = -(np.where(x > 0, x * np.log(x), 0.0) + np.where(x < 1, (1 - x) * np.log1p(-x), 0.0))
    return scalar_or_array(out)


def landauer_term(eps):
    """Least work ``ln 2 - h(eps)`` (kT) to erase a bit to error ``eps`` in (0, 1/2), any time.

    The quasi-static limit of both device models (Landauer 1961 with a finite error; e.g.
    Proesmans, Ehrich & Bechhoefer, PRL 125, 100602 (2020)).

    Parameters
    ----------
    eps : float or array_like
        Final error ``P(wrong well)``, in (0, 1/2).

    Returns
    -------
    float or numpy.ndarray
        ``ln 2 - h(eps)`` in kT.

    Raises
    ------
    ValueError
        If ``eps`` lies outside (0, 1/2) or is NaN.

    Examples
    --------
    >>> import math
    >>> from stochlim.finite_time import landauer_term
    >>> print(f"{landauer_term(1e-3):.6f}")
    0.685240
    >>> bool(abs(landauer_term(1e-12) - math.log(2)) < 1e-10)  # perfect erasure costs ln 2
    True
    """
    e = _eps("eps", eps)
    return scalar_or_array(_LN2 - np.asarray(binary_entropy(e)))


def erasure_min_time(eps, *, rate=1.0):
    """Least time ``ln(1 / (2 eps)) / rate`` to erase to error ``eps``, for both device models.

    ``rate`` is ``Gamma`` (fixed total rate) or ``J_max`` (rate cap). It is reached only in the
    limit of an infinite gap (``dp/dt = -rate * p``); any ``tau`` above it is feasible.

    Parameters
    ----------
    eps : float or array_like
        Final error, in (0, 1/2).
    rate : float, optional
        ``Gamma`` or ``J_max`` (> 0); the result is in units of ``1 / rate``.

    Returns
    -------
    float or numpy.ndarray
        ``ln(1 / (2 eps)) / rate``.

    Raises
    ------
    ValueError
        If ``eps`` lies outside (0, 1/2) or ``rate`` is not positive.

    Examples
    --------
    >>> from stochlim.finite_time import erasure_min_time
    >>> print(f"{erasure_min_time(0.01):.6f}")  # ln 50
    3.912023
    >>> print(f"{erasure_min_time(0.01, rate=2.0):.6f}")
    1.956012
    """
    e = _eps("eps", eps)
    j = check_positive("rate", rate)
    return scalar_or_array(np.log(0.5 / e) / j)


def thermodynamic_length(eps, device="fixed_rate"):
    """Thermodynamic length ``L`` of the erasure path ``p: 1/2 -> eps``, in sqrt(time units).

    Near equilibrium ``Sigma = int dp^2 / (rate * m(p)) dt`` with ``m(p) = p (1 - p)`` for the fixed
    total rate (``L = pi/2 - 2 arcsin(sqrt(eps))``) and ``m(p) = p`` for the rate cap (``L =
    sqrt(2) - 2 sqrt(eps)``), so the least ``Sigma`` in time ``tau`` tends to ``L^2 / tau``
    (Sivak & Crooks 2012).

    Parameters
    ----------
    eps : float or array_like
        Final error, in (0, 1/2).
    device : {"fixed_rate", "rate_cap"}, optional
        Device model (:data:`DEVICES`).

    Returns
    -------
    float or numpy.ndarray
        ``L``, in ``sqrt(1 / rate)``.

    Raises
    ------
    ValueError
        If ``eps`` lies outside (0, 1/2), or ``device`` is not one of :data:`DEVICES`.

    Examples
    --------
    >>> import math
    >>> from stochlim.finite_time import thermodynamic_length
    >>> print(f"{thermodynamic_length(0.25):.6f}")  # pi/2 - 2 arcsin(1/2) = pi/6
    0.523599
    >>> print(f"{thermodynamic_length(0.25, 'rate_cap'):.6f}")  # sqrt(2) - 1
    0.414214
    """
    e = _eps("eps", eps)
    if device == "fixed_rate":
        return scalar_or_array(0.5 * np.pi - 2.0 * np.arcsin(np.sqrt(e)))
    if device == "rate_cap":
        return scalar_or_array(math.sqrt(2.0) - 2.0 * np.sqrt(e))
    raise ValueError(f"device must be one of {DEVICES}: got {device!r}")


def slow_driving_work(eps, tau, device="fixed_rate"):
    """Slow-driving approximation ``ln 2 - h(eps) + L^2 / tau`` of the least work (kT).

    Exact to first order in ``1 / tau``; the true minimum approaches it from above as ``tau`` grows.

    Parameters
    ----------
    eps : float or array_like
        Final error, in (0, 1/2).
    tau : float or array_like
        Duration (> 0), in units of ``1 / rate``.
    device : {"fixed_rate", "rate_cap"}, optional
        Device model (:data:`DEVICES`).

    Returns
    -------
    float or numpy.ndarray
        ``ln 2 - h(eps) + L^2 / tau`` in kT.

    Raises
    ------
    ValueError
        If ``tau`` is not positive, ``eps`` lies outside (0, 1/2), or ``device`` is not one of
        :data:`DEVICES`.

    Examples
    --------
    >>> from stochlim.finite_time import erasure_fixed_rate, slow_driving_work
    >>> approx = slow_driving_work(0.1, 100.0)
    >>> exact = erasure_fixed_rate(0.1, 100.0).work
    >>> print(f"{approx:.4f} {exact:.4f}")
    0.3767 0.3767
    """
    t = check_positive("tau", tau)
    return scalar_or_array(np.asarray(landauer_term(eps)) + np.asarray(thermodynamic_length(eps, device)) ** 2 / t)


def activity_speed_limit(distance, activity):
    """Least entropy production ``D^2 / (2 A)`` (k_B) of a change ``D = sum_x |p_x(tau) - p_x(0)|``.

    Shiraishi, Funo & Saito (2018): ``tau >= D^2 / (2 Sigma <A>)`` with ``A = tau <A>`` the total
    mean number of jumps. For erasure ``D = 1 - 2 eps``; ``A <= Gamma tau`` (fixed rate) or
    ``J_max tau`` (rate cap) gives a bound on ``Sigma`` that needs no solution at all.

    Parameters
    ----------
    distance : float or array_like
        l1 distance ``D`` between the initial and final distributions, in [0, 2].
    activity : float or array_like
        Total mean number of jumps ``A`` (> 0).

    Returns
    -------
    float or numpy.ndarray
        ``D^2 / (2 A)``, a lower bound on the entropy production in k_B.

    Raises
    ------
    ValueError
        If ``distance`` lies outside [0, 2] or ``activity`` is not positive.

    Examples
    --------
    >>> from stochlim.finite_time import activity_speed_limit, erasure_fixed_rate
    >>> eps, tau = 0.1, 5.0
    >>> bound = activity_speed_limit(1 - 2 * eps, tau)  # A <= Gamma tau with Gamma = 1
    >>> print(f"{bound:.3f}")
    0.064
    >>> bool(erasure_fixed_rate(eps, tau).entropy_production >= bound)
    True
    """
    d = check_interval("distance", distance, 0.0, 2.0, closed_low=True, closed_high=True)
    a = check_positive("activity", activity)
    return scalar_or_array(d**2 / (2.0 * a))


@dataclass(frozen=True)
class ErasureOptimum:
    """The exact least-work erasure of a bit from ``p = 1/2`` to ``eps`` in time ``tau``.

    Attributes
    ----------
    device : str
        ``"fixed_rate"`` or ``"rate_cap"``.
    eps, tau, rate : float
        Final error, duration and the rate (``Gamma`` or ``J_max``) that sets the time unit.
    work : float
        Least mean work in kT, gap returned to 0 at the end.
    entropy_production : float
        ``work - landauer_term(eps)``, k_B.
    constant : float
        The first integral ``C`` of the Euler-Lagrange equation that fixes the solution.

    Made by :func:`erasure_fixed_rate`, :func:`erasure_rate_cap` or :func:`erasure_optimum`, not by
    hand.

    Examples
    --------
    >>> from stochlim.finite_time import erasure_fixed_rate
    >>> opt = erasure_fixed_rate(0.1, 5.0)
    >>> print(f"{opt.probability(0.0):.6f} {opt.probability(5.0):.6f}")
    0.500000 0.100000
    >>> bool(opt.gap(2.5) > 0)
    True
    """

    device: str
    eps: float
    tau: float
    rate: float
    work: float
    entropy_production: float
    constant: float

    # -- the optimal path, parametrised by psi (fixed rate) or w (rate cap), decreasing in time ----
    def _of_p(self, p):
        c = self.constant
        if self.device == "fixed_rate":
            # p = 1/2 - sqrt(1 + C)/2 cos(psi + alpha), alpha = arctan sqrt(C)
            alpha = math.atan(math.sqrt(c))
            return np.arccos((1.0 - 2.0 * p) / math.sqrt(1.0 + c)) - alpha
        return 2.0 * p / (math.sqrt(c) + np.sqrt(c + 4.0 * p))  # p = w^2 + sqrt(C) w

    def _clock(self, x):
        """Dimensionless time ``rate * t`` (up to a constant) at path parameter ``x``."""
        rc = math.sqrt(self.constant)
        if self.device == "fixed_rate":
            return -(x / rc + np.log(np.sin(x)))
        return -(2.0 * x / rc + np.log(x))

    def _parameter_at(self, t) -> np.ndarray:
        tt = as_float_array("t", t)
        if np.any((tt < 0) | (tt > self.tau * (1 + 1e-12))):
            raise ValueError(f"t must lie in [0, tau = {self.tau!r}]")
        x_i, x_f = float(self._of_p(0.5)), float(self._of_p(self.eps))
        s_i = float(self._clock(x_i))
        out = np.empty(tt.shape)
        for idx, ti in np.ndenumerate(tt):
            target = s_i + self.rate * min(float(ti), self.tau)
            if target <= s_i:
                out[idx] = x_i
            elif ti >= self.tau:
                out[idx] = x_f
            else:
                out[idx] = brentq(lambda x, s=target: float(self._clock(x)) - s, x_f, x_i, xtol=1e-15, rtol=1e-15)
        return out

    def probability(self, t):
        """``p(t) = P(wrong well)`` on the optimal path, ``t`` in [0, tau].

        Parameters
        ----------
        t : float or array_like
            Times in [0, tau].

        Returns
        -------
        float or numpy.ndarray
            ``p(t)``, from 1/2 at ``t = 0`` to ``eps`` at ``tau``.

        Raises
        ------
        ValueError
            If a time lies outside [0, tau].

        Examples
        --------
        >>> from stochlim.finite_time import erasure_rate_cap
        >>> p = erasure_rate_cap(0.05, 4.0).probability([0.0, 2.0, 4.0])
        >>> bool(p[0] > p[1] > p[2]), round(float(p[2]), 6)
        (True, 0.05)
        """
        x = self._parameter_at(t)
        c = self.constant
        if self.device == "fixed_rate":
            return scalar_or_array(0.5 - 0.5 * math.sqrt(1.0 + c) * np.cos(x + math.atan(math.sqrt(c))))
        return scalar_or_array(x * x + math.sqrt(c) * x)

    def gap(self, t):
        """Optimal gap ``g(t) = E_1 - E_0`` (kT) inside ``(0, tau)``; ``g = 0`` before and after.

        At ``t = 0`` and ``t = tau`` this returns the limits from inside (the end-point jumps).

        Parameters
        ----------
        t : float or array_like
            Times in [0, tau].

        Returns
        -------
        float or numpy.ndarray
            ``g(t)`` in kT.

        Raises
        ------
        ValueError
            If a time lies outside [0, tau].

        Examples
        --------
        >>> import numpy as np
        >>> from stochlim.finite_time import erasure_fixed_rate
        >>> g = erasure_fixed_rate(0.1, 5.0).gap(np.linspace(0.0, 5.0, 5))
        >>> g.shape, bool(np.all(g > 0))
        ((5,), True)
        """
        x = self._parameter_at(t)
        if self.device == "fixed_rate":  # q = sin^2(psi / 2), g = -logit(q)
            return scalar_or_array(-2.0 * np.log(np.tan(0.5 * x)))
        # k_01 / k_10 = e^-g = u / (1 - p) with u = w^2
        p = x * x + math.sqrt(self.constant) * x
        return scalar_or_array(np.log1p(-p) - 2.0 * np.log(x))

    def barrier(self, t, rate_law="arrhenius"):
        """Barrier ``E0(t)`` (kT) that realises the rate cap with ``J_max = rate`` (rate cap only).

        ``"arrhenius"``: ``E0 = g / 2`` (top at the upper well); ``"paper"``: ``E0 = ln(2 / (1 +
        e^-g))``, both making the downhill rate exactly ``J_max``.

        Parameters
        ----------
        t : float or array_like
            Times in [0, tau].
        rate_law : {"arrhenius", "paper"}, optional
            Rate law the barrier is for.

        Returns
        -------
        float or numpy.ndarray
            ``E0(t)`` in kT.

        Raises
        ------
        ValueError
            If the optimum is not the rate-cap one, ``rate_law`` is unknown, or a time lies
            outside [0, tau].

        Examples
        --------
        >>> from stochlim.finite_time import erasure_rate_cap
        >>> opt = erasure_rate_cap(0.05, 4.0)
        >>> bool(abs(opt.barrier(2.0) - opt.gap(2.0) / 2) < 1e-12)
        True
        """
        if self.device != "rate_cap":
            raise ValueError("barrier(t) is defined for the rate-cap optimum; the fixed-rate one holds E0")
        g = np.asarray(self.gap(t))
        if rate_law == "arrhenius":
            return scalar_or_array(0.5 * g)
        if rate_law == "paper":
            return scalar_or_array(_LN2 - np.logaddexp(0.0, -g))
        raise ValueError(f"rate_law must be 'paper' or 'arrhenius': got {rate_law!r}")


def _duration_fixed_rate(c: float, eps: float) -> tuple[float, float, float]:
    """``Gamma tau``, ``psi_i`` and ``psi_f`` for the constant ``C`` (fixed total rate)."""
    rc = math.sqrt(c)
    psi_i = math.atan2(1.0, rc)
    psi_f = psi_i - math.asin((1.0 - 2.0 * eps) / math.sqrt(1.0 + c))
    return (psi_i - psi_f) / rc + math.log(math.sin(psi_i) / math.sin(psi_f)), psi_i, psi_f


def _work_fixed_rate(c: float, psi_i: float, psi_f: float) -> float:
    """``W = int_{psi_i}^{psi_f} ln tan(psi/2) (sin psi + sqrt(C) cos psi) dpsi`` in closed form."""
    rc = math.sqrt(c)

    def antiderivative(x):
        lt = math.log(math.tan(0.5 * x))
        return -math.cos(x) * lt + math.log(math.sin(x)) + rc * (math.sin(x) * lt - x)

    return antiderivative(psi_f) - antiderivative(psi_i)


def _w_of_p(c: float, p: float) -> float:
    return 2.0 * p / (math.sqrt(c) + math.sqrt(c + 4.0 * p))


def _duration_rate_cap(c: float, eps: float) -> float:
    rc = math.sqrt(c)
    w_i, w_f = _w_of_p(c, 0.5), _w_of_p(c, eps)
    return 2.0 * (w_i - w_f) / rc + math.log(w_i / w_f)


def _sigma_rate_cap(c: float, eps: float) -> float:
    """``Sigma = [p ln(1 + sqrt(C)/w) + sqrt(C) w]`` from ``w_f`` to ``w_i``."""
    rc = math.sqrt(c)

    def f(p):
        w = _w_of_p(c, p)
        return p * math.log1p(rc / w) + rc * w

    return f(0.5) - f(eps)


def _feasible_inputs(eps, tau, rate_name: str, rate, what: str) -> tuple[float, float, float]:
    """Validated ``(eps, tau, rate)``; ValueError with the least feasible time when ``tau`` is too short."""
    e = check_scalar("eps", eps, _eps)
    t = check_scalar("tau", tau, check_positive)
    r = check_scalar(rate_name, rate, check_positive)
    t_min = float(erasure_min_time(e, rate=r))
    if t <= t_min * (1 + 1e-9):
        raise ValueError(
            f"eps = {e:g} is infeasible in tau = {t:g} {what} = {r:g}: the least feasible "
            f"time is ln(1/(2 eps)) / {r:g} = {t_min:.6g}"
        )
    return e, t, r


def _solve_constant(duration, target: float) -> float:
    """The constant ``C`` with ``duration(C) = target`` (duration decreasing in ``C``)."""
    lo, hi = -120.0, 120.0
    def f(u):
        return duration(math.exp(u)) - target
    if f(lo) < 0 or f(hi) > 0:
        raise ValueError(f"tau = {target!r} (in units of the rate) is outside the range this solver covers")
    return math.exp(brentq(f, lo, hi, xtol=1e-14, rtol=1e-15, maxiter=500))


def erasure_fixed_rate(eps, tau, *, rate=1.0) -> ErasureOptimum:
    """Exact least-work erasure ``1/2 -> eps`` in time ``tau`` with ``k_01 + k_10 = rate`` fixed.

    With ``s = rate * t`` and ``v = dp/ds = q - p`` the entropy production is ``int v [logit(p + v)
    - logit(p)] ds``; its first integral ``v^2 / (q (1 - q)) = C`` gives, with ``q = sin^2(psi/2)``,
    ``p = 1/2 - sqrt(1 + C)/2 cos(psi + arctan sqrt(C))`` and ``s = -(psi / sqrt(C) + ln sin psi)``,
    and the work ``W = [ -cos psi ln tan(psi/2) + ln sin psi + sqrt(C) (sin psi ln tan(psi/2) -
    psi) ]`` between the end values of ``psi`` (Esposito et al. 2010 solve the same problem for a
    quantum dot).

    Parameters
    ----------
    eps : float
        Final error, in (0, 1/2).
    tau : float
        Duration (> 0) in the time unit of ``rate``.
    rate : float, optional
        Total rate ``Gamma`` (> 0); the paper law with barrier ``E0`` has ``Gamma = 2 J_max e^-E0``.

    Returns
    -------
    ErasureOptimum
        The least work, entropy production and optimal path.

    Raises
    ------
    ValueError
        When ``tau`` is at or below the least feasible time :func:`erasure_min_time`; when ``eps``
        lies outside (0, 1/2), ``tau`` or ``rate`` is not a single positive number.

    Examples
    --------
    >>> from stochlim.finite_time import erasure_fixed_rate, landauer_term
    >>> opt = erasure_fixed_rate(0.1, 5.0)
    >>> print(f"{opt.work:.6f}")
    0.563672
    >>> bool(opt.work > landauer_term(0.1))
    True
    """
    e, t, g = _feasible_inputs(eps, tau, "rate", rate, "with the total rate Gamma")
    c = _solve_constant(lambda c: _duration_fixed_rate(c, e)[0], g * t)
    _, psi_i, psi_f = _duration_fixed_rate(c, e)
    work = _work_fixed_rate(c, psi_i, psi_f)
    return ErasureOptimum("fixed_rate", e, t, g, work, work - float(landauer_term(e)), c)


def erasure_rate_cap(eps, tau, *, J_max=1.0) -> ErasureOptimum:
    """Exact least-work erasure ``1/2 -> eps`` in time ``tau`` with every rate ``<= J_max``.

    With the downhill rate at the cap, ``v = dp/ds = u - p`` (``u = e^-g (1 - p)``, ``s = J_max t``)
    and ``Sigma = int v ln(u / p) ds``, the first integral ``v^2 / u = C`` gives ``p = w^2 +
    sqrt(C) w`` (``w = sqrt(u)``), ``s = -(2 w / sqrt(C) + ln w)`` and ``Sigma = [p ln(1 + sqrt(C) /
    w) + sqrt(C) w]`` from ``w(eps)`` to ``w(1/2)``.

    Parameters
    ----------
    eps : float
        Final error, in (0, 1/2).
    tau : float
        Duration (> 0) in units of ``1 / J_max``.
    J_max : float, optional
        The rate cap (> 0).

    Returns
    -------
    ErasureOptimum
        The least work, entropy production and optimal path.

    Raises
    ------
    ValueError
        When ``tau`` is at or below the least feasible time :func:`erasure_min_time`; when ``eps``
        lies outside (0, 1/2), ``tau`` or ``J_max`` is not a single positive number.

    Examples
    --------
    >>> from stochlim.finite_time import erasure_fixed_rate, erasure_rate_cap
    >>> cap = erasure_rate_cap(0.1, 5.0)
    >>> print(f"{cap.work:.6f}")
    0.515666
    >>> bool(cap.work < erasure_fixed_rate(0.1, 5.0).work)  # a free barrier helps
    True
    """
    e, t, j = _feasible_inputs(eps, tau, "J_max", J_max, "under the rate cap J_max")
    c = _solve_constant(lambda c: _duration_rate_cap(c, e), j * t)
    sigma = _sigma_rate_cap(c, e)
    return ErasureOptimum("rate_cap", e, t, j, float(landauer_term(e)) + sigma, sigma, c)


def erasure_optimum(eps, tau, device="fixed_rate", *, rate=1.0) -> ErasureOptimum:
    """:func:`erasure_fixed_rate` or :func:`erasure_rate_cap` by name (``rate`` is Gamma or J_max).

    Parameters
    ----------
    eps : float
        Final error, in (0, 1/2).
    tau : float
        Duration (> 0) in units of ``1 / rate``.
    device : {"fixed_rate", "rate_cap"}, optional
        Device model (:data:`DEVICES`).
    rate : float, optional
        ``Gamma`` (fixed rate) or ``J_max`` (rate cap), > 0.

    Returns
    -------
    ErasureOptimum
        As returned by the function for ``device``.

    Raises
    ------
    ValueError
        If ``device`` is not one of :data:`DEVICES`, or as :func:`erasure_fixed_rate` and
        :func:`erasure_rate_cap` raise.

    Examples
    --------
    >>> from stochlim.finite_time import erasure_optimum, erasure_rate_cap
    >>> erasure_optimum(0.1, 5.0, "rate_cap") == erasure_rate_cap(0.1, 5.0)
    True
    """
    if device == "fixed_rate":
        return erasure_fixed_rate(eps, tau, rate=rate)
    if device == "rate_cap":
        return erasure_rate_cap(eps, tau, J_max=rate)
    raise ValueError(f"device must be one of {DEVICES}: got {device!r}")
