"""Rare events: tilted (Doob) importance sampling of trajectory observables with exact weights.

For an additive observable ``X`` of a trajectory on ``[0, t_end]`` - ``"work"``, ``"heat"``,
``"entropy"`` (total entropy production, ``Q + ln p0(x0) - ln p_T(x_T)``), ``"jumps"`` or
``("current", e)`` (net jumps along edge ``e`` as written) - and a tilt ``s``, the Doob-transformed
dynamics (Chetrite & Touchette 2015, Ann. Henri Poincare 16, 2005; Jack & Sollich 2010, Prog.
Theor. Phys. Suppl. 184, 304)

    ``k~_xy(t) = k_xy(t) exp(-s c_xy(t)) r_y(t) / r_x(t)``,

with ``c_xy`` the increment of ``X`` at a jump and ``r(t) = E[exp(-s X(t, t_end)) | x(t)]`` the
backward solution of the tilted master equation, samples exactly the trajectories that dominate
``E[exp(-s X)]``: the tail ``X`` far below (``s > 0``) or above (``s < 0``) its mean.

Design: the proposal does not have to be the exact Doob dynamics for the estimates to be unbiased;
the *weights* have to be exact. Here ``r`` is solved backward on a grid of cells (generator frozen
at each cell's midpoint, one matrix exponential per half cell) and the proposal rates
``k_xy(mid) exp(-s c_xy(mid)) r_y(mid) / r_x(mid)`` are held constant on each cell: a
piecewise-constant model that the direct method with restarts samples exactly. The kernel
accumulates each trajectory's exact log-likelihood ratio of the original dynamics to the proposal,

    ``ln w = ln p0(x0) - ln p~0(x0) + sum_jumps ln(k_xy(t) / k~_xy) - int (lambda_x(t) - lambda~_x) dt``,

with the original log-rates linear in ``t`` on each cell, so the integral is closed-form (this needs
``rate_law="arrhenius"``, or the paper law with only the barriers moving). Then for any function
``g`` of the path, ``E[g] = E~[w g]`` exactly, with standard errors from the sample of ``w g``.
Work and heat along each sampled path are those of the original model.

The tilt for a requested tail point ``x`` is the saddle point of the tilted generating function
``psi(s) = ln E[exp(-s X)]``: ``-psi'(s) = x`` (the proposal's mean of ``X``), see
:func:`saddle_point`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.optimize
import scipy.special

from . import ssa
from ._validation import as_float_array, check_int, check_positive
from .master import solve_master
from .models import MAX_LOG_RATE, HopModel
from .thermo import FluctuationCheck, _z

__all__ = ["OBSERVABLES", "Estimate", "TiltedEnsemble", "log_mgf", "saddle_point", "simulate_tilted"]

#: Observables the tilt accepts; ``"current"`` is given as ``("current", edge_index)``.
OBSERVABLES = ("work", "heat", "entropy", "jumps", "current")

#: Default number of cells of the grid on which the backward solution ``r`` is held.
N_CELLS = 128

#: Floor of ``ln r`` below its maximum, so no proposal rate underflows to exactly zero.
_LOG_R_FLOOR = -600.0


@dataclass(frozen=True)
class Estimate:
    """An importance-sampling estimate with its standard error (from the sample of weights)."""

    value: float
    stderr: float
    n: int

    def z(self, exact: float) -> float:
        """``(value - exact) / stderr``."""
        return _z(self.value, exact, self.stderr)


def _weighted_mean(log_terms: np.ndarray, n: int) -> Estimate:
    """Mean over ``n`` samples of ``exp(log_terms)`` (other samples 0), computed in log space."""
    if log_terms.size == 0:
        return Estimate(0.0, 0.0, n)
    lm = scipy.special.logsumexp(log_terms) - math.log(n)
    l2 = scipy.special.logsumexp(2 * log_terms) - math.log(n)
    var = max(math.exp(l2) - math.exp(2 * lm), 0.0) * n / max(n - 1, 1)
    return Estimate(math.exp(lm), math.sqrt(var / n), n)


# --- the observable's increments ------------------------------------------------------------------


def _observable(model: HopModel, observable):
    """``(name, edge)`` validated; ``edge`` is the edge index for ``("current", e)``."""
    if isinstance(observable, tuple) and len(observable) == 2 and observable[0] == "current":
        e = observable[1]
        if not isinstance(e, (int, np.integer)) or not 0 <= e < model.n_edges:
            raise ValueError(f"observable ('current', e) needs an edge index 0..{model.n_edges - 1}: "
                             f"got {e!r}")
        return "current", int(e)
    if not isinstance(observable, str) or observable not in OBSERVABLES or observable == "current":
        raise ValueError(f"observable must be one of {OBSERVABLES[:-1]} or ('current', edge): "
                         f"got {observable!r}")
    return observable, -1


def _cells(model: HopModel, t_end: float, n_cells: int):
    """The model lowered on its knots refined to at least ``n_cells`` equal cells."""
    knots = model.lower(t_end).seg_times
    lo = model._lower_on(np.union1d(knots, np.linspace(0.0, t_end, n_cells + 1)))
    if not lo.is_exp_linear:
        raise ValueError(
            "tilted sampling computes exact weights when every log-rate is linear in time between "
            "knots: use rate_law='arrhenius', or move only the barriers with the paper law"
        )
    return lo


def _increments(model: HopModel, lo, kind: str, edge: int):
    """``(c, v, step)`` of the observable on the cells.

    ``c[j, d]``: increment of ``X`` at a jump along directed edge ``d`` (at the cell's midpoint);
    ``v[j, x]``: its rate while in ``x``; ``step[j, x]``: its step at the start of cell ``j`` (the
    work of an energy step at a knot).
    """
    n, n_dir = lo.n_segments, lo.out_dst.size
    v = np.zeros((n, lo.energy.shape[1]))
    step = np.zeros_like(v)
    if kind in ("heat", "entropy"):
        c = lo.bias("start") + lo.bias_slope() * (0.5 * np.diff(lo.seg_times)[:, None])
    elif kind == "jumps":
        c = np.ones((n, n_dir))
    elif kind == "current":
        written = lo.out_src == model.edges[edge, 0]
        c = np.broadcast_to(np.where(lo.out_edge == edge, np.where(written, 1.0, -1.0), 0.0),
                            (n, n_dir))
    else:  # work: drive work at jumps, dE_x/dt while in x, energy steps at knots
        c = np.broadcast_to(lo.out_drive, (n, n_dir))
        v = lo.energy_slope
        step[1:] = lo.energy[1:] - lo.energy_end()[:-1]
    return c, v, step


@dataclass(frozen=True)
class _Tilt:
    """The proposal on the cells: log-rates, start law and the generating function."""

    log_prop: np.ndarray  # (n_cells, D)
    log_p0: np.ndarray  # (S,) proposal start law, -inf where p0 is 0
    psi: float


def _backward(model: HopModel, lo, kind: str, edge: int, s: float, p0: np.ndarray, p_end) -> _Tilt:
    """Backward tilted solve, generator frozen at cell midpoints; returns the proposal.

    ``-dr/dt = K_s r`` with ``K_s[x, y] = k_xy e^(-s c_xy)`` and ``K_s[x, x] = -lambda_x - s v_x``,
    ``r(t_end) = 1`` (``p_T^s`` for the entropy); ``r`` is carried in log space with a running scale.
    """
    c, v, step = _increments(model, lo, kind, edge)
    n, n_states = lo.n_segments, lo.energy.shape[1]
    dt = np.diff(lo.seg_times)
    log_k = lo.log_rates("start") + lo.log_rate_slope() * (0.5 * dt[:, None])
    src, dst = lo.out_src, lo.out_dst
    log_r = s * np.log(p_end) if kind == "entropy" else np.zeros(n_states)
    log_prop = np.empty((n, src.size))
    with np.errstate(over="ignore"):
        for j in range(n - 1, -1, -1):
            k = np.zeros((n_states, n_states))
            tilted = log_k[j] - s * c[j]
            np.add.at(k, (src, dst), np.exp(tilted))
            k[np.diag_indices(n_states)] -= np.bincount(src, np.exp(log_k[j]), n_states) + s * v[j]
            if not np.all(np.isfinite(k)):
                raise ValueError(f"s = {s!r} makes the tilted generator overflow on "
                                 f"[{lo.seg_times[j]:g}, {lo.seg_times[j + 1]:g}]: choose a smaller |s|")
            # balancing (K = D B D^-1, D diagonal) keeps the norm of the exponent small when the
            # tilt makes a rate huge one way and tiny the other
            b, (d, _) = scipy.linalg.matrix_balance(k * (0.5 * dt[j]), permute=False, separate=True)
            half, log_d = scipy.linalg.expm(b), np.log(d)
            log_r_mid = _log_apply(half, log_d, log_r)
            log_prop[j] = tilted + log_r_mid[dst] - log_r_mid[src]
            log_r = _log_apply(half, log_d, log_r_mid) - s * step[j]
    if log_prop.max() > MAX_LOG_RATE:
        raise ValueError(f"s = {s!r} makes a proposal rate reach exp({log_prop.max():.0f}), beyond "
                         "float64's resolution of waiting times: choose a smaller |s|")
    with np.errstate(divide="ignore"):
        log_p0 = np.log(p0)
    start = log_p0 + log_r - (s * log_p0 if kind == "entropy" else 0.0)
    start = np.where(p0 > 0, start, -np.inf)
    psi = float(scipy.special.logsumexp(start))
    return _Tilt(log_prop, start - psi, psi)


def _log_apply(m: np.ndarray, log_d: np.ndarray, log_r: np.ndarray) -> np.ndarray:
    """``ln(D m D^-1 exp(log_r))`` for a non-negative ``m`` and ``D = diag(exp(log_d))``, floored."""
    y = log_r - log_d
    top = y.max()
    out = np.log(np.maximum(m @ np.exp(y - top), 1e-300)) + top + log_d
    return np.maximum(out, out.max() + _LOG_R_FLOOR)


# --- the public API -------------------------------------------------------------------------------


def _setup(model, observable, t_end, p0, x0, n_cells):
    """Validated inputs: ``(kind, edge, lowered cells, p0 vector, p_end)``."""
    if not isinstance(model, HopModel):
        raise TypeError(f"model must be a HopModel: got {type(model).__name__}")
    kind, edge = _observable(model, observable)
    t_end = float(check_positive("t_end", t_end))
    n_cells = check_int("n_cells", n_cells, minimum=1)
    lo = _cells(model, t_end, n_cells)
    if kind == "work" and not (np.any(lo.energy_slope) or np.any(lo.out_drive)
                               or np.any(lo.energy[1:] != lo.energy_end()[:-1])):
        raise ValueError("observable 'work': this model does no work (no energy changes in time "
                         "and no drives), so W = 0 on every trajectory")
    x0s, p0_cum = ssa._start(model, lo, 1 if x0 is None or np.ndim(x0) == 0 else np.size(x0), p0, x0)
    if x0s.size:
        if np.any(x0s != x0s[0]):
            raise ValueError("x0 must be a single start state for tilted sampling (or give p0)")
        p = np.eye(model.n_states)[x0s[0]]
    else:
        p = np.diff(np.concatenate(([0.0], p0_cum)))
    p_end = None
    if kind == "entropy":
        p_end = np.maximum(solve_master(model, p0=p, t_eval=[0.0, t_end]).p[-1], 1e-300)
    return kind, edge, lo, p, p_end


def _tilt(model, setup, s) -> _Tilt:
    kind, edge, lo, p, p_end = setup
    return _backward(model, lo, kind, edge, float(as_float_array("s", s)), p, p_end)


def log_mgf(model, observable, s, *, t_end, p0=None, x0=None, n_cells=N_CELLS) -> float:
    """The tilted generating function ``psi(s) = ln E[exp(-s X)]`` from the backward solve.

    Computed on the cells of the proposal (generator frozen at each cell's midpoint, error
    O(cell^2)); used to choose ``s``, never in the weights. Arguments as for
    :func:`simulate_tilted`.
    """
    return _tilt(model, _setup(model, observable, t_end, p0, x0, n_cells), s).psi


def saddle_point(model, observable, x, *, t_end, p0=None, x0=None, n_cells=N_CELLS) -> float:
    """The tilt ``s`` whose proposal has mean ``E~[X] = -psi'(s) = x`` (saddle point).

    Tilting there puts the bulk of the samples at the tail point ``x``, the most efficient single
    choice for ``P(X <= x)`` below the mean (``s > 0``) or ``P(X >= x)`` above it (``s < 0``).
    Raises ``ValueError`` when ``x`` lies beyond what any finite ``s`` reaches.
    """
    x = float(as_float_array("x", x))
    # psi on a coarser grid: s only has to centre the proposal, its weights stay exact
    setup = _setup(model, observable, t_end, p0, x0, min(check_int("n_cells", n_cells, minimum=1), 32))

    def tilted_mean(s):
        h = 1e-4 * max(1.0, abs(s))
        return -(_tilt(model, setup, s + h).psi - _tilt(model, setup, s - h).psi) / (2 * h)

    gap = lambda s: tilted_mean(s) - x
    g0 = gap(0.0)
    if g0 == 0.0:
        return 0.0
    direction = 1.0 if g0 > 0 else -1.0
    lo_s, hi_s = 0.0, 0.25 * direction
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
    observable : str or tuple
        The tilted observable; ``values`` holds it per trajectory.
    values : ndarray
        ``X`` of every trajectory.
    s : float
        The tilt.
    log_weight : ndarray
        ``ln dP/dP~`` of every trajectory: ``E[g] = mean(exp(log_weight) g)`` for any ``g`` of the
        path under the original dynamics ``P``.
    psi : float
        The generating function ``ln E[exp(-s X)]`` of the backward solve (see :func:`log_mgf`).
    """

    ensemble: ssa.Ensemble
    observable: object
    values: np.ndarray
    s: float
    log_weight: np.ndarray
    psi: float

    def __post_init__(self):
        self.values.flags.writeable = False
        self.log_weight.flags.writeable = False

    @property
    def n_trajectories(self) -> int:
        return self.values.size

    def expectation(self, g) -> Estimate:
        """``E[g]`` under the original dynamics from per-trajectory values ``g`` (any sign)."""
        g = np.broadcast_to(as_float_array("g", g), self.values.shape)
        if np.all(g >= 0):  # in log space: no underflow however small the weights
            pos = g > 0
            return _weighted_mean(self.log_weight[pos] + np.log(g[pos]), self.n_trajectories)
        top = float(self.log_weight.max())
        terms = np.exp(self.log_weight - top) * g
        scale = math.exp(top)
        return Estimate(float(terms.mean()) * scale,
                        float(terms.std(ddof=1)) * scale / math.sqrt(terms.size), terms.size)

    def tail_probability(self, x, side: str = "lower") -> Estimate:
        """``P(X <= x)`` (``side="lower"``) or ``P(X >= x)`` (``"upper"``), computed in log space."""
        x = float(as_float_array("x", x))
        if side not in ("lower", "upper"):
            raise ValueError(f"side must be 'lower' or 'upper': got {side!r}")
        inside = self.values <= x if side == "lower" else self.values >= x
        return _weighted_mean(self.log_weight[inside], self.n_trajectories)

    def density(self, edges):
        """``(centers, density, stderr)`` of ``X`` on the bins ``edges`` (weighted histogram)."""
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
        """``E~[w] = 1``: the mean weight with its standard error and z."""
        est = _weighted_mean(self.log_weight, self.n_trajectories)
        return _check("mean weight", est, 1.0, self.log_weight)

    def jarzynski(self, delta_f) -> FluctuationCheck:
        """Weighted ``<exp(-W)>`` against ``exp(-dF)`` (Jarzynski 1997)."""
        d = float(as_float_array("delta_f", delta_f))
        est = _weighted_mean(self.log_weight - self.ensemble.work, self.n_trajectories)
        return _check("Jarzynski (weighted)", est, math.exp(-d), self.log_weight - self.ensemble.work)


def _check(name: str, est: Estimate, expected: float, log_terms: np.ndarray) -> FluctuationCheck:
    w = np.exp(log_terms - log_terms.max())
    ess = float(w.sum() ** 2 / np.sum(w * w))
    return FluctuationCheck(name, est.value, expected, est.stderr, est.z(expected), est.n, ess,
                            ess >= 100)


def _values(model, kind, edge, ens, p, p_end):
    if kind == "work":
        return np.asarray(ens.work)
    if kind == "heat":
        return np.asarray(ens.heat)
    if kind == "jumps":
        return np.asarray(ens.n_jumps, dtype=float)
    if kind == "entropy":
        return ens.heat + np.log(p[ens.initial_state]) - np.log(p_end[ens.final_state])
    a, b = model.edges[edge]
    out = np.zeros(ens.n_trajectories)
    for i in range(ens.n_trajectories):
        _, states = ens.events(i)
        path = np.concatenate(([ens.initial_state[i]], states))
        out[i] = np.sum((path[:-1] == a) & (path[1:] == b)) - np.sum((path[:-1] == b) & (path[1:] == a))
    return out


def simulate_tilted(model, observable, *, s=None, tail=None, t_end, n_trajectories, p0=None,
                    x0=None, rng=None, n_cells=N_CELLS) -> TiltedEnsemble:
    """Sample the Doob-tilted dynamics of ``model`` for ``observable`` with exact log-weights.

    Parameters
    ----------
    model : HopModel
        Any protocol; the log-rates must be linear in time between knots (Arrhenius law, or the
        paper law with only barriers moving) so that the weights are exact.
    observable : {"work", "heat", "entropy", "jumps"} or ("current", edge)
        ``X``: work done, heat released (kT), total entropy production ``Q + ln p0(x0) -
        ln p_T(x_T)`` (k_B), number of jumps, or net jumps along an edge as written.
    s : float, optional
        The tilt: the proposal favours paths by ``exp(-s X)``; ``s > 0`` samples the lower tail.
    tail : float, optional
        Instead of ``s``: the tail point ``x`` to centre the samples on (``s`` from
        :func:`saddle_point`).
    t_end, n_trajectories, p0, x0, rng
        As for :func:`stochlim.simulate` (``x0`` a single state).
    n_cells : int, optional
        Number of cells on which the backward solution is held (more: closer to the optimal
        proposal, more restarts per trajectory).

    Returns
    -------
    TiltedEnsemble
        Samples, observable values and exact log-weights, with tail-probability, density and
        expectation estimators that carry standard errors.
    """
    if (s is None) == (tail is None):
        raise ValueError("give exactly one of s and tail")
    if s is None:
        s = saddle_point(model, observable, tail, t_end=t_end, p0=p0, x0=x0, n_cells=n_cells)
    setup = _setup(model, observable, t_end, p0, x0, n_cells)
    kind, edge, lo, p, p_end = setup
    tilt = _tilt(model, setup, s)
    n = check_int("n_trajectories", n_trajectories, minimum=1)
    root, entropy = ssa.root_key(rng)
    prop = np.exp(tilt.log_prop)
    cum = np.cumsum(np.exp(tilt.log_p0))
    cum[-1] = 1.0
    cum[cum.size - 1 - np.argmax(tilt.log_p0[::-1] > -np.inf):] = 1.0
    plan = ssa.Plan(model, lo, ssa.METHODS["restart"], n, float(t_end), root, entropy,
                    np.empty(0, dtype=np.int64), cum, np.empty(0), "summary", prop,
                    ssa._EMPTY_2D, ssa._per_state_totals(lo, prop))
    tables = (np.ascontiguousarray(lo.log_rates("start")), np.ascontiguousarray(lo.log_rate_slope()),
              np.ascontiguousarray(tilt.log_prop))
    out = ssa._run(plan, tilt=tables)
    ev_off = None
    if kind == "current":
        ev_off = np.concatenate(([0], np.cumsum(out["njump"]))).astype(np.int64)
        out = ssa._run(plan, ev_off=ev_off, tilt=tables)
    ens = ssa.ensemble_from(plan, out, ev_off)
    ens.provenance.update(tilt={"observable": observable, "s": float(s), "n_cells": lo.n_segments})
    with np.errstate(divide="ignore"):
        log_p = np.log(p)
    log_w = out["log_weight"] + log_p[out["init"]] - tilt.log_p0[out["init"]]
    return TiltedEnsemble(ens, observable, _values(model, kind, edge, ens, p, p_end), float(s),
                          log_w, tilt.psi)
