"""Exact first-passage laws of a :class:`~stochlim.models.HopModel` into a target set of states.

Making the target absorbing leaves the sub-generator ``G(t) = L_TT(t)`` of the transient states
``T`` (the rows and columns of the master-equation generator ``L`` outside the target). With
``p_T(t)`` the transient part of ``dp/dt = L p`` started from ``p0`` (zero on the target):

* survival ``S(t) = P(tau > t) = sum_{x in T} p_x(t)``;
* density ``f(t) = -dS/dt = sum_{x in T} p_x(t) sum_{y in target} k_xy(t)``;
* mean heat and work until the hit, ``E[Q(min(tau, t))]`` and ``E[W(min(tau, t))]``: the
  ensemble functionals of :mod:`stochlim.master` accumulated from the transient states only
  (a trajectory stops at its hit, as ``simulate(..., stop=target)`` does);
* when every input is constant after its last knot ``t_c``, the phase-type tail (Neuts 1981,
  *Matrix-Geometric Solutions in Stochastic Models*, Ch. 2): with ``G`` constant and
  ``u = (-G)^-1 p_T(t_c)``,
  ``E[tau] = int_0^tc S dt + 1.u``, ``E[tau^2] = 2 (int_0^tc t S dt + t_c 1.u + 1.(-G)^-1 u)``,
  and the heat (work) still to come is ``h.u`` with ``h_x`` the heat (drive-work) rate of state
  ``x``. ``int S dt`` and ``int int S dt`` ride along as two more rows of the block generator.

The rates and the functionals are those of the master equation's compiled generator
(``stochlim._generator.Generator``); the absorbing block is propagated by the shared
propagators of ``stochlim._propagate`` (dense ``"expm"``, ``"uniformization"``, ``"krylov"``,
Radau for ``"ode"``), the methods of :func:`stochlim.solve_master`. A rate that leaves float64 is
refused up front with the ``ValueError`` of :func:`stochlim.simulate`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ._generator import DRIVE_WORK, HEAT, SLOPE_WORK, Generator
from ._propagate import (
    METHODS,
    choose_method,
    expm_dense,
    expm_krylov,
    integrate_linear,
    refuse_overflow,
    uniformize_block,
)
from ._segments import Segments
from ._validation import check_positive, freeze_arrays
from .master import _check_p0, _check_times
from .models import HopModel
from .ssa import target_mask

__all__ = ["FirstPassage", "first_passage"]


@dataclass(frozen=True)
class FirstPassage:
    """Result of :func:`first_passage` (times in the model's unit, energies in kT).

    Attributes
    ----------
    t : ndarray, shape (T,)
        Output times.
    survival : ndarray, shape (T,)
        ``P(tau > t)``; the CDF of the first-passage time is ``1 - survival``.
    density : ndarray, shape (T,)
        ``-d survival / dt`` (right limit at protocol knots).
    mean_heat, mean_work : ndarray, shape (T,)
        ``E[Q(min(tau, t))]``, ``E[W(min(tau, t))]``: heat released and work done until the hit
        (or ``t``).
    hit_probability : float
        ``P(tau < inf)``: 1 unless part of ``p0`` lies where the target cannot be reached.
    mean, variance : float
        Moments of ``tau`` (inputs are constant after ``constant_after``); ``inf`` when
        ``hit_probability < 1``.
    mean_heat_total, mean_work_total : float
        ``E[Q(tau)]``, ``E[W(tau)]``; ``nan`` when ``hit_probability < 1`` (undefined).
    constant_after : float
        The last protocol knot, after which the phase-type tail is exact.
    method, success, status, message
        As in :class:`stochlim.master.MasterSolution`.

    Parameters
    ----------
    t, survival, density, mean_heat, mean_work, hit_probability, mean, variance, mean_heat_total
        The attributes above, by name (a result is made by :func:`first_passage`, not by users).
    mean_work_total, constant_after, method, success, status, message
        Likewise.

    Examples
    --------
    >>> from stochlim.models import two_state
    >>> m = two_state(0.0, rate_law="arrhenius")   # k = 1 both ways
    >>> fp = first_passage(m, p0=[1.0, 0.0], target=1, t_eval=[0.0, 1.0, 2.0])
    >>> np.round(fp.cdf, 6)   # 1 - e^-t
    array([0.      , 0.632121, 0.864665])
    >>> bool(np.allclose(fp.density, fp.survival))   # exponential law, rate 1
    True
    """

    t: np.ndarray
    survival: np.ndarray
    density: np.ndarray
    mean_heat: np.ndarray
    mean_work: np.ndarray
    hit_probability: float
    mean: float
    variance: float
    mean_heat_total: float
    mean_work_total: float
    constant_after: float
    method: str
    success: bool
    status: int
    message: str

    def __post_init__(self):
        freeze_arrays(self)

    @property
    def cdf(self) -> np.ndarray:
        """``P(tau <= t)`` at the output times ``t``, an ndarray of shape ``(T,)``.

        Examples
        --------
        A unit-rate hop out of state 0 (Arrhenius law, no barrier) is exponential:
        ``P(tau <= t) = 1 - e^-t``.

        >>> import numpy as np
        >>> from stochlim.models import two_state
        >>> fp = first_passage(two_state(0.0, rate_law="arrhenius"), p0=[1.0, 0.0], target=1,
        ...                    t_eval=[0.0, 1.0, 2.0])
        >>> bool(np.allclose(fp.cdf, 1 - np.exp(-fp.t)))
        True
        """
        return 1.0 - self.survival


def _last_knot(model: HopModel) -> float:
    knots = [p.knots for p in model.energies + model.barriers]
    return float(max((k.max() for k in knots if k.size), default=0.0))


def _flux_into(g: Generator, mask: np.ndarray, t: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``sum_{x not in target, y in target} p_x(t) k_xy(t)`` at each time (rates at ``t``, right
    limits at knots)."""
    seg = g.segments.seg_times
    into = mask[g.dst] & ~mask[g.src]
    out = np.zeros(t.size)
    for i, ti in enumerate(t):
        j = min(max(int(np.searchsorted(seg, ti, side="right")) - 1, 0), seg.size - 2)
        g.at(j, ti - seg[j])
        out[i] = float(p[i, g.src[into]] @ g.rate[into])
    return out


def _absorbing_block(g: Generator, j: int, dt: float, keep_aug, extra):
    """Block generator at ``seg_times[j] + dt`` with the target's columns removed and the two
    survival-integral rows."""
    g.at(j, dt)
    A = g.sparse() @ sp.diags(keep_aug)
    return sp.bmat([[A, None], [extra, sp.csr_matrix(np.array([[0.0, 0.0], [1.0, 0.0]]))]],
                   format="csr")


def first_passage(model: HopModel, *, p0, target, t_eval, method="auto", rtol=1e-10, atol=1e-12):
    """First-passage law of ``model`` from ``p0`` into ``target``, exactly.

    Parameters
    ----------
    model : HopModel
        Any model (energies, barriers and drives may follow protocols).
    p0 : array_like, shape (S,)
        Initial distribution; it must put no probability on the target (its first passage would be
        0).
    target : int, sequence of int or boolean mask
        The target states; neither empty nor every state.
    t_eval : array_like
        Strictly increasing output times, ``>= 0``.
    method : {"auto", "expm", "uniformization", "krylov", "ode"}, optional
        As for :func:`stochlim.solve_master`; ``"auto"`` is ``"expm"`` up to 400 states and
        ``"krylov"`` beyond when the inputs are piecewise constant, ``"ode"`` otherwise.
    rtol, atol : float, optional
        Tolerances of the ``"ode"`` method.

    Returns
    -------
    FirstPassage
        Survival, density, mean heat and work until the hit, and the phase-type moments.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`~stochlim.models.HopModel`.
    ValueError
        If ``target`` is empty, covers every state or names a missing state (see
        :func:`stochlim.ssa.target_mask`); ``p0`` is not a probability vector over the states or
        puts probability on the target; ``t_eval`` is not one-dimensional, strictly increasing and
        ``>= 0``; ``rtol`` or ``atol`` is not positive; ``method`` is unknown or exact for a model
        whose inputs vary within an interval; a rate leaves float64 before the last output time or
        after the last knot (the rule and message of :func:`stochlim.simulate`).

    Examples
    --------
    >>> import stochlim
    >>> m = stochlim.two_state(0.0, rate_law="arrhenius")        # k = 1 both ways
    >>> fp = stochlim.first_passage(m, p0=[1.0, 0.0], target=1, t_eval=[0.0, 1.0])
    >>> round(float(fp.survival[1]), 12), fp.mean, fp.variance   # exponential law, rate 1
    (0.367879441171, 1.0, 1.0)
    """
    if not isinstance(model, HopModel):
        raise TypeError(f"model must be a HopModel: got {type(model).__name__}")
    s = model.n_states
    mask = target_mask(target, s, "target").astype(bool)
    p_init = _check_p0(p0, s)
    if p_init[mask].sum() > 0:
        raise ValueError(f"p0 puts probability {p_init[mask].sum():.3g} on the target, whose "
                         "first-passage time is 0: give a p0 outside the target")
    _, t_eval = _check_times(None, t_eval)
    check_positive("rtol", rtol)
    check_positive("atol", atol)
    t_c = _last_knot(model)
    # the solve reaches past t_c (by one time unit if the outputs end earlier), so that the refusal
    # of overflowing rates covers the constant inputs of the phase-type tail too
    segments = Segments(model, float(t_eval[-1]) if t_eval[-1] > t_c else t_c + 1.0)
    method = choose_method(method, segments.is_piecewise_constant, allowed=METHODS, size=s)
    g = Generator(model, segments)
    refuse_overflow(g)
    keep = (~mask).astype(float)
    keep_aug = np.concatenate((keep, np.ones(g.size - s)))
    extra = sp.csr_matrix(np.vstack((np.concatenate((keep, np.zeros(g.size - s))),
                                     np.zeros(g.size))))
    times = np.union1d(t_eval, [t_c])  # the tail starts from the state at t_c
    seg = segments.seg_times
    v = np.zeros(g.size + 2)
    v[:s] = p_init
    jump_work = 0.0
    outputs = np.empty((times.size, v.size))
    jump_work_at = np.zeros(times.size)
    status, message = 0, "The solver successfully reached the last output time."
    for j in range(segments.n_segments):
        a, b = seg[j], seg[j + 1]
        jump = segments.energy_jump(j) if j > 0 else None
        if jump is not None:  # energy steps at a knot do work on the trajectories not yet absorbed
            jump_work += float((v[:s] * keep) @ jump)
        last = j == segments.n_segments - 1
        sel = (times >= a) & ((times <= b) if last else (times < b))
        taus = list(times[sel] - a) + ([] if last else [b - a])
        if segments.varies(j):
            def block_at(t, j=j, a=a):
                return _absorbing_block(g, j, t - a, keep_aug, extra)
            states, err = integrate_linear(block_at, v, a, b, taus, rtol, atol)
        else:
            A = _absorbing_block(g, j, 0.0, keep_aug, extra)
            if method == "ode":
                states, err = integrate_linear(lambda t, A=A: A, v, a, b, taus, rtol, atol)
            elif method == "uniformization":
                states, err = uniformize_block(A, v, taus, s)
            else:
                states, err = (expm_dense if method == "expm" else expm_krylov)(A, v, taus)
        if err is not None:
            status, message = -1, err
            break
        n_out = int(sel.sum())
        outputs[np.flatnonzero(sel)] = np.array(states[:n_out]).reshape(n_out, v.size)
        jump_work_at[sel] = jump_work
        v = states[-1]
    if status != 0:
        nan = np.full(t_eval.size, np.nan)
        return FirstPassage(t_eval, nan, nan.copy(), nan.copy(), nan.copy(), math.nan, math.nan, math.nan, math.nan,
                            math.nan, t_c, method, False, status, message)

    at = np.searchsorted(times, t_eval)
    p_t = outputs[:, :s] * keep
    survival = p_t.sum(axis=1)
    heat = outputs[:, s + HEAT]
    work = outputs[:, s + DRIVE_WORK] + outputs[:, s + SLOPE_WORK] + jump_work_at
    density = _flux_into(g, mask, t_eval, p_t[at])

    # phase-type tail from t_c on, restricted to transient states that can reach the target
    ic = int(np.searchsorted(times, t_c))
    k_c = model.rates(t_c)
    e = model.edges
    _, comp = connected_components(sp.coo_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(s, s)),
                                   directed=False)
    reach = ~mask & np.isin(comp, comp[mask])
    stuck = float(p_init[~mask & ~reach].sum())
    if stuck > 0:
        mean = variance = math.inf
        heat_total = work_total = math.nan
    else:
        idx = np.flatnonzero(reach)
        neg_g = np.diag(k_c[idx].sum(axis=1)) - k_c[np.ix_(idx, idx)].T
        pc = p_t[ic, idx]
        u = scipy.linalg.solve(neg_g, pc)
        m1 = float(u.sum())
        i1, i2 = outputs[ic, g.size], outputs[ic, g.size + 1]
        mean = i1 + m1
        second = 2.0 * (t_c * i1 - i2 + t_c * m1 + float(scipy.linalg.solve(neg_g, u).sum()))
        variance = max(second - mean * mean, 0.0)
        e_c = model.energy(t_c)
        f = np.zeros((s, s))
        f[model.edges[:, 0], model.edges[:, 1]] = model.drives
        f[model.edges[:, 1], model.edges[:, 0]] = -model.drives
        heat_rate = (k_c * (e_c[:, None] - e_c[None, :] + f)).sum(axis=1)
        drive_rate = (k_c * f).sum(axis=1)
        heat_total = float(heat[ic] + heat_rate[idx] @ u)
        work_total = float(work[ic] + drive_rate[idx] @ u)
    return FirstPassage(
        t=t_eval, survival=survival[at], density=density, mean_heat=heat[at].copy(),
        mean_work=work[at].copy(),
        hit_probability=1.0 - stuck, mean=float(mean), variance=float(variance),
        mean_heat_total=heat_total, mean_work_total=work_total, constant_after=t_c,
        method=method, success=True, status=0, message=message,
    )
