"""Hopping models: states with time-dependent well energies joined by edges with barriers.

:class:`HopModel` is the validated, physical description (energies and barriers in kT, protocols in
time); :meth:`HopModel.lower` turns it into plain arrays on a grid of time segments in which every
input is linear in time, with the out-edges of each state in CSR form so that one event costs
O(out-degree) in the kernels of :mod:`stochlim.ssa`.

Rates (``physics``, Chen et al. 2026 Eq. 5-7 corrected): a jump ``x -> y`` over barrier ``E0``
sees the bias ``dE_xy = E_x - E_y + f_xy`` (``f_xy`` a non-conservative drive, ``f_yx = -f_xy``) and
has rate ``k_xy = exp(log_hop_rates(E0, dE_xy, rate_law=rate_law)[0])``:

* ``"paper"``: ``k_xy = 2 J_max e^-E0 / (1 + e^(E_y - E_x - f_xy))``;
* ``"arrhenius"``: ``k_xy = J_max e^-(E0 + (E_y - E_x - f_xy) / 2)``.

Both obey local detailed balance ``k_xy / k_yx = exp(E_x - E_y + f_xy)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._budget import check_memory
from ._validation import as_float_array, check_int, check_positive
from .physics import check_rate_law, log_hop_rates_unchecked
from .protocols import Constant, PiecewiseLinear, Protocol, as_protocol

#: Bytes a HopModel built by :func:`ladder`, :func:`ring` or :func:`differential_memory` holds per
#: state: a protocol per well and per edge, the edge tables and the lowered arrays (measured: about
#: 935 B, with a short simulation).
STATE_BYTES = 1024


def _check_states(name: str, n: int) -> int:
    """``n``, after refusing a state count whose model cannot fit in this machine's memory."""
    check_memory(name, n, n * STATE_BYTES, "model's wells, edges and protocols")
    return n


__all__ = [
    "HopModel",
    "LoweredModel",
    "two_state",
    "ladder",
    "ring",
    "differential_memory",
]

#: Largest log-rate (in units of J_max's unit) a lowered model may reach: ``exp`` of it is near
#: float64's largest number. Both engines refuse such rates (:meth:`LoweredModel.rate_overflow`).
MAX_LOG_RATE = 700.0

#: Largest log of (rate x horizon): ``ln 2^52``, beyond which the mean waiting time is below the
#: float64 resolution of times of the order of the horizon.
MAX_LOG_JUMPS = 52 * math.log(2.0)

#: Largest number of time segments :meth:`HopModel.lower` creates when refining for thinning.
MAX_REFINED_SEGMENTS = 1 << 20

#: Thinning splits segments on which rates change so that a segment's rate bound is within this
#: factor (in log) of the rate: at most half of the candidate events are rejected.
THINNING_LOG_SLACK = math.log(2.0)


def refine_grid(grid: np.ndarray, speed: np.ndarray, max_change: float,
                budget: int = MAX_REFINED_SEGMENTS) -> np.ndarray:
    """Split each segment of ``grid`` into equal pieces so that a log-rate changing at most
    ``speed[j]`` per unit time on segment ``j`` changes by at most ``max_change`` on each piece.

    The time refinement of ramps used by every thinning simulator (:meth:`HopModel.lower`,
    :func:`stochlim.lim.run`): it never changes the dynamics, only the rejection rate. At most
    ``budget`` segments are made (the pieces are scaled down proportionally beyond it).
    """
    # counted in floats and capped before the integer cast, so an overflowing change (a protocol
    # varying by ~1e308 kT) takes the budget instead of wrapping to a negative count
    with np.errstate(over="ignore"):
        change = speed * np.diff(grid)
    pieces = np.minimum(np.maximum(1.0, np.ceil(change / max_change)), budget)
    if pieces.sum() > budget:
        pieces = np.maximum(1.0, np.floor(pieces * (budget / pieces.sum())))
    pieces = pieces.astype(np.int64)
    parts = [np.linspace(a, b, k, endpoint=False) for a, b, k in zip(grid[:-1], grid[1:], pieces)]
    return np.concatenate(parts + [grid[-1:]])


def _protocols(name: str, value, count: int | None) -> tuple[Protocol, ...]:
    """A tuple of protocols from a number, a protocol or a sequence of them."""
    if isinstance(value, Protocol) or np.ndim(value) == 0 and not isinstance(value, (list, tuple)):
        items = [value] if count is None else [value] * count
    else:
        items = list(value)
        if count is not None and len(items) == 1:
            items = items * count
    out = tuple(as_protocol(f"{name}[{i}]", v) for i, v in enumerate(items))
    if count is not None and len(out) != count:
        raise ValueError(f"{name} must have one entry per edge ({count}) or a single entry: got {len(out)}")
    return out


