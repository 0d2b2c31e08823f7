"""Exact objective, constraints and gradients of a piecewise-constant protocol from the master equation.

On step ``j`` the generator ``L_j`` is constant, so ``p_{j+1} = exp(L_j h) p_j`` exactly. The
derivative of the step propagator with respect to a control value on that step is the Frechet
derivative of the matrix exponential in the direction ``h dL_j/du`` - the upper-right block of
``exp([[L h, dL h], [0, L h]])`` (Van Loan 1978, IEEE TAC 23 395), computed by
``scipy.linalg.expm_frechet`` (Al-Mohy & Higham 2009). Every quantity optimised is a function of the
probabilities at the step boundaries, because the energies change only at them:

* work ``W = sum_{j=0}^{N} p_j . (E^(j) - E^(j-1)) + W_f`` with ``E^(-1)`` before ``0`` and ``E^(N)``
  after ``tau`` (the jumps at the ends included) and ``W_f`` the work of the drives, ``f_d`` at
  every jump ``d``. ``W_f`` is carried exactly as one more entry of the state, ``dW_f/dt = sum_d
  f_d k_d p_src(d)``: the generator augmented by that row is propagated (and differentiated) by the
  same block exponentials, so the drive work is a function of the final augmented state;
* heat ``Q = W - (p_N . E^(N) - p_0 . E^(-1))`` (first law);
* entropy production ``Q + S(p_N) - S(p_0)``, ``S = -sum p ln p``.

Gradients then follow by one adjoint (backward) sweep per functional of the ``p_j``:
``lambda_N = dJ/dp_N``, ``lambda_j = dJ/dp_j + exp(L_j h)^T lambda_{j+1}``, and ``dJ/du_{c,j} =
lambda_{j+1} . (dP_j/du_{c,j}) p_j`` plus the explicit dependence of ``J`` on ``u``. The free values
``x`` of the problem's parametrisation enter through ``u = B x``, so ``dJ/dx = B^T dJ/du``: exact for
piecewise-linear knots as for steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

from ..physics import log_hop_rate_bias_slope, log_hop_rates
from .problem import MaxError, Problem

__all__ = ["Evaluation", "evaluate"]


@dataclass(frozen=True)
class Evaluation:
    """Everything the optimiser needs at one point ``x`` of free values (shape ``(n_params, C)``).

    Attributes
    ----------
    p : ndarray, shape (N + 1, S)
        Probabilities at the step boundaries.
    work, heat, entropy_production : float
        Ensemble means (kT, k_B).
    objective : float
        The problem's objective.
    objective_grad : ndarray, shape (n_params, C)
        With respect to the free values ``x``.
    target : ndarray
        Target constraint values (``>= 0`` for :class:`MaxError`, ``= 0`` for a distribution).
    target_jac : ndarray, shape (n_target, n_params, C)
    log_rates : ndarray, shape (N, D)
        Log-rate of every directed edge on every step.
    log_rate_grad : ndarray, shape (N, D, C)
        ``d log k_d / d u_c`` on the same step (with respect to the step value ``u``; the chain rule
        through ``Problem.basis`` gives it with respect to ``x``).

    Made by :func:`evaluate`.

    Examples
    --------
    The exact gradient of the mean work against a central finite difference:

    >>> import numpy as np
    >>> from stochlim.control.erasure import erasure_problem
    >>> prob = erasure_problem("fixed_rate", eps=0.1, tau=2.0, n_steps=4)
    >>> x = np.full((4, 1), 2.0)   # the gap held at 2 kT on each of the 4 steps
    >>> ev = evaluate(prob, x)
    >>> ev.p.shape, ev.target_jac.shape, ev.log_rate_grad.shape
    ((5, 2), (1, 4, 1), (4, 2, 1))
    >>> dx = np.zeros_like(x)
    >>> dx[1, 0] = 1e-6
    >>> fd = (evaluate(prob, x + dx).objective - evaluate(prob, x - dx).objective) / 2e-6
    >>> bool(np.isclose(ev.objective_grad[1, 0], fd, rtol=1e-6))
    True
    """

    p: np.ndarray
    work: float
    heat: float
    entropy_production: float
    objective: float
    objective_grad: np.ndarray
    target: np.ndarray
    target_jac: np.ndarray
    log_rates: np.ndarray
    log_rate_grad: np.ndarray


def _entropy(p: np.ndarray) -> float:
    q = p[p > 0]
    return float(-(q * np.log(q)).sum())


def _entropy_grad(p: np.ndarray) -> np.ndarray:
    return -(np.log(np.maximum(p, 1e-300)) + 1.0)


#: Largest spread of the energies on one step (kT) for the symmetrised eigen-decomposition; beyond
#: it the equilibrium weights would leave float64 range and ``scipy.linalg.expm_frechet`` is used.
MAX_SYMMETRIC_SPREAD = 600.0


def _exp_and_frechet(lh: np.ndarray, dlh: list, energies: np.ndarray):
    """``exp(L_j h)`` and its Frechet derivatives in the directions ``dL_{c,j} h``, for all steps.

    ``energies`` None (a driven model, or its generator augmented by the drive work) takes
    ``scipy.linalg.expm_frechet`` on every step. Without drives every ``L_j`` obeys detailed balance
    with ``pi_x ~ e^-E_x``, so ``Pi^-1/2 L Pi^1/2``
    is symmetric: with its eigen-decomposition ``U diag(lambda) U^T`` the exponential is ``Pi^1/2 U
    e^Lambda U^T Pi^-1/2`` and the Frechet derivative is ``Pi^1/2 U [(U^T Pi^-1/2 dL Pi^1/2 U) o
    Phi] U^T Pi^-1/2`` with the divided differences ``Phi_ab = (e^lambda_a - e^lambda_b) /
    (lambda_a - lambda_b)`` (Daleckii-Krein; Higham, Functions of Matrices (2008), Thm. 3.11).
    """
    n = lh.shape[0]
    shifted = None if energies is None else energies - energies.min(axis=1, keepdims=True)
    if shifted is None or np.max(shifted) > MAX_SYMMETRIC_SPREAD:
        props = np.empty_like(lh)
        dprops = np.empty((len(dlh),) + lh.shape)
        for j in range(n):
            for c, d in enumerate(dlh):
                props[j], dprops[c, j] = scipy.linalg.expm_frechet(lh[j], d[j])
        return props, dprops
    half = np.exp(-0.5 * shifted)  # pi^1/2 up to a constant, (N, S)
    sym = lh * (1.0 / half)[:, :, None] * half[:, None, :]
    sym = 0.5 * (sym + np.swapaxes(sym, 1, 2))
    lam, vec = np.linalg.eigh(sym)
    lam = np.minimum(lam, 0.0)  # a generator has no positive eigenvalue; clip rounding
    left = half[:, :, None] * vec  # Pi^1/2 U
    right = np.swapaxes(vec, 1, 2) / half[:, None, :]  # U^T Pi^-1/2
    e = np.exp(lam)
    props = (left * e[:, None, :]) @ right
    gap = np.abs(lam[:, :, None] - lam[:, None, :])
    top = np.exp(np.maximum(lam[:, :, None], lam[:, None, :]))
    small = gap < 1e-8
    # Phi = e^max (1 - e^-gap) / gap, which neither overflows nor cancels
    phi = top * np.where(small, 1.0 - 0.5 * gap, -np.expm1(-gap) / np.where(small, 1.0, gap))
    dprops = np.empty((len(dlh),) + lh.shape)
    for c, d in enumerate(dlh):
        inner = np.swapaxes(left, 1, 2) @ (d / (half[:, :, None] ** 2)) @ left
        dprops[c] = left @ (inner * phi) @ right
    return props, dprops


def evaluate(problem: Problem, x: np.ndarray) -> Evaluation:
    """Propagate the master equation under the free control values ``x`` (shape ``(n_params, C)``)
    and return values and gradients.

    Parameters
    ----------
    problem : Problem
        The control problem.
    x : array_like, shape (n_params, C)
        Free control values: one row per step, or per knot for piecewise-linear controls.

    Returns
    -------
    Evaluation
        Probabilities, work, heat, entropy production, objective and target with their exact
        gradients.

    Examples
    --------
    A constant gap ``g`` on the fixed-rate bit: the work is the final jump's ``-g p(tau)`` plus
    the first one, here ``g / 2 - g p(tau)`` with the master equation's ``p(tau)``.

    >>> import numpy as np
    >>> from stochlim.control import evaluate
    >>> from stochlim.control.erasure import erasure_problem
    >>> prob = erasure_problem("fixed_rate", eps=0.1, tau=2.0, n_steps=4)
    >>> ev = evaluate(prob, np.full((4, 1), 2.0))
    >>> q = 1 / (1 + np.exp(2.0))  # equilibrium of gap 2; k_01 + k_10 = 1
    >>> p_tau = q + (0.5 - q) * np.exp(-2.0)
    >>> bool(np.isclose(ev.p[-1, 1], p_tau)), bool(np.isclose(ev.work, 2.0 * (0.5 - p_tau)))
    (True, True)
    >>> ev.objective_grad.shape
    (4, 1)
    """
    basis = problem.basis
    u = problem.step_values(np.asarray(x, dtype=np.float64))
    model = problem.model
    n_steps, n_ctrl, s = problem.n_steps, problem.n_controls, model.n_states
    h = problem.tau / n_steps
    energies, barriers = problem.inputs(u)  # (N, S), (N, m)
    e_before, _ = problem.inputs(problem.initial_values[None, :])
    e_after, _ = problem.inputs(problem.final_values[None, :])
    e_all = np.concatenate((e_before, energies, e_after))  # E^(-1) .. E^(N)

    directed = model.directed_edges()
    src, dst, edge, sign = directed.src, directed.dst, directed.edge, directed.sign
    a = problem.weight_matrix(0).T  # (S, C)
    b = problem.weight_matrix(1).T  # (m, C)
    c_drive = problem.weight_matrix(2).T  # (m, C)
    force = problem.drives(u)[:, edge] * sign  # (N, D): drive of each jump on each step
    driven = bool(np.any(force))

    bias = energies[:, src] - energies[:, dst] + force  # (N, D)
    log_k = np.asarray(log_hop_rates(barriers[:, edge], bias, J_max=model.J_max, rate_law=model.rate_law)[0])
    slope = np.asarray(log_hop_rate_bias_slope(bias, rate_law=model.rate_law))
    # d log k_d / d u_c = slope_d (a_src - a_dst + sign_d c_edge) - b_edge
    dbias = (a[src] - a[dst] + sign[:, None] * c_drive[edge])[None, :, :]  # (1, D, C)
    dlogk = slope[:, :, None] * dbias - b[edge][None, :, :]
    k = np.exp(np.minimum(log_k, 700.0))
    # with drives the state carries one more entry, the drive work W_f: dW_f/dt = sum_d f_d k_d p_src
    size = s + 1 if driven else s

    def generators(rates, drive_rows):  # (N, D) -> (N, size, size)
        out = np.zeros((n_steps, size, size))
        steps = np.arange(n_steps)[:, None]
        np.add.at(out, (steps, dst[None, :], src[None, :]), rates)
        np.add.at(out, (steps, src[None, :], src[None, :]), -rates)
        if driven:
            np.add.at(out, (steps, s, src[None, :]), drive_rows)
        return out

    dgen = [generators(k * dlogk[:, :, i], force * k * dlogk[:, :, i] + k * (sign * c_drive[edge, i])[None, :]) * h
            for i in range(n_ctrl)]
    props, dprops = _exp_and_frechet(generators(k, force * k) * h, dgen, None if driven else energies)
    p_aug = np.zeros((n_steps + 1, size))
    p_aug[0, :s] = problem.p0
    for j in range(n_steps):
        p_aug[j + 1] = props[j] @ p_aug[j]
    p = p_aug[:, :s]
    dprop_p = np.einsum("cjxy,jy->jcx", dprops, p_aug[:-1])  # (dP_j / du_{c,j}) p_j

    def adjoint(weights_at, drive_weight=0.0):
        """Gradient of ``sum_j weights_at[j] . p_j`` (j = 1..N) plus ``drive_weight * W_f``."""
        if driven:
            weights_at = np.concatenate((weights_at, np.zeros((n_steps + 1, 1))), axis=1)
            weights_at[-1, s] = drive_weight
        lam = weights_at[n_steps].copy()
        grad = np.empty((n_steps, n_ctrl))
        for j in range(n_steps - 1, -1, -1):
            grad[j] = dprop_p[j] @ lam
            lam = weights_at[j] + props[j].T @ lam
        return grad

    jumps = np.diff(e_all, axis=0)  # (N + 1, S): jump at t_j is E^(j) - E^(j-1)
    work = float(np.einsum("js,js->", p, jumps)) + (float(p_aug[-1, s]) if driven else 0.0)
    du = float(p[-1] @ e_all[-1] - p[0] @ e_all[0])
    heat = work - du
    sigma = heat + _entropy(p[-1]) - _entropy(p[0])

    # d/dp_j of W is jumps[j]; of Q the same minus E^(N) at j = N; of Sigma plus dS/dp_N
    weights = jumps.copy()
    explicit = (p[:-1] - p[1:]) @ a  # dW/du_{c,j} explicit: E^(j) enters jumps j (+) and j + 1 (-)
    if problem.objective != "work":
        weights[-1] = weights[-1] - e_all[-1]
    if problem.objective == "entropy_production":
        weights[-1] = weights[-1] + _entropy_grad(p[-1])
    objective = {"work": work, "heat": heat, "entropy_production": sigma}[problem.objective]
    objective_grad = basis.T @ (adjoint(weights, 1.0) + explicit)  # every objective holds W_f once

    target = problem.target
    zeros = np.zeros((n_steps + 1, s))
    if target is None:
        values, jac = np.zeros(0), np.zeros((0, n_steps, n_ctrl))
    elif isinstance(target, MaxError):
        idx = list(target.states)
        values = np.array([target.eps - p[-1, idx].sum()])
        w = zeros.copy()
        w[-1, idx] = -1.0
        jac = adjoint(w)[None]
    else:
        values = p[-1, :-1] - target.p[:-1]
        jac = np.empty((s - 1, n_steps, n_ctrl))
        for state in range(s - 1):
            w = zeros.copy()
            w[-1, state] = 1.0
            jac[state] = adjoint(w)
    jac = np.einsum("tjc,jk->tkc", jac, basis)
    return Evaluation(p, work, heat, sigma, objective, objective_grad, values, jac, log_k, dlogk)
