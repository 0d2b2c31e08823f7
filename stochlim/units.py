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
    """
    t = check_positive("temperature", temperature)
    return scalar_or_array(K_B * t)


def joules_to_mwh(energy_j):
    """Convert joules to megawatt-hours (1 MWh = 3.6e9 J)."""
    return scalar_or_array(np.asarray(energy_j, dtype=np.float64) / J_PER_MWH)


def mwh_to_joules(energy_mwh):
    """Convert megawatt-hours to joules (1 MWh = 3.6e9 J)."""
    return scalar_or_array(np.asarray(energy_mwh, dtype=np.float64) * J_PER_MWH)
