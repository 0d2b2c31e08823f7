"""Exact references for the fluctuation-theorem diagnostics of :mod:`stochlim.thermo`.

* :func:`exponential_reference` - ``<exp(-X)>`` and ``Var(exp(-X)) = G(2) - G(1)^2`` from the tilted
  master equation, which give an exponential average its true standard error;
* :func:`crooks_reference` - the exact forward and reverse work laws (as Laplace transforms) that
  give Bennett's acceptance-ratio estimate of ``dF`` its exact asymptotic variance;
* :func:`tur_product` - the exact finite-time TUR product ``Var(J) <S_tot> / <J>^2`` (Barato &
  Seifert 2015, PRL 114 158101) from the joint cumulants of a current and the entropy production.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._validation import check_int
from .cumulants import cumulants
from .fermi import _fermi_moments, _laplace_nodes
from .tilted import _setup, generating_function

__all__ = ["ExponentialReference", "exponential_reference", "CrooksReference", "crooks_reference",
           "tur_product"]


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


@dataclass(frozen=True, eq=False)
class CrooksReference:
    """Exact forward and reverse work laws of a protocol, for Bennett's acceptance ratio.

    Made by :func:`crooks_reference`; holds the generating functions ``G_F(s)`` and ``G_R(s)`` of
    the forward and the reverse work on the inversion line of :mod:`stochlim.fluctuations.fermi`.

    Attributes
    ----------
    observable : str
        ``"work"``.
    delta_f : float
        Exact ``F(t_end) - F(0)`` of the energies the work is measured against, kT.
    t_end : float
        End of the protocol.
    _forward, _reverse : tuple
        ``G`` on the inversion line and at the strip edges (made by :func:`crooks_reference`).

    Examples
    --------
    >>> import stochlim as sl
    >>> m = sl.models.driven_bit(0.5)                   # well 1 lifted from 0 to 2 kT over [0, 2]
    >>> ref = crooks_reference(m, p0=m.equilibrium(0.0), t_end=2.0)
    >>> f_f, _, f_r, _, error = ref.fermi_averages(0.0)
    >>> bool(abs(f_f - f_r) < 1e-9 and error < 1e-12)   # Crooks: <f(W_F - dF)>_F = <f(W_R + dF)>_R
    True
    """

    observable: str
    delta_f: float
    t_end: float
    _forward: tuple
    _reverse: tuple

    def fermi_averages(self, m: float):
        """Exact ``<f(m + W_F - dF)>_F``, ``<f^2>_F``, ``<f(-m + W_R + dF)>_R``, ``<f^2>_R``.

        ``f(x) = 1 / (1 + e^x)``; ``m = ln(n_F / n_R)`` in Bennett's estimator.

        Parameters
        ----------
        m : float
            The shift, finite.

        Returns
        -------
        (float, float, float, float, float)
            The four averages and a proven bound on the quadrature error of each (module
            :mod:`stochlim.fluctuations.fermi`).

        Raises
        ------
        ValueError
            If ``m`` is not finite.

        Examples
        --------
        Crooks gives ``n_F <f_F> = n_R <f_R>`` at the true ``dF``, here with ``n_F / n_R = 3``:

        >>> import math
        >>> import stochlim as sl
        >>> m = sl.models.driven_bit(0.5)
        >>> ref = crooks_reference(m, p0=m.equilibrium(0.0), t_end=2.0)
        >>> f_f, _, f_r, _, _ = ref.fermi_averages(math.log(3.0))
        >>> round(3.0 * f_f / f_r, 9)
        1.0
        """
        m = float(m)
        if not math.isfinite(m):
            raise ValueError(f"m must be finite: got {m!r}")
        f1, f2, e_f = _fermi_moments(*self._forward, m - self.delta_f)
        r1, r2, e_r = _fermi_moments(*self._reverse, -m + self.delta_f)
        return f1, f2, r1, r2, max(e_f, e_r)

    def variance(self, n_forward: int, n_reverse: int) -> float:
        """Exact asymptotic variance of Bennett's estimate from ``n_forward`` and ``n_reverse`` works.

        The estimate solves ``sum_F f(m + W_F - D) = sum_R f(-m + W_R + D)``, ``m = ln(n_F / n_R)``;
        as an M-estimator its variance is ``(n_F Var_F f + n_R Var_R f) / (n_F <f(1 - f)>_F +
        n_R <f(1 - f)>_R)^2`` (the sandwich formula; at the true ``dF`` the Crooks relation turns
        it into ``1 / (n_F <f>_F) - 1 / n_F - 1 / n_R``, Shirts et al. 2003, PRL 91 140601).

        Parameters
        ----------
        n_forward, n_reverse : int
            Sample sizes, >= 1.

        Returns
        -------
        float
            kT^2.

        Raises
        ------
        TypeError, ValueError
            If a sample size is not an integer >= 1.

        Examples
        --------
        At a fixed ratio ``n_F / n_R`` the variance falls as ``1 / N``:

        >>> import stochlim as sl
        >>> m = sl.models.driven_bit(0.5)
        >>> ref = crooks_reference(m, p0=m.equilibrium(0.0), t_end=2.0)
        >>> round(ref.variance(100, 300) / ref.variance(1000, 3000), 9)
        10.0
        """
        n_f = check_int("n_forward", n_forward, minimum=1)
        n_r = check_int("n_reverse", n_reverse, minimum=1)
        f1, f2, r1, r2, _ = self.fermi_averages(math.log(n_f / n_r))
        spread = n_f * (f2 - f1 * f1) + n_r * (r2 - r1 * r1)
        slope = n_f * (f1 - f2) + n_r * (r1 - r2)
        return spread / slope**2


def crooks_reference(model, *, p0, t_end, rtol=1e-10, atol=1e-12) -> CrooksReference:
    """Exact forward and reverse work laws of ``model`` on ``[0, t_end]``, for :func:`stochlim.thermo.crooks`.

    The forward protocol starts from ``p0`` (for the Crooks relation: ``model.equilibrium(0.0)``);
    the reverse protocol is :meth:`~stochlim.models.HopModel.reversed`, started in equilibrium at
    the forward end. Each law is held as its generating function ``G(s) = <exp(-s W)>`` on the
    inversion line of :mod:`stochlim.fluctuations.fermi` (about 280 complex tilts, one
    block-diagonal solve per direction), from which :meth:`CrooksReference.fermi_averages` gives
    Bennett's Fermi averages with a proven bound on the quadrature error.

    Parameters
    ----------
    model : HopModel
        Drives allowed (the work includes the drive work).
    p0 : array_like
        Initial law of the forward protocol.
    t_end : float
        End of the protocol, > 0.
    rtol, atol : float, optional
        Tolerances of the DOP853 propagation on ramps.

    Returns
    -------
    CrooksReference

    Raises
    ------
    TypeError
        If ``model`` is not a HopModel.
    ValueError
        If ``p0`` is not a law on the states or ``t_end`` is not positive.
    RuntimeError
        When the propagation fails.

    Examples
    --------
    >>> import stochlim as sl
    >>> m = sl.models.driven_bit(0.5)
    >>> ref = crooks_reference(m, p0=m.equilibrium(0.0), t_end=2.0)
    >>> round(ref.delta_f, 6), round(ref.variance(1000, 1000) ** 0.5, 5)    # dF and Bennett's SE, kT
    (0.566219, 0.01414)
    """
    obs, _, p_init, lowered, _, _ = _setup(model, "work", None, p0, t_end, None, "auto")
    t_end = float(lowered.seg_times[-1])
    back = model.reversed(t_end)
    end = back.energy(0.0)  # the left limit of the forward energies at t_end: what the work sees
    log_z = [float(np.logaddexp.reduce(-e)) for e in (model.energy(0.0), end)]
    obs_r, _, p_back, lowered_r, _, _ = _setup(back, "work", None, np.exp(-end - log_z[1]), t_end, None, "auto")
    laws = []
    for m, o, p, low in ((model, obs, p_init, lowered), (back, obs_r, p_back, lowered_r)):
        nodes, edges, err = _laplace_nodes(m, low, o, p, rtol, atol)
        if err is not None:
            raise RuntimeError(f"the tilted master equation failed: {err}")
        laws.append((nodes, edges))
    return CrooksReference("work", log_z[0] - log_z[1], t_end, laws[0], laws[1])


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
