"""Rate laws of a thermally activated memory, Chen et al. (2026), Eq. 3-8 (corrected).

All energies are in units of kT and all rates in the units of ``J_max``. Functions broadcast over
numpy arrays and work in log-space with the tanh forms, so that they neither overflow nor return
NaN for the huge biases of the paper's schedules (``dE = 2^16 / sqrt(n)`` and beyond).

A memory holds a value as the energy difference ``dE`` between two wells separated by a barrier
``E0``, measured from the mean of the two well energies. With ``J0 = J_max exp(-E0)``:

* ``"paper"`` law (Eq. 5-7; Glauber/Fermi form): ``J+ + J- = 2 J0`` and ``J+ / J- = exp(dE)``, so
  ``J+ = 2 J0 / (1 + exp(-dE))`` and ``J- = 2 J0 / (1 + exp(dE))``.
* ``"arrhenius"`` law: ``J+- = J_max exp(-(E0 -+ dE/2))``, the barrier seen from each well.

Both satisfy local detailed balance ``J+ / J- = exp(dE)``. The printed Eq. 7-8 carry a sign error
(their bracket is ``-tanh(dE/2)``); the corrected forms are used here, see ``docs/errata.md``.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.special

from ._deprecation import renamed_kwarg
from ._validation import as_float_array, check_interval, check_positive, scalar_or_array

__all__ = [
    "RATE_LAWS",
    "log_tanh_half",
    "net_rate",
    "barrier_for_rate",
    "log_hop_rates",
    "log_hop_rates_unchecked",
    "check_rate_law",
    "log_rate_prefactor",
    "hop_rates",
    "log_hop_rate_bias_slope",
]

#: Names of the supported rate laws.
RATE_LAWS = ("paper", "arrhenius")

_LN2 = float(np.log(2.0))


def log_tanh_half(dE):
    """``ln tanh(dE / 2)`` for ``dE > 0`` without overflow, underflow or cancellation.

    Uses ``tanh(x/2) = (1 - e^-x) / (1 + e^-x)``, i.e.
    ``ln tanh(x/2) = ln(-expm1(-x)) - log1p(e^-x)``, accurate from ``dE = 1e-300`` to ``1e300``.

    Parameters
    ----------
    dE : float or array_like
        Bias in kT, > 0 (``dE = 0`` gives ``-inf``; a negative ``dE`` gives NaN, as ``ln`` of a
        negative number: the argument is not checked, callers validate it).

    Returns
    -------
    ndarray
        ``ln tanh(dE / 2)``, shaped like ``dE`` (a 0-d array for a scalar).

    Raises
    ------
    ValueError
        If ``dE`` cannot be converted to float64 (numpy's own message).

    Examples
    --------
    >>> import numpy as np
    >>> from stochlim.physics import log_tanh_half
    >>> bool(np.isclose(log_tanh_half(2.0), np.log(np.tanh(1.0))))
    True
    >>> print(f"{log_tanh_half(1e-300):.6g}")  # ln(5e-301), where tanh itself underflows
    -691.469
    >>> float(log_tanh_half(1e300))
    0.0
    """
    d = np.asarray(dE, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.log(-np.expm1(-d)) - np.log1p(np.exp(-d))


def net_rate(E0, dE, *, J_max=1.0):
    """Net update rate across a barrier, Eq. 7 (sign corrected).

    ``J = J+ - J- = 2 J_max exp(-E0) tanh(dE / 2)`` (energies in kT). This is the net rate of the
    ``"paper"`` law; the ``"arrhenius"`` law gives ``2 J_max exp(-E0) sinh(dE / 2)`` instead.

    Parameters
    ----------
    E0 : float or array_like
        Barrier height in kT, measured from the mean of the two well energies.
    dE : float or array_like
        Energy difference between the wells in kT (any sign; the rate has its sign).
    J_max : float, optional
        Attempt (maximum switching) rate, > 0; sets the unit of the result.

    Returns
    -------
    float or ndarray
        Net rate in units of ``J_max``'s unit; ``|J| < 2 J_max exp(-E0)``.

    Raises
    ------
    TypeError
        If ``E0``, ``dE`` or ``J_max`` is not a real number or an array of them.
    ValueError
        If ``E0`` or ``dE`` is NaN, infinite or empty, if ``J_max`` is not positive, or if ``E0``
        is so negative that the rate overflows float64.

    Examples
    --------
    >>> import numpy as np
    >>> from stochlim.physics import net_rate
    >>> print(f"{net_rate(10.0, 2.0):.6g}")  # 2 e^-10 tanh(1)
    6.91526e-05
    >>> bool(np.allclose(net_rate(0.0, [1.0, -1.0]), [2 * np.tanh(0.5), -2 * np.tanh(0.5)]))
    True
    """
    e0 = as_float_array("E0", E0)
    de = as_float_array("dE", dE)
    jmax = check_positive("J_max", J_max)
    log_prefactor = np.log(2.0 * jmax) - e0
    if np.any(log_prefactor > 709.0):
        raise ValueError("E0 is so negative that the rate overflows float64; use log_hop_rates")
    return scalar_or_array(np.exp(log_prefactor) * np.tanh(de / 2.0))


def barrier_for_rate(r, dE):
    """Barrier height that gives normalised net rate ``r = J / J_max`` at bias ``dE``, Eq. 8.

    ``E0 = ln[(2 / r) tanh(dE / 2)]`` in kT (Eq. 8 with its sign corrected), the inverse of
    :func:`net_rate`. Limits (text after Eq. 8): ``E0 -> ln 2`` as ``r -> 1`` and ``dE -> inf``
    (numerically the Landauer value ``kT ln 2``); ``dE = inf`` itself is accepted and gives the
    limit ``E0 = ln(2 / r)`` exactly; ``E0 = 0`` at ``dE = ln((2 + r) / (2 - r))``.
    A negative result means the rate ``r`` cannot be reached at that bias with a non-negative
    barrier (the inadmissible region of Fig. 3A lies below the ``r = 1`` curve).

    Parameters
    ----------
    r : float or array_like
        Normalised net update rate ``J / J_max`` in (0, 1].
    dE : float or array_like
        Bias between the wells in kT, in (0, inf] (the update is driven down the bias).

    Returns
    -------
    float or ndarray
        Barrier height ``E0`` in kT.

    Raises
    ------
    TypeError
        If ``r`` or ``dE`` is not a real number or an array of them.
    ValueError
        If ``r`` is NaN or outside (0, 1], or if ``dE`` is NaN, empty or not positive.

    Examples
    --------
    >>> from stochlim.physics import barrier_for_rate, net_rate
    >>> print(f"{barrier_for_rate(0.5, 4.0):.6g}")  # ln(4 tanh 2)
    1.34966
    >>> round(net_rate(barrier_for_rate(0.5, 4.0), 4.0), 12)  # the inverse of net_rate
    0.5
    >>> print(f"{barrier_for_rate(1.0, 50.0):.6g}")  # the Landauer limit ln 2
    0.693147
    >>> print(f"{barrier_for_rate(0.25, float('inf')):.6g}")  # the limit ln(2 / r), reached
    2.07944
    """
    rr = check_interval("r", r, 0.0, 1.0, closed_high=True)
    de = check_positive("dE", dE, allow_inf=True)
    return scalar_or_array(_LN2 - np.log(rr) + log_tanh_half(de))


def check_rate_law(rate_law) -> str:
    """``rate_law`` checked against :data:`RATE_LAWS` (``ValueError`` naming the argument otherwise).

    Parameters
    ----------
    rate_law : str
        Name of a rate law.

    Returns
    -------
    str
        ``rate_law`` unchanged.

    Raises
    ------
    ValueError
        If ``rate_law`` is not a string in :data:`RATE_LAWS`.

    Examples
    --------
    >>> from stochlim.physics import check_rate_law
    >>> check_rate_law("arrhenius")
    'arrhenius'
    >>> check_rate_law("kramers")
    Traceback (most recent call last):
    ...
    ValueError: rate_law must be one of ('paper', 'arrhenius'): got 'kramers'
    """
    if not isinstance(rate_law, str) or rate_law not in RATE_LAWS:
        raise ValueError(f"rate_law must be one of {RATE_LAWS}: got {rate_law!r}")
    return rate_law


def log_rate_prefactor(J_max: float, rate_law: str) -> float:
    """``ln`` of the rate prefactor at zero barrier and bias: ``ln(2 J_max)`` for ``"paper"``
    (Eq. 5-7: ``k+ + k- = 2 J_max e^-E0``), ``ln J_max`` for ``"arrhenius"``. Unchecked.

    Parameters
    ----------
    J_max : float
        Attempt rate, > 0 (not checked).
    rate_law : {"paper", "arrhenius"}
        Rate law (not checked: any other name is treated as ``"arrhenius"``).

    Returns
    -------
    float
        The log prefactor.

    Raises
    ------
    ValueError
        If ``J_max`` is not positive (``math.log``'s "math domain error").

    Examples
    --------
    >>> from stochlim.physics import log_rate_prefactor
    >>> print(f"{log_rate_prefactor(1.0, 'paper'):.6g}")  # ln 2
    0.693147
    >>> print(f"{log_rate_prefactor(2.0, 'arrhenius'):.6g}")  # ln 2 again
    0.693147
    """
    return math.log(J_max) + (_LN2 if rate_law == "paper" else 0.0)


def log_hop_rates_unchecked(e0, de, log_jmax: float, rate_law: str):
    """:func:`log_hop_rates` without validation, for internal hot paths.

    ``e0`` and ``de`` are float arrays (or floats), ``log_jmax = ln J_max``, ``rate_law`` one of
    :data:`RATE_LAWS`; returns arrays (no conversion to Python floats).

    Parameters
    ----------
    e0 : float or ndarray
        Barrier height(s) in kT (not checked).
    de : float or ndarray
        Bias(es) in kT (not checked).
    log_jmax : float
        ``ln J_max``.
    rate_law : {"paper", "arrhenius"}
        Rate law (not checked: any name but ``"paper"`` gives the Arrhenius rates).

    Returns
    -------
    (log_fwd, log_bwd) : tuple of float or ndarray
        Logs of the forward and backward hop rates, broadcast from ``e0`` and ``de``.

    Notes
    -----
    Nothing is checked, so nothing is raised: NaN in gives NaN out. Use :func:`log_hop_rates` for
    user input.

    Examples
    --------
    >>> import numpy as np
    >>> from stochlim.physics import log_hop_rates, log_hop_rates_unchecked
    >>> fwd, bwd = log_hop_rates_unchecked(np.array([0.0, 1.0]), np.array([2.0, 2.0]), 0.0, "paper")
    >>> bool(np.allclose(fwd - bwd, 2.0))  # local detailed balance
    True
    >>> bool(np.allclose(fwd, log_hop_rates([0.0, 1.0], 2.0)[0]))
    True
    """
    if rate_law == "paper":
        base = _LN2 + log_jmax - e0
        return base - np.logaddexp(0.0, -de), base - np.logaddexp(0.0, de)
    return log_jmax - e0 + de / 2.0, log_jmax - e0 - de / 2.0


_PAPER = "paper"


def log_hop_rates(E0, dE, *, J_max=1.0, rate_law=_PAPER, law=None):
    """Natural logarithms of the forward and backward hop rates (see :func:`hop_rates`).

    Finite for every finite input, however large the barrier or bias. ``law`` is the deprecated
    spelling of ``rate_law``.

    Parameters
    ----------
    E0 : float or array_like
        Barrier height in kT from the mean of the two well energies.
    dE : float or array_like
        Bias in kT.
    J_max : float, optional
        Attempt rate, > 0.
    rate_law : {"paper", "arrhenius"}, optional
        Rate law.
    law : str, optional
        Deprecated spelling of ``rate_law`` (warns with ``DeprecationWarning``).

    Returns
    -------
    (log_fwd, log_bwd) : tuple of float or ndarray
        Natural logs of the forward and backward rates, in the unit of ``J_max``.

    Raises
    ------
    TypeError
        If ``E0``, ``dE`` or ``J_max`` is not a real number or an array of them, or if both
        ``law`` and ``rate_law`` are passed.
    ValueError
        If ``rate_law`` is not in :data:`RATE_LAWS`, if ``E0`` or ``dE`` is NaN, infinite or
        empty, or if ``J_max`` is not positive.

    Examples
    --------
    >>> from stochlim.physics import log_hop_rates
    >>> log_fwd, log_bwd = log_hop_rates(50.0, 1e6)  # exp(1e6) would overflow
    >>> print(f"{log_fwd:.6g} {log_bwd:.7g}")
    -49.3069 -1000049
    >>> log_hop_rates(0.0, 2.0, rate_law="arrhenius")
    (1.0, -1.0)
    """
    rate_law = check_rate_law(renamed_kwarg("log_hop_rates", "law", law, "rate_law", rate_law, _PAPER))
    e0 = as_float_array("E0", E0)
    de = as_float_array("dE", dE)
    log_jmax = float(np.log(check_positive("J_max", J_max)))
    log_fwd, log_bwd = log_hop_rates_unchecked(e0, de, log_jmax, rate_law)
    return scalar_or_array(log_fwd), scalar_or_array(log_bwd)


def hop_rates(E0, dE, *, J_max=1.0, rate_law=_PAPER, law=None):
    """Forward and backward hop rates over a barrier ``E0`` between wells ``dE`` apart.

    The forward hop goes down the bias (it releases ``dE`` as heat); both laws obey local detailed
    balance ``k_fwd / k_bwd = exp(dE)``.

    * ``rate_law="paper"`` (Eq. 5-7): ``k_fwd = 2 J_max e^-E0 / (1 + e^-dE)``,
      ``k_bwd = 2 J_max e^-E0 / (1 + e^dE)``, so ``k_fwd + k_bwd = 2 J0`` and
      ``k_fwd - k_bwd = 2 J0 tanh(dE/2)`` (Eq. 7).
    * ``rate_law="arrhenius"``: ``k_fwd = J_max e^-(E0 - dE/2)``, ``k_bwd = J_max e^-(E0 + dE/2)``;
      net rate ``2 J0 sinh(dE/2)``.

    Parameters
    ----------
    E0 : float or array_like
        Barrier height in kT from the mean of the two well energies.
    dE : float or array_like
        Bias in kT (energy of the upper well minus that of the lower one for ``dE > 0``).
    J_max : float, optional
        Attempt rate, > 0.
    rate_law : {"paper", "arrhenius"}, optional
        Rate law.
    law : str, optional
        Deprecated spelling of ``rate_law``.

    Returns
    -------
    (k_fwd, k_bwd) : tuple of float or ndarray
        Rates in the unit of ``J_max``. They are computed in log-space; a rate that underflows is
        exactly 0 and one that would overflow raises ``ValueError`` (use :func:`log_hop_rates`).

    Raises
    ------
    TypeError
        As :func:`log_hop_rates`: non-real ``E0``, ``dE`` or ``J_max``, or both ``law`` and
        ``rate_law`` passed.
    ValueError
        As :func:`log_hop_rates`, and if a rate overflows float64 (a barrier too low for the bias).

    Examples
    --------
    >>> import numpy as np
    >>> from stochlim.physics import hop_rates, net_rate
    >>> k_fwd, k_bwd = hop_rates(0.0, 2.0)
    >>> print(f"{k_fwd:.6g} {k_bwd:.6g}")
    1.76159 0.238406
    >>> bool(np.isclose(k_fwd / k_bwd, np.exp(2.0)) and np.isclose(k_fwd - k_bwd, net_rate(0.0, 2.0)))
    True
    >>> k_fwd, k_bwd = hop_rates(1.0, 3.0, rate_law="arrhenius")
    >>> print(f"{k_fwd:.6g} {k_bwd:.6g}")  # e^0.5, e^-2.5
    1.64872 0.082085
    """
    rate_law = renamed_kwarg("hop_rates", "law", law, "rate_law", rate_law, _PAPER)
    log_fwd, log_bwd = log_hop_rates(E0, dE, J_max=J_max, rate_law=rate_law)
    if np.any(np.asarray(log_fwd) > 709.0) or np.any(np.asarray(log_bwd) > 709.0):
        raise ValueError("hop rate overflows float64 (barrier too low for the bias); use log_hop_rates")
    return scalar_or_array(np.exp(log_fwd)), scalar_or_array(np.exp(log_bwd))


def log_hop_rate_bias_slope(dE, *, rate_law=_PAPER):
    """``d ln k_fwd / d dE`` of :func:`log_hop_rates` (``d ln k_fwd / d E0`` is always -1).

    ``"paper"``: ``1 / (1 + e^dE)``; ``"arrhenius"``: ``1/2``. The backward rate has the negative
    bias, so its slope is this at ``-dE`` with a minus sign. Used for exact gradients of protocols.

    Parameters
    ----------
    dE : float or array_like
        Bias in kT.
    rate_law : {"paper", "arrhenius"}, optional
        Rate law.

    Returns
    -------
    float or ndarray
        The slope, shaped like ``dE``.

    Raises
    ------
    TypeError
        If ``dE`` is not a real number or an array of them.
    ValueError
        If ``dE`` is NaN, infinite or empty, or ``rate_law`` is not in :data:`RATE_LAWS`.

    Examples
    --------
    >>> import numpy as np
    >>> from stochlim.physics import log_hop_rate_bias_slope, log_hop_rates
    >>> h = 1e-6  # central difference of ln k_fwd at dE = 1.5
    >>> fd = (log_hop_rates(2.0, 1.5 + h)[0] - log_hop_rates(2.0, 1.5 - h)[0]) / (2 * h)
    >>> bool(np.isclose(log_hop_rate_bias_slope(1.5), fd, rtol=1e-6))
    True
    >>> log_hop_rate_bias_slope([1.0, 2.0], rate_law="arrhenius")
    array([0.5, 0.5])
    """
    de = as_float_array("dE", dE)
    if check_rate_law(rate_law) == "paper":
        return scalar_or_array(scipy.special.expit(-de))
    return scalar_or_array(np.full(de.shape, 0.5))
