"""Master-equation solver: the exact ensemble of a :class:`~stochlim.models.HopModel`.

``dp/dt = L(t) p`` with ``L[y, x] = k_xy`` (``x != y``) and ``L[x, x] = -sum_y k_xy``, integrated
together with the linear functionals whose time integrals give the ensemble energetics (energies in
kT, entropies in k_B):

* heat released to the bath, ``dQ/dt = sum_{x -> y} p_x k_xy (E_x - E_y + f_xy)`` (Sekimoto 1998,
  Seifert 2012, Rep. Prog. Phys. 75 126001);
* work, ``dW/dt = sum_x p_x dE_x/dt + sum_{x -> y} p_x k_xy f_xy``, plus ``sum_x p_x DE_x`` at every
  jump ``DE`` of a piecewise-constant energy;
* activity (mean number of jumps), ``sum_x p_x sum_y k_xy``, and the net current of every edge,
  ``p_x k_xy - p_y k_yx`` (edge ``(x, y)`` as written).

Stacking them under ``L`` gives the block matrix ``A = [[L, 0], [R, 0]]`` whose exponential
propagates ``p`` and all the integrals at once (Van Loan 1978, IEEE TAC 23 395): exact on every
interval where the inputs are constant. The total (Schnakenberg 1976) entropy production then
follows exactly as ``S_sys(t) - S_sys(0) + Q(t)`` with ``S_sys = -sum p ln p``, the medium entropy
being the heat in units of kT.

Methods (:data:`METHODS`), all running on the compiled core of ``stochlim._kernels.master``
(generator values assembled in place from the lowered model, no validation on the hot path):

* ``"expm"`` - dense block exponential per piecewise-constant interval, by compiled scaling and
  squaring with Pade approximants (Higham 2005, SIAM J. Matrix Anal. Appl. 26 1179);
* ``"uniformization"`` - uniformisation (Jensen 1953; Grassmann 1977, Comput. Oper. Res. 4 47):
  ``p`` as a Poisson mixture of powers of ``I + L / lam``, the functionals from the same series,
  with an a-priori bound on the truncated Poisson tail; cost linear in the number of edges and in
  ``lam`` times the interval, for large ladders;
* ``"krylov"`` - ``scipy.sparse.linalg.expm_multiply`` (Al-Mohy & Higham 2011) of the same block
  matrix, assembled by the compiled core;
* ``"ode"`` - on intervals where an input varies (piecewise linear): for small models a compiled
  fourth-order Magnus integrator (Blanes, Casas, Oteo & Ros 2009, Phys. Rep. 470 151) whose
  exponentials are exact for frozen inputs, with step-doubling error control at ``rtol``/``atol``;
  for large ones ``solve_ivp`` BDF with the compiled right-hand side and sparse Jacobian ``A(t)``.
  Intervals with constant inputs are propagated exactly as by ``"auto"``;
* ``"auto"`` - per piecewise-constant interval, ``"expm"`` or ``"uniformization"`` by an estimate of
  their cost (dense only up to :data:`DENSE_LIMIT` rows); ``"ode"`` when an input varies. The
  solution's ``method`` names the propagators used (e.g. ``"uniformization"``, ``"expm"``).

Failure contract (shared with :func:`stochlim.simulate`): a rate beyond
``exp(models.MAX_LOG_RATE)`` is refused (:meth:`LoweredModel.rate_overflow`) - ``simulate`` raises
``ValueError``, ``solve_master`` returns ``success=False``, ``status=STATUS_REFUSED`` and the
message; an integrator failure, a non-finite value or probabilities out of tolerance give
``status=STATUS_FAILED``. In both cases the output stops before the failing interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.special

from ._generator import ACTIVITY, CURRENTS, DRIVE_WORK, HEAT, SLOPE_WORK, Generator
from ._kernels import master as km
from . import _propagate
from ._propagate import choose_method, expm_krylov, integrate, steps
from ._segments import Segments
from ._validation import as_float_array, check_positive
from .models import HopModel, LoweredModel

__all__ = [
    "DENSE_LIMIT",
    "METHODS",
    "STATUS_FAILED",
    "STATUS_REFUSED",
    "STATUS_SUCCESS",
    "MasterSolution",
    "free_energy",
    "solve_master",
]

#: Names accepted by ``solve_master(method=...)`` (one list for every exact solver of the package).
METHODS = _propagate.METHODS

#: Largest size of the block matrix (states + functionals) that ``"auto"`` propagates densely (the
#: same limit for every exact solver of the package).
DENSE_LIMIT = _propagate.DENSE_LIMIT

#: Largest block matrix that ``"ode"`` integrates with the compiled (dense) Magnus integrator; beyond
#: it, ``solve_ivp`` BDF with the sparse Jacobian.
ODE_DENSE_LIMIT = 200

#: Most steps (accepted or not) the Magnus integrator takes on one interval before it reports failure.
MAX_ODE_STEPS = 1_000_000

#: ``"auto"`` reports a failure rather than run a uniformisation series longer than this.
MAX_UNIFORM_TERMS = 1e8

#: Probabilities more negative than this (after a solve) are reported as a failure, never hidden.
NEGATIVE_TOLERANCE = 1e-9

#: ``MasterSolution.status`` values: success; integrator failure, non-finite values or
#: probabilities out of tolerance; a rate refused by the ``MAX_LOG_RATE`` rule.
STATUS_SUCCESS, STATUS_FAILED, STATUS_REFUSED = 0, -1, -2


@dataclass(frozen=True)
class MasterSolution:
    """Result of :func:`solve_master`, in the style of ``scipy.integrate.solve_ivp``.

    Attributes
    ----------
    t : ndarray, shape (T,)
        Output times.
    p : ndarray, shape (T, S)
        Occupation probabilities.
    mean_work, mean_heat : ndarray, shape (T,)
        Cumulative mean work done on the system and heat released to the bath since ``t = 0``, kT.
    entropy_production : ndarray, shape (T,)
        Cumulative total entropy production ``S_sys(t) - S_sys(0) + Q(t)``, in k_B (>= 0).
    system_entropy : ndarray, shape (T,)
        Gibbs-Shannon entropy ``-sum p ln p`` at each time, in k_B.
    mean_energy : ndarray, shape (T,)
        ``sum_x p_x E_x(t)`` in kT; ``mean_energy - mean_energy[0] = mean_work - mean_heat``.
    activity : ndarray, shape (T,)
        Cumulative mean number of jumps.
    currents : ndarray, shape (T, n_edges)
        Cumulative mean net number of jumps along each edge ``(x, y)`` as written (x -> y minus
        y -> x).
    method : str
        The method used.
    success : bool
        True when the solve finished with probabilities non-negative and normalised.
    status : int
        :data:`STATUS_SUCCESS` (0); :data:`STATUS_FAILED` (-1) when the integrator failed, a value
        was not finite or probabilities went out of tolerance; :data:`STATUS_REFUSED` (-2) when a
        rate exceeds ``exp(models.MAX_LOG_RATE)``.
    message : str
        Human-readable account of the status.

    Parameters
    ----------
    t, p, mean_work, mean_heat, entropy_production, system_entropy, mean_energy, activity
        The attributes above, by name (a solution is made by :func:`solve_master`, not by users).
    currents, method, success, status, message
        Likewise.

    Examples
    --------
    >>> from stochlim.models import driven_bit
    >>> m = driven_bit()
    >>> sol = solve_master(m, p0=m.equilibrium(0.0), t_end=2.0)
    >>> sol.method, bool(sol.success), sol.status
    ('ode', True, 0)
    >>> bool(np.allclose(sol.mean_energy - sol.mean_energy[0], sol.mean_work - sol.mean_heat))
    True
    >>> bool(sol.mean_work[-1] - (free_energy(m, 2.0) - free_energy(m, 0.0)) > 0)   # second law
    True
    """

    t: np.ndarray
    p: np.ndarray
    mean_work: np.ndarray
    mean_heat: np.ndarray
    entropy_production: np.ndarray
    system_entropy: np.ndarray
    mean_energy: np.ndarray
    activity: np.ndarray
    currents: np.ndarray
    method: str
    success: bool
    status: int
    message: str


def free_energy(model: HopModel, t):
    """Equilibrium free energy ``F(t) = -ln sum_x exp(-E_x(t))`` in kT (drives ignored).

    ``F(t_end) - F(0)`` is the ``dF`` of the Jarzynski equality for a protocol that changes the
    energies of an undriven model.

    Parameters
    ----------
    model : HopModel
        The model whose well energies are used.
    t : float or array_like
        Time or times.

    Returns
    -------
    float or ndarray
        ``F(t)`` in kT, of the shape of ``t``.

    Raises
    ------
    TypeError
        If ``t`` is not real.
    ValueError
        If ``t`` is empty or NaN.

    Examples
    --------
    >>> from stochlim.models import driven_bit
    >>> np.round(free_energy(driven_bit(), [0.0, 2.0]), 6)   # -ln 2, then -ln(1 + e^-2)
    array([-0.693147, -0.126928])
    """
    e = np.asarray(model.energy(t), dtype=np.float64)
    return -scipy.special.logsumexp(-e, axis=-1)


# --- propagation over one segment ---------------------------------------------------------------


def _dense_is_cheaper(g: Generator, mu: float, n_steps: int) -> bool:
    """Rough flop counts: uniformisation ``~ (mu + 4 sqrt(mu) + 8)`` products of cost ``2D + 3S``
    against dense scaling and squaring ``~ (log2(2 mu) + 8)`` products of cost ``size^3`` per step.
    """
    if g.size > DENSE_LIMIT:
        return False
    uniform = (mu + 4.0 * math.sqrt(mu) + 8.0 * n_steps) * (2 * g.src.size + 3 * g.n_states + 20)
    dense = n_steps * (max(0.0, math.log2(max(2.0 * mu / n_steps, 1.0))) + 8.0) * (g.size ** 3 + 200)
    return dense < uniform


def _propagate_exact(g: Generator, v, taus, how: str):
    """``expm(A tau) v`` through sorted ``taus`` (frozen inputs) by ``how``; states and method used."""
    if how == "auto":
        span = (taus[-1] if taus else 0.0) * g.lam
        if _dense_is_cheaper(g, span, max(1, len(taus))):
            how = "expm"
        elif span > MAX_UNIFORM_TERMS:
            return None, how, (
                f"uniformisation would need ~{span:.3g} products (rate {g.lam:.3g} x interval "
                f"{taus[-1]:.3g}); the model is too stiff for this size: use method='expm' or 'krylov'")
        else:
            how = "uniformization"
    if how == "krylov":  # scipy's expm_multiply of the compiled-assembled CSR A
        states, err = expm_krylov(g.sparse(), v, taus)
    else:
        # compiled steps; solve_master checks each interval's states (_out_of_tolerance)
        states, err = steps(g.expm_step if how == "expm" else g.uniformize, v, taus, how, check_finite=False)
    return states, how, err


def _propagate_ode(g: Generator, j: int, v, a, b, taus, rtol, atol):
    """``A(t)`` varying on segment ``j``: the compiled Magnus integrator up to :data:`ODE_DENSE_LIMIT`
    rows, ``solve_ivp`` BDF with the compiled sparse Jacobian beyond."""
    if b <= a:
        return [v for _ in taus], None
    taus = np.clip(np.asarray(taus, dtype=np.float64), 0.0, b - a)
    if g.size <= ODE_DENSE_LIMIT:
        out = np.empty((taus.size, g.size))
        code = g.magnus(j, v, taus, rtol, atol, MAX_ODE_STEPS, out)
        if code < 0:
            return None, f"Magnus integrator failed on [{a:g}, {b:g}]: {_MAGNUS_FAILURES[code]}"
        return list(out), None

    def fun(t, y):
        g.at(j, t - a)
        return g.apply(y)

    def jac(t, y):
        g.at(j, t - a)
        return g.sparse()

    return integrate(fun, jac, v, a, b, taus, rtol, atol, solver="BDF")


_MAGNUS_FAILURES = {
    km.MAGNUS_TOO_MANY_STEPS: "more than MAX_ODE_STEPS steps (tolerances too tight for the protocol?)",
    km.MAGNUS_STEP_UNDERFLOW: "step size below the resolution of time",
    km.MAGNUS_NOT_FINITE: "non-finite values",
}


# --- validation -----------------------------------------------------------------------------------


def _check_p0(p0, n_states: int) -> np.ndarray:
    p = as_float_array("p0", p0)
    if p.shape != (n_states,):
        raise ValueError(f"p0 must have one entry per state ({n_states}): got shape {p.shape}")
    if np.any(p < 0):
        i = int(np.argmax(p < 0))
        raise ValueError(f"p0 must be non-negative: got {p[i]!r} at index {i}")
    total = math.fsum(p)
    if abs(total - 1.0) > 1e-9:
        raise ValueError(f"p0 must sum to 1: got {total!r}")
    return p / total


def _check_times(t_end, t_eval) -> tuple[float, np.ndarray | None]:
    if t_eval is not None:
        te = as_float_array("t_eval", t_eval)
        if te.ndim != 1:
            raise ValueError(f"t_eval must be one-dimensional: got shape {te.shape}")
        if np.any(np.diff(te) <= 0):
            raise ValueError("t_eval must be strictly increasing")
        if te[0] < 0:
            raise ValueError(f"t_eval must lie in [0, t_end]: got {te[0]!r}")
    if t_end is None:
        if t_eval is None:
            raise ValueError("give t_end or t_eval")
        t_end = float(te[-1])
        if t_end <= 0:
            raise ValueError(f"t_eval must reach beyond 0: got a last time of {t_end!r}")
    t_end = float(check_positive("t_end", t_end))
    if t_eval is not None and te[-1] > t_end:
        raise ValueError(f"t_eval must lie in [0, t_end = {t_end!r}]: got {te[-1]!r}")
    return t_end, (None if t_eval is None else te)


# --- the solver -------------------------------------------------------------------------------------


def solve_master(model: HopModel, *, p0, t_end=None, t_eval=None, method="auto", rtol=1e-10, atol=1e-12):
    """Solve the master equation of ``model`` with the ensemble energetics.

    Parameters
    ----------
    model : HopModel
        The hopping model (energies, barriers and drives; any protocols).
    p0 : array_like, shape (S,)
        Initial distribution: non-negative, summing to 1.
    t_end : float, optional
        End time (> 0); defaults to the last of ``t_eval``.
    t_eval : array_like, optional
        Strictly increasing output times in ``[0, t_end]``; default: 0, every protocol knot in
        between and ``t_end``.
    method : {"auto", "expm", "uniformization", "krylov", "ode"}, optional
        See the module docstring; ``"expm"``, ``"uniformization"`` and ``"krylov"`` are exact (to
        rounding) and need piecewise-constant inputs.
    rtol, atol : float, optional
        Tolerances of the ``"ode"`` method on the intervals where inputs vary (> 0); the exact
        propagators ignore them.

    Returns
    -------
    MasterSolution
        Failures are reported in ``status``/``message`` (and ``success`` False), never raised and
        never as NaN: the output stops at the last output time before the failing interval.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`~stochlim.models.HopModel`.
    ValueError
        If ``p0`` does not have one non-negative entry per state summing to 1; neither ``t_end``
        nor ``t_eval`` is given; ``t_eval`` is not one-dimensional, not strictly increasing, not
        in ``[0, t_end]`` or does not reach beyond 0; ``rtol`` or ``atol`` is not positive;
        ``method`` is unknown, or exact (``"expm"``, ``"uniformization"``, ``"krylov"``) for a model
        whose inputs vary within an interval.

    Examples
    --------
    >>> import stochlim
    >>> m = stochlim.models.two_state(0.0, energies=(0.0, 1.0))
    >>> sol = stochlim.solve_master(m, p0=[1.0, 0.0], t_end=50.0)
    >>> bool(abs(sol.p[-1, 1] - 1 / (1 + 2.718281828459045)) < 1e-9)
    True
    """
    if not isinstance(model, HopModel):
        raise TypeError(f"model must be a HopModel: got {type(model).__name__}")
    p_init = _check_p0(p0, model.n_states)
    t_end, t_eval = _check_times(t_end, t_eval)
    check_positive("rtol", rtol)
    check_positive("atol", atol)
    segments = Segments(model, t_end)
    method = choose_method(method, segments.is_piecewise_constant, allowed=METHODS)
    g = Generator(model, segments)
    seg = segments.seg_times
    if t_eval is None:
        t_eval = seg.copy()

    s = model.n_states
    v = np.zeros(g.size)
    v[:s] = p_init
    jump_work = 0.0
    outputs = np.empty((t_eval.size, g.size))
    jump_work_at = np.zeros(t_eval.size)
    message = "The solver successfully reached t_end."
    status = STATUS_SUCCESS
    used = []
    n_seg = segments.n_segments
    # the outputs of segment j are t_eval[first[j]:stop[j]] (the last segment keeps its end)
    first = np.searchsorted(t_eval, seg[:-1], side="left")
    stop = np.searchsorted(t_eval, seg[1:], side="left")
    stop[-1] = t_eval.size
    for j in range(n_seg):
        a, b = seg[j], seg[j + 1]
        if j > 0:  # energies that jump at a knot do work sum_x p_x (E_new - E_old) there
            jump = segments.energy_jump(j)
            if jump is not None:
                jump_work += float(v[:s] @ jump)
        i0, i1 = int(first[j]), int(stop[j])
        taus = (t_eval[i0:i1] - a).tolist()
        if j < n_seg - 1:
            taus.append(b - a)  # also carry the state to the segment's end
        varies = segments.varies(j)
        top = g.log_rate_bound(j) if varies else g.at(j, 0.0)
        refused = LoweredModel.rate_overflow(top, t_end, f"rate on [{a:g}, {b:g}]")
        if refused is not None:
            status, message = STATUS_REFUSED, refused
        else:
            if varies:
                states, err = _propagate_ode(g, j, v, a, b, taus, rtol, atol)
                how = "ode"
            else:
                states, how, err = _propagate_exact(g, v, taus, "auto" if method in ("auto", "ode") else method)
            if err is None:
                err = _out_of_tolerance(states, s, a, b)
            if err is not None:
                status, message = STATUS_FAILED, err
        if status != STATUS_SUCCESS:
            outputs = outputs[:i0]
            break
        if how not in used:
            used.append(how)
        for i in range(i0, i1):
            outputs[i] = states[i - i0]
        jump_work_at[i0:i1] = jump_work
        v = states[-1]
    return _solution(model, t_eval, outputs, jump_work_at, "ode" if method == "ode" else "+".join(used) or method,
                     status, message)


def _out_of_tolerance(states, n_states: int, a: float, b: float) -> str | None:
    """Why the augmented states of one interval are not a valid result (non-finite values,
    probabilities negative beyond :data:`NEGATIVE_TOLERANCE` or not normalised to 1e-8), or None."""
    checks = [km.probability_check(np.asarray(v, dtype=np.float64), n_states) for v in states]
    if not all(finite for finite, _, _ in checks):
        return f"non-finite values on [{a:g}, {b:g}]"
    worst = min((lowest for _, lowest, _ in checks), default=0.0)
    norm_err = max((off for _, _, off in checks), default=0.0)
    if worst < -NEGATIVE_TOLERANCE or norm_err > 1e-8:
        return (f"probabilities left tolerance on [{a:g}, {b:g}]: min p = {worst:.3e}, max |sum p - 1| = "
                f"{norm_err:.3e}")
    return None


def _solution(model, t_eval, outputs, jump_work_at, method, status, message) -> MasterSolution:
    """The :class:`MasterSolution` of the augmented states ``outputs`` at ``t_eval[:len(outputs)]``."""
    s = model.n_states
    n_done = outputs.shape[0]
    t_out = t_eval[:n_done]
    p = outputs[:, :s].copy()
    # rounding-level negatives (|p| <= 1e-9) are set to zero and the rows renormalised
    np.clip(p, 0.0, None, out=p)
    p /= p.sum(axis=1, keepdims=True)

    heat = outputs[:, s + HEAT]
    work = outputs[:, s + DRIVE_WORK] + outputs[:, s + SLOPE_WORK] + jump_work_at[:n_done]
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    s_sys = -plogp.sum(axis=1)
    energies = np.atleast_2d(model.energy(t_out)) if n_done else np.empty((0, s))
    return MasterSolution(
        t=t_out,
        p=p,
        mean_work=work,
        mean_heat=heat,
        entropy_production=s_sys - s_sys[0] + heat if n_done else np.empty(0),
        system_entropy=s_sys,
        mean_energy=np.einsum("ts,ts->t", p, energies),
        activity=outputs[:, s + ACTIVITY],
        currents=outputs[:, s + CURRENTS :],
        method=method,
        success=status == STATUS_SUCCESS,
        status=status,
        message=message,
    )
