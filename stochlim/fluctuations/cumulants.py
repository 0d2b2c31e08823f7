"""Exact joint moments and cumulants of trajectory observables, by the moment hierarchy.

Differentiating the tilted master equation (:mod:`.tilted`) at ``s = 0`` in closed form gives,
for the joint moments ``m_alpha,x(t) = <X^alpha; x(t) = x>`` (multi-index ``alpha``,
``X^alpha = prod_i X_i^alpha_i``),

    dm_alpha/dt = sum_{beta <= alpha} C(alpha, beta) M_{alpha - beta} m_beta,

with ``M_0 = L`` (the generator), ``M_gamma[y, x] = k_xy a_xy^gamma`` off the diagonal and, for
``|gamma| = 1`` (``gamma = e_i``), ``b_i,x`` on it; ``C(alpha, beta) = prod_i C(alpha_i, beta_i)``.
The system is block lower-triangular: the Van Loan (1978) construction nested to order ``K``, of
size ``C(n + K, K) S``. Knots, the initial and the final boundary terms shift the moments
binomially (``(X + c)^alpha``). Cumulants follow from the moments by the multivariate recursion
``mu_alpha = sum_{beta <= alpha, beta_j >= 1} C(alpha - e_j, beta - e_j) kappa_beta
mu_{alpha - beta}`` (``j`` the first index with ``alpha_j > 0``). No finite differences are taken.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ._observables import edge_log_rates
from ._sweep import sweep
from .tilted import _inputs, _setup, final_weights

__all__ = ["CumulantSolution", "cumulants", "MAX_ORDER"]

#: Highest cumulant order :func:`cumulants` computes.
MAX_ORDER = 4


@dataclass(frozen=True)
class CumulantSolution:
    """Result of :func:`cumulants` (``solve_ivp``-style status fields).

    Attributes
    ----------
    t : ndarray, shape (T,)
    observables : tuple of str
    order : int
    moments, cumulants : dict
        Raw joint moments ``<X^alpha>`` and joint cumulants ``kappa_alpha``, keyed by the
        multi-index ``alpha`` (a tuple of ints, one per observable, ``1 <= |alpha| <= order``),
        each of shape (T,). E.g. ``cumulants[(1, 1)]`` is the covariance of two observables.
    method : str
    success : bool
    status : int
    message : str

    Examples
    --------
    The jumps of two wells with unit rates both ways are a Poisson process: every cumulant of
    ``N(t)`` is ``t``.

    >>> import numpy as np
    >>> import stochlim as sl
    >>> from stochlim.fluctuations import cumulants
    >>> c = cumulants(sl.two_state(0.0), "n_jumps", p0=[1.0, 0.0], t_end=2.0)
    >>> bool(np.allclose([c.cumulant("n_jumps", k)[-1] for k in (1, 2, 3, 4)], 2.0))
    True
    >>> print(f"{c.skewness[-1, 0]:.6f} {c.kurtosis[-1, 0]:.6f}")  # 1/sqrt(2), 1/2
    0.707107 0.500000
    >>> c.mean.shape, c.covariance.shape
    ((2, 1), (2, 1, 1))
    """

    t: np.ndarray
    observables: tuple
    order: int
    moments: dict
    cumulants: dict
    method: str
    success: bool
    status: int
    message: str

    def _unit(self, i: int, k: int) -> tuple:
        return tuple(k if j == i else 0 for j in range(len(self.observables)))

    def cumulant(self, observable, k: int) -> np.ndarray:
        """The ``k``-th cumulant of one observable (by name or position), shape (T,).

        Parameters
        ----------
        observable : str, Current or int
            The observable, by name, as a :class:`~stochlim.fluctuations.Current`, or by position.
        k : int
            Order, in ``1 .. order``.

        Returns
        -------
        numpy.ndarray, shape (T,)
            ``kappa_k`` at every output time.

        Raises
        ------
        ValueError
            If ``k`` lies outside ``1 .. order`` or the observable was not solved for.

        Examples
        --------
        Jumps at unit rate both ways form a Poisson process: every cumulant of ``N(t)`` is ``t``.

        >>> import stochlim as sl
        >>> c = cumulants(sl.two_state(0.0), "n_jumps", p0=[1.0, 0.0], t_eval=[0.0, 1.0, 2.0])
        >>> np.round(c.cumulant("n_jumps", 3), 9).tolist(), np.round(c.cumulant(0, 4), 9).tolist()
        ([0.0, 1.0, 2.0], [0.0, 1.0, 2.0])
        """
        i = observable if isinstance(observable, int) else self.observables.index(
            observable if isinstance(observable, str) else observable.name)
        if not 1 <= k <= self.order:
            raise ValueError(f"k must lie in 1..{self.order}: got {k}")
        return self.cumulants[self._unit(i, k)]

    def _each(self, k: int) -> np.ndarray:
        """The ``k``-th cumulant of every observable, shape (T, n)."""
        return np.stack([self.cumulants[self._unit(i, k)] for i in range(len(self.observables))], axis=1)

    @property
    def mean(self) -> np.ndarray:
        """Means, shape (T, n).

        Examples
        --------
        >>> import stochlim as sl
        >>> c = cumulants(sl.two_state(0.0), ["n_jumps", "heat"], p0=[1.0, 0.0], t_end=2.0, order=1)
        >>> np.round(c.mean[-1], 9).tolist()   # one jump per unit time; no heat between equal wells
        [2.0, 0.0]
        """
        return self._each(1)

    @property
    def covariance(self) -> np.ndarray:
        """Covariance matrices, shape (T, n, n) (needs ``order >= 2``).

        Examples
        --------
        The net current through the one edge of a unit-rate bit started in well 0 is 1 or 0,
        with variance ``p (1 - p)``, ``p = (1 - e^-2t) / 2``:

        >>> import numpy as np
        >>> import stochlim as sl
        >>> from stochlim.fluctuations import Current
        >>> c = cumulants(sl.two_state(0.0), ["n_jumps", Current([0])], p0=[1.0, 0.0], t_end=2.0, order=2)
        >>> cov = c.covariance[-1]
        >>> p = (1 - np.exp(-4.0)) / 2
        >>> bool(np.isclose(cov[1, 1], p * (1 - p)) and np.isclose(cov[0, 1], cov[1, 0])), cov.shape
        (True, (2, 2))
        """
        n = len(self.observables)
        cov = np.empty((self.t.size, n, n))
        for i, j in itertools.product(range(n), repeat=2):
            alpha = tuple(int(i == k) + int(j == k) for k in range(n))
            cov[:, i, j] = self.cumulants[alpha]
        return cov

    @property
    def variance(self) -> np.ndarray:
        """Variances, shape (T, n) (needs ``order >= 2``).

        Examples
        --------
        >>> import stochlim as sl
        >>> c = cumulants(sl.two_state(0.0), "n_jumps", p0=[1.0, 0.0], t_eval=[0.0, 1.0, 2.0], order=2)
        >>> np.round(c.variance[:, 0], 9).tolist()   # Poisson: the variance equals the mean, t
        [0.0, 1.0, 2.0]
        """
        return self._each(2)

    @property
    def skewness(self) -> np.ndarray:
        """``kappa_3 / kappa_2^(3/2)``, shape (T, n) (needs ``order >= 3``; inf/NaN where the variance is 0).

        Examples
        --------
        >>> import numpy as np
        >>> import stochlim as sl
        >>> c = cumulants(sl.two_state(0.0), "n_jumps", p0=[1.0, 0.0], t_eval=[0.0, 2.0], order=3)
        >>> np.round(c.skewness[:, 0], 6).tolist()   # Poisson: 1 / sqrt(t); undefined at t = 0
        [nan, 0.707107]
        """
        with np.errstate(divide="ignore", invalid="ignore"):
            return self._each(3) / self._each(2) ** 1.5

    @property
    def kurtosis(self) -> np.ndarray:
        """Excess kurtosis ``kappa_4 / kappa_2^2``, shape (T, n) (needs ``order = 4``).

        Examples
        --------
        >>> import numpy as np
        >>> import stochlim as sl
        >>> c = cumulants(sl.two_state(0.0), "n_jumps", p0=[1.0, 0.0], t_eval=[1.0, 2.0, 4.0])
        >>> np.round(c.kurtosis[:, 0], 6).tolist()   # Poisson: 1 / t
        [1.0, 0.5, 0.25]
        """
        with np.errstate(divide="ignore", invalid="ignore"):
            return self._each(4) / self._each(2) ** 2


@dataclass(frozen=True)
class _Plan:
    """The multi-indices up to an order and the pairs ``beta <= alpha`` with their coefficients."""

    alphas: tuple
    index: dict
    pairs: tuple  # (i_alpha, i_beta, gamma, C(alpha, beta))
    order: int

    @classmethod
    def of(cls, n: int, order: int) -> _Plan:
        alphas = sorted((a for a in itertools.product(range(order + 1), repeat=n) if sum(a) <= order),
                        key=lambda a: (sum(a), a))
        index = {a: i for i, a in enumerate(alphas)}
        pairs = []
        for alpha in alphas:
            for beta in itertools.product(*(range(k + 1) for k in alpha)):
                gamma = tuple(x - y for x, y in zip(alpha, beta))
                coef = math.prod(math.comb(x, y) for x, y in zip(alpha, beta))
                pairs.append((index[alpha], index[beta], gamma, float(coef)))
        return cls(tuple(alphas), index, tuple(pairs), order)


class _Hierarchy:
    """The block lower-triangular matrix of the moment hierarchy: fixed pattern, values per call."""

    def __init__(self, model, obs, plan: _Plan):
        self.model, self.obs, self.plan = model, obs, plan
        st = obs.st
        n_s, n_alpha = st.n_states, len(plan.alphas)
        pairs = [p for p in plan.pairs if p[0] != p[1]]
        self.ia = np.array([p[0] for p in pairs], dtype=np.int64)
        ib = np.array([p[1] for p in pairs], dtype=np.int64)
        self.gamma = np.array([p[2] for p in pairs], dtype=np.int64).reshape(len(pairs), obs.n)
        self.coef = np.array([p[3] for p in pairs])
        ones = self.gamma.sum(axis=1) == 1
        self.one_coef = self.coef[ones]
        self.one_obs = np.argmax(self.gamma[ones], axis=1)
        blocks = np.arange(n_alpha)[:, None] * n_s
        states = np.arange(n_s)
        self.rows = np.concatenate([(blocks + st.dst).ravel(), (blocks + st.src).ravel(),
                                    (self.ia[:, None] * n_s + st.dst).ravel(),
                                    (self.ia[ones][:, None] * n_s + states).ravel()])
        self.cols = np.concatenate([(blocks + st.src).ravel(), (blocks + st.src).ravel(),
                                    (ib[:, None] * n_s + st.src).ravel(),
                                    (ib[ones][:, None] * n_s + states).ravel()])
        self.size = n_alpha * n_s

    def __call__(self, energy, slope, barrier) -> sp.csr_matrix:
        obs, n_alpha = self.obs, len(self.plan.alphas)
        log_k, bias = edge_log_rates(self.model, obs.st, energy, barrier)
        k = np.exp(log_k)
        a, b = obs.increments(bias, slope)
        powers = a[:, None, :] ** np.arange(self.plan.order + 1)[None, :, None]  # (n, K + 1, D)
        weight = np.prod(powers[np.arange(obs.n)[None, :], self.gamma], axis=1)  # (pairs, D)
        vals = np.concatenate([np.tile(k, n_alpha), np.tile(-k, n_alpha),
                               (self.coef[:, None] * k * weight).ravel(),
                               (self.one_coef[:, None] * b[self.one_obs]).ravel()])
        return sp.csr_matrix((vals, (self.rows, self.cols)), shape=(self.size, self.size))


def _shift(m: np.ndarray, c: np.ndarray, plan: _Plan) -> np.ndarray:
    """Moments of ``X + c`` (``c`` of shape (n, S), a function of the state) from those of ``X``."""
    if not np.any(c):
        return m
    out = np.zeros_like(m)
    for ia, ib, gamma, coef in plan.pairs:
        out[ia] += coef * np.prod([c[i] ** g for i, g in enumerate(gamma)], axis=0) * m[ib]
    return out


def _to_cumulants(mu: dict, plan: _Plan) -> dict:
    """Joint cumulants from raw moments by the multivariate recursion (module docstring)."""
    kappa = {}
    for alpha in plan.alphas[1:]:
        j = next(i for i, x in enumerate(alpha) if x > 0)
        total = mu[alpha].copy()
        for beta in itertools.product(*(range(x + 1) for x in alpha)):
            if beta[j] == 0 or beta == alpha:
                continue
            rest = tuple(x - y for x, y in zip(alpha, beta))
            coef = math.prod(math.comb(x - (i == j), y - (i == j)) for i, (x, y) in enumerate(zip(alpha, beta)))
            total -= coef * kappa[beta] * mu[rest]
        kappa[alpha] = total
    return kappa


def cumulants(model, observables, *, p0, order=4, t_end=None, t_eval=None, method="auto", rtol=1e-10,
              atol=1e-12) -> CumulantSolution:
    """Exact joint cumulants (up to order 4) of trajectory observables.

    Parameters
    ----------
    model : HopModel
    observables : str, Current or sequence of them
        As for :func:`~stochlim.fluctuations.generating_function`; several give joint cumulants
        (covariances and mixed higher cumulants).
    p0 : array_like, shape (S,)
        Initial law.
    order : int, optional
        Highest total order, 1..4.
    t_end, t_eval, method, rtol, atol
        As for :func:`stochlim.solve_master`; the means equal its ``mean_work``, ``mean_heat``,
        ``entropy_production``, ``activity`` and ``currents``.

    Returns
    -------
    CumulantSolution
        Moments and cumulants at every output time; integrator failures are reported in
        ``status``.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`~stochlim.models.HopModel`, or ``observables`` is not a name,
        a :class:`~stochlim.fluctuations.Current` or a sequence of them.
    ValueError
        If ``order`` is not an integer in ``1 .. MAX_ORDER``, an observable is unknown or repeated,
        a current names a missing edge, ``p0`` is not a distribution, or ``t_end``/``t_eval``/
        ``method`` is invalid.

    Examples
    --------
    >>> import stochlim as sl
    >>> m = sl.two_state(0.0, energies=(0.0, 1.0))
    >>> c = cumulants(m, "n_jumps", p0=[1.0, 0.0], t_end=2.0, order=2)
    >>> bool(c.variance[-1, 0] > 0)
    True

    Joint cumulants of work and heat on a ramp: the covariance matrix is symmetric.

    >>> import numpy as np
    >>> ramp = sl.two_state(0.5, energies=(0.0, sl.PiecewiseLinear([0.0, 1.0], [0.0, 2.0])))
    >>> c = cumulants(ramp, ["work", "heat"], p0=[0.5, 0.5], t_end=1.0, order=2)
    >>> cov = c.covariance[-1]
    >>> cov.shape, bool(np.isclose(cov[0, 1], cov[1, 0]))
    ((2, 2), True)
    """
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or not 1 <= order <= MAX_ORDER:
        raise ValueError(f"order must be an integer in 1..{MAX_ORDER}: got {order!r}")
    obs, _, p_init, lowered, method, t_eval = _setup(model, observables, None, p0, t_end, t_eval, method)
    plan = _Plan.of(obs.n, int(order))
    n_s = model.n_states
    c1, err = final_weights(model, obs, p_init, float(lowered.seg_times[-1]), t_eval, method, rtol, atol)
    if err is not None:
        return CumulantSolution(t_eval[:0], obs.names, int(order), {}, {}, method, False, -1, err)
    m0 = np.zeros((len(plan.alphas), n_s))
    m0[0] = p_init
    m0 = _shift(m0, obs.boundary(p_init, 1.0), plan)
    end = lowered.energy_end()

    hierarchy = _Hierarchy(model, obs, plan)

    def block(j, t):
        return hierarchy(*_inputs(lowered, j, t)), 0.0

    def knot(j, v):
        return _shift(v.reshape(m0.shape), obs.knot_jump(lowered.energy[j] - end[j - 1]), plan).ravel()

    out, _, err = sweep(lowered, t_eval, method, m0.ravel(), block, knot=knot, rtol=rtol, atol=atol)
    n_done = out.shape[0]
    moments = np.array([_shift(out[i].reshape(m0.shape), c1[i], plan).sum(axis=1) for i in range(n_done)])
    mu = {alpha: moments[:, i] if n_done else np.zeros(0) for i, alpha in enumerate(plan.alphas)}
    kappa = _to_cumulants(mu, plan)
    mu.pop(plan.alphas[0])
    status, message = (0, "The solver successfully reached t_end.") if err is None else (-1, err)
    return CumulantSolution(t_eval[:n_done], obs.names, int(order), mu, kappa, method, err is None,
                            status, message)
