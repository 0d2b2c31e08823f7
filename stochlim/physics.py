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
    (numerically the Landauer value ``kT ln 2``); ``E0 = 0`` at ``dE = ln((2 + r) / (2 - r))``.
    A negative result means the rate ``r`` cannot be reached at that bias with a non-negative
    barrier (the inadmissible region of Fig. 3A lies below the ``r = 1`` curve).

    Parameters
    ----------
    r : float or array_like
        Normalised net update rate ``J / J_max`` in (0, 1].
    dE : float or array_like
        Bias between the wells in kT, > 0 (the update is driven down the bias).

    Returns
    -------
    float or ndarray
        Barrier height ``E0`` in kT.
    """
    rr = check_interval("r", r, 0.0, 1.0, closed_high=True)
    de = check_positive("dE", as_float_array("dE", dE, allow_inf=True))
    return scalar_or_array(_LN2 - np.log(rr) + log_tanh_half(de))


def check_rate_law(rate_law) -> str:
    """``rate_law`` checked against :data:`RATE_LAWS` (``ValueError`` naming the argument otherwise)."""
    if not isinstance(rate_law, str) or rate_law not in RATE_LAWS:
        raise ValueError(f"rate_law must be one of {RATE_LAWS}: got {rate_law!r}")
    return rate_law


def log_rate_prefactor(J_max: float, rate_law: str) -> float:
    """``ln`` of the rate prefactor at zero barrier and bias: ``ln(2 J_max)`` for ``"paper"``
    (Eq. 5-7: ``k+ + k- = 2 J_max e^-E0``), ``ln J_max`` for ``"arrhenius"``. Unchecked."""
    return math.log(J_max) + (_LN2 if rate_law == "paper" else 0.0)


def log_hop_rates_unchecked(e0, de, log_jmax: float, rate_law: str):
    """:func:`log_hop_rates` without validation, for internal hot paths.

    ``e0`` and ``de`` are float arrays (or floats), ``log_jmax = ln J_max``, ``rate_law`` one of
    :data:`RATE_LAWS`; returns arrays (no conversion to Python floats).
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
    """
    de = as_float_array("dE", dE)
    if check_rate_law(rate_law) == "paper":
        return scalar_or_array(scipy.special.expit(-de))
    return scalar_or_array(np.full(de.shape, 0.5))
