"""Rare events: tilted (Doob) importance sampling of trajectory observables with exact weights.

For an additive observable ``X`` of a trajectory on ``[0, t_end]`` - ``"work"``, ``"heat"``,
``"entropy_production"`` (``Q + ln p0(x0) - ln p_T(x_T)``), ``"n_jumps"`` or a
:class:`~stochlim.fluctuations.Current` (the vocabulary of :mod:`stochlim.fluctuations`) - and a
tilt ``s``, the Doob-transformed dynamics (Chetrite & Touchette 2015, Ann. Henri Poincare 16, 2005;
Jack & Sollich 2010, Prog. Theor. Phys. Suppl. 184, 304)

    ``k~_xy(t) = k_xy(t) exp(-s a_xy(t)) r_y(t) / r_x(t)``,

with ``a_xy`` the increment of ``X`` at a jump and ``r`` the backward solution of the tilted master
equation (:func:`stochlim.fluctuations.backward_tilted`), samples the trajectories that dominate
``E[exp(-s X)]``: the tail of ``X`` far below (``s > 0``) or above (``s < 0``) its mean. The tilted
rates vary in time through ``r`` even when the protocol is constant.

Design: the proposal does not have to be the exact Doob dynamics for the estimates to be unbiased;
the *weights* have to be exact. Here the Doob rates are evaluated at the midpoint of each cell of a
grid (``n_cells`` cells plus the protocol's knots) and held constant on the cell: a
piecewise-constant model that the direct method with restarts samples exactly. The kernel
accumulates each trajectory's exact log-likelihood ratio of the original dynamics to this proposal,

    ``ln w = ln p0(x0) - ln p~0(x0) + sum_jumps ln(k_xy(t) / k~_xy) - int (lambda_x(t) - lambda~_x) dt``,

with the original log-rates linear in ``t`` on each cell, so the integral is closed-form (this needs
``rate_law="arrhenius"``, or the paper law with stepped energies and only the barriers ramping;
other models are refused with a ``ValueError``). Then for any function
``g`` of the path, ``E[g] = E~[w g]`` exactly, with standard errors from the sample of ``w g``.
Work and heat along each sampled path are those of the original model.

The tilt for a requested tail point ``x`` is the saddle point of the exact tilted generating
function ``psi(s) = ln E[exp(-s X)]`` (:func:`stochlim.fluctuations.generating_function`):
``-psi'(s) = x``, the proposal's mean of ``X`` (:func:`saddle_point`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.optimize
import scipy.special

from . import ssa
from ._validation import as_float_array, check_int, check_positive, freeze_arrays
from .fluctuations import (
    Current,
    backward_tilted,
    generating_function,
    tilted_generator,
)
from .fluctuations._observables import resolve
from .master import solve_master
from .models import MAX_LOG_RATE, HopModel
from .stats import mean_se, z_score
from .thermo import MIN_EFFECTIVE_SAMPLES, FluctuationCheck, net_jumps

__all__ = ["Estimate", "TiltedEnsemble", "log_mgf", "saddle_point", "simulate_tilted"]

#: Default number of cells on which the proposal (Doob rates at the cell midpoints) is held.
N_CELLS = 128


@dataclass(frozen=True)
class Estimate:
    """An importance-sampling estimate with its standard error (from the sample of weights).

    Estimates of non-negative quantities (probabilities, densities, ``E[g]`` for ``g >= 0``) are
    computed in log space and also carry ``log_value`` and ``log_stderr``, which stay finite where
    ``value`` and ``stderr`` underflow float64 (below ~1e-308): never a silent 0.

    Parameters
    ----------
    value : float
        The estimate.
    stderr : float
        Its standard error.
    n : int
        Number of samples.
    log_value, log_stderr : float, optional
        ``ln value`` and ``ln stderr`` (``-inf`` for an exact 0; NaN where not computed in log
        space).

    Examples
    --------
    >>> round(Estimate(0.52, 0.01, 1000).z(0.5), 6)
    2.0
    """

    value: float
    stderr: float
    n: int
    log_value: float = math.nan
    log_stderr: float = math.nan

    def z(self, exact: float) -> float:
        """``(value - exact) / stderr``.

        Parameters
        ----------
        exact : float
            The exact value.

        Returns
        -------
        float
            The z-score.

        Examples
        --------
        >>> round(Estimate(0.48, 0.01, 1000).z(0.5), 6)
        -2.0
        """
        return z_score(self.value, exact, self.stderr)


_LOG_MAX = math.log(np.finfo(float).max)
_TINY = np.finfo(float).tiny


def _times_exp(x: float, log_scale: float) -> float:
    """``x * exp(log_scale)`` without overflowing in the factor when the product fits."""
    return math.copysign(math.exp(log_scale + math.log(abs(x))), x) if x else 0.0


def _weighted_mean(log_terms: np.ndarray, n: int) -> Estimate:
    """Mean over ``n`` samples of ``exp(log_terms)`` (other samples 0), computed in log space."""
    lm = float(scipy.special.logsumexp(log_terms)) - math.log(n) if log_terms.size else -math.inf
    if lm == -math.inf:
        return Estimate(0.0, 0.0, n, -math.inf, -math.inf)
    if lm > _LOG_MAX:
        raise OverflowError(f"the weighted mean exceeds the float range (ln-scale {lm:.4g}): rescale g")
    l2 = float(scipy.special.logsumexp(2 * log_terms)) - math.log(n)
    # sample variance exp(2 lm) (exp(l2 - 2 lm) - 1) n / (n - 1), kept in log space: its two terms
    # underflow long before the mean does
    excess = max(math.expm1(l2 - 2 * lm), 0.0) * n / max(n - 1, 1)
    log_se = lm + 0.5 * math.log(excess / n) if excess > 0 else -math.inf
    return Estimate(math.exp(lm), math.exp(log_se), n, lm, log_se)


# --- the proposal ---------------------------------------------------------------------------------


def _cells(model: HopModel, t_end: float, n_cells: int):
    """The model lowered on its knots refined to at least ``n_cells`` equal cells."""
    knots = model.lower(t_end).seg_times
    lo = model._lower_on(np.union1d(knots, np.linspace(0.0, t_end, n_cells + 1)))
    if not lo.is_exp_linear:
        raise ValueError(
            "model: tilted sampling computes exact weights only when every log-rate is linear in time "
            "between knots, and this model's are not (the paper law with energies that ramp): use "
            "rate_law='arrhenius', or with the paper law step the energies (PiecewiseConstant) and ramp "
            "only the barriers"
        )
    return lo


@dataclass(frozen=True)
class _Setup:
    """Validated inputs of a tilted run."""

    observable: object  # a name of OBSERVABLES or a Current
    lowered: object  # the model on the cells
    p0: np.ndarray  # start law (a unit vector for x0)
    t_end: float


def _setup(model, observable, t_end, p0, x0, n_cells) -> _Setup:
    if not isinstance(model, HopModel):
        raise TypeError(f"model must be a HopModel: got {type(model).__name__}")
    obs = resolve(model, observable, "observable")
    if obs.n != 1:
        raise ValueError(f"observable must be a single observable: got {obs.names}")
    t_end = float(check_positive("t_end", t_end))
    lo = _cells(model, t_end, check_int("n_cells", n_cells, minimum=1))
    if obs.kinds[0] == "work" and not (np.any(lo.energy_slope) or np.any(lo.out_drive)
                                       or np.any(lo.energy[1:] != lo.energy_end()[:-1])):
        raise ValueError("observable 'work': this model does no work (no energy changes in time "
                         "and no drives), so W = 0 on every trajectory")
    n_start = 1 if x0 is None or np.ndim(x0) == 0 else np.size(x0)
    x0s, p0_cum = ssa._start(model, lo, n_start, p0, x0)
    if x0s.size:
        if np.any(x0s != x0s[0]):
            raise ValueError("x0 must be a single start state for tilted sampling (or give p0)")
        p = np.eye(model.n_states)[x0s[0]]
    else:
        p = np.diff(np.concatenate(([0.0], p0_cum)))
    return _Setup(observable, lo, p, t_end)


def _log_g(model, setup: _Setup, s: float, rtol: float = 1e-10) -> float:
    """``psi(s) = ln E[exp(-s X)]`` by the tilted master equation (exact; ``rtol`` for ramps)."""
    sol = generating_function(model, setup.observable, s, p0=setup.p0, t_end=setup.t_end,
                              t_eval=[0.0, setup.t_end], rtol=rtol, atol=1e-12 * rtol / 1e-10)
    if not sol.success:
        raise ValueError(f"the tilted master equation failed at s = {s!r}: {sol.message}")
    return float(sol.log_G[-1])


def _proposal(model, setup: _Setup, s: float):
    """``(log_prop, log_p0)``: the Doob rates at each cell's midpoint, held on the cell, and the
    tilted start law ``p0 exp(-s c0) r(0) / G``; ``r`` from :func:`backward_tilted`."""
    lo = setup.lowered
    mids = 0.5 * (lo.seg_times[1:] + lo.seg_times[:-1])
    # r only shapes the proposal (the weights are exact whatever it is): a loose tolerance will do
    back = backward_tilted(model, setup.observable, s, t_eval=np.concatenate(([0.0], mids)),
                           t_end=setup.t_end, p0=setup.p0, rtol=1e-6, atol=1e-9)
    if not back.success:
        raise ValueError(f"the backward tilted equation failed at s = {s!r}: {back.message}")
    # r > 0 in exact arithmetic; the integrator may leave rounding-level values <= 0 where r is
    # negligible, which the floor keeps finite (any positive proposal rate is valid)
    log_r = np.log(np.maximum(back.r, 1e-300)) + back.log_scale[:, None]
    m = model.n_edges
    # the generator's directed edges (d < m as written, d >= m reversed) in the CSR order of lo
    theirs = np.where(lo.out_src == model.edges[lo.out_edge, 0], lo.out_edge, lo.out_edge + m)
    log_prop = np.empty((lo.n_segments, lo.out_dst.size))
    for j, t in enumerate(mids):
        gen = tilted_generator(model, setup.observable, s, t)
        lr = log_r[j + 1]
        log_prop[j] = gen.log_tilted_rate[theirs] + lr[lo.out_dst] - lr[lo.out_src]
    if log_prop.size and log_prop.max() > MAX_LOG_RATE:
        raise ValueError(f"s = {s!r} makes a proposal rate reach exp({log_prop.max():.0f}), beyond "
                         "float64's resolution of waiting times: choose a smaller |s|")
    with np.errstate(divide="ignore"):
        log_p0 = np.log(setup.p0)
    start = log_p0 + log_r[0]
    if resolve(model, setup.observable).kinds[0] == "entropy_production":
        start = start - s * log_p0  # the initial term c0 = ln p0
    start = np.where(setup.p0 > 0, start, -np.inf)
    return log_prop, start - scipy.special.logsumexp(start)


# --- the public API -------------------------------------------------------------------------------


def log_mgf(model, observable, s, *, t_end, p0=None, x0=None) -> float:
    """The tilted generating function ``psi(s) = ln E[exp(-s X)]``, exactly.

    From :func:`stochlim.fluctuations.generating_function`; arguments as for
    :func:`simulate_tilted`.

    Parameters
    ----------
    model, observable, t_end, p0, x0
        As for :func:`simulate_tilted`.
    s : float
        The tilt.

    Returns
    -------
    float
        ``psi(s)``.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`~stochlim.models.HopModel`.
    ValueError
        If ``observable`` is not a single observable, or is ``"work"`` of a model that does no
        work; ``t_end`` is not positive; the model's log-rates are not linear in time between knots;
        the start (``p0``/``x0``) is invalid or ``x0`` is not a single state; or the tilted master
        equation fails.

    Examples
    --------
    >>> from stochlim.models import two_state
    >>> m = two_state(0.0, rate_law="arrhenius")   # k = 1 both ways: N ~ Poisson(t)
    >>> round(log_mgf(m, "n_jumps", 1.0, t_end=1.0, x0=0), 6)   # t (e^-s - 1)
    -0.632121
    """
    return _log_g(model, _setup(model, observable, t_end, p0, x0, 1), float(as_float_array("s", s)))


def saddle_point(model, observable, x, *, t_end, p0=None, x0=None) -> float:
    """The tilt ``s`` whose proposal has mean ``E~[X] = -psi'(s) = x`` (saddle point).

    Tilting there puts the bulk of the samples at the tail point ``x``, the most efficient single
    choice for ``P(X <= x)`` below the mean (``s > 0``) or ``P(X >= x)`` above it (``s < 0``).
    ``psi'`` by central differences of the exact ``psi``. Raises ``ValueError`` when ``x`` lies
    beyond what any finite ``s`` reaches.

    Parameters
    ----------
    model, observable, t_end, p0, x0
        As for :func:`simulate_tilted`.
    x : float
        The tail point.

    Returns
    -------
    float
        The tilt ``s`` (to a relative tolerance of about 1e-4).

    Raises
    ------
    TypeError
        As for :func:`log_mgf`.
    ValueError
        If ``x`` lies beyond the tail reachable by tilting, or as for :func:`log_mgf`.

    Examples
    --------
    >>> from stochlim.models import two_state
    >>> m = two_state(0.0, rate_law="arrhenius")   # k = 1 both ways: N ~ Poisson(t)
    >>> round(saddle_point(m, "n_jumps", 0.5, t_end=1.0, x0=0), 3)   # t e^-s = x: s = ln 2
    0.693
    """
    x = float(as_float_array("x", x))
    setup = _setup(model, observable, t_end, p0, x0, 1)

    def gap(s):  # -psi'(s) - x, decreasing in s
        h = 1e-4 * max(1.0, abs(s))
        psi = (_log_g(model, setup, s + h, 1e-9) - _log_g(model, setup, s - h, 1e-9))
        return -psi / (2 * h) - x

    g0 = gap(0.0)
    if g0 == 0.0:
        return 0.0
    lo_s, hi_s = 0.0, 0.25 if g0 > 0 else -0.25
    while True:
        try:
            g = gap(hi_s)
        except ValueError as exc:
            raise ValueError(f"x = {x!r} is beyond the tail reachable by tilting: {exc}") from None
        if g * g0 <= 0:
            break
        if abs(hi_s) > 1e4:
            raise ValueError(f"x = {x!r} is beyond the tail reachable by tilting (|s| > 1e4)")
        lo_s, hi_s = hi_s, 2.0 * hi_s
    return float(scipy.optimize.brentq(gap, min(lo_s, hi_s), max(lo_s, hi_s), xtol=1e-6, rtol=1e-4))


@dataclass(frozen=True, eq=False)
class TiltedEnsemble:
    """Trajectories of the tilted dynamics with their exact log-weights.

    Attributes
    ----------
    ensemble : Ensemble
        The sampled trajectories, with the work, heat and jumps of the original model.
    observable : str or Current
        The tilted observable; ``values`` holds it per trajectory.
    values : ndarray
        ``X`` of every trajectory.
    s : float
        The tilt.
    log_weight : ndarray
        ``ln dP/dP~`` of every trajectory: ``E[g] = mean(exp(log_weight) g)`` for any ``g`` of the
        path under the original dynamics ``P``.

    Parameters
    ----------
    ensemble, observable, values, s, log_weight
        The attributes above, by name (made by :func:`simulate_tilted`, not by users).

    Examples
    --------
    >>> from stochlim.models import two_state
    >>> m = two_state(0.0, rate_law="arrhenius")   # k = 1 both ways: N ~ Poisson(t)
    >>> te = simulate_tilted(m, "n_jumps", s=0.7, t_end=1.0, n_trajectories=2000, x0=0, rng=0)
    >>> te.n_trajectories, te.s
    (2000, 0.7)
    >>> bool(te.check_weights().passed)   # mean weight 1 within 5 standard errors
    True
    """

    ensemble: ssa.Ensemble
    observable: object
    values: np.ndarray
    s: float
    log_weight: np.ndarray

    def __post_init__(self):
        freeze_arrays(self)

    @property
    def n_trajectories(self) -> int:
        """Number of sampled trajectories.

        Examples
        --------
        >>> from stochlim.models import two_state
        >>> te = simulate_tilted(two_state(0.0), "n_jumps", s=0.5, t_end=1.0, n_trajectories=30, x0=0, rng=0)
        >>> te.n_trajectories, te.values.shape
        (30, (30,))
        """
        return self.values.size

    def expectation(self, g) -> Estimate:
        """``E[g]`` under the original dynamics from per-trajectory values ``g`` (any sign).

        Parameters
        ----------
        g : float or array_like
            Per-trajectory values (broadcast to ``values``).

        Returns
        -------
        Estimate
            ``E[g]`` with its standard error.

        Raises
        ------
        TypeError
            If ``g`` is not real.
        ValueError
            If ``g`` is empty, NaN or does not broadcast to the trajectories.
        OverflowError
            If ``g`` takes both signs and ``E[g]`` or its standard error exceeds the float range.

        Examples
        --------
        >>> from stochlim.models import two_state
        >>> m = two_state(0.0, rate_law="arrhenius")   # k = 1 both ways: N ~ Poisson(t)
        >>> te = simulate_tilted(m, "n_jumps", s=0.7, t_end=1.0, n_trajectories=2000, x0=0, rng=0)
        >>> bool(abs(te.expectation(te.values).z(1.0)) < 4)   # E[N] = t
        True
        """
        g = np.broadcast_to(as_float_array("g", g), self.values.shape)
        if np.all(g >= 0):  # in log space: no underflow however small the weights
            pos = g > 0
            return _weighted_mean(self.log_weight[pos] + np.log(g[pos]), self.n_trajectories)
        top = float(self.log_weight.max())
        terms = np.exp(self.log_weight - top) * g
        mean, se = mean_se(terms)
        if top + math.log(max(abs(mean), se, _TINY)) > _LOG_MAX:
            raise OverflowError(f"g: E[g] or its standard error exceeds the float range (ln-scale {top:.4g} of the "
                                "largest weight); rescale g or split it into its positive and negative parts")
        return Estimate(_times_exp(mean, top), _times_exp(se, top), terms.size)

    def tail_probability(self, x, side: str = "lower") -> Estimate:
        """``P(X <= x)`` (``side="lower"``) or ``P(X >= x)`` (``"upper"``), computed in log space.

        0 with standard error 0 when no sample reaches ``x``: tilt further (or use ``tail=x``).

        Parameters
        ----------
        x : float
            The tail point.
        side : {"lower", "upper"}, optional
            Which tail.

        Returns
        -------
        Estimate
            The probability with its standard error.

        Raises
        ------
        ValueError
            If ``side`` is neither ``"lower"`` nor ``"upper"``, or ``x`` is NaN.

        Examples
        --------
        >>> from stochlim.models import two_state
        >>> m = two_state(0.0, rate_law="arrhenius")   # k = 1 both ways: N ~ Poisson(t)
        >>> te = simulate_tilted(m, "n_jumps", s=0.7, t_end=1.0, n_trajectories=2000, x0=0, rng=0)
        >>> bool(abs(te.tail_probability(1.0).z(2 * np.exp(-1.0))) < 4)   # P(N <= 1) = 2 / e
        True
        """
        x = float(as_float_array("x", x))
        if side not in ("lower", "upper"):
            raise ValueError(f"side must be 'lower' or 'upper': got {side!r}")
        inside = self.values <= x if side == "lower" else self.values >= x
        return _weighted_mean(self.log_weight[inside], self.n_trajectories)

    def density(self, edges):
        """``(centers, density, stderr)`` of ``X`` on the bins ``edges`` (weighted histogram).

        Parameters
        ----------
        edges : array_like
            Strictly increasing bin edges, at least 2.

        Returns
        -------
        centers, density, stderr : ndarray
            Bin centres, the density of ``X`` in each bin and its standard error.

        Raises
        ------
        ValueError
            If ``edges`` is not a strictly increasing 1-d array of at least 2 edges.

        Examples
        --------
        >>> from stochlim.models import two_state
        >>> m = two_state(0.0, rate_law="arrhenius")   # k = 1 both ways: N ~ Poisson(t)
        >>> te = simulate_tilted(m, "n_jumps", s=0.7, t_end=1.0, n_trajectories=2000, x0=0, rng=0)
        >>> centers, dens, se = te.density([-0.5, 0.5, 1.5])   # P(N = 0) = P(N = 1) = 1 / e
        >>> bool(np.all(np.abs(dens - np.exp(-1.0)) < 4 * se))
        True
        """
        edges = as_float_array("edges", edges)
        if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
            raise ValueError("edges must be a strictly increasing 1-d array of at least 2 bin edges")
        which = np.searchsorted(edges, self.values, side="right") - 1
        est = [_weighted_mean(self.log_weight[which == b], self.n_trajectories)
               for b in range(edges.size - 1)]
        width = np.diff(edges)
        return (0.5 * (edges[1:] + edges[:-1]), np.array([e.value for e in est]) / width,
                np.array([e.stderr for e in est]) / width)

    def check_weights(self) -> FluctuationCheck:
        """``E~[w] = 1``: the mean weight with its standard error and z.

        Returns
        -------
        FluctuationCheck
            The check, with its effective sample size.

        Examples
        --------
        >>> from stochlim.models import two_state
        >>> m = two_state(0.0, rate_law="arrhenius")   # k = 1 both ways: N ~ Poisson(t)
        >>> te = simulate_tilted(m, "n_jumps", s=0.7, t_end=1.0, n_trajectories=2000, x0=0, rng=0)
        >>> bool(te.check_weights().passed)
        True
        """
        est = _weighted_mean(self.log_weight, self.n_trajectories)
        return _check("mean weight", est, 1.0, self.log_weight)

    def jarzynski(self, delta_f) -> FluctuationCheck:
        """Weighted ``<exp(-W)>`` against ``exp(-dF)`` (Jarzynski 1997).

        Parameters
        ----------
        delta_f : float
            ``dF = F(t_end) - F(0)`` in kT (e.g. from :func:`stochlim.master.free_energy`).

        Returns
        -------
        FluctuationCheck
            The check.

        Raises
        ------
        TypeError
            If ``delta_f`` is not real.

        Examples
        --------
        >>> from stochlim.master import free_energy
        >>> from stochlim.models import two_state
        >>> from stochlim.protocols import PiecewiseLinear
        >>> m = two_state(0.0, energies=(0.0, PiecewiseLinear([0, 1], [0, 1])), rate_law="arrhenius")
        >>> te = simulate_tilted(m, "work", s=0.5, t_end=1.0, n_trajectories=2000, rng=0)
        >>> bool(te.jarzynski(free_energy(m, 1.0) - free_energy(m, 0.0)).passed)
        True
        """
        d = float(as_float_array("delta_f", delta_f))
        est = _weighted_mean(self.log_weight - self.ensemble.work, self.n_trajectories)
        return _check("Jarzynski (weighted)", est, math.exp(-d), self.log_weight - self.ensemble.work)


def _check(name: str, est: Estimate, expected: float, log_terms: np.ndarray) -> FluctuationCheck:
    w = np.exp(log_terms - log_terms.max())
    ess = float(w.sum() ** 2 / np.sum(w * w))
    return FluctuationCheck(name, est.value, expected, est.stderr, est.z(expected), est.n, ess,
                            ess >= MIN_EFFECTIVE_SAMPLES)


def _values(model, observable, ens, p0):
    """``X`` of every sampled trajectory."""
    kind = resolve(model, observable).kinds[0]
    if kind == "work":
        return np.asarray(ens.work)
    if kind == "heat":
        return np.asarray(ens.heat)
    if kind == "n_jumps":
        return np.asarray(ens.n_jumps, dtype=float)
    if kind == "entropy_production":
        p_end = solve_master(model, p0=p0, t_eval=[0.0, ens.t_end]).p[-1]
        return ens.heat + np.log(p0[ens.initial_state]) - np.log(p_end[ens.final_state])
    return sum(net_jumps(ens, *model.edges[e]) for e in observable.edges).astype(float)


def simulate_tilted(model, observable, *, s=None, tail=None, t_end, n_trajectories, p0=None,
                    x0=None, rng=None, n_cells=N_CELLS) -> TiltedEnsemble:
    """Sample the Doob-tilted dynamics of ``model`` for ``observable`` with exact log-weights.

    Parameters
    ----------
    model : HopModel
        Any protocol; the log-rates must be linear in time between knots (Arrhenius law, or the
        paper law with stepped energies and only barriers ramping) so that the weights are exact.
    observable : {"work", "heat", "entropy_production", "n_jumps"} or Current
        ``X``, as in :mod:`stochlim.fluctuations`: work done, heat released (kT), total entropy
        production ``Q + ln p0(x0) - ln p_T(x_T)`` (k_B), number of jumps, or the net jumps along
        edges (``stochlim.fluctuations.Current``).
    s : float, optional
        The tilt: the proposal favours paths by ``exp(-s X)``; ``s > 0`` samples the lower tail.
    tail : float, optional
        Instead of ``s``: the tail point ``x`` to centre the samples on (``s`` from
        :func:`saddle_point`).
    t_end, n_trajectories, p0, x0, rng
        As for :func:`stochlim.simulate` (``x0`` a single state).
    n_cells : int, optional
        Number of cells on which the proposal is held (more: closer to the exact Doob dynamics,
        more restarts per trajectory; the weights are exact for any number).

    Returns
    -------
    TiltedEnsemble
        Samples, observable values and exact log-weights, with tail-probability, density and
        expectation estimators that carry standard errors.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`~stochlim.models.HopModel` or ``n_trajectories`` or
        ``n_cells`` is not an integer.
    ValueError
        If not exactly one of ``s`` and ``tail`` is given; ``n_trajectories`` or ``n_cells`` is
        below 1; ``s`` makes a proposal rate overflow; or as for :func:`log_mgf` and
        :func:`saddle_point`.

    Examples
    --------
    The lower tail of the number of jumps of a bit hopping at rate 1 for one time unit
    (``N ~ Poisson(1)``), sampled at the tilt ``s = 0.7``:

    >>> from stochlim.models import two_state
    >>> m = two_state(0.0, rate_law="arrhenius")   # k = 1 both ways: N ~ Poisson(t)
    >>> te = simulate_tilted(m, "n_jumps", s=0.7, t_end=1.0, n_trajectories=2000, x0=0, rng=0)
    >>> p = te.tail_probability(0.0)   # P(N = 0) = e^-1
    >>> bool(abs(p.z(np.exp(-1.0))) < 4)
    True

    References
    ----------
    R. Chetrite and H. Touchette, Ann. Henri Poincare 16, 2005 (2015); R. L. Jack and P. Sollich,
    Prog. Theor. Phys. Suppl. 184, 304 (2010).
    """
    if (s is None) == (tail is None):
        raise ValueError("give exactly one of s and tail")
    setup = _setup(model, observable, t_end, p0, x0, n_cells)
    if s is None:
        s = saddle_point(model, observable, tail, t_end=t_end, p0=p0, x0=x0)
    s = float(as_float_array("s", s))
    n = check_int("n_trajectories", n_trajectories, minimum=1)
    lo = setup.lowered
    log_prop, log_p0 = _proposal(model, setup, s)
    root, entropy = ssa.root_key(rng)
    prop = np.exp(log_prop)
    cum = np.cumsum(np.exp(log_p0))
    cum[-1] = 1.0
    cum[cum.size - 1 - np.argmax(log_p0[::-1] > -np.inf):] = 1.0  # as ssa does for p0
    plan = ssa.Plan(model, lo, ssa.SOLVERS["restart"], n, setup.t_end, root, entropy,
                    np.empty(0, dtype=np.int64), cum, np.empty(0), "summary", prop,
                    ssa._EMPTY_2D, ssa._per_state_totals(lo, prop))
    tables = (np.ascontiguousarray(lo.log_rates("start")), np.ascontiguousarray(lo.log_rate_slope()),
              np.ascontiguousarray(log_prop))
    out = ssa._run(plan, tilt=tables)
    ev_off = None
    if isinstance(observable, Current):  # net jumps per edge come from the event record
        ev_off = np.concatenate(([0], np.cumsum(out["njump"]))).astype(np.int64)
        out = ssa._run(plan, ev_off=ev_off, tilt=tables)
    ens = ssa.ensemble_from(plan, out, ev_off)
    ens.provenance.update(tilt={"observable": str(observable), "s": s, "n_cells": lo.n_segments})
    with np.errstate(divide="ignore"):
        log_p = np.log(setup.p0)
    log_w = out["log_weight"] + log_p[out["init"]] - log_p0[out["init"]]
    return TiltedEnsemble(ens, observable, _values(model, observable, ens, setup.p0), s, log_w)
