"""Exact references for the fluctuation-theorem diagnostics of :mod:`stochlim.thermo`.

* :func:`exponential_reference` - ``<exp(-X)>`` and ``Var(exp(-X)) = G(2) - G(1)^2`` from the tilted
  master equation, which give an exponential average its true standard error;
* :func:`tur_product` - the exact finite-time TUR product ``Var(J) <S_tot> / <J>^2`` (Barato &
  Seifert 2015, PRL 114 158101) from the joint cumulants of a current and the entropy production.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .cumulants import cumulants
from .tilted import generating_function

__all__ = ["ExponentialReference", "exponential_reference", "tur_product"]


@dataclass(frozen=True)
class ExponentialReference:
    """Exact first two moments of ``exp(-X)`` at one time.

    Attributes
    ----------
    observable : str
    mean : float
        ``<exp(-X)> = G(1)``.
    variance : float
        ``Var(exp(-X)) = G(2) - G(1)^2``.
    relative_variance : float
        ``Var(exp(-X)) / <exp(-X)>^2`` (computed in log-space).
    """

    observable: str
    mean: float
    variance: float
    relative_variance: float

    def stderr(self, n: int) -> float:
        """Standard error of the sample mean of ``exp(-X)`` over ``n`` trajectories."""
        return math.sqrt(self.variance / n)


def exponential_reference(model, observable, *, p0, t_end, method="auto") -> ExponentialReference:
    """Exact ``<exp(-X)>`` and ``Var(exp(-X))`` at ``t_end`` for ``X`` = work, heat, entropy production...

    Raises ``RuntimeError`` when the tilted equation cannot be solved (reported by its status).

    Examples
    --------
    >>> import stochlim as sl
    >>> m = sl.two_state(0.5, energies=(0.0, sl.PiecewiseLinear([0.0, 1.0], [0.0, 2.0])))
    >>> ref = exponential_reference(m, "entropy_production", p0=[0.5, 0.5], t_end=1.0)
    >>> round(ref.mean, 9)
    1.0
    """
    if not isinstance(observable, str):
        raise TypeError(f"observable must be a name: got {observable!r}")
    logs = []
    for s in (1.0, 2.0):
        sol = generating_function(model, observable, s, p0=p0, t_end=t_end, t_eval=[t_end], method=method)
        if not sol.success:
            raise RuntimeError(f"the tilted master equation failed at s = {s}: {sol.message}")
        logs.append(float(sol.log_G[-1]))
    log_g1, log_g2 = logs
    rel = math.expm1(log_g2 - 2.0 * log_g1)
    with np.errstate(over="ignore"):
        return ExponentialReference(observable, math.exp(log_g1), float(np.exp(2 * log_g1) * rel), rel)


def tur_product(model, current, *, p0, t_end=None, t_eval=None, method="auto"):
    """Exact finite-time TUR product ``Var(J) <S_tot> / <J>^2`` of a current ``J`` at each time.

    Parameters
    ----------
    model : HopModel
    current : Current or str
        The time-integrated current (a :class:`~stochlim.fluctuations.Current`; any observable
        is accepted, the bound 2 is proven for currents in a steady state).
    p0, t_end, t_eval, method
        As for :func:`~stochlim.fluctuations.cumulants`.

    Returns
    -------
    t : ndarray
    product : ndarray
        ``Var(J) <S_tot> / <J>^2`` (NaN at times where ``<J> = 0``).
    """
    c = cumulants(model, [current, "entropy_production"], p0=p0, t_end=t_end, t_eval=t_eval, method=method,
                  order=2)
    if not c.success:
        raise RuntimeError(f"the moment hierarchy failed: {c.message}")
    with np.errstate(divide="ignore", invalid="ignore"):
        product = c.variance[:, 0] * c.mean[:, 1] / c.mean[:, 0] ** 2
    return c.t, np.where(c.mean[:, 0] != 0, product, np.nan)
