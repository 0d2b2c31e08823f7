"""Exact objective, constraints and gradients of a piecewise-constant protocol from the master equation.

On step ``j`` the generator ``L_j`` is constant, so ``p_{j+1} = exp(L_j h) p_j`` exactly. The
derivative of the step propagator with respect to a control value on that step is the Frechet
derivative of the matrix exponential in the direction ``h dL_j/du`` - the upper-right block of
``exp([[L h, dL h], [0, L h]])`` (Van Loan 1978, IEEE TAC 23 395), computed by
``scipy.linalg.expm_frechet`` (Al-Mohy & Higham 2009). Every quantity optimised is a function of the
probabilities at the step boundaries, because the energies change only at them:

* work ``W = sum_{j=0}^{N} p_j . (E^(j) - E^(j-1))`` with ``E^(-1)`` before ``0`` and ``E^(N)``
  after ``tau`` (the jumps at the ends included);
* heat ``Q = W - (p_N . E^(N) - p_0 . E^(-1))`` (first law);
* entropy production ``Q + S(p_N) - S(p_0)``, ``S = -sum p ln p``.

Gradients then follow by one adjoint (backward) sweep per functional of the ``p_j``:
``lambda_N = dJ/dp_N``, ``lambda_j = dJ/dp_j + exp(L_j h)^T lambda_{j+1}``, and ``dJ/du_{c,j} =
lambda_{j+1} . (dP_j/du_{c,j}) p_j`` plus the explicit dependence of ``J`` on ``u``.
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
    """Everything the optimiser needs at one point ``u`` (shape ``(N, C)``).

    Attributes
    ----------
    p : ndarray, shape (N + 1, S)
        Probabilities at the step boundaries.
    work, heat, entropy_production : float
        Ensemble means (kT, k_B).
    objective : float
        The problem's objective.
    objective_grad : ndarray, shape (N, C)
    target : ndarray
        Target constraint values (``>= 0`` for :class:`MaxError`, ``= 0`` for a distribution).
    target_jac : ndarray, shape (n_target, N, C)
    log_rates : ndarray, shape (N, D)
        Log-rate of every directed edge on every step.
    log_rate_grad : ndarray, shape (N, D, C)
        ``d log k_d / d u_c`` on the same step.
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

    Without drives every ``L_j`` obeys detailed balance with ``pi_x ~ e^-E_x``, so ``Pi^-1/2 L Pi^1/2``
    is symmetric: with its eigen-decomposition ``U diag(lambda) U^T`` the exponential is ``Pi^1/2 U
    e^Lambda U^T Pi^-1/2`` and the Frechet derivative is ``Pi^1/2 U [(U^T Pi^-1/2 dL Pi^1/2 U) o
    Phi] U^T Pi^-1/2`` with the divided differences ``Phi_ab = (e^lambda_a - e^lambda_b) /
    (lambda_a - lambda_b)`` (Daleckii-Krein; Higham, Functions of Matrices (2008), Thm. 3.11).
    """
    n = lh.shape[0]
    shifted = energies - energies.min(axis=1, keepdims=True)
    if np.max(shifted) > MAX_SYMMETRIC_SPREAD:
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


def evaluate(problem: Problem, u: np.ndarray) -> Evaluation:
    """Propagate the master equation under the step controls ``u`` and return values and gradients."""
    model = problem.model
    n_steps, n_ctrl, s = problem.n_steps, problem.n_controls, model.n_states
    h = problem.tau / n_steps
    energies, barriers = problem.inputs(u)  # (N, S), (N, m)
    e_before, _ = problem.inputs(problem.initial_values[None, :])
    e_after, _ = problem.inputs(problem.final_values[None, :])
    e_all = np.concatenate((e_before, energies, e_after))  # E^(-1) .. E^(N)

    directed = model.directed_edges()
    src, dst, edge = directed.src, directed.dst, directed.edge
    a = np.stack([w[0] for w in problem.weights], axis=1)  # (S, C)
    b = np.stack([w[1] for w in problem.weights], axis=1)  # (m, C)

    bias = energies[:, src] - energies[:, dst]  # (N, D)
    log_k = np.asarray(log_hop_rates(barriers[:, edge], bias, J_max=model.J_max, rate_law=model.rate_law)[0])
    slope = np.asarray(log_hop_rate_bias_slope(bias, rate_law=model.rate_law))
    # d log k_d / d u_c = slope_d (a_src - a_dst) - b_edge
    dlogk = slope[:, :, None] * (a[src] - a[dst])[None, :, :] - b[edge][None, :, :]
    k = np.exp(np.minimum(log_k, 700.0))

    def generators(rates):  # (N, D) -> (N, S, S)
        out = np.zeros((n_steps, s, s))
        steps = np.arange(n_steps)[:, None]
        np.add.at(out, (steps, dst[None, :], src[None, :]), rates)
        np.add.at(out, (steps, src[None, :], src[None, :]), -rates)
        return out

    props, dprops = _exp_and_frechet(
        generators(k) * h, [generators(k * dlogk[:, :, c]) * h for c in range(n_ctrl)], energies
    )
    p = np.empty((n_steps + 1, s))
    p[0] = problem.p0
    for j in range(n_steps):
        p[j + 1] = props[j] @ p[j]
    dprop_p = np.einsum("cjxy,jy->jcx", dprops, p[:-1])  # (dP_j / du_{c,j}) p_j

    def adjoint(weights_at):
        """Gradient of ``sum_j weights_at[j] . p_j`` (j = 1..N) through the propagation."""
        lam = weights_at[n_steps].copy()
        grad = np.empty((n_steps, n_ctrl))
        for j in range(n_steps - 1, -1, -1):
            grad[j] = dprop_p[j] @ lam
            lam = weights_at[j] + props[j].T @ lam
        return grad

    jumps = np.diff(e_all, axis=0)  # (N + 1, S): jump at t_j is E^(j) - E^(j-1)
    work = float(np.einsum("js,js->", p, jumps))
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
    objective_grad = adjoint(weights) + explicit

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
        for x in range(s - 1):
            w = zeros.copy()
            w[-1, x] = 1.0
            jac[x] = adjoint(w)
    return Evaluation(p, work, heat, sigma, objective, objective_grad, values, jac, log_k, dlogk)
