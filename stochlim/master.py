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

Methods (:data:`METHODS`):

* ``"expm"`` - dense block exponential per piecewise-constant interval (``scipy.linalg.expm``);
* ``"krylov"`` - the same with ``scipy.sparse.linalg.expm_multiply`` (Al-Mohy & Higham 2011), cost
  linear in the number of states, for large ladders;
* ``"ode"`` - ``scipy.integrate.solve_ivp`` with Radau (implicit, L-stable) and the exact sparse
  Jacobian ``A(t)``, for protocols that vary within an interval (piecewise linear);
* ``"auto"`` - ``"expm"`` up to :data:`DENSE_LIMIT` states and ``"krylov"`` beyond when every input
  is piecewise constant, ``"ode"`` otherwise. The cost of ``"krylov"`` grows with the fastest rate
  times the interval length; ``"expm"`` (scaling and squaring) only with its logarithm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.special
import scipy.sparse as sp
from scipy.integrate import solve_ivp
from scipy.sparse.linalg import expm_multiply

from ._validation import as_float_array, check_positive
from .models import HopModel
from .physics import log_hop_rates_unchecked

__all__ = ["METHODS", "DENSE_LIMIT", "MasterSolution", "solve_master", "free_energy"]

#: Names accepted by ``solve_master(method=...)``.
METHODS = ("auto", "expm", "krylov", "ode")

#: Largest number of states for which ``"auto"`` uses the dense block exponential.
DENSE_LIMIT = 400

#: Probabilities more negative than this (after a solve) are reported as a failure, never hidden.
NEGATIVE_TOLERANCE = 1e-9

