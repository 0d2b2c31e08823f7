"""Energy bounds for training in learning-in-memory hardware, Chen et al. (2026).

All results are in joules. Energies per operation are built from ``kT`` (:mod:`stochlim.units`,
298 K by default) and the precision ``delta`` (``delta = 2^-bits``):

* :func:`lim_energy` - the learning-in-memory bound, Eq. 22-24 and A.11-A.12 (corrected);
* :func:`ceb_energy` - the constant-energy-barrier (CEB) limit ``(F + M) kT ln(1/delta)``;
* :func:`hardware_energy` - the conventional-hardware estimate of Eq. A.1;
* :func:`load_workloads` - the published training workloads behind Fig. 6D.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from importlib import resources

import numpy as np

from ._validation import check_interval, check_positive, scalar_or_array
from .schedules import get_schedule
from .units import DEFAULT_TEMPERATURE, kT

__all__ = [
    "delta_from_bits",
    "retention_energy",
    "lim_energy",
    "ceb_energy",
    "hardware_energy",
    "Workload",
    "load_workloads",
]


#: Natural logs of the largest float64 (1.8e308) and of the smallest normal one (2.2e-308).
_LOG_MAX = math.log(np.finfo(np.float64).max)
_LOG_TINY = math.log(np.finfo(np.float64).tiny)


def _joules(what: str, log_energy, culprits: str, small: str | None = None):
    """``exp(log_energy)``, computed in log-space upstream; refuses energies beyond float64's
    largest number (``culprits`` too large), and below its smallest normal one, where they round to 0 or
    lose precision (``small``, default ``culprits``, too small)."""
    log_energy = np.asarray(log_energy, dtype=np.float64)
    if np.any(log_energy > _LOG_MAX):
        top = float(np.max(log_energy)) / math.log(10.0)
        raise ValueError(f"{what} would be about 1e{top:.0f} J, beyond the largest float64 (1.8e308): "
                         f"{culprits} too large")
    if np.any(log_energy < _LOG_TINY):
        bottom = float(np.min(log_energy)) / math.log(10.0)
        raise ValueError(f"{what} would be about 1e{bottom:.0f} J, below the smallest normal float64 "
                         f"(2.2e-308): {small or culprits} too small")
    return scalar_or_array(np.exp(log_energy))


def _log_kt_barrier(delta, temperature):
    """``log(kT ln(1/delta))`` for ``delta`` in (0, 1)."""
    d = check_interval("delta", delta, 0.0, 1.0)
    return math.log(kT(temperature)) + np.log(-np.log(d))


def delta_from_bits(bits):
    """Precision ``delta = 2^-bits`` for a memory that resolves ``bits`` bits (text after Eq. 17).

    Parameters
    ----------
    bits : float or array_like
        Bits of precision, > 0 and <= 1074 (need not be integers).

    Returns
    -------
    float or ndarray
        ``2^-bits``.

    Raises
    ------
    TypeError
        If ``bits`` is not a real number or an array of them.
    ValueError
        If ``bits`` is NaN, infinite, not positive or > 1074.

    Examples
    --------
    >>> from stochlim.bounds import delta_from_bits
    >>> delta_from_bits(16) == 2.0**-16
    True
    >>> delta_from_bits([1, 2])
    array([0.5 , 0.25])
    """
    b = check_positive("bits", bits)
    bad = b > 1074
    if bad.any():
        raise ValueError(f"bits must be <= 1074 (2^-bits is below the smallest float64 beyond that): "
                         f"got {b[bad].flat[0] if b.ndim else float(b)!r}")
    return scalar_or_array(np.exp2(-b))


def retention_energy(n_params, *, delta, temperature=DEFAULT_TEMPERATURE):
    """Static barrier cost ``M kT ln(1/delta)`` in J (Eq. 17, 21): the final barrier of every memory.

    Parameters
    ----------
    n_params : float or array_like
        Number of parameters ``M``, > 0.
    delta : float
        Precision, in (0, 1).
    temperature : float, optional
        Temperature in K, > 0 (default 298 K).

    Returns
    -------
    float or ndarray
        Energy in J.

    Raises
    ------
    TypeError
        If an argument is not a real number (or an array of them).
    ValueError
        If ``n_params`` or ``temperature`` is not positive, ``delta`` is outside (0, 1), or the
        energy would exceed the largest float64 or fall below its smallest normal number.

    Examples
    --------
    >>> import math
    >>> from stochlim.bounds import retention_energy
    >>> from stochlim.units import kT
    >>> e = retention_energy(1e15, delta=2**-16)
    >>> print(f"{e:.6g}")  # J, Fig. 6B's static term
    4.56294e-05
    >>> math.isclose(e, 1e15 * kT() * 16 * math.log(2))
    True
    """
    m = check_positive("n_params", n_params)
    return _joules("retention energy", np.log(m) + _log_kt_barrier(delta, temperature), "n_params")


def lim_energy(
    flops,
    n_params,
    *,
    delta,
    gamma,
    schedule="polynomial",
    n_updates=None,
    temperature=DEFAULT_TEMPERATURE,
):
    """Learning-in-memory energy bound in J, Eq. 22-24 (polynomial) and A.12 (exponential).

    ``E = F (kT / delta) sum(eps_n r_n) / sum(r_n) + M kT ln(1/delta)`` (Eq. 23; Eq. 20 as printed
    carries a stray factor kT). With ``n_updates=None`` the sums are infinite: for the polynomial
    schedule this is the zeta form ``zeta(3/2 + gamma) / zeta(1 + gamma)`` of Eq. 24 / A.11; for the
    exponential schedule the corrected A.12 ratio ``(e^gamma - 1) ln(e^gamma / (e^gamma - 1))``.
    With a finite ``n_updates = N`` the sums are truncated at ``N`` (the paper's "discrete finite
    simulation" of Fig. 6C), evaluated exactly in O(1) time, so ``gamma = 0`` is allowed.

    Parameters
    ----------
    flops : float
        Training workload ``#FLOPs`` (total number of parameter updates), > 0.
    n_params : float
        Number of parameters ``M``, > 0.
    delta : float
        Precision of memory retention, in (0, 1).
    gamma : float or array_like
        Schedule decay hyper-parameter(s), >= 0 (> 0 for infinite sums). Arrays give arrays.
    schedule : {"polynomial", "exponential"}, optional
        ``r_n = n^-(1+gamma)`` with ``eps_n = n^-1/2`` (Eq. 18-19), or ``r_n = e^(-gamma n)`` with
        ``eps_n = 1/n`` (A.12).
    n_updates : int, optional
        Number of updates ``N`` for truncated sums; None for the infinite sums.
    temperature : float, optional
        Temperature in K (default 298 K, which reproduces the paper's numbers).

    Returns
    -------
    float or ndarray
        Total energy in J, shaped like ``gamma``.

    Raises
    ------
    TypeError
        If an argument is not a real number (``gamma``: or an array of them), or ``n_updates`` is
        not an integer.
    ValueError
        If ``flops``, ``n_params`` or ``temperature`` is not positive, ``delta`` is outside
        (0, 1), ``gamma`` is NaN, infinite or negative (or 0 with ``n_updates=None``),
        ``schedule`` is not a known name, ``n_updates`` < 1, or the energy would exceed the largest
        float64 or fall below its smallest normal number.

    Examples
    --------
    >>> from stochlim.bounds import lim_energy
    >>> round(lim_energy(1e28, 1e15, delta=2**-16, gamma=0.5) / 1e12, 4)  # Fig. 6B, 1.70e12 J
    1.6978
    >>> (lim_energy(1e28, 1e15, delta=2**-16, gamma=[0.5, 2.0]) / 1e12).round(3)
    array([1.698, 2.527])
    >>> print(f"{lim_energy(1e28, 1e15, delta=2**-16, gamma=0.0, n_updates=100_000):.4g}")  # Fig. 6C
    5.812e+11
    """
    f = float(check_positive("flops", flops))
    log_static = math.log(float(check_positive("n_params", n_params))) + _log_kt_barrier(delta, temperature)
    d = float(check_interval("delta", delta, 0.0, 1.0))
    gammas = check_interval("gamma", gamma, 0.0, math.inf, closed_low=True)
    ratio = np.vectorize(
        lambda g: get_schedule(schedule, g).dissipation_ratio(n_updates), otypes=[np.float64]
    )(gammas)
    with np.errstate(divide="ignore"):  # a ratio of 0 leaves the static term alone
        log_dynamic = math.log(f) + math.log(kT(temperature)) - math.log(d) + np.log(ratio)
    return _joules("LIM energy", np.logaddexp(log_dynamic, log_static), "flops / delta", "flops and n_params")


def ceb_energy(flops, n_params, *, delta, temperature=DEFAULT_TEMPERATURE):
    """Constant-energy-barrier limit ``(F + M) kT ln(1/delta)`` in J (Eq. 20 with a fixed barrier).

    Every update and every stored parameter pays the retention barrier ``kT ln(1/delta)`` once.

    Parameters
    ----------
    flops : float or array_like
        Training workload ``#FLOPs``, > 0.
    n_params : float or array_like
        Number of parameters ``M``, > 0.
    delta : float
        Precision, in (0, 1).
    temperature : float, optional
        Temperature in K, > 0 (default 298 K).

    Returns
    -------
    float or ndarray
        Energy in J.

    Raises
    ------
    TypeError
        If an argument is not a real number (or an array of them).
    ValueError
        If ``flops``, ``n_params`` or ``temperature`` is not positive, ``delta`` is outside
        (0, 1), or the energy would exceed the largest float64 or fall below its smallest normal
        number.

    Examples
    --------
    >>> from stochlim.bounds import ceb_energy
    >>> print(f"{ceb_energy(1e28, 1e15, delta=2**-16):.6g}")  # J, Fig. 6B's CEB line
    4.56294e+08
    """
    f = check_positive("flops", flops)
    m = check_positive("n_params", n_params)
    return _joules("CEB energy", np.logaddexp(np.log(f), np.log(m)) + _log_kt_barrier(delta, temperature),
                   "flops + n_params")


def hardware_energy(flops, n_params, *, bits, e_bit):
    """Conventional-hardware estimate ``(F + M) * bits * E_bit`` in J, Eq. A.1.

    ``e_bit`` is a device switching energy per bit in J (the paper uses 1 fJ .. 1 pJ; A.1's claim
    that this equals ``kT ln(1/delta)`` is an erratum: ``kT ln 2^16 = 4.56e-20 J``).

    Parameters
    ----------
    flops : float or array_like
        Training workload ``#FLOPs``, > 0.
    n_params : float or array_like
        Number of parameters ``M``, > 0.
    bits : float or array_like
        Bits per parameter, > 0.
    e_bit : float or array_like
        Switching energy per bit in J, > 0.

    Returns
    -------
    float or ndarray
        Energy in J.

    Raises
    ------
    TypeError
        If an argument is not a real number (or an array of them).
    ValueError
        If an argument is NaN, infinite or not positive, or the energy would exceed the largest
        float64.

    Examples
    --------
    >>> from stochlim.bounds import hardware_energy
    >>> print(f"{hardware_energy(1e28, 1e15, bits=16, e_bit=1e-15):.6g}")  # J at 1 fJ per bit
    1.6e+14
    """
    f = check_positive("flops", flops)
    m = check_positive("n_params", n_params)
    b = check_positive("bits", bits)
    e = check_positive("e_bit", e_bit)
    return _joules("hardware energy", np.logaddexp(np.log(f), np.log(m)) + np.log(b) + np.log(e),
                   "flops, n_params, bits or e_bit")


@dataclass(frozen=True)
class Workload:
    """One published training workload (a row of ``data/workloads_published.csv``).

    Parameters
    ----------
    model : str
        Name as in Fig. 6D.
    params : float
        Number of trainable parameters ``M``.
    train_flops : float
        Training ``#FLOPs``.
    reported_energy_mwh, reported_energy_j : float
        Published training energy.
    energy_kind : str
        ``measured``, ``estimated`` or ``projection``.
    source : str
        Where the numbers come from (see ``data/PROVENANCE.md``).

    Raises
    ------
    TypeError
        If a field is missing or unknown (the dataclass constructor's own check); the values are
        not validated: a workload is a plain record (see :func:`load_workloads`).

    Examples
    --------
    >>> from stochlim.bounds import Workload
    >>> w = Workload("toy", 1e6, 1e15, 0.001, 3.6e6, "estimated", "example")
    >>> w.reported_energy_j == w.reported_energy_mwh * 3.6e9
    True
    """

    model: str
    params: float
    train_flops: float
    reported_energy_mwh: float
    reported_energy_j: float
    energy_kind: str
    source: str


def load_workloads() -> tuple[Workload, ...]:
    """The published workloads of Fig. 6D (T5 ... LaMDA) plus the paper's brain-scale projection.

    Read from the package's ``data/workloads_published.csv``; its sources are listed in
    ``data/PROVENANCE.md``.

    Returns
    -------
    tuple of Workload
        One per row, in the file's order.

    Raises
    ------
    KeyError
        If the packaged CSV lacks a column (a broken installation); there are no arguments.

    Examples
    --------
    >>> from stochlim.bounds import load_workloads
    >>> workloads = load_workloads()
    >>> len(workloads), workloads[0].model, workloads[-1].model
    (7, 'T5', 'Brain-scale')
    >>> print(f"{workloads[0].train_flops:.3g} FLOPs, {workloads[0].reported_energy_mwh:g} MWh")
    4.05e+22 FLOPs, 85.7 MWh
    """
    text = resources.files("stochlim").joinpath("data/workloads_published.csv").read_text("utf-8")
    rows = csv.DictReader(text.splitlines())
    return tuple(
        Workload(
            model=row["model"],
            params=float(row["params"]),
            train_flops=float(row["train_flops"]),
            reported_energy_mwh=float(row["reported_energy_MWh"]),
            reported_energy_j=float(row["reported_energy_J"]),
            energy_kind=row["energy_kind"],
            source=row["source"],
        )
        for row in rows
    )
