"""Physical constants and unit conversions.

stochlim computes in units of the thermal energy kT and converts to SI only here. The default
temperature is 298 K: it is the only round temperature that reproduces the printed energies of
Chen et al. (2026), Fig. 6B-C, to three figures (300 K does not); see ``docs/constants.md``.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_positive, scalar_or_array

__all__ = [
    "K_B",
    "DEFAULT_TEMPERATURE",
    "J_PER_MWH",
    "kT",
    "joules_to_mwh",
    "mwh_to_joules",
]

#: Boltzmann constant in J/K, exact since the 2019 SI redefinition.
K_B = 1.380649e-23

#: Temperature in kelvin that reproduces the paper's numbers.
DEFAULT_TEMPERATURE = 298.0

#: Joules in one megawatt-hour (1e6 W x 3600 s), exact.
J_PER_MWH = 3.6e9


def kT(temperature=DEFAULT_TEMPERATURE):
    """Thermal energy ``k_B T`` in joules.

    Parameters
    ----------
    temperature : float or array_like, optional
        Absolute temperature in kelvin, > 0. Default 298 K, the temperature that reproduces the
        printed values of Chen et al. (2026), Fig. 6B-C.

    Returns
    -------
    float or ndarray
        ``k_B * temperature`` in J.

    Raises
    ------
    TypeError
        If ``temperature`` is not a real number or an array of them.
    ValueError
        If ``temperature`` is NaN, infinite, empty, not positive, or so small that ``k_B T`` is
        below float64's smallest normal number (about 1.6e-285 K).

    Examples
    --------
    >>> from stochlim.units import kT
    >>> print(f"{kT():.6g}")  # J at 298 K
    4.11433e-21
    >>> print(f"{kT(300.0):.6g}")
    4.14195e-21
    """
    t = check_positive("temperature", temperature)
    if np.any(K_B * t < np.finfo(np.float64).tiny):  # k_B T would round to 0 or lose its precision
        low = np.finfo(np.float64).tiny / K_B
        raise ValueError(f"temperature must be >= {low:.3g} K (k_B T below float64's smallest normal number): "
                         f"got {np.min(t):g}")
    return scalar_or_array(K_B * t)


def joules_to_mwh(energy_j):
    """Convert joules to megawatt-hours (1 MWh = 3.6e9 J).

    Parameters
    ----------
    energy_j : float or array_like
        Energy in joules.

    Returns
    -------
    float or ndarray
        The same energy in MWh (a float for a scalar input).

    Raises
    ------
    ValueError
        If ``energy_j`` cannot be converted to float64 (numpy's own message).

    Examples
    --------
    >>> from stochlim.units import joules_to_mwh
    >>> print(f"{joules_to_mwh(1.7e12):.6g}")  # Fig. 6B's LIM bound at gamma = 0.5
    472.222
    """
    return scalar_or_array(np.asarray(energy_j, dtype=np.float64) / J_PER_MWH)


def mwh_to_joules(energy_mwh):
    """Convert megawatt-hours to joules (1 MWh = 3.6e9 J).

    Parameters
    ----------
    energy_mwh : float or array_like
        Energy in megawatt-hours.

    Returns
    -------
    float or ndarray
        The same energy in J (a float for a scalar input).

    Raises
    ------
    ValueError
        If ``energy_mwh`` cannot be converted to float64 (numpy's own message).

    Examples
    --------
    >>> import numpy as np
    >>> from stochlim.units import joules_to_mwh, mwh_to_joules
    >>> print(f"{mwh_to_joules(1284.0):.6g}")  # J
    4.6224e+12
    >>> bool(np.allclose(joules_to_mwh(mwh_to_joules([1.0, 2.5])), [1.0, 2.5]))
    True
    """
    return scalar_or_array(np.asarray(energy_mwh, dtype=np.float64) * J_PER_MWH)