# Rows of the functionals stacked under the generator.
_HEAT, _DRIVE_WORK, _SLOPE_WORK, _ACTIVITY, _CURRENTS = 0, 1, 2, 3, 4


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
        0 on success, -1 when the integrator failed or probabilities went out of tolerance.
    message : str
        Human-readable account of the status.
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
    """
    e = np.asarray(model.energy(t), dtype=np.float64)
    return -scipy.special.logsumexp(-e, axis=-1)


# --- the generator and the functionals ----------------------------------------------------------


@dataclass(frozen=True)
class _Structure:
    """Index arrays of a model's directed edges and the fixed sparsity pattern of ``A``.

    The pattern of ``A`` is the same on every interval; only its values change. ``aggregate`` maps
    the per-entry values (in the order of :meth:`values`, duplicates included) onto the CSR data of
    that pattern, so each interval costs one sparse matrix-vector product instead of a COO->CSR
    conversion.
    """

    n_states: int
    n_edges: int
    src: np.ndarray  # (D,) source of directed edge d (d = e as written, d = e + m reversed)
    dst: np.ndarray
    edge: np.ndarray
    sign: np.ndarray  # +1 as written, -1 reversed
    drive: np.ndarray  # f for the jump src -> dst
    indices: np.ndarray  # CSR pattern of A
    indptr: np.ndarray
    aggregate: sp.csr_matrix  # (nnz, n_entries) 0/1 matrix summing duplicate entries

    @classmethod
    def of(cls, model: HopModel) -> "_Structure":
        m, s = model.n_edges, model.n_states
        directed = model.directed_edges()
        src, dst, edge = directed.src, directed.dst, directed.edge
        n_dir = src.size
        # entry order: L off-diagonal, L diagonal, heat, drive work, activity, currents, slope work
        rows = np.concatenate((dst, src, np.full(n_dir, s + _HEAT), np.full(n_dir, s + _DRIVE_WORK),
                               np.full(n_dir, s + _ACTIVITY), s + _CURRENTS + edge,
                               np.full(s, s + _SLOPE_WORK)))
        cols = np.concatenate((src, src, src, src, src, src, np.arange(s)))
        size = s + _CURRENTS + m
        pattern = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(size, size))
        pattern.sum_duplicates()
        pattern.sort_indices()
        position = sp.csr_matrix(
            (np.arange(pattern.nnz, dtype=np.float64), pattern.indices, pattern.indptr), shape=(size, size)
        )
        slot = np.asarray(position[rows, cols]).ravel().astype(np.int64)
        aggregate = sp.csr_matrix((np.ones(rows.size), (slot, np.arange(rows.size))),
                                  shape=(pattern.nnz, rows.size))
        return cls(
            n_states=s,
            n_edges=m,
            src=src,
            dst=dst,
            edge=edge,
            sign=directed.sign,
            drive=directed.drive,
            indices=pattern.indices,
            indptr=pattern.indptr,
            aggregate=aggregate,
        )

    @property
    def size(self) -> int:
        """Length of the augmented state ``[p, Q, W_drive, W_slope, activity, currents]``."""
        return self.n_states + _CURRENTS + self.n_edges


def _block_matrix(st: _Structure, energy, energy_slope, barrier, J_max, law) -> sp.csr_matrix:
    """The augmented generator ``A = [[L, 0], [R, 0]]`` for frozen inputs (CSR)."""
    bias = energy[st.src] - energy[st.dst] + st.drive
    if st.src.size:
        log_k = log_hop_rates_unchecked(barrier[st.edge], bias, math.log(J_max), law)[0]
        k = np.exp(np.minimum(log_k, 700.0))
    else:
        k = np.zeros(0)
    values = np.concatenate((k, -k, k * bias, k * st.drive, k, st.sign * k,
                             np.asarray(energy_slope, dtype=np.float64)))
    return sp.csr_matrix((st.aggregate @ values, st.indices, st.indptr), shape=(st.size, st.size))


# --- propagation over one segment ---------------------------------------------------------------


def _propagate_expm(A, v, taus):
    """Dense block exponential: ``v(tau) = expm(A tau) v(0)``, stepping through sorted ``taus``."""
    dense = A.toarray()
    out, prev, cur = [], 0.0, v
    for tau in taus:
        if tau > prev:
            cur = scipy.linalg.expm(dense * (tau - prev)) @ cur
            prev = tau
        out.append(cur)
    return out, None


def _propagate_krylov(A, v, taus):
    """Sparse ``expm_multiply`` (Al-Mohy & Higham 2011) through sorted ``taus``."""
    A = A.tocsc()
    out, prev, cur = [], 0.0, v
    for tau in taus:
        if tau > prev:
            cur = expm_multiply(A * (tau - prev), cur)
            prev = tau
        out.append(cur)
    return out, None


def _propagate_ode(block_at, v, a, b, taus, rtol, atol):
    """Radau with the exact Jacobian ``A(t)`` over ``[a, b]``; ``taus`` are offsets from ``a``."""
    if b <= a:
        return [v for _ in taus], None
    fun = lambda t, y: block_at(t) @ y  # noqa: E731
    jac = lambda t, y: block_at(t)  # noqa: E731
    t_eval = np.clip(a + np.asarray(taus, dtype=np.float64), a, b)
    try:
        sol = solve_ivp(fun, (a, b), v, method="Radau", jac=jac, t_eval=t_eval, rtol=rtol, atol=atol)
    except (RuntimeError, ArithmeticError, np.linalg.LinAlgError) as exc:
        return None, f"Radau failed on [{a:g}, {b:g}]: {exc}"
    if not sol.success:
        return None, f"Radau failed on [{a:g}, {b:g}]: {sol.message}"
    return [sol.y[:, i] for i in range(sol.y.shape[1])], None


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


def _choose_method(method, lowered, n_states: int) -> str:
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}: got {method!r}")
    if method == "auto":
        if not lowered.is_piecewise_constant:
            return "ode"
        return "expm" if n_states <= DENSE_LIMIT else "krylov"
    if method in ("expm", "krylov") and not lowered.is_piecewise_constant:
        raise ValueError(
            f"method {method!r} is exact only for piecewise-constant protocols; this model has "
            "inputs that vary within an interval: use method='ode' (or 'auto')"
        )
    return method


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
    method : {"auto", "expm", "krylov", "ode"}, optional
        See the module docstring; ``"expm"`` and ``"krylov"`` are exact (to rounding) and need
        piecewise-constant inputs.
    rtol, atol : float, optional
        Tolerances of the ``"ode"`` method (> 0); the exact methods ignore them.

    Returns
    -------
    MasterSolution
        Non-convergence is reported in ``status``/``message`` (and ``success`` False), not raised.

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
    lowered = model.lower(t_end)
    method = _choose_method(method, lowered, model.n_states)
    st = _Structure.of(model)
    seg = lowered.seg_times
    if t_eval is None:
        t_eval = seg.copy()

    s = model.n_states
    v = np.zeros(st.size)
    v[:s] = p_init
    jump_work = 0.0
    outputs = np.empty((t_eval.size, st.size))
    jump_work_at = np.zeros(t_eval.size)
    message = "The solver successfully reached t_end."
    status = 0
    n_seg = lowered.n_segments
    energy_end = lowered.energy_end()
    for j in range(n_seg):
        a, b = seg[j], seg[j + 1]
        if j > 0:  # energies that jump at a knot do work sum_x p_x (E_new - E_old) there
            jump = lowered.energy[j] - energy_end[j - 1]
            jump_work += float(v[:s] @ jump)
        last = j == n_seg - 1
        mask = (t_eval >= a) & ((t_eval <= b) if last else (t_eval < b))
        taus = list(t_eval[mask] - a)
        if not last:
            taus.append(b - a)  # also carry the state to the segment's end
        energy, slope = lowered.energy[j], lowered.energy_slope[j]
        barrier, bslope = lowered.barrier[j], lowered.barrier_slope[j]
        varies = bool(np.any(slope) or np.any(bslope))
        A = None if varies else _block_matrix(st, energy, slope, barrier, model.J_max, model.rate_law)
        if method == "ode":
            if varies:
                block_at = lambda t, a=a, e=energy, es=slope, b0=barrier, bs=bslope: _block_matrix(  # noqa: E731
                    st, e + es * (t - a), es, b0 + bs * (t - a), model.J_max, model.rate_law
                )
            else:
                block_at = lambda t, A=A: A  # noqa: E731
            states, err = _propagate_ode(block_at, v, a, b, taus, rtol, atol)
        else:
            propagate = _propagate_expm if method == "expm" else _propagate_krylov
            states, err = propagate(A, v, taus)
        if err is not None:
            status, message = -1, err
            outputs = outputs[: int(np.count_nonzero(t_eval < a))]
            break
        n_out = int(mask.sum())
        outputs[np.flatnonzero(mask)] = np.array(states[:n_out]).reshape(n_out, st.size)
        jump_work_at[mask] = jump_work
        v = states[-1]

    n_done = outputs.shape[0]
    t_out = t_eval[:n_done]
    p = outputs[:, :s].copy()
    worst = float(p.min()) if p.size else 0.0
    norm_err = float(np.max(np.abs(p.sum(axis=1) - 1.0))) if p.size else 0.0
    if status == 0 and (worst < -NEGATIVE_TOLERANCE or norm_err > 1e-8):
        status = -1
        message = (
            f"probabilities left tolerance: min p = {worst:.3e}, max |sum p - 1| = {norm_err:.3e}"
        )
    # rounding-level negatives (|p| <= 1e-9) are set to zero and the rows renormalised
    np.clip(p, 0.0, None, out=p)
    p /= p.sum(axis=1, keepdims=True)

    heat = outputs[:, s + _HEAT]
    work = outputs[:, s + _DRIVE_WORK] + outputs[:, s + _SLOPE_WORK] + jump_work_at[:n_done]
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
        activity=outputs[:, s + _ACTIVITY],
        currents=outputs[:, s + _CURRENTS :],
        method=method,
        success=status == 0,
        status=status,
        message=message,
    )
