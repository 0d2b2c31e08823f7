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

    Parameters
    ----------
    observable, mean, variance, relative_variance
        The attributes above, by name (made by :func:`exponential_reference`).

    Examples
    --------
    >>> ref = ExponentialReference("work", mean=0.5, variance=0.04, relative_variance=0.16)
    >>> ref.stderr(100)
    0.02
    """

    observable: str
    mean: float
    variance: float
    relative_variance: float

    def stderr(self, n: int) -> float:
        """Standard error of the sample mean of ``exp(-X)`` over ``n`` trajectories.

        Parameters
        ----------
        n : int
            Number of trajectories, > 0.

        Returns
        -------
        float
            ``sqrt(variance / n)``: the true standard error, which the sample's own estimate
            understates when the average is dominated by rare trajectories.

        Examples
        --------
        >>> ExponentialReference("work", mean=0.5, variance=0.16, relative_variance=0.64).stderr(400)
        0.02
        """
        return math.sqrt(self.variance / n)


def exponential_reference(model, observable, *, p0, t_end, method="auto") -> ExponentialReference:
    """Exact ``<exp(-X)>`` and ``Var(exp(-X))`` at ``t_end`` for ``X`` = work, heat, entropy production...

    Both come from the generating function ``G(s) = <exp(-s X)>`` of the tilted master equation
    (:func:`~stochlim.fluctuations.generating_function`) at ``s = 1`` and ``s = 2``.

    Parameters
    ----------
    model : HopModel
        The model.
    observable : str
        A scalar observable by name (``"work"``, ``"heat"``, ``"entropy_production"`` ...).
    p0 : array_like, shape (S,)
        Initial law.
    t_end : float
        Time of ``X``, > 0.
    method : str, optional
        As for :func:`~stochlim.fluctuations.generating_function`.

    Returns
    -------
    ExponentialReference
        ``<exp(-X)>``, ``Var(exp(-X))`` and their ratio.

    Raises
    ------
    TypeError
        If ``observable`` is not a name.
    ValueError
        As :func:`~stochlim.fluctuations.generating_function`, for an unknown observable or a bad
        ``p0``, ``t_end`` or ``method``.
    RuntimeError
        When the tilted equation cannot be solved (reported by its status).

    Examples
    --------
    >>> import stochlim as sl
    >>> m = sl.two_state(0.5, energies=(0.0, sl.PiecewiseLinear([0.0, 1.0], [0.0, 2.0])))
    >>> ref = exponential_reference(m, "entropy_production", p0=[0.5, 0.5], t_end=1.0)
    >>> round(ref.mean, 9)   # the integral fluctuation theorem
    1.0

    From equilibrium, ``<exp(-W)> = exp(-Delta F) = (1 + e^-2) / 2`` (Jarzynski), and its
    variance gives the true standard error of a sampled average:

    >>> ref = exponential_reference(m, "work", p0=[0.5, 0.5], t_end=1.0)
    >>> print(f"{ref.mean:.6f} {(1 + math.exp(-2)) / 2:.6f}, SE over 100 runs {ref.stderr(100):.4f}")
    0.567668 0.567668, SE over 100 runs 0.0372
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

    Raises
    ------
    RuntimeError
        When the moment hierarchy cannot be solved (reported by its status).

    Examples
    --------
    The current through one edge of a ring driven by 1 kT per jump, in its uniform steady state:
    the product lies above the bound 2 and approaches its long-time limit from above.

    >>> import numpy as np
    >>> from stochlim.fluctuations import Current
    >>> from stochlim.models import ring
    >>> t, product = tur_product(ring(3, drive=1.0), Current([0]), p0=[1 / 3] * 3, t_eval=[0.5, 5.0, 50.0])
    >>> np.round(product, 4).tolist()
    [4.4563, 2.4525, 2.1928]
    """
    c = cumulants(model, [current, "entropy_production"], p0=p0, t_end=t_end, t_eval=t_eval, method=method,
                  order=2)
    if not c.success:
        raise RuntimeError(f"the moment hierarchy failed: {c.message}")
    with np.errstate(divide="ignore", invalid="ignore"):
        product = c.variance[:, 0] * c.mean[:, 1] / c.mean[:, 0] ** 2
    return c.t, np.where(c.mean[:, 0] != 0, product, np.nan)
