"""Sparse block-matrix propagation with scipy, for the tilted and absorbing generators.

:mod:`stochlim.fluctuations` and :mod:`stochlim.passage` build their own (tilted, or absorbing)
block matrices on this structure and propagate them with scipy (``expm``, ``expm_multiply``,
Radau). :func:`stochlim.solve_master` itself runs on the compiled core
(:mod:`stochlim._generator`, ``stochlim._kernels.master``), which takes per-edge tilts too;
moving these callers onto it is the next step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from scipy.integrate import solve_ivp
from scipy.sparse.linalg import expm_multiply

from ._generator import ACTIVITY as _ACTIVITY
from ._generator import CURRENTS as _CURRENTS
from ._generator import DRIVE_WORK as _DRIVE_WORK
from ._generator import HEAT as _HEAT
from ._generator import SLOPE_WORK as _SLOPE_WORK
from .master import DENSE_LIMIT
from .models import MAX_LOG_RATE, HopModel
from .physics import log_hop_rates_unchecked

#: The methods these callers accept (``solve_master`` has ``"uniformization"`` too).
METHODS = ("auto", "expm", "krylov", "ode")

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
    def of(cls, model: HopModel) -> _Structure:
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
        k = np.exp(np.minimum(log_k, MAX_LOG_RATE))
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
    def fun(t, y):
        return block_at(t) @ y

    def jac(t, y):
        return block_at(t)
    t_eval = np.clip(a + np.asarray(taus, dtype=np.float64), a, b)
    try:
        sol = solve_ivp(fun, (a, b), v, method="Radau", jac=jac, t_eval=t_eval, rtol=rtol, atol=atol)
    except (RuntimeError, ArithmeticError, np.linalg.LinAlgError) as exc:
        return None, f"Radau failed on [{a:g}, {b:g}]: {exc}"
    if not sol.success:
        return None, f"Radau failed on [{a:g}, {b:g}]: {sol.message}"
    return [sol.y[:, i] for i in range(sol.y.shape[1])], None



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
