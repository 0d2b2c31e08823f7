"""Continuous landscapes under control: a moved harmonic trap and a double well with free barrier and tilt.

Both are fine-grained models of overdamped diffusion (:func:`stochlim.coarse.discretize`: ``K`` sites,
``k_{i->i+1} = (D/h^2) e^-(U_{i+1} - U_i)/2``) whose potential is linear in the controls, so that
:class:`~stochlim.control.Problem` applies unchanged:

* :func:`harmonic_trap` - ``U(x, t) = (x - lambda(t))^2 / 2``, the control ``lambda`` moving the trap
  from 0 to ``lambda_f``. For unit stiffness, friction and kT the least mean work in time ``tau`` is
  ``lambda_f^2 / (tau + 2)``, reached by ``lambda(t) = lambda_f (1 + t) / (tau + 2)`` with jumps at
  both ends (Schmiedl & Seifert, PRL 98, 108301 (2007)). ``lambda^2 / 2`` is the same on every site
  and does not enter the dynamics; ``TrapProblem.uniform_work`` adds its work ``lambda_f^2 / 2``.
* :func:`controlled_double_well` - :func:`stochlim.coarse.tilted_quartic`, ``U(x, t) = B(t) (x^2 -
  1)^2 - T(t) x / 2``: barrier height ``B`` and tilt ``T`` (``U(-1) - U(1) = T``) are separate
  controls with any values, and a large tilt merges the wells into one, as erasure needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import as_float_array, check_int, check_positive, scalar_or_array
from ..coarse import barrier_shape, discretize, tilt_shape, tilted_quartic
from .problem import Control, MaxError, Problem

__all__ = ["TrapProblem", "controlled_double_well", "harmonic_trap", "schmiedl_seifert_work"]


def schmiedl_seifert_work(lambda_f, tau):
    """Least mean work ``lambda_f^2 / (tau + 2)`` (kT) to move a unit harmonic trap by ``lambda_f`` in ``tau``.

    Parameters
    ----------
    lambda_f : float or array_like
        Distance the trap moves (thermal lengths).
    tau : float or array_like
        Duration (> 0) in relaxation times.

    Returns
    -------
    float or numpy.ndarray
        The least mean work (Schmiedl & Seifert 2007), in kT.

    Raises
    ------
    ValueError
        If ``tau`` is not positive or an input is not finite.

    Examples
    --------
    >>> from stochlim.control.landscapes import schmiedl_seifert_work
    >>> schmiedl_seifert_work(2.0, 2.0)
    1.0
    """
    lam = as_float_array("lambda_f", lambda_f)
    t = check_positive("tau", tau)
    out = lam**2 / (t + 2.0)
    return scalar_or_array(out)


@dataclass(frozen=True, eq=False)
class TrapProblem:
    """A :class:`Problem` for the moved trap and the work of the uniform part ``lambda^2 / 2``.

    The total mean work of a result ``res`` is ``res.work + uniform_work``.

    Parameters
    ----------
    problem : Problem
        The control problem on the sites.
    x : numpy.ndarray
        Site positions.
    uniform_work : float
        ``lambda_f^2 / 2``, kT.

    Made by :func:`harmonic_trap`.

    Examples
    --------
    >>> trap = harmonic_trap(1.0, 1.0, K=21, n_steps=4)
    >>> trap.uniform_work, trap.x.shape, trap.x[[0, -1]].tolist()   # 6 thermal lengths beyond 0 and 1
    (0.5, (21,), [-6.0, 7.0])
    >>> trap.problem.n_controls, trap.problem.objective, trap.problem.target is None
    (1, 'work', True)
    """

    problem: Problem
    x: np.ndarray
    uniform_work: float


def harmonic_trap(lambda_f, tau, *, K=81, x_range=None, n_steps=16, D=1.0, knots=None,
                  end_jumps=True) -> TrapProblem:
    """The moved harmonic trap on ``K`` sites, starting in equilibrium at ``lambda = 0``.

    Parameters
    ----------
    lambda_f : float
        Final trap position (in units of the thermal length, stiffness 1).
    tau : float
        Duration in units of the relaxation time ``1 / D``.
    K : int, optional
        Number of sites (>= 3).
    x_range : (float, float), optional
        Reflecting ends; default 6 thermal lengths beyond both trap positions.
    n_steps : int, optional
        Steps of the piecewise-constant position (sub-steps with ``knots``).
    D : float, optional
        Diffusion constant (friction ``1 / D``); the closed form holds for ``D = 1``.
    knots : int, optional
        A piecewise-linear position through this many knots (see :class:`Problem`).
    end_jumps : bool, optional
        False: a continuous position from 0 at ``t = 0`` to ``lambda_f`` at ``tau`` (needs
        ``knots >= 3``), which can only approach the least work as the knots get denser.

    Returns
    -------
    TrapProblem
        The problem (objective: work, no target), the sites and the uniform work.

    Raises
    ------
    TypeError
        If ``K`` is not an integer.
    ValueError
        If ``K < 3``, ``lambda_f`` is not finite, or ``tau``, ``n_steps``, ``D``, ``knots`` or
        ``end_jumps`` is invalid.

    Examples
    --------
    Few sites and steps, so the optimum is close to, not at, Schmiedl & Seifert's:

    >>> from stochlim.control import optimize
    >>> from stochlim.control.landscapes import harmonic_trap, schmiedl_seifert_work
    >>> trap = harmonic_trap(1.0, 1.0, K=21, n_steps=4)
    >>> res = optimize(trap.problem)
    >>> total = res.work + trap.uniform_work
    >>> exact = schmiedl_seifert_work(1.0, 1.0)
    >>> bool(abs(total - exact) < 0.1 * exact), trap.x.shape
    (True, (21,))
    """
    lam = float(as_float_array("lambda_f", lambda_f))
    k = check_int("K", K, minimum=3)
    if x_range is None:
        x_range = (min(0.0, lam) - 6.0, max(0.0, lam) + 6.0)
    model = discretize(lambda x: 0.5 * x**2, x_range=x_range, K=k, D=D)
    x = np.linspace(x_range[0], x_range[1], k)
    position = Control("position", energy_weights=-x, initial=0.0, final=lam)
    prob = Problem(model, [position], tau, model.equilibrium(), None, "work", n_steps, knots=knots,
                   end_jumps=end_jumps)
    return TrapProblem(prob, x, 0.5 * lam**2)


def controlled_double_well(*, barrier, tilt, tau, eps, K=61, x_range=(-2.0, 2.0), n_steps=16, D=1.0,
                           barrier_bounds=(-np.inf, np.inf), tilt_bounds=(-np.inf, np.inf),
                           objective="work") -> Problem:
    """Erasure in a fine double well: drive ``P(x > 0) <= eps`` with free barrier ``B`` and tilt ``T``.

    Parameters
    ----------
    barrier, tilt : float
        ``B`` and ``T`` before ``t = 0`` and after ``tau`` (the stored bit's landscape); the start
        is the equilibrium of that landscape.
    tau, eps : float
        Duration (units ``1/D``, x in units of the well position) and final error.
    K, x_range, n_steps, D
        Discretisation.
    barrier_bounds, tilt_bounds : (float, float), optional
        Device limits of ``B`` and ``T``.
    objective : {"work", "heat", "entropy_production"}, optional
        What is minimised.

    Returns
    -------
    Problem
        Two controls, ``"barrier"`` and ``"tilt"``, with the target ``P(x > 0) <= eps``.

    Raises
    ------
    TypeError
        If ``K`` is not an integer.
    ValueError
        If ``K < 3`` or ``K`` is even, or :class:`Problem` rejects ``tau``, ``eps``, ``n_steps``,
        the bounds or ``objective``.

    Examples
    --------
    >>> from stochlim.control.landscapes import controlled_double_well
    >>> prob = controlled_double_well(barrier=3.0, tilt=0.0, tau=1.0, eps=0.2, K=11, n_steps=4)
    >>> [c.name for c in prob.controls], prob.target.states
    (['barrier', 'tilt'], (6, 7, 8, 9, 10))
    >>> import numpy as np
    >>> bool(np.isclose(prob.p0[6:].sum(), prob.p0[:5].sum()))  # no tilt: as much right as left
    True
    """
    k = check_int("K", K, minimum=3)
    if k % 2 == 0:
        raise ValueError(f"K must be odd so that a site sits on the barrier top: got {k}")
    model = discretize(lambda x: 0.0 * x, x_range=x_range, K=k, D=D)
    x = np.linspace(x_range[0], x_range[1], k)
    b0, t0 = float(barrier), float(tilt)
    p0 = discretize(tilted_quartic(b0, t0), x_range=x_range, K=k, D=D).equilibrium()
    right = np.flatnonzero(x > 0)
    ctrls = [Control("barrier", energy_weights=barrier_shape(x), initial=b0, lower=barrier_bounds[0],
                     upper=barrier_bounds[1]),
             Control("tilt", energy_weights=tilt_shape(x), initial=t0, lower=tilt_bounds[0], upper=tilt_bounds[1])]
    return Problem(model, ctrls, tau, p0, MaxError(right, eps), objective, n_steps)
