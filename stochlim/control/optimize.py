"""Optimal protocols: minimise the mean work (heat, entropy production) under device constraints.

:func:`optimize` hands the exact values and gradients of :mod:`.sensitivity` to
``scipy.optimize.minimize`` (SLSQP, sequential least squares: Kraft 1988) with the bounds of every
control, the rate cap as one smooth inequality per directed edge and step, and the target on the
final law. :func:`refine` halves the steps and starts again from the refined optimum: the objective
must converge as steps are added. A failure is never reported as an optimum: ``status`` says why,
and an infeasible target is diagnosed with the least error (or the closest final law) reachable in
``tau`` and the least time in which the target is reachable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import minimize

from .._validation import freeze_arrays
from ..models import HopModel
from ..protocols import PiecewiseConstant, PiecewiseLinear
from .problem import MaxError, Problem
from .sensitivity import Evaluation, evaluate

__all__ = ["STATUS", "ControlResult", "optimize", "refine"]

#: Meaning of :attr:`ControlResult.status`.
STATUS = {
    0: "converged: constraints met to tolerance",
    1: "not converged",
    2: "infeasible target",
    3: "constraints contradict each other",
}

#: SLSQP iteration limit of the feasibility phase that diagnoses an infeasible target.
DIAGNOSIS_MAXITER = 300

#: Tolerance on the constraints for a result to count as a success.
CONSTRAINT_TOLERANCE = 1e-7

#: Largest deviation ``max_x |p_x(tau) - p_x|`` from a target distribution that the feasibility
#: phase (least squared distance, SLSQP ``ftol`` 1e-12) counts as reaching it.
DISTRIBUTION_TOLERANCE = 1e-5

#: Doublings of ``tau`` tried before an infeasible target is declared out of reach at any time.
MAX_DOUBLINGS = 40


@dataclass(frozen=True, eq=False)
class ControlResult:
    """Result of :func:`optimize`.

    Attributes
    ----------
    problem : Problem
    values : ndarray, shape (n_params, n_controls)
        Free control values: on each step, or at each knot (``problem.knots``).
    model : HopModel or None
        The device (its own constant drives included) with the optimal protocols on ``[0, tau)``,
        ready for :func:`stochlim.simulate`
        and :func:`stochlim.solve_master` with ``t_end = tau``: piecewise constant with knots at
        the step starts, or piecewise linear through the knots (the continuous ramps, of which the
        optimiser's midpoint sub-steps are the ``n_steps^-2``-accurate discretisation). The jumps
        from the inputs before ``0`` and to those after ``tau`` are not
        in it: :meth:`boundary_work` adds them to sampled trajectories. None when a control moves
        a drive: a :class:`~stochlim.models.HopModel` holds its drives constant in time, so such a
        protocol is checked by :meth:`drives` and :func:`stochlim.control.evaluate` alone.
    objective, work, heat, entropy_production : float
        At the optimum (kT, k_B); ``work`` includes both end jumps.
    p_final : ndarray, shape (S,)
    final_error : float or None
        ``sum p_final[target.states]`` for a :class:`MaxError` target.
    constraints : dict
        ``"target"``: the target values (>= 0 or = 0 when met); ``"rate_cap"``: least slack
        ``ln(max_rate) - max ln k`` (>= 0 when met) or None.
    success : bool
    status : int
        See ``STATUS``.
    message : str
    n_iterations : int

    Made by :func:`optimize` and :func:`refine`.

    Examples
    --------
    >>> from stochlim.control import optimize
    >>> from stochlim.control.erasure import erasure_problem
    >>> res = optimize(erasure_problem("fixed_rate", eps=0.1, tau=5.0, n_steps=8))
    >>> res.values.shape, res.times.shape, res.energies_before().tolist()
    ((8, 1), (9,), [0.0, 0.0])
    >>> print(res.table().splitlines()[0])
    status 0 (converged: constraints met to tolerance): Optimization terminated successfully
    """

    problem: Problem
    values: np.ndarray
    model: HopModel
    objective: float
    work: float
    heat: float
    entropy_production: float
    p_final: np.ndarray
    final_error: float | None
    constraints: dict
    success: bool
    status: int
    message: str
    n_iterations: int

    @property
    def times(self) -> np.ndarray:
        """Step boundaries ``0 .. tau``.

        Examples
        --------
        >>> from stochlim.control.erasure import erasure_problem
        >>> optimize(erasure_problem("fixed_rate", eps=0.1, tau=5.0, n_steps=4)).times.tolist()
        [0.0, 1.25, 2.5, 3.75, 5.0]
        """
        return self.problem.times

    def drives(self) -> np.ndarray:
        """Drives of the edges on each step, shape ``(n_steps, n_edges)``.

        Returns
        -------
        numpy.ndarray
            kT per jump along each edge as written.

        Examples
        --------
        >>> from stochlim.control import Problem, drive, energy
        >>> from stochlim.models import ring
        >>> prob = Problem(ring(3, 1.0), [energy(1, 3, lower=-5, upper=5), drive(0, 3, lower=-1, upper=1)],
        ...                2.0, [1 / 3] * 3, objective="heat", n_steps=2)
        >>> res = optimize(prob)
        >>> res.drives().shape, res.model is None   # a moving drive: no HopModel holds it
        ((2, 3), True)
        """
        return self.problem.drives(self.problem.step_values(self.values))

    def energies_before(self) -> np.ndarray:
        """Energies of the states before ``t = 0``.

        Returns
        -------
        numpy.ndarray, shape (S,)
            kT, with every control at its ``initial`` value.

        Examples
        --------
        >>> from stochlim.control import MaxError, Problem, energy
        >>> from stochlim.models import two_state
        >>> lift = energy(1, 2, lower=-10.0, upper=10.0, initial=1.0, final=3.0)
        >>> res = optimize(Problem(two_state(0.7), [lift], 5.0, [0.5, 0.5], MaxError([1], 0.1), n_steps=4))
        >>> res.energies_before().tolist()
        [0.0, 1.0]
        """
        return self.problem.inputs(self.problem.initial_values[None, :])[0][0]

    def energies_after(self) -> np.ndarray:
        """Energies of the states from ``t = tau`` on.

        Returns
        -------
        numpy.ndarray, shape (S,)
            kT, with every control at its ``final`` value.

        Examples
        --------
        >>> from stochlim.control import MaxError, Problem, energy
        >>> from stochlim.models import two_state
        >>> lift = energy(1, 2, lower=-10.0, upper=10.0, initial=1.0, final=3.0)
        >>> res = optimize(Problem(two_state(0.7), [lift], 5.0, [0.5, 0.5], MaxError([1], 0.1), n_steps=4))
        >>> res.energies_after().tolist()
        [0.0, 3.0]
        """
        return self.problem.inputs(self.problem.final_values[None, :])[0][0]

    def boundary_work(self, ensemble) -> np.ndarray:
        """Work of the end jumps for each trajectory of an :class:`~stochlim.ssa.Ensemble`.

        ``E_x0(0) - E_x0(0-)`` at the start plus ``E_xtau(tau+) - E_xtau(tau-)`` at the end; add it to
        ``ensemble.work`` (simulated with ``t_end = tau``) for the work counted in ``work``.

        Parameters
        ----------
        ensemble : stochlim.ssa.Ensemble
            Trajectories of the result's ``model`` from ``0`` to ``tau``.

        Returns
        -------
        numpy.ndarray, shape (n_traj,)
            Work of the two end jumps, kT.

        Examples
        --------
        Sampled trajectories of the optimum, with the end jumps added (the jump of well 1 onto the
        first step's value at ``0``, and its lift to 3 kT at ``tau``), reproduce its exact mean work:

        >>> import math
        >>> from stochlim import simulate
        >>> from stochlim.control import MaxError, Problem, energy
        >>> from stochlim.models import two_state
        >>> lift = energy(1, 2, lower=-10.0, upper=10.0, final=3.0)
        >>> prob = Problem(two_state(math.log(2.0)), [lift], 5.0, [0.5, 0.5], MaxError([1], 0.1), n_steps=4)
        >>> res = optimize(prob)
        >>> ens = simulate(res.model, t_end=prob.tau, n_trajectories=2000, p0=prob.p0, rng=1)
        >>> w = ens.work + res.boundary_work(ens)
        >>> bool(abs(w.mean() - res.work) < 5 * w.std(ddof=1) / math.sqrt(w.size))   # within 5 SE
        True
        >>> print(f"{res.work:.4f} kT, sampled {w.mean():.4f} kT")
        0.8882 kT, sampled 0.8572 kT
        """
        before, after = self.energies_before(), self.energies_after()
        x0 = np.asarray(ensemble.initial_state)
        xt = np.asarray(ensemble.final_state)
        return (ensemble.initial_energy - before[x0]) + (after[xt] - ensemble.final_energy)

    def table(self) -> str:
        """A short plain-text account of the optimum.

        Returns
        -------
        str
            Status, discretisation, work, heat, entropy production and the target met.

        Examples
        --------
        >>> from stochlim.control.erasure import erasure_problem
        >>> print(optimize(erasure_problem("fixed_rate", eps=0.1, tau=5.0, n_steps=4)).table())
        status 0 (converged: constraints met to tolerance): Optimization terminated successfully
        tau = 5, steps = 4, iterations = 14
        work = 0.588189 kT, heat = 0.588189 kT, entropy production = 0.220125 k_B
        final error = 0.1 (target <= 0.1)
        """
        lines = [
            f"status {self.status} ({STATUS[self.status]}): {self.message}",
            (f"tau = {self.problem.tau:g}, steps = {self.problem.n_steps}"
             + ("" if self.problem.knots is None else f", linear knots = {self.problem.knots}")
             + ("" if self.problem.end_jumps else ", no end jumps")
             + f", iterations = {self.n_iterations}"),
            (f"work = {self.work:.6g} kT, heat = {self.heat:.6g} kT, "
            f"entropy production = {self.entropy_production:.6g} k_B"),
        ]
        if self.final_error is not None:
            lines.append(f"final error = {self.final_error:.6g} (target <= {self.problem.target.eps:g})")
        return "\n".join(lines)


def _model_of(problem: Problem, values: np.ndarray) -> HopModel | None:
    if problem.controls_drives:
        return None  # HopModel drives are constant in time
    energies, barriers = problem.inputs(values)  # inputs are linear in the controls: at steps or knots
    if problem.knots is None:
        kind, times = PiecewiseConstant, problem.times[:-1]
    else:
        kind, times = PiecewiseLinear, problem.knot_times
    m = problem.model
    return HopModel(
        tuple(kind(times, energies[:, x]) for x in range(m.n_states)),
        m.edges,
        tuple(kind(times, barriers[:, e]) for e in range(m.n_edges)),
        J_max=m.J_max,
        rate_law=m.rate_law,
        drives=m.drives,
    )


class _Cache:
    """One :func:`evaluate` per distinct point (SLSQP asks for values and gradients apart)."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.key = None
        self.value: Evaluation | None = None

    def __call__(self, x: np.ndarray) -> Evaluation:
        key = x.tobytes()
        if key != self.key:
            self.value = evaluate(self.problem, x.reshape(self.problem.n_params, self.problem.n_controls))
            self.key = key
        return self.value


def _bounds(problem: Problem):
    per_step = [(None if math.isinf(c.lower) else c.lower, None if math.isinf(c.upper) else c.upper)
                for c in problem.controls]
    out = per_step * problem.n_params  # bounds on knots bound the interpolated steps too
    if not problem.end_jumps:  # x is (knot, control) row-major: pin the first and last knots
        c = problem.n_controls
        out[:c] = [(v, v) for v in problem.initial_values]
        out[-c:] = [(v, v) for v in problem.final_values]
    return out


def _cap_constraint(problem: Problem, cache: _Cache) -> dict:
    log_cap = math.log(problem.max_rate)
    basis = problem.basis

    def fun(x):
        return (log_cap - cache(x).log_rates).ravel()

    def jac(x):
        g = cache(x).log_rate_grad  # (N, D, C), step j depends on x only through row j of the basis
        out = -np.einsum("jdc,jk->jdkc", g, basis)
        return out.reshape(g.shape[0] * g.shape[1], -1)

    return {"type": "ineq", "fun": fun, "jac": jac}


def _target_constraint(problem: Problem, cache: _Cache) -> dict:
    kind = "ineq" if isinstance(problem.target, MaxError) else "eq"
    return {
        "type": kind,
        "fun": lambda x: cache(x).target,
        "jac": lambda x: cache(x).target_jac.reshape(cache(x).target.size, -1),
    }


def _start(problem: Problem, initial) -> np.ndarray:
    n, c = problem.n_params, problem.n_controls
    if initial is None:
        u = np.tile(problem.initial_values, (n, 1))
    else:
        u = np.asarray(initial, dtype=np.float64)
        if u.shape == (c,):
            u = np.tile(u, (n, 1))
        if u.shape != (n, c) or not np.all(np.isfinite(u)):
            raise ValueError(f"initial must be finite with shape ({n}, {c}) or ({c},): got {np.shape(initial)}")
    lo = np.array([ctrl.lower for ctrl in problem.controls])
    hi = np.array([ctrl.upper for ctrl in problem.controls])
    u = np.clip(u, lo, hi)
    if not problem.end_jumps:
        u[0], u[-1] = problem.initial_values, problem.final_values
    return u


def _solve(problem: Problem, x0: np.ndarray, objective, constraints, cache, maxiter: int, ftol: float):
    return minimize(objective, x0.ravel(), jac=True, method="SLSQP", bounds=_bounds(problem),
                    constraints=constraints, options={"maxiter": maxiter, "ftol": ftol})


def _closest_final_law(problem: Problem, x0: np.ndarray, maxiter: int) -> tuple[float, np.ndarray, object]:
    """Feasibility phase: the final law closest to the target under the bounds and the rate cap.

    For a :class:`MaxError` the least error (minimised as ``ln(error)``, so that tiny errors stay
    well scaled); for a :class:`TargetDistribution` the least squared distance ``|p(tau) - p|^2``,
    reported as the largest deviation ``max_x |p_x(tau) - p_x|``. Gradients from the target's adjoint.
    Returns that measure, the final law reached and scipy's result.
    """
    cache = _Cache(problem)
    target = problem.target
    if isinstance(target, MaxError):
        idx = list(target.states)

        def fun(x):
            ev = cache(x)
            err = max(float(ev.p[-1, idx].sum()), 1e-300)
            return math.log(err), -ev.target_jac[0].ravel() / err
    else:
        def fun(x):
            ev = cache(x)
            v = ev.p[-1] - target.p  # the last entry's derivative is minus the sum of the others'
            return float(v @ v), 2.0 * np.tensordot(v[:-1] - v[-1], ev.target_jac, axes=1).ravel()

    cons = [_cap_constraint(problem, cache)] if problem.max_rate is not None else []
    res = _solve(problem, x0, fun, cons, cache, maxiter, 1e-12)
    p_final = cache(res.x).p[-1]
    measure = float(p_final[list(target.states)].sum()) if isinstance(target, MaxError) else float(
        np.max(np.abs(p_final - target.p)))
    return measure, p_final, res


def _reachable(problem: Problem, measure: float) -> bool:
    """Whether the feasibility phase's measure meets the target (to its tolerance)."""
    if isinstance(problem.target, MaxError):
        return measure <= problem.target.eps * (1 + 1e-6)
    return measure <= DISTRIBUTION_TOLERANCE


def _least_time(problem: Problem, x0: np.ndarray, maxiter: int) -> tuple[float | None, float]:
    """Bisection on ``tau`` (log scale) for the least time in which the target is reachable.

    Returns that time (None when ``tau`` doubled ``MAX_DOUBLINGS`` times does not reach it) and
    the longest time tried.
    """
    hi = problem.tau
    for _ in range(MAX_DOUBLINGS):  # grow until feasible
        hi *= 2.0
        if _reachable(problem, _closest_final_law(_with_tau(problem, hi), x0, maxiter)[0]):
            break
    else:
        return None, hi
    lo = problem.tau
    while hi / lo > 1.0 + 2e-3:
        mid = math.sqrt(lo * hi)
        if _reachable(problem, _closest_final_law(_with_tau(problem, mid), x0, maxiter)[0]):
            hi = mid
        else:
            lo = mid
    return hi, hi


def _infeasible_message(problem: Problem, x0: np.ndarray, measure: float, p_final: np.ndarray) -> str:
    t_min, longest = _least_time(problem, x0, DIAGNOSIS_MAXITER)
    when = (f"; no duration up to {longest:.3g} reaches it" if t_min is None
            else f"; the least time to reach it is about {t_min:.4g}")
    where = f"in tau = {problem.tau:g} under these constraints"
    if isinstance(problem.target, MaxError):
        return (f"target error {problem.target.eps:g} is infeasible {where}: the least error reachable is "
                f"{measure:.6g}{when}")
    closest = ", ".join(f"{v:.6g}" for v in p_final)
    wanted = ", ".join(f"{v:.6g}" for v in problem.target.p)
    return (f"target distribution [{wanted}] is infeasible {where}: the closest final law reachable is "
            f"[{closest}] (largest deviation {measure:.3g}){when}")


def _with_tau(problem: Problem, tau: float) -> Problem:
    return replace(problem, tau=tau)


def _contradiction(problem: Problem, x0: np.ndarray) -> str | None:
    """A message when the bounds and the rate cap cannot hold together on any step."""
    if problem.max_rate is None:
        return None
    one = replace(problem, n_steps=1, knots=None, end_jumps=True)
    cache = _Cache(one)
    res = minimize(lambda x: (0.0, np.zeros_like(x)), x0[:1].ravel(), jac=True, method="SLSQP",
                   bounds=_bounds(one), constraints=[_cap_constraint(one, cache)],
                   options={"maxiter": 200})
    slack = float(np.min(_cap_constraint(one, cache)["fun"](res.x)))
    if slack < -CONSTRAINT_TOLERANCE:
        return (
            f"the rate cap max_rate = {problem.max_rate:g} cannot hold within the control bounds "
            f"(best achievable: largest rate {problem.max_rate * math.exp(-slack):.6g})"
        )
    return None


def optimize(problem: Problem, *, initial=None, maxiter: int = 500, ftol: float = 1e-12) -> ControlResult:
    """Minimise ``problem.objective`` over the problem's controls with exact gradients.

    Parameters
    ----------
    problem : Problem
    initial : array_like, optional
        Starting free values, shape ``(n_params, n_controls)`` or ``(n_controls,)``; default
        the controls' ``initial`` values. Clipped into the bounds; with ``end_jumps=False`` the
        first and last knots are set to ``initial`` and ``final``.
    maxiter : int, optional
        SLSQP iteration limit.
    ftol : float, optional
        SLSQP tolerance on the objective.

    Returns
    -------
    ControlResult
        With ``success`` only when SLSQP converged and every constraint holds to
        ``CONSTRAINT_TOLERANCE``; otherwise ``status`` and ``message`` say what went wrong.

    Raises
    ------
    TypeError
        If ``problem`` is not a :class:`Problem`.
    ValueError
        If ``initial`` has neither of the two accepted shapes.

    Examples
    --------
    Least-work erasure to 10 % in ``tau = 5`` with the total rate held, beside the exact optimum:

    >>> from stochlim.control import optimize
    >>> from stochlim.control.erasure import closed_form, erasure_problem
    >>> res = optimize(erasure_problem("fixed_rate", eps=0.1, tau=5.0, n_steps=8))
    >>> res.success, round(res.final_error, 6)
    (True, 0.1)
    >>> exact = closed_form("fixed_rate", eps=0.1, tau=5.0).work
    >>> bool(exact <= res.work < exact + 0.01)  # 8 steps: within 0.01 kT of the continuum optimum
    True
    """
    if not isinstance(problem, Problem):
        raise TypeError(f"problem must be a stochlim.control.Problem: got {type(problem).__name__}")
    x0 = _start(problem, initial)
    contradiction = _contradiction(problem, x0)
    if contradiction is not None:
        return _result(problem, x0, 3, contradiction, 0)
    cache = _Cache(problem)

    def fun(x):
        ev = cache(x)
        return ev.objective, ev.objective_grad.ravel()

    cons = [] if problem.target is None else [_target_constraint(problem, cache)]
    if problem.max_rate is not None:
        cons.append(_cap_constraint(problem, cache))
    res = _solve(problem, x0, fun, cons, cache, maxiter, ftol)
    x = res.x.reshape(problem.n_params, problem.n_controls)
    result = _result(problem, x, 0 if res.success else 1, str(res.message), int(res.nit))
    if result.status == 0 and not _met(result):
        result = _result(problem, x, 1, f"{res.message}; but constraints are violated at the end", int(res.nit))
    if result.status != 0 and problem.target is not None:
        measure, p_final, phase = _closest_final_law(problem, x0, DIAGNOSIS_MAXITER)
        if phase.success and not _reachable(problem, measure):
            result = _result(problem, x, 2, _infeasible_message(problem, x0, measure, p_final), int(res.nit))
    return result


def _met(result: ControlResult) -> bool:
    target, kind = result.constraints["target"], result.problem.target
    if isinstance(kind, MaxError):
        ok = np.all(target >= -CONSTRAINT_TOLERANCE)
    else:  # a distribution (equalities) or no target (empty)
        ok = np.all(np.abs(target) <= CONSTRAINT_TOLERANCE)
    cap = result.constraints["rate_cap"]
    return bool(ok and (cap is None or cap >= -CONSTRAINT_TOLERANCE))


def _result(problem: Problem, values: np.ndarray, status: int, message: str, nit: int) -> ControlResult:
    ev = evaluate(problem, values)
    target = problem.target
    err = float(ev.p[-1, list(target.states)].sum()) if isinstance(target, MaxError) else None
    cap = None if problem.max_rate is None else float(math.log(problem.max_rate) - ev.log_rates.max())
    values = np.array(values, dtype=np.float64)
    result = ControlResult(problem, values, _model_of(problem, values), ev.objective, ev.work, ev.heat,
                           ev.entropy_production, ev.p[-1].copy(), err, {"target": ev.target, "rate_cap": cap},
                           status == 0, status, message, nit)
    freeze_arrays(result)
    return result


def refine(result: ControlResult, factor: int = 2, **options) -> ControlResult:
    """Split every step (and every knot interval) into ``factor`` and optimise again from the
    previous optimum, which the finer parametrisation holds exactly.

    Parameters
    ----------
    result : ControlResult
        A previous optimum.
    factor : int, optional
        Refinement factor, ``>= 2``.
    **options
        Passed on to :func:`optimize` (``maxiter``, ``ftol``).

    Returns
    -------
    ControlResult
        The optimum on ``factor`` times as many steps (and knot intervals).

    Raises
    ------
    TypeError
        If ``result`` is not a :class:`ControlResult`.
    ValueError
        If ``factor`` is not an integer ``>= 2``.

    Examples
    --------
    >>> from stochlim.control import optimize, refine
    >>> from stochlim.control.erasure import erasure_problem
    >>> coarse = optimize(erasure_problem("fixed_rate", eps=0.1, tau=5.0, n_steps=8))
    >>> fine = refine(coarse)
    >>> fine.problem.n_steps, bool(fine.work <= coarse.work)
    (16, True)
    """
    if not isinstance(result, ControlResult):
        raise TypeError(f"result must be a ControlResult: got {type(result).__name__}")
    if not isinstance(factor, int) or isinstance(factor, bool) or factor < 2:
        raise ValueError(f"factor must be an integer >= 2: got {factor!r}")
    old = result.problem
    if old.knots is None:
        finer = old.with_steps(old.n_steps * factor)
        return optimize(finer, initial=np.repeat(result.values, factor, axis=0), **options)
    finer = old.with_steps(old.n_steps * factor, (old.knots - 1) * factor + 1)
    start = np.stack([np.interp(finer.knot_times, old.knot_times, v) for v in result.values.T], axis=1)
    return optimize(finer, initial=start, **options)
