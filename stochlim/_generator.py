"""The augmented master-equation generator of a segments model, in place, for the compiled core.

:class:`Generator` holds a model's directed edges, the linear functionals integrated beside ``p``
and an optional tilt, plus the value buffers that ``stochlim._kernels.master`` fills for a time
on a segment of the segments model. It is what :func:`stochlim.solve_master` propagates; a tilted
master equation (generating functions of jump and work observables) is the same object built with
``edge_tilt``/``state_tilt`` and its own :class:`Functionals`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from . import _kernels
from ._kernels import master as km
from ._segments import Segments
from .models import HopModel

# Rows of the energetic functionals (see stochlim.master).
HEAT, DRIVE_WORK, SLOPE_WORK, ACTIVITY, CURRENTS = 0, 1, 2, 3, 4

_NO_TILT = np.zeros((0, 2))

#: Models with at least this many states plus directed edges run the parallel kernels (``prange``
#: over blocks: the same numbers as the serial ones, see ``stochlim._kernels.master``). A
#: uniformisation step opens one parallel region per term, which pays only on models this large:
#: on smaller ones, and on a machine whose cores are busy, the threads' synchronisation costs more
#: than the work they share.
PARALLEL_MIN = 1 << 20


def _index(a) -> np.ndarray:
    """An index array as the kernels read it: contiguous int32 (half the memory traffic of int64)."""
    a = np.asarray(a)
    if a.size and (a.max() > np.iinfo(np.int32).max or a.min() < 0):
        raise ValueError("the model is too large for 32-bit indices")
    return np.ascontiguousarray(a, dtype=np.int32)


def _pointers(keys: np.ndarray, n: int) -> np.ndarray:
    """CSR pointers of sorted ``keys`` in ``range(n)``: key ``k`` owns ``ptr[k]:ptr[k + 1]``."""
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n), out=ptr[1:])
    return _index(ptr)


@dataclass(frozen=True)
class Functionals:
    """Linear functionals ``dF_row/dt = sum_i coef_i p_i`` of the augmented generator.

    Edge terms ``(edge_row[i], edge_d[i], edge_coef[i] = (c0, c1))`` add ``k_d (c0 + c1 bias_d)
    p[src_d]`` to row ``edge_row[i]``; state terms ``(state_row, state_x, state_coef = (c0, c1))``
    add ``(c0 + c1 dE_x/dt) p_x``. ``n_rows`` is the number of functionals.
    """

    n_rows: int
    edge_row: np.ndarray
    edge_d: np.ndarray
    edge_coef: np.ndarray
    state_row: np.ndarray
    state_x: np.ndarray
    state_coef: np.ndarray

    @classmethod
    def energetics(cls, segments: Segments, as_written: np.ndarray) -> Functionals:
        """Heat, drive work, slope work, activity and the net current of every edge.

        ``as_written[d]`` is True where directed edge ``d`` runs as its edge is written. Rows:
        ``HEAT`` (``c1 = 1``: ``k_d bias_d``), ``DRIVE_WORK`` (``c0 = f_d``, only edges with a drive),
        ``SLOPE_WORK`` (``dE_x/dt``), ``ACTIVITY`` (``k_d``), ``CURRENTS + e`` (``+-k_d``).
        """
        n_dir = segments.out_src.size
        d = np.arange(n_dir)
        driven = np.flatnonzero(segments.out_drive)
        one, zero = np.ones(n_dir), np.zeros(n_dir)
        sign = np.where(as_written, 1.0, -1.0)
        edge_row = np.concatenate((np.full(n_dir, HEAT), np.full(driven.size, DRIVE_WORK), np.full(n_dir, ACTIVITY),
                                   CURRENTS + segments.out_edge))
        edge_d = np.concatenate((d, driven, d, d))
        c0 = np.concatenate((zero, segments.out_drive[driven], one, sign))
        c1 = np.concatenate((one, np.zeros(driven.size), zero, zero))
        n_states, n_edges = segments.n_states, segments.n_edges
        return cls(
            n_rows=CURRENTS + n_edges,
            edge_row=edge_row.astype(np.int64),
            edge_d=edge_d.astype(np.int64),
            edge_coef=np.ascontiguousarray(np.stack((c0, c1), axis=1)),
            state_row=np.full(n_states, SLOPE_WORK, dtype=np.int64),
            state_x=np.arange(n_states, dtype=np.int64),
            state_coef=np.ascontiguousarray(np.stack((np.zeros(n_states), np.ones(n_states)), axis=1)),
        )


class Generator:
    """The values of ``A = [[L, 0], [R, 0]]`` on a segments model, refilled in place for each time.

    Parameters
    ----------
    model : HopModel
        The model (its edges as written decide the sign of each current).
    segments : Segments
        ``model``'s inputs on the segments of the solve's horizon.
    functionals : Functionals, optional
        Default: :meth:`Functionals.energetics`.
    edge_tilt, state_tilt : ndarray, shape (D, 2) and (S, 2), optional
        Tilt of the off-diagonal entries by ``exp(a_d + b_d bias_d)`` and of the diagonal by
        ``a_x + b_x dE_x/dt`` (see ``stochlim._kernels.master``); default none.
    """

    def __init__(self, model: HopModel, segments: Segments, functionals: Functionals | None = None,
                 edge_tilt: np.ndarray | None = None, state_tilt: np.ndarray | None = None):
        self.segments = segments
        self.n_states = model.n_states
        self.src, self.dst, self.edge = (_index(a) for a in (segments.out_src, segments.out_dst, segments.out_edge))
        if np.any(np.diff(self.src) < 0):
            raise ValueError("the directed edges must be sorted by source")
        self.out_ptr = _pointers(self.src, self.n_states)
        large = self.n_states + self.src.size >= PARALLEL_MIN
        self._assemble = km.assemble_parallel if large else km.assemble
        self._uniformize = km.uniformize_parallel if large else km.uniformize
        self._blocks = km.N_BLOCKS if large else 1
        as_written = model.edges[self.edge, 0] == self.src if self.edge.size else np.zeros(0, dtype=bool)
        self.f = functionals if functionals is not None else Functionals.energetics(segments, as_written)
        self.edge_tilt = _NO_TILT if edge_tilt is None else np.ascontiguousarray(edge_tilt, dtype=np.float64)
        self.state_tilt = _NO_TILT if state_tilt is None else np.ascontiguousarray(state_tilt, dtype=np.float64)
        self.law = _kernels.PAPER if segments.rate_law == "paper" else _kernels.ARRHENIUS
        self.size = self.n_states + self.f.n_rows
        n_dir = self.src.size
        self.energy = np.empty(self.n_states)
        self.barrier = np.empty(segments.n_edges)
        self.rate = np.empty(n_dir)
        self.off = self.rate if edge_tilt is None else np.empty(n_dir)
        self.diag = np.empty(self.n_states)
        f = self.f  # its terms grouped by directed edge, as the kernels read them
        order = np.argsort(f.edge_d, kind="stable")
        self._terms = (_pointers(f.edge_d, n_dir), np.ascontiguousarray(f.edge_coef[order]), _index(f.edge_row[order]),
                       _index(f.state_x), _index(f.state_row), np.ascontiguousarray(f.state_coef, dtype=np.float64))
        # rows and columns of A's entries in the order of km.entries
        s = self.n_states
        self._positions = (
            _index(np.concatenate((self.dst, np.arange(s), s + f.edge_row[order], s + f.state_row))),
            _index(np.concatenate((self.src, np.arange(s), self.src[f.edge_d[order]], f.state_x))),
        )
        self._values = np.empty(self._positions[0].size)
        self._slope = np.zeros(s)
        self.lam = 0.0
        self._pattern = None
        self._by_destination = None  # P by destination, built on the first uniformize
        # bias part of the log-rates, reused while the energies do not change (see km.assemble)
        self._cache = (np.zeros(self.n_states + 1), np.empty(n_dir), np.empty(n_dir), np.empty(segments.n_edges),
                       np.empty(self.f.edge_d.size))

    def at(self, j: int, dt: float) -> float:
        """Fill the values at time ``seg_times[j] + dt``; return the largest log-rate there."""
        sg = self.segments
        self._slope = sg.energy_slope(j)
        self.lam, top = self._assemble(
            self.law, sg.log_prefactor, sg.energy(j), self._slope, sg.barrier(j), sg.barrier_slope(j), float(dt),
            self.src, self.out_ptr, self.dst, self.edge, sg.out_drive, self.edge_tilt, self.state_tilt, self._terms,
            self.energy, self.barrier, self.rate, self.off, self.diag, *self._cache, self._blocks)
        return top

    def log_rate_bound(self, j: int) -> float:
        """An upper bound of every log-rate on segment ``j`` (exact where its inputs are constant)."""
        sg = self.segments
        length = sg.seg_times[j + 1] - sg.seg_times[j]
        return km.log_rate_bound(self.law, sg.log_prefactor, sg.energy(j), sg.energy_slope(j), sg.barrier(j),
                                 sg.barrier_slope(j), float(length), self.src, self.dst, self.edge, sg.out_drive)

    def _functionals(self):
        return self.src, self.rate, self._terms, self._cache[4], self._slope

    def apply(self, v: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """``A v`` at the last filled time."""
        out = np.empty(self.size) if out is None else out
        src, rate, terms, factor, slope = self._functionals()
        km.apply_generator(self.n_states, src, self.dst, self.off, self.diag, rate, terms, factor, slope, v, out)
        return out

    def dense(self) -> np.ndarray:
        """``A`` as a dense array."""
        out = np.empty((self.size, self.size))
        src, rate, terms, factor, slope = self._functionals()
        km.fill_dense(self.n_states, src, self.off, self.diag, rate, terms, factor, slope, *self._positions,
                      self._values, out)
        return out

    def sparse(self) -> sp.csr_matrix:
        """``A`` as CSR; its pattern (duplicates summed) is built once, only values change."""
        if self._pattern is None:
            rows, cols = self._positions
            pattern = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(self.size, self.size))
            pattern.sum_duplicates()
            pattern.sort_indices()
            position = sp.csr_matrix((np.arange(pattern.nnz, dtype=np.float64), pattern.indices, pattern.indptr),
                                     shape=pattern.shape)
            slots = np.asarray(position[rows, cols]).ravel().astype(np.int64)
            self._pattern = (pattern.indices, pattern.indptr, slots)
        indices, indptr, slots = self._pattern
        src, rate, terms, factor, slope = self._functionals()
        km.entries(self.n_states, src, self.off, self.diag, rate, terms, factor, slope, self._values)
        data = np.empty(indices.size)
        km.scatter_values(slots, self._values, data)
        return sp.csr_matrix((data, indices, indptr), shape=(self.size, self.size))

    def expm_step(self, v: np.ndarray, tau: float) -> np.ndarray:
        """``expm(A tau) v`` by the compiled dense scaling and squaring."""
        return km.expm(self.dense() * tau) @ v

    def magnus(self, j: int, v: np.ndarray, taus: np.ndarray, rtol: float, atol: float, max_steps: int,
               out: np.ndarray) -> int:
        """Integrate over segment ``j`` (inputs linear in time) to the offsets ``taus`` into ``out``;
        the number of steps, or a negative exit code of :func:`~stochlim._kernels.master.magnus_segment`."""
        sg = self.segments
        return km.magnus_segment(
            self.law, sg.log_prefactor, sg.energy(j), sg.energy_slope(j), sg.barrier(j), sg.barrier_slope(j),
            self.src, self.out_ptr, self.dst, self.edge, sg.out_drive, self.edge_tilt, self.state_tilt, self._terms,
            self._positions, v, taus, float(rtol), float(atol), int(max_steps), out)

    def uniformize(self, v: np.ndarray, tau: float) -> np.ndarray:
        """``expm(A tau) v`` by compiled uniformisation (untilted ``L``: a-priori error bound)."""
        if self._by_destination is None:
            in_edge = _index(np.argsort(self.dst, kind="stable"))
            in_ptr = _pointers(self.dst, self.n_states)
            s = self.n_states
            buffers = (np.empty(s), np.empty(s), np.empty(s), np.empty(s), np.empty(in_edge.size))
            self._by_destination = (in_ptr, in_edge, self.src[in_edge].copy(), buffers)
        in_ptr, in_edge, in_src, buffers = self._by_destination
        out = v.copy()
        self._uniformize(self.n_states, *self._functionals(), in_ptr, in_edge, in_src, self.off, self.diag, self.lam,
                         out, float(tau), *buffers, self._blocks)
        return out
