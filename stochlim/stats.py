"""Mean, standard error and z-score: the one estimator every check and summary uses.

The standard error of a sample mean is ``s / sqrt(n)`` with the unbiased (``ddof = 1``) sample
standard deviation ``s``; a z-score compares an estimate with its exact value in units of that
error. :data:`Z_MAX` is the tolerance of every Monte Carlo check in the package (``stochlim
verify``, the fluctuation-theorem diagnostics of :mod:`stochlim.thermo`, the report sections):
a correct estimator fails it with probability about ``6e-7`` per check.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["Z_MAX", "mean_se", "standard_error", "z_score"]

#: Tolerance of every Monte Carlo check, in standard errors.
Z_MAX = 5.0


def standard_error(samples) -> float:
    """Standard error ``s / sqrt(n)`` of the mean of ``samples`` (NaN for fewer than two).

    Parameters
    ----------
    samples : array_like
        The sample, flattened.

    Returns
    -------
    float
        ``s / sqrt(n)`` with the unbiased (``ddof = 1``) sample standard deviation ``s``.

    Examples
    --------
    >>> standard_error([1.0, 2.0, 3.0, 4.0])   # s = sqrt(5/3), n = 4
    0.6454972243679028
    >>> standard_error([1.0])
    nan
    """
    x = np.asarray(samples, dtype=np.float64).ravel()
    return float(x.std(ddof=1) / math.sqrt(x.size)) if x.size > 1 else math.nan


def mean_se(samples) -> tuple[float, float]:
    """``(mean, standard error)`` of ``samples``.

    Parameters
    ----------
    samples : array_like
        The sample, flattened.

    Returns
    -------
    mean, se : float
        Sample mean and :func:`standard_error`.

    Examples
    --------
    >>> mean, se = mean_se([[1.0, 2.0], [3.0, 4.0]])
    >>> print(f"{mean:g} +- {se:.4f}")
    2.5 +- 0.6455
    """
    x = np.asarray(samples, dtype=np.float64).ravel()
    return float(x.mean()), standard_error(x)


def z_score(estimate: float, expected: float, stderr: float) -> float:
    """``(estimate - expected) / stderr``; with ``stderr == 0``: 0 if equal, else signed infinity.

    Parameters
    ----------
    estimate : float
        The estimate, e.g. a Monte Carlo mean.
    expected : float
        Its exact value.
    stderr : float
        Standard error of ``estimate``, >= 0.

    Returns
    -------
    float
        The z-score; a check passes when ``abs(z) <= Z_MAX``.

    Examples
    --------
    >>> z_score(1.02, 1.0, 0.01)
    2.0000000000000018
    >>> z_score(1.0, 1.0, 0.0), z_score(0.5, 1.0, 0.0)
    (0.0, -inf)
    """
    if stderr > 0:
        return (estimate - expected) / stderr
    return 0.0 if estimate == expected else math.copysign(math.inf, estimate - expected)
