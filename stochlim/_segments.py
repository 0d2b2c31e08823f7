"""A model's inputs on its segment grid, each distinct protocol evaluated once (for the master equation).

:meth:`HopModel.lower` stores every input on every segment, ``(segments x states)`` arrays that the
SSA kernels index directly; for a 1e5-level ladder under a 1e3-step schedule that is 3 GB of mostly
repeated numbers. :class:`Segments` keeps constant inputs once and evaluates each *distinct*
time-varying protocol once on the grid, and hands out one segment's inputs at a time.
"""

from __future__ import annotations

import numpy as np

from ._kernels import master as km
from .models import HopModel
from .physics import log_rate_prefactor
from .protocols import Constant


class _Inputs:
    """Values and slopes of a tuple of protocols at the segment starts, shared protocols once."""

    def __init__(self, protocols, starts: np.ndarray):
        self.base = np.array([p.value if isinstance(p, Constant) else 0.0 for p in protocols], dtype=np.float64)
        varying = [i for i, p in enumerate(protocols) if not isinstance(p, Constant)]
        column: dict[int, int] = {}
        distinct = []
        for i in varying:
            key = id(protocols[i])
            if key not in column:
                column[key] = len(distinct)
                distinct.append(protocols[i])
        self.where = np.array(varying, dtype=np.int64)
        self.column = np.array([column[id(protocols[i])] for i in varying], dtype=np.int64)
        shape = (starts.size, len(distinct))
        self.values = np.empty(shape)
        self.slopes = np.empty(shape)
        for c, p in enumerate(distinct):
            self.values[:, c] = p(starts)
            self.slopes[:, c] = p.slope(starts)
        self.zero = np.zeros(self.base.size)
        self.moving = self.slopes.any(axis=1) if self.slopes.size else np.zeros(starts.size, dtype=bool)

    def value(self, j: int) -> np.ndarray:
        if not self.where.size:
            return self.base
        return km.expand(self.base, self.where, self.column, self.values[j], np.empty(self.base.size))

    def slope(self, j: int) -> np.ndarray:
        if not self.moving[j]:
            return self.zero
        return km.expand(self.zero, self.where, self.column, self.slopes[j], np.empty(self.base.size))

    def jump(self, j: int, length: float) -> np.ndarray | None:
        """``value(j)`` minus the left limit of ``value(j - 1)`` at the knot (``length`` is segment
        ``j - 1``'s), or None where every input is continuous there."""
        if not self.where.size:
            return None
        step = self.values[j] - (self.values[j - 1] + self.slopes[j - 1] * length)
        if not np.any(step):
            return None
        return km.expand(self.zero, self.where, self.column, step, np.empty(self.base.size))


class Segments:
    """``model`` on the segments ``[seg_times[j], seg_times[j+1])`` of ``[0, t_end]``.

    Attributes mirror :class:`~stochlim.models.LoweredModel` (``seg_times``, ``out_src``,
    ``out_dst``, ``out_edge``, ``out_drive``, ``J_max``, ``rate_law``, ``log_prefactor``); the
    inputs of segment ``j`` come from :meth:`energy`, :meth:`energy_slope`, :meth:`barrier` and
    :meth:`barrier_slope` (energies at the segment's start, linear on it).
    """

    def __init__(self, model: HopModel, t_end: float):
        self.seg_times = model.segment_times(t_end)
        starts = self.seg_times[:-1]
        self._energy = _Inputs(model.energies, starts)
        self._barrier = _Inputs(model.barriers, starts)
        d = model.directed_edges()  # sorted by source, as in LoweredModel
        self.out_src, self.out_dst, self.out_edge = d.src[d.order], d.dst[d.order], d.edge[d.order]
        self.out_drive = d.drive[d.order]
        self.J_max, self.rate_law = model.J_max, model.rate_law
        self.log_prefactor = log_rate_prefactor(model.J_max, model.rate_law)
        self.n_states, self.n_edges = model.n_states, model.n_edges

    @property
    def n_segments(self) -> int:
        return self.seg_times.size - 1

    @property
    def is_piecewise_constant(self) -> bool:
        """No input changes within a segment."""
        return not (self._energy.moving.any() or self._barrier.moving.any())

    def varies(self, j: int) -> bool:
        """Some input changes within segment ``j``."""
        return bool(self._energy.moving[j] or self._barrier.moving[j])

    def energy(self, j: int) -> np.ndarray:
        return self._energy.value(j)

    def energy_slope(self, j: int) -> np.ndarray:
        return self._energy.slope(j)

    def barrier(self, j: int) -> np.ndarray:
        return self._barrier.value(j)

    def barrier_slope(self, j: int) -> np.ndarray:
        return self._barrier.slope(j)

    def energy_end(self, j: int) -> np.ndarray:
        """Energies at the left limit of the end of segment ``j``."""
        return self.energy(j) + self.energy_slope(j) * (self.seg_times[j + 1] - self.seg_times[j])

    def energy_jump(self, j: int) -> np.ndarray | None:
        """How the energies jump where segment ``j > 0`` starts (start of ``j`` minus the left limit
        of ``j - 1``), or None where they are continuous there."""
        return self._energy.jump(j, self.seg_times[j] - self.seg_times[j - 1])
