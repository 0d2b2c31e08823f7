"""Large deviations of time-integrated observables in a non-equilibrium steady state.

For a model whose inputs do not change in time, ``<exp(-s X(t))> ~ exp(t lambda(s))`` with the
scaled cumulant generating function (SCGF) ``lambda(s)`` the largest (Perron) eigenvalue of the
tilted generator ``L_s`` (Lebowitz & Spohn 1999, J. Stat. Phys. 95 333; Touchette 2009, Phys. Rep.
478 1). Then ``P(X/t ~ x) ~ exp(-t I(x))`` with the rate function ``I(x) = sup_s (-s x -
lambda(s))`` (Gaertner-Ellis). Boundary terms do not change ``lambda``: for the entropy production
it is the tilt of the medium entropy (heat), which obeys the Gallavotti-Cohen symmetry
``lambda(s) = lambda(1 - s)``; a current ``J`` over a cycle of affinity ``A`` obeys ``lambda(s) =
lambda(A - s)`` (Lebowitz & Spohn 1999; Andrieux & Gaspard 2007, J. Stat. Phys. 127 107).

:func:`steady_cumulant_rates` gives ``lambda'(0)`` and ``lambda''(0)`` exactly by perturbation
of the Perron eigenvalue (mean rate ``c1 = 1^T M1 pi`` and variance rate ``c2 = 1^T M2 pi + 2 1^T
M1 rho``, ``L rho = c1 pi - M1 pi``, ``1^T rho = 0``, with ``M_n[y, x] = k_xy a_xy^n`` off the
diagonal), no finite differences.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.optimize
import scipy.sparse.linalg

from .._propagate import DENSE_LIMIT
from .._segments import Segments
from ..models import HopModel
from ._observables import rates_at, refuse_rate, resolve
from .tilted import _tilted_matrix, check_s

__all__ = ["scgf", "steady_cumulant_rates", "rate_function", "gallavotti_cohen", "RateFunction"]


def _steady_segments(model, obs) -> Segments:
    """The model's (time-independent) inputs on ``[0, 1]``, refusing time-dependent inputs and
    overflowing rates."""
    for p in model.energies + model.barriers:
        values = p(np.asarray(p.knots)) if p.knots.size else None
        if not p.is_piecewise_constant or (values is not None and np.ptp(values) > 0):
            raise ValueError("model must have time-independent inputs for a steady state (large deviations)")
    segments = Segments(model, 1.0)
    refuse_rate(obs.generator(model, segments).at(0, 0.0))
    return segments


def _single(model, observable):
    if not isinstance(model, HopModel):
        raise TypeError(f"model must be a HopModel: got {type(model).__name__}")
    obs = resolve(model, observable, "observable")
    if obs.n != 1:
        raise ValueError(f"observable must be a single observable: got {obs.names}")
    return obs


def _perron(A) -> float:
    if A.shape[0] <= DENSE_LIMIT:
        return float(np.max(np.linalg.eigvals(A.toarray()).real))
    val = scipy.sparse.linalg.eigs(A.tocsc(), k=1, which="LR", return_eigenvectors=False)
    return float(val.real[0])


def scgf(model, observable, s) -> np.ndarray:
    """Scaled cumulant generating function ``lambda(s) = lim ln <exp(-s X(t))> / t``.

    Parameters
    ----------
    model : HopModel
        Time-independent inputs.
    observable : str or Current
        ``"heat"``, ``"entropy_production"`` (same ``lambda``), ``"n_jumps"``, ``"work"`` (the drive
        work) or a :class:`~stochlim.fluctuations.Current`.
    s : float or array_like
        Real tilts.

    Returns
    -------
    ndarray
        ``lambda`` at each ``s`` (shape of ``s``).

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`~stochlim.models.HopModel`, or ``observable`` is neither a
        name nor a :class:`~stochlim.fluctuations.Current`.
    ValueError
        If the model's inputs depend on time, ``observable`` is not a single known observable
        (or a current names an edge the model lacks), or ``s`` is not finite.

    Examples
    --------
    Two wells with unit rates both ways: the jumps are a Poisson process of rate 1, so
    ``lambda(s) = e^-s - 1``.

    >>> import numpy as np
    >>> import stochlim as sl
    >>> from stochlim.fluctuations import scgf
    >>> lam = scgf(sl.two_state(0.0), "n_jumps", [0.0, 1.0, -1.0])
    >>> bool(np.allclose(lam, np.exp(-np.array([0.0, 1.0, -1.0])) - 1.0))
    True
    """
    obs = _single(model, observable)
    segments = _steady_segments(model, obs)
    s_arr = np.asarray(s, dtype=np.float64) if np.ndim(s) else np.asarray([s], dtype=np.float64)
    out = np.empty(s_arr.shape)
    for i, value in np.ndenumerate(s_arr):
        tilt = check_s(value, 1)
        A, _ = _tilted_matrix(obs.generator(model, segments, tilt), obs, tilt, 0, 0.0, transpose=False,
                              exact_shift=False)
        out[i] = _perron(A)
    return out if np.ndim(s) else out[0]


def steady_cumulant_rates(model, observable) -> tuple[float, float]:
    """Exact long-time mean rate ``c1 = -lambda'(0)`` and variance rate ``c2 = lambda''(0)``.

    ``<X(t)> ~ c1 t`` and ``Var X(t) ~ c2 t`` in the steady state (module docstring).

    Parameters
    ----------
    model : HopModel
        Time-independent inputs.
    observable : str or Current
        As for :func:`scgf`.

    Returns
    -------
    (float, float)
        ``c1`` and ``c2``.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`~stochlim.models.HopModel`, or ``observable`` is neither a
        name nor a :class:`~stochlim.fluctuations.Current`.
    ValueError
        If the model's inputs depend on time, ``observable`` is not a single known observable
        (or a current names an edge the model lacks).

    Examples
    --------
    For a Poisson process of jumps (rate 1) the mean and the variance grow at the same rate:

    >>> import stochlim as sl
    >>> from stochlim.fluctuations import steady_cumulant_rates
    >>> c1, c2 = steady_cumulant_rates(sl.two_state(0.0), "n_jumps")
    >>> round(c1, 12), round(c2, 12)
    (1.0, 1.0)
    """
    obs = _single(model, observable)
    k, bias, slope = rates_at(obs.generator(model, _steady_segments(model, obs)), 0, 0.0)
    a, b = obs.increments(bias, slope)
    st, n = obs.edges, obs.n_states
    L = np.zeros((n, n))
    np.add.at(L, (st.dst, st.src), k)
    np.add.at(L, (st.src, st.src), -k)
    M1 = np.zeros((n, n))
    np.add.at(M1, (st.dst, st.src), k * a[0])
    M1[np.diag_indices(n)] += b[0]
    M2 = np.zeros((n, n))
    np.add.at(M2, (st.dst, st.src), k * a[0] ** 2)
    # stationary law and the first-order eigenvector correction, both with a normalisation row
    aug = np.vstack((L, np.ones(n)))
    pi = np.linalg.lstsq(aug, np.concatenate((np.zeros(n), [1.0])), rcond=None)[0]
    c1 = float(M1.sum(axis=0) @ pi)
    rho = np.linalg.lstsq(aug, np.concatenate((c1 * pi - M1 @ pi, [0.0])), rcond=None)[0]
    c2 = float(M2.sum(axis=0) @ pi + 2.0 * M1.sum(axis=0) @ rho)
    return c1, c2


@dataclass(frozen=True)
class RateFunction:
    """Result of :func:`rate_function`.

    Attributes
    ----------
    x : ndarray
        Values of ``X / t``.
    rate : ndarray
        ``I(x)``.
    s : ndarray
        The maximising tilt ``s*(x)`` (``lambda'(s*) = -x``).
    at_bound : ndarray of bool
        True where ``s*`` reached the end of ``s_range``: ``I`` is then only a lower bound.

    Made by :func:`rate_function`.

    Examples
    --------
    Jumps at unit rate (Poisson): ``I(x) = x ln x - x + 1``, maximised at ``s* = -ln x``.

    >>> import numpy as np
    >>> import stochlim as sl
    >>> x = np.array([0.5, 1.0, 2.0])
    >>> r = rate_function(sl.two_state(0.0), "n_jumps", x)
    >>> bool(np.allclose(r.rate, x * np.log(x) - x + 1, atol=1e-9)), bool(np.allclose(r.s, -np.log(x), atol=1e-6))
    (True, True)
    >>> r.at_bound.tolist()
    [False, False, False]
    """

    x: np.ndarray
    rate: np.ndarray
    s: np.ndarray
    at_bound: np.ndarray


def rate_function(model, observable, x, *, s_range=(-10.0, 10.0)) -> RateFunction:
    """Rate function ``I(x) = sup_s (-s x - lambda(s))`` by a bounded scalar maximisation.

    ``lambda`` is convex, so the objective is concave and the maximiser unique on ``s_range``.

    Parameters
    ----------
    model : HopModel
        Time-independent inputs.
    observable : str or Current
        As for :func:`scgf`.
    x : float or array_like
        Values of ``X / t`` (finite).
    s_range : (float, float), optional
        Increasing interval searched for the maximising tilt.

    Returns
    -------
    RateFunction
        ``I(x)``, the maximising tilts, and where they hit ``s_range``.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`~stochlim.models.HopModel`, or ``observable`` is neither a
        name nor a :class:`~stochlim.fluctuations.Current`.
    ValueError
        If the model's inputs depend on time, ``observable`` is not a single known observable
        (or a current names an edge the model lacks), ``x`` is not finite, or ``s_range`` is not increasing.

    Examples
    --------
    Jumps of a Poisson process of rate 1: ``I(x) = x ln x - x + 1``, ``s* = -ln x``.

    >>> import numpy as np
    >>> import stochlim as sl
    >>> from stochlim.fluctuations import rate_function
    >>> x = np.array([0.5, 1.0, 2.0])
    >>> rf = rate_function(sl.two_state(0.0), "n_jumps", x)
    >>> bool(np.allclose(rf.rate, x * np.log(x) - x + 1, atol=1e-8))
    True
    >>> bool(np.allclose(rf.s, -np.log(x), atol=1e-6)), rf.at_bound.tolist()
    (True, [False, False, False])
    """
    lo, hi = (float(v) for v in check_s(s_range, 2))
    if not lo < hi:
        raise ValueError(f"s_range must be increasing: got {s_range!r}")
    xs = np.atleast_1d(np.asarray(x, dtype=np.float64))
    if not np.all(np.isfinite(xs)):
        raise ValueError(f"x must be finite: got {x!r}")
    rate, s_star = np.empty(xs.size), np.empty(xs.size)
    for i, xi in enumerate(xs):

        def objective(s, xi=xi):
            return s * xi + scgf(model, observable, s)

        res = scipy.optimize.minimize_scalar(objective, bounds=(lo, hi), method="bounded", options={"xatol": 1e-10})
        s_star[i], rate[i] = res.x, -res.fun
    tol = 1e-6 * (hi - lo)
    return RateFunction(xs, rate, s_star, (s_star < lo + tol) | (s_star > hi - tol))


def gallavotti_cohen(model, observable="entropy_production", s=(0.1, 0.25, 0.4), *, affinity=None) -> np.ndarray:
    """Defect ``lambda(s) - lambda(A - s)`` of the Gallavotti-Cohen symmetry (0 when it holds).

    ``A = 1`` for the entropy production (or heat); for a :class:`Current` give the ``affinity``
    ``A`` conjugate to it (for a cycle current: the sum of the drives around the cycle, kT).

    Parameters
    ----------
    model : HopModel
        Time-independent inputs.
    observable : str or Current, optional
        The entropy production (default), the heat, or a current with its ``affinity``.
    s : float or array_like, optional
        Tilts at which the symmetry is checked.
    affinity : float, optional
        ``A``; required unless ``observable`` is the entropy production or the heat.

    Returns
    -------
    numpy.ndarray
        ``lambda(s) - lambda(A - s)`` at each ``s`` (1-d).

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`~stochlim.models.HopModel`, or ``observable`` is neither a
        name nor a :class:`~stochlim.fluctuations.Current`.
    ValueError
        If the model's inputs depend on time, ``observable`` is not a single known observable
        (or a current names an edge the model lacks), or ``affinity`` is missing for a current.

    Examples
    --------
    A three-state ring driven by 1 kT per jump (affinity 3 around the cycle):

    >>> import numpy as np
    >>> import stochlim as sl
    >>> from stochlim.fluctuations import Current, gallavotti_cohen
    >>> ring = sl.HopModel((0.0, 0.0, 0.0), [[0, 1], [1, 2], [2, 0]], [0.0, 0.0, 0.0],
    ...                    drives=[1.0, 1.0, 1.0])
    >>> bool(np.allclose(gallavotti_cohen(ring), 0.0, atol=1e-12))
    True
    >>> bool(np.allclose(gallavotti_cohen(ring, Current([0]), affinity=3.0), 0.0, atol=1e-12))
    True
    >>> bool(abs(gallavotti_cohen(ring, Current([0]), affinity=2.0)[0]) > 1e-3)  # wrong A fails
    True
    """
    obs = _single(model, observable)
    if affinity is None:
        if obs.kinds[0] not in ("entropy_production", "heat"):
            raise ValueError(f"affinity is needed for {obs.names[0]!r}")
        affinity = 1.0
    a = float(check_s(affinity, 1)[0])
    s_arr = np.atleast_1d(np.asarray(s, dtype=np.float64))
    return scgf(model, observable, s_arr) - scgf(model, observable, a - s_arr)