def _check_edges(edges, n_states: int) -> np.ndarray:
    arr = np.asarray(edges)
    if arr.size == 0:
        return np.empty((0, 2), dtype=np.int64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"edges must be a sequence of (x, y) pairs: got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.integer):
        as_float = as_float_array("edges", arr)
        if np.any(as_float != np.floor(as_float)):
            raise ValueError("edges must hold integer state indices")
        arr = as_float.astype(np.int64)
    arr = arr.astype(np.int64)
    bad = (arr < 0) | (arr >= n_states)
    if bad.any():
        i = int(np.argwhere(bad)[0][0])
        raise ValueError(
            f"edges[{i}] = {tuple(arr[i].tolist())} names a missing state: states are 0..{n_states - 1}"
        )
    loops = arr[:, 0] == arr[:, 1]
    if loops.any():
        i = int(np.argmax(loops))
        raise ValueError(f"edges[{i}] = {tuple(arr[i].tolist())} is a self-loop")
    key = np.sort(arr, axis=1)
    _, first, counts = np.unique(key, axis=0, return_index=True, return_counts=True)
    if np.any(counts > 1):
        dup = key[first[np.argmax(counts > 1)]]
        where = np.flatnonzero(np.all(key == dup, axis=1))
        raise ValueError(
            f"edges holds a duplicate edge {tuple(dup.tolist())} at indices {where.tolist()} "
            "(edges are undirected: (x, y) and (y, x) are the same edge)"
        )
    return arr


@dataclass(frozen=True, eq=False)
class HopModel:
    """A thermally activated hopping model with time-dependent energies and barriers.

    Parameters
    ----------
    energies : sequence of float or Protocol
        Well energy of each state ``0 .. S-1`` in kT, a number or a protocol of time.
    edges : sequence of (int, int)
        Undirected edges; each allows jumps both ways. No self-loops or duplicates.
    barriers : float, Protocol or sequence of them
        Barrier ``E0`` of each edge in kT (one entry per edge, or one shared by all), measured from
        the mean of the two well energies.
    J_max : float, optional
        Attempt rate, > 0. Rates come out in its unit and times (protocol knots, ``t_end``) are in
        the inverse unit: with ``J_max = 1`` time is measured in units of ``1 / J_max``.
    rate_law : {"paper", "arrhenius"}, optional
        Rate law from :mod:`stochlim.physics` (Eq. 5-7 or Arrhenius).
    drives : float or sequence of float, optional
        Non-conservative force ``f`` per edge in kT for the jump ``x -> y`` as the edge is written
        (the reverse jump gets ``-f``); it is work done on the system at every such jump.

    Raises
    ------
    ValueError
        If ``energies`` is empty; if ``edges`` is not a sequence of ``(x, y)`` pairs of existing,
        integer state indices, holds a self-loop or a duplicate edge; if ``barriers`` has neither
        one entry per edge nor a single one; if ``J_max`` is not a single positive number; if
        ``rate_law`` is unknown.

    Examples
    --------
    >>> m = HopModel([0.0, 1.0], [(0, 1)], 2.0)
    >>> m.n_states, m.n_edges
    (2, 1)
    >>> k = m.rates(0.0)
    >>> round(float(np.log(k[0, 1] / k[1, 0])), 6)   # local detailed balance: E_0 - E_1
    -1.0
    >>> np.round(m.equilibrium(), 6)
    array([0.731059, 0.268941])
    """

    energies: tuple
    edges: np.ndarray
    barriers: tuple
    J_max: float = 1.0
    rate_law: str = "paper"
    drives: np.ndarray | None = None

    def __post_init__(self):
        energies = _protocols("energies", self.energies, None)
        if len(energies) == 0:
            raise ValueError("energies must name at least one state")
        edges = _check_edges(self.edges, len(energies))
        barriers = _protocols("barriers", self.barriers, edges.shape[0])
        jmax = check_positive("J_max", self.J_max)
        if jmax.ndim != 0:
            raise ValueError("J_max must be a single number")
        check_rate_law(self.rate_law)
        if self.drives is None:
            drives = np.zeros(edges.shape[0])
        else:
            drives = np.broadcast_to(as_float_array("drives", self.drives), (edges.shape[0],)).copy()
        edges.flags.writeable = False
        drives.flags.writeable = False
        object.__setattr__(self, "energies", energies)
        object.__setattr__(self, "edges", edges)
        object.__setattr__(self, "barriers", barriers)
        object.__setattr__(self, "J_max", float(jmax))
        object.__setattr__(self, "drives", drives)

    @property
    def n_states(self) -> int:
        """Number of states ``S``.

        Examples
        --------
        >>> ladder(5, 2.0).n_states
        5
        """
        return len(self.energies)

    @property
    def n_edges(self) -> int:
        """Number of undirected edges.

        Examples
        --------
        >>> ladder(5, 2.0).n_edges   # a chain of 5 states has 4 edges
        4
        """
        return self.edges.shape[0]

    def energy(self, t):
        """Well energies of all states at time ``t``, in kT.

        Parameters
        ----------
        t : float or array_like
            Time or times, in units of ``1 / J_max``.

        Returns
        -------
        ndarray
            Shape ``(S,)`` for a scalar ``t``, ``(len(t), S)`` for an array.

        Raises
        ------
        TypeError
            If ``t`` is not a real number or an array of them.
        ValueError
            If ``t`` is empty, NaN or infinite.

        Examples
        --------
        >>> driven_bit().energy(1.0)   # well 1 halfway up its ramp from 0 to 2 kT
        array([0., 1.])
        """
        t = as_float_array("t", t)
        out = np.empty(t.shape + (self.n_states,))
        evaluated = {}  # each distinct protocol once; constants without a call
        for x, p in enumerate(self.energies):
            if isinstance(p, Constant):
                out[..., x] = p.value
            else:
                if id(p) not in evaluated:
                    evaluated[id(p)] = p(t)
                out[..., x] = evaluated[id(p)]
        return out

    @classmethod
    def from_rates(cls, edges, forward, backward, *, n_states=None, J_max=1.0, rate_law="paper") -> "HopModel":
        """The model with the given hop rates: energies, barriers and drives derived from them.

        For users who think in rates. Each edge ``(x, y)`` gets the bias ``ln(k+ / k-)`` and the
        barrier that ``rate_law`` needs to give both rates (``E0 = ln(2 J_max / (k+ + k-))`` for
        ``"paper"``, ``ln J_max - ln(k+ k-) / 2`` for ``"arrhenius"``); the biases are split into
        well energies along a spanning tree and drives on the other edges, so a cycle whose rates
        break detailed balance (``prod k+ != prod k-``) becomes a drive equal to its affinity
        (Schnakenberg 1976). :meth:`rates` gives the rates back.

        Parameters
        ----------
        edges : sequence of (int, int)
            Undirected edges, as for :class:`HopModel`.
        forward, backward : float, Protocol or sequence of them
            Rates ``x -> y`` and ``y -> x`` of each edge as written (one for all edges, or one per
            edge), > 0, in the unit of ``J_max``: numbers or step protocols
            (:class:`~stochlim.protocols.PiecewiseConstant`) of time. A cycle's affinity must not
            change in time (drives are constant).
        n_states : int, optional
            Number of states (default: the largest index in ``edges`` plus one).
        J_max, rate_law
            As for :class:`HopModel`; they set the barriers, not the rates.

        Returns
        -------
        HopModel
            The model whose :meth:`rates` are ``forward`` and ``backward`` on each edge.

        Raises
        ------
        ValueError
            If ``edges`` is empty and ``n_states`` is not given, if ``n_states`` is not a positive
            integer, if ``edges`` is invalid (as for :class:`HopModel`), or if a rate is not
            positive or a cycle's affinity changes in time.

        Examples
        --------
        >>> m = HopModel.from_rates([(0, 1), (1, 2), (2, 0)], forward=2.0, backward=0.5)
        >>> round(float(sum(m.drives)), 6)   # the cycle's affinity, 3 ln(2 / 0.5)
        4.158883
        >>> bool(np.allclose(m.rates(0.0)[0, 1], 2.0) and np.allclose(m.rates(0.0)[1, 0], 0.5))
        True
        """
        from ._rate_inversion import invert_rates

        raw = np.asarray(edges)
        if n_states is None:
            if raw.size == 0:
                raise ValueError("n_states is needed when edges is empty")
            n_states = int(np.max(raw)) + 1
        n = check_int("n_states", n_states, minimum=1)
        checked = _check_edges(edges, n)
        energies, barriers, drives = invert_rates(checked, n, forward, backward, J_max=J_max, rate_law=rate_law)
        return cls(energies, checked, barriers, J_max=J_max, rate_law=rate_law, drives=drives)

    def equilibrium(self, t=0.0) -> np.ndarray:
        """Boltzmann law ``p_x = exp(-E_x(t)) / sum_y exp(-E_y(t))`` of the energies at ``t``.

        The stationary law of the frozen rates at ``t`` when the drives vanish (local detailed
        balance); the default start law of :func:`stochlim.simulate`. Computed with the minimum
        energy subtracted, so any finite energies are safe.

        Parameters
        ----------
        t : float or array_like, optional
            Time or times (default 0).

        Returns
        -------
        ndarray
            Probabilities, shape ``(S,)`` for a scalar ``t``, ``(len(t), S)`` for an array.

        Examples
        --------
        >>> np.round(two_state(1.0, energies=(0.0, 1000.0)).equilibrium(), 6)
        array([1., 0.])
        """
        e = self.energy(t)
        w = np.exp(-(e - e.min(axis=-1, keepdims=True)))
        return w / w.sum(axis=-1, keepdims=True)

    def rates(self, t) -> np.ndarray:
        """Rate matrix ``k[x, y]`` at time ``t`` (0 where there is no edge), for inspection.

        Parameters
        ----------
        t : float
            Time, in units of ``1 / J_max``.

        Returns
        -------
        ndarray, shape (S, S)
            ``k[x, y]``: rate of the jump ``x -> y`` in the unit of ``J_max``.

        Examples
        --------
        >>> k = two_state(0.0, rate_law="arrhenius").rates(0.0)
        >>> k.tolist()
        [[0.0, 1.0], [1.0, 0.0]]
        """
        e = self.energy(float(t))
        k = np.zeros((self.n_states, self.n_states))
        for i, (x, y) in enumerate(self.edges):
            e0 = self.barriers[i](float(t))
            de = e[x] - e[y] + self.drives[i]
            fwd, bwd = log_hop_rates_unchecked(e0, de, math.log(self.J_max), self.rate_law)
            k[x, y], k[y, x] = math.exp(fwd), math.exp(bwd)
        return k

    def reversed(self, t_end: float) -> "HopModel":
        """The time-reversed model on ``[0, t_end]``: every energy and barrier ``p(t_end - t)``.

        The reverse protocol of the Crooks fluctuation theorem (Crooks 1999, PRE 60 2721): drives,
        edges, ``J_max`` and ``rate_law`` are kept (a drive is a force, not a velocity, so it keeps
        its sign), and started in equilibrium at the forward end its work obeys
        ``P_F(W) / P_R(-W) = exp(W - dF)``. Steps of piecewise-constant protocols move to the
        mirrored times; only the values exactly at knots differ (see
        :meth:`~stochlim.protocols.PiecewiseConstant.reversed`).

        Parameters
        ----------
        t_end : float
            End of the forward protocol, > 0.

        Returns
        -------
        HopModel
            A new model; this one is unchanged.

        Raises
        ------
        TypeError, ValueError
            If ``t_end`` is not a positive number.

        Examples
        --------
        >>> m = driven_bit()                 # well 1 lifted from 0 to 2 kT over [0, 2]
        >>> m.reversed(2.0).energy(0.5)      # lowered from 2 to 0 kT: 1.5 kT at t = 0.5
        array([0. , 1.5])
        """
        t_end = float(check_positive("t_end", t_end))
        return HopModel(tuple(p.reversed(t_end) for p in self.energies), self.edges,
                        tuple(p.reversed(t_end) for p in self.barriers), J_max=self.J_max,
                        rate_law=self.rate_law, drives=self.drives)

    def _all_protocols(self):
        return self.energies + self.barriers

    def lower(self, t_end: float, *, max_log_rate_change: float | None = None) -> "LoweredModel":
        """Plain arrays on ``[0, t_end]`` cut into segments where every input is linear in time.

        The segment edges are 0, ``t_end`` and every protocol knot in between. With
        ``max_log_rate_change`` the segments are further split (up to ``MAX_REFINED_SEGMENTS``) so
        that no log-rate bound changes by more than that within one, which keeps the acceptance of
        thinning high; splitting never changes the model.

        Parameters
        ----------
        t_end : float
            Horizon, > 0.
        max_log_rate_change : float, optional
            Largest change of any log-rate bound within one segment, > 0 (default: no splitting).

        Returns
        -------
        LoweredModel
            The model's arrays on the segments.

        Raises
        ------
        ValueError
            If ``t_end`` or ``max_log_rate_change`` is not positive.

        Examples
        --------
        >>> driven_bit().lower(3.0, max_log_rate_change=0.25).n_segments   # the ramp split up
        9
        >>> driven_bit().lower(3.0).n_segments   # the ramp [0, 2] and the plateau [2, 3]
        2
        """
        grid = self.segment_times(t_end)
        if max_log_rate_change is not None:
            grid = self._refine(grid, float(max_log_rate_change))
        return self._lower_on(grid)

    def segment_times(self, t_end: float) -> np.ndarray:
        """0, every protocol knot in ``(0, t_end)`` and ``t_end``, sorted (each protocol read once).

        Parameters
        ----------
        t_end : float
            Horizon, > 0.

        Returns
        -------
        ndarray
            The segment edges, increasing.

        Raises
        ------
        ValueError
            If ``t_end`` is not positive.

        Examples
        --------
        >>> driven_bit().segment_times(3.0)
        array([0., 2., 3.])
        """
        t_end = float(check_positive("t_end", t_end))
        distinct = {id(p): p for p in self._all_protocols()}.values()
        inner = np.concatenate([np.empty(0)] + [p.knots for p in distinct])
        inner = inner[(inner > 0.0) & (inner < t_end)]
        return np.unique(np.concatenate(([0.0, t_end], inner)))

    def directed_edges(self) -> "DirectedEdges":
        """The ``2 m`` directed edges: ``d = e`` is ``edges[e]`` as written, ``d = e + m`` its reverse.

        One home for the directed-edge structure: :meth:`lower` sorts it by source into CSR form
        (``order``, ``out_ptr``) for the simulators, the master equation uses it as it is.

        Returns
        -------
        DirectedEdges
            ``src``, ``dst``, ``edge``, ``sign``, ``drive`` per directed edge, and ``order`` and
            ``out_ptr`` of the CSR form.

        Examples
        --------
        >>> d = ladder(3, 2.0).directed_edges()   # edges (0, 1), (1, 2) and their reverses
        >>> d.src.tolist(), d.dst.tolist(), d.sign.tolist()
        ([0, 1, 1, 2], [1, 2, 0, 1], [1.0, 1.0, -1.0, -1.0])
        >>> d.out_ptr.tolist()   # state 1 has two out-edges
        [0, 1, 3, 4]
        """
        m = self.n_edges
        src = np.concatenate((self.edges[:, 0], self.edges[:, 1])).astype(np.int64)
        dst = np.concatenate((self.edges[:, 1], self.edges[:, 0])).astype(np.int64)
        edge = np.concatenate((np.arange(m), np.arange(m))).astype(np.int64)
        out_ptr = np.zeros(self.n_states + 1, dtype=np.int64)
        np.add.at(out_ptr, src + 1, 1)
        return DirectedEdges(
            src=src, dst=dst, edge=edge, sign=np.concatenate((np.ones(m), -np.ones(m))),
            drive=np.concatenate((self.drives, -self.drives)).astype(np.float64),
            order=np.lexsort((edge, src)), out_ptr=np.cumsum(out_ptr),
        )

    def _lower_on(self, grid: np.ndarray) -> "LoweredModel":
        starts = grid[:-1]
        energy = np.stack([p._value(starts) for p in self.energies], axis=1)
        energy_slope = np.stack([p._slope(starts) for p in self.energies], axis=1)
        m = self.n_edges
        if m:
            barrier = np.stack([p._value(starts) for p in self.barriers], axis=1)
            barrier_slope = np.stack([p._slope(starts) for p in self.barriers], axis=1)
        else:
            barrier = barrier_slope = np.zeros((starts.size, 0))
        d = self.directed_edges()
        return LoweredModel(
            seg_times=grid,
            energy=np.ascontiguousarray(energy),
            energy_slope=np.ascontiguousarray(energy_slope),
            barrier=np.ascontiguousarray(barrier),
            barrier_slope=np.ascontiguousarray(barrier_slope),
            out_ptr=d.out_ptr,
            out_src=d.src[d.order],
            out_dst=d.dst[d.order],
            out_edge=d.edge[d.order],
            out_drive=d.drive[d.order],
            J_max=self.J_max,
            rate_law=self.rate_law,
        )

    def _refine(self, grid: np.ndarray, max_change: float) -> np.ndarray:
        if not max_change > 0:
            raise ValueError(f"max_log_rate_change must be positive: got {max_change!r}")
        coarse = self._lower_on(grid)
        # |d/dt log k| <= |dE0/dt| + |d(dE)/dt| for both laws
        speed = np.abs(coarse.barrier_slope[:, coarse.out_edge]) + np.abs(coarse.bias_slope())
        return refine_grid(grid, speed.max(axis=1) if speed.shape[1] else np.zeros(grid.size - 1), max_change)


class DirectedEdges(NamedTuple):
    """Directed edges of a :class:`HopModel` (see :meth:`HopModel.directed_edges`).

    ``src, dst, edge`` (int64), ``sign`` (+1 as written, -1 reversed) and ``drive`` (the drive of
    the jump ``src -> dst``) per directed edge; ``order`` sorts them by source and ``out_ptr``
    delimits the out-edges of each state in that order (CSR).
    """

    src: np.ndarray
    dst: np.ndarray
    edge: np.ndarray
    sign: np.ndarray
    drive: np.ndarray
    order: np.ndarray
    out_ptr: np.ndarray


@dataclass(frozen=True, eq=False)
class LoweredModel:
    """A :class:`HopModel` as plain arrays on time segments ``[seg_times[j], seg_times[j+1])``.

    On segment ``j`` the energy of state ``x`` is ``energy[j, x] + energy_slope[j, x] (t -
    seg_times[j])`` and likewise for the barrier of edge ``e``. Directed edges ``d`` are sorted by
    source: the out-edges of ``x`` are ``out_ptr[x] .. out_ptr[x+1]-1``, going to ``out_dst[d]``
    over undirected edge ``out_edge[d]`` with drive ``out_drive[d]``.

    Made by :meth:`HopModel.lower`, which validates the model; the constructor itself checks
    nothing and is not meant to be called by users.

    Parameters
    ----------
    seg_times : ndarray, shape (J + 1,)
        Segment edges, increasing, from 0 to the horizon.
    energy, energy_slope : ndarray, shape (J, S)
        Well energies (kT) at the start of each segment and their time derivatives.
    barrier, barrier_slope : ndarray, shape (J, m)
        Edge barriers (kT) at the start of each segment and their time derivatives.
    out_ptr : ndarray, shape (S + 1,)
        CSR pointers of the out-edges of each state.
    out_src, out_dst, out_edge : ndarray, shape (2 m,)
        Source, target and undirected edge of each directed edge, sorted by source.
    out_drive : ndarray, shape (2 m,)
        Drive of each directed edge in kT.
    J_max : float
        Attempt rate.
    rate_law : {"paper", "arrhenius"}
        Rate law.

    Examples
    --------
    >>> lowered = two_state(2.0, energies=(0.0, 1.0)).lower(1.0)
    >>> lowered.n_segments, lowered.log_rates().shape
    (1, (1, 2))
    >>> bool(lowered.is_piecewise_constant)
    True
    """

    seg_times: np.ndarray
    energy: np.ndarray
    energy_slope: np.ndarray
    barrier: np.ndarray
    barrier_slope: np.ndarray
    out_ptr: np.ndarray
    out_src: np.ndarray
    out_dst: np.ndarray
    out_edge: np.ndarray
    out_drive: np.ndarray
    J_max: float
    rate_law: str

    @property
    def n_segments(self) -> int:
        """Number of time segments.

        Examples
        --------
        >>> driven_bit().lower(5.0).n_segments   # the ramp [0, 2] and the plateau [2, 5]
        2
        """
        return self.seg_times.size - 1

    def bias(self, at: str = "start") -> np.ndarray:
        """``dE_d = E_x - E_y + f`` of every directed edge at the start or end of each segment.

        Parameters
        ----------
        at : {"start", "end"}, optional
            Where in each segment (the end is the left limit).

        Returns
        -------
        ndarray, shape (n_segments, 2 m)
            Bias in kT of each directed edge, in the order of ``out_src``.

        Examples
        --------
        >>> lowered = driven_bit().lower(3.0)   # well 1 from 0 to 2 kT over [0, 2]
        >>> lowered.bias("end").tolist()   # jumps 0 -> 1 and 1 -> 0
        [[-2.0, 2.0], [-2.0, 2.0]]
        """
        e = self.energy if at == "start" else self.energy_end()
        return e[:, self.out_src] - e[:, self.out_dst] + self.out_drive

    def bias_slope(self) -> np.ndarray:
        """Time derivative of ``dE_d`` on each segment.

        Returns
        -------
        ndarray, shape (n_segments, 2 m)
            ``d dE_d / dt`` in kT per unit time.

        Examples
        --------
        >>> driven_bit().lower(3.0).bias_slope().tolist()   # -1 kT per unit time on the ramp
        [[-1.0, 1.0], [0.0, 0.0]]
        """
        return self.energy_slope[:, self.out_src] - self.energy_slope[:, self.out_dst]

    def energy_end(self) -> np.ndarray:
        """Energies at the (left limit of the) end of each segment.

        Returns
        -------
        ndarray, shape (n_segments, S)
            Well energies in kT.

        Examples
        --------
        >>> driven_bit().lower(3.0).energy_end().tolist()
        [[0.0, 2.0], [0.0, 2.0]]
        """
        return self.energy + self.energy_slope * np.diff(self.seg_times)[:, None]

    def barrier_at(self, at: str = "start") -> np.ndarray:
        """Barrier of every directed edge at the start or end of each segment.

        Parameters
        ----------
        at : {"start", "end"}, optional
            Where in each segment (the end is the left limit).

        Returns
        -------
        ndarray, shape (n_segments, 2 m)
            Barrier ``E0`` in kT of each directed edge (both directions of an edge share it).

        Examples
        --------
        >>> from stochlim.protocols import PiecewiseLinear
        >>> two_state(PiecewiseLinear([0.0, 1.0], [3.0, 1.0])).lower(1.0).barrier_at("end").tolist()
        [[1.0, 1.0]]
        """
        b = self.barrier
        if at == "end":
            b = b + self.barrier_slope * np.diff(self.seg_times)[:, None]
        return b[:, self.out_edge]

    def _log_fwd(self, e0: np.ndarray, de: np.ndarray) -> np.ndarray:
        if e0.size == 0:  # no edges: every state is absorbing
            return np.zeros(e0.shape)
        return log_hop_rates_unchecked(e0, de, math.log(self.J_max), self.rate_law)[0]

    def log_rates(self, at: str = "start") -> np.ndarray:
        """Log-rates of every directed edge at the start or end of each segment.

        Parameters
        ----------
        at : {"start", "end"}, optional
            Where in each segment (the end is the left limit).

        Returns
        -------
        ndarray, shape (n_segments, 2 m)
            Natural log of each directed edge's rate, in the unit of ``J_max``.

        Examples
        --------
        >>> lowered = two_state(2.0, rate_law="arrhenius").lower(1.0)
        >>> bool(np.allclose(lowered.log_rates(), -2.0))   # J_max e^-E0 at zero bias
        True
        """
        return self._log_fwd(self.barrier_at(at), self.bias(at))

    @property
    def is_piecewise_constant(self) -> bool:
        """No input changes within a segment.

        Examples
        --------
        >>> two_state(2.0).lower(1.0).is_piecewise_constant, driven_bit().lower(1.0).is_piecewise_constant
        (True, False)
        """
        return not (np.any(self.energy_slope) or np.any(self.barrier_slope))

    @property
    def is_exp_linear(self) -> bool:
        """Every log-rate is linear in time within each segment (rates exponential in ``t``).

        True for the Arrhenius law with piecewise-linear inputs; for the paper law only when no bias
        changes within a segment (only barriers move).

        Examples
        --------
        >>> driven_bit(rate_law="arrhenius").lower(1.0).is_exp_linear
        True
        >>> driven_bit(rate_law="paper").lower(1.0).is_exp_linear   # the bias moves: tanh in t
        False
        """
        return self.rate_law == "arrhenius" or not np.any(self.bias_slope())

    def log_rate_slope(self) -> np.ndarray:
        """``d log k_d / dt`` on each segment; exact where :attr:`is_exp_linear` holds.

        Returns
        -------
        ndarray, shape (n_segments, 2 m)
            Slope of each directed log-rate, per unit time.

        Examples
        --------
        >>> driven_bit(rate_law="arrhenius").lower(3.0).log_rate_slope().tolist()
        [[-0.5, 0.5], [0.0, 0.0]]
        """
        return -self.barrier_slope[:, self.out_edge] + 0.5 * self.bias_slope()

    @staticmethod
    def rate_overflow(log_rates, horizon: float, what: str = "rate") -> str | None:
        """Why ``log_rates`` are refused over a horizon of ``horizon`` time units, or ``None``.

        The one rule for :func:`stochlim.simulate` (which raises ``ValueError`` with this message)
        and :func:`stochlim.solve_master` (which reports it as a failed solve): a log-rate above
        ``MAX_LOG_RATE`` (``exp`` and the products of rates with energies near overflow), or
        one that makes ``rate x horizon`` exceed ``exp(MAX_LOG_JUMPS)`` = 2^52 expected jumps: the
        mean waiting time is then below float64's resolution of the horizon, so a trajectory cannot
        advance and the exact propagators, which square ``log2(rate x horizon)`` times, lose every
        digit.

        Parameters
        ----------
        log_rates : float or array_like
            Log-rates (or log-rate bounds) in the unit of ``J_max``.
        horizon : float
            Length of the time window, > 0.
        what : str, optional
            What the rates are, for the message.

        Returns
        -------
        str or None
            The reason for refusing, or ``None`` when the rates are safe.

        Examples
        --------
        >>> LoweredModel.rate_overflow([0.0, 2.0], horizon=10.0) is None
        True
        >>> LoweredModel.rate_overflow([40.0], horizon=10.0)[:33]
        'a rate reaches exp(40.0) per unit'
        """
        if isinstance(log_rates, float):  # one number, on the master equation's path per segment
            top = log_rates
        else:
            top = float(np.max(log_rates)) if np.size(log_rates) else -np.inf
        jumps = top + math.log(horizon)
        if top <= MAX_LOG_RATE and jumps <= MAX_LOG_JUMPS:
            return None
        def exponent(x):  # one decimal, but not 300 digits for a barrier of -1e308
            return f"{x:.1f}" if abs(x) < 1e9 else f"{x:.4g}"

        return (f"a {what} reaches exp({exponent(top)}) per unit time, exp({exponent(jumps)}) jumps over "
                f"{horizon:g} time units: beyond float64's resolution of waiting times "
                f"(MAX_LOG_RATE = {MAX_LOG_RATE:g}, MAX_LOG_JUMPS = {MAX_LOG_JUMPS:.2f}); the barrier is too low "
                "for the bias (raise the barrier or the unit of time)")

    def log_rate_bound(self) -> np.ndarray:
        """Upper bound of each directed log-rate over each segment.

        Both laws increase with the bias and decrease with the barrier, each of which is linear in
        time on a segment, so ``log k(min E0, max dE)`` over the segment's two ends bounds it.

        Returns
        -------
        ndarray, shape (n_segments, 2 m)
            Upper bound of each directed log-rate on each segment.

        Examples
        --------
        >>> lowered = driven_bit(rate_law="arrhenius").lower(3.0)   # barrier 0.5, bias 0 -> -2
        >>> bool(np.all(lowered.log_rate_bound() >= np.maximum(lowered.log_rates("start"),
        ...                                                      lowered.log_rates("end"))))
        True
        >>> np.round(lowered.log_rate_bound(), 6).tolist()
        [[-0.5, 0.5], [-1.5, 0.5]]
        """
        e0 = np.minimum(self.barrier_at("start"), self.barrier_at("end"))
        de = np.maximum(self.bias("start"), self.bias("end"))
        return self._log_fwd(e0, de)


# --- convenience constructors ---------------------------------------------------------------------


def two_state(barrier, *, energies=(0.0, 0.0), drive=0.0, J_max=1.0, rate_law="paper") -> HopModel:
    """Two wells ``0`` and ``1`` joined by one barrier: a single thermally activated bit.

    Parameters
    ----------
    barrier : float or Protocol
        Barrier ``E0`` in kT from the mean of the two well energies.
    energies : (float or Protocol, float or Protocol), optional
        Energies of wells 0 and 1 in kT; the bias of the jump ``0 -> 1`` is ``E_0 - E_1``.
    drive, J_max, rate_law
        As for :class:`HopModel`.

    Returns
    -------
    HopModel
        The two-state model with edge ``(0, 1)``.

    Raises
    ------
    ValueError
        If ``energies`` does not hold two entries, or as for :class:`HopModel`.

    Examples
    --------
    >>> m = two_state(2.0, energies=(0.0, 1.0))
    >>> np.round(m.rates(0.0), 6)   # k[0, 1] uphill, k[1, 0] downhill, per unit of 1 / J_max
    array([[0.      , 0.072795],
           [0.197876, 0.      ]])
    """
    if len(energies) != 2:
        raise ValueError(f"energies must hold two entries for two_state: got {len(energies)}")
    return HopModel(tuple(energies), [(0, 1)], barrier, J_max=J_max, rate_law=rate_law, drives=drive)


def driven_bit(barrier=0.5, *, duration=2.0, lift=(0.0, 2.0), J_max=1.0, rate_law="paper") -> HopModel:
    """The driven two-level system: :func:`two_state` with well 1 ramped linearly in time.

    Well 0 stays at 0 kT; well 1 goes from ``lift[0]`` to ``lift[1]`` kT over ``[0, duration]``
    and stays there. The standard small nonequilibrium model of the fluctuation theorems
    (``stochlim verify``, :mod:`stochlim.thermo`): ``lift=(2.0, 0.0)`` is its time reverse.

    Parameters
    ----------
    barrier : float or Protocol, optional
        Barrier ``E0`` in kT.
    duration : float, optional
        Ramp time, > 0.
    lift : (float, float), optional
        Energy of well 1 at ``t = 0`` and at ``t = duration``, in kT.
    J_max, rate_law
        As for :class:`HopModel`.
    """
    duration = float(check_positive("duration", duration))
    if len(lift) != 2:
        raise ValueError(f"lift must be (start, end) energies of well 1: got {len(lift)} entries")
    ramp = PiecewiseLinear([0.0, duration], lift)
    return two_state(barrier, energies=(0.0, ramp), J_max=J_max, rate_law=rate_law)


def ladder(n_levels, energy, barriers=0.0, *, J_max=1.0, rate_law="paper") -> HopModel:
    """A quantised analog memory: levels ``0`` to ``n-1`` with nearest-neighbour hops.

    Parameters
    ----------
    n_levels : int
        Number of levels, >= 2.
    energy : callable, sequence or float
        Level energies in kT: a function of the level index array (e.g. ``lambda i: 0.02 * (i -
        50) ** 2``), one entry (number or protocol) per level, or one number for all.
    barriers : float, Protocol or sequence
        Barrier of each of the ``n - 1`` edges ``(i, i+1)``, or one for all.
    J_max, rate_law
        As for :class:`HopModel`.

    Returns
    -------
    HopModel
        The ladder with edges ``(i, i+1)``.

    Raises
    ------
    TypeError
        If ``n_levels`` is not an integer.
    ValueError
        If ``n_levels < 2``, or as for :class:`HopModel`.
    MemoryError
        If the model of ``n_levels`` states would not fit in this machine's memory
        (about 1 kB per state).

    Examples
    --------
    >>> m = ladder(5, lambda i: 0.5 * (i - 2) ** 2, barriers=3.0)
    >>> m.n_states, m.n_edges
    (5, 4)
    >>> np.round(m.equilibrium(), 4)
    array([0.0545, 0.2442, 0.4026, 0.2442, 0.0545])
    """
    n = _check_states("n_levels", check_int("n_levels", n_levels, minimum=2))
    if callable(energy) and not isinstance(energy, Protocol):
        energies = tuple(float(v) for v in np.broadcast_to(energy(np.arange(n)), (n,)))
    elif isinstance(energy, Protocol) or np.ndim(energy) == 0 and not isinstance(energy, (list, tuple)):
        energies = (energy,) * n
    else:
        energies = tuple(energy)
    edges = [(i, i + 1) for i in range(n - 1)]
    return HopModel(energies, edges, barriers, J_max=J_max, rate_law=rate_law)


def ring(n_states, energies=0.0, barriers=0.0, *, drive=0.0, J_max=1.0, rate_law="paper") -> HopModel:
    """States ``0`` to ``n-1`` on a cycle with edges ``(i, i+1 mod n)``.

    A drive ``f`` on every edge pushes the system around the cycle: with equal energies the
    steady state is uniform yet carries a current, releasing ``f`` kT per net step forward.

    Parameters
    ----------
    n_states : int
        Number of states, >= 3.
    energies : float, Protocol or sequence of them, optional
        Well energies in kT: one per state, or one for all.
    barriers : float, Protocol or sequence of them, optional
        Barrier of each edge ``(i, i+1 mod n)``, or one for all.
    drive : float or sequence of float, optional
        Drive ``f`` in kT of each forward jump ``i -> i+1 mod n``.
    J_max, rate_law
        As for :class:`HopModel`.

    Returns
    -------
    HopModel
        The ring.

    Raises
    ------
    TypeError
        If ``n_states`` is not an integer.
    ValueError
        If ``n_states < 3``, or as for :class:`HopModel`.
    MemoryError
        If the model of ``n_states`` states would not fit in this machine's memory
        (about 1 kB per state).

    Examples
    --------
    >>> m = ring(3, drive=1.0)
    >>> m.edges.tolist()
    [[0, 1], [1, 2], [2, 0]]
    >>> k = m.rates(0.0)
    >>> round(float(k[0, 1] / k[1, 0]), 6)   # e^f
    2.718282
    """
    n = _check_states("n_states", check_int("n_states", n_states, minimum=3))
    if isinstance(energies, Protocol) or np.ndim(energies) == 0 and not isinstance(energies, (list, tuple)):
        energies = (energies,) * n
    edges = [(i, (i + 1) % n) for i in range(n)]
    return HopModel(tuple(energies), edges, barriers, J_max=J_max, rate_law=rate_law, drives=drive)


def differential_memory(n_levels, barrier, bias, *, J_max=1.0, rate_law="paper") -> HopModel:
    """The biased walk of a differential memory (Fig. 2D): each step up releases ``bias`` kT.

    Level ``i`` (the stored difference, ``0 .. n-1``) has energy ``-bias * (i - c)`` with ``c =
    (n - 1) / 2``, so every hop ``i -> i+1`` runs down a bias ``dE`` over the barrier ``E0`` and,
    away from the ends, the mean net hop rate is Eq. 7, ``2 J_max e^-E0 tanh(dE/2)`` (paper law),
    or ``2 J_max e^-E0 sinh(dE/2)`` (Arrhenius). Start in the middle (``x0 = n_levels // 2``) and
    keep ``n_levels`` large against the number of steps to avoid the ends.

    Parameters
    ----------
    n_levels : int
        Number of levels, >= 2.
    barrier : float or Protocol
        Barrier ``E0`` in kT, shared by all edges.
    bias : float or Protocol
        Bias ``dE`` per step in kT (e.g. from :func:`stochlim.protocols.schedule_protocols`).
    J_max, rate_law
        As for :class:`HopModel`.

    Returns
    -------
    HopModel
        A :func:`ladder` of ``n_levels`` levels.

    Raises
    ------
    TypeError
        If ``n_levels`` is not an integer.
    ValueError
        If ``n_levels < 2``, or as for :class:`HopModel`.
    MemoryError
        If the model of ``n_levels`` states would not fit in this machine's memory
        (about 1 kB per state).

    Examples
    --------
    >>> m = differential_memory(11, barrier=5.0, bias=1.0)
    >>> k = m.rates(0.0)
    >>> bool(np.isclose(k[5, 6] - k[6, 5], 2 * np.exp(-5.0) * np.tanh(0.5)))   # Eq. 7
    True
    """
    n = _check_states("n_levels", check_int("n_levels", n_levels, minimum=2))
    c = 0.5 * (n - 1)
    bias_p = as_protocol("bias", bias)
    energies = tuple(bias_p.scaled(-(i - c)) for i in range(n))
    return ladder(n, energies, barrier, J_max=J_max, rate_law=rate_law)
