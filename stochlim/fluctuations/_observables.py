"""Trajectory observables as per-jump increments, per-state rates and boundary terms.

Every observable ``X`` of :mod:`stochlim.fluctuations` is additive along a trajectory of a
:class:`~stochlim.models.HopModel`:

* a jump along the directed edge ``d`` (``x -> y``) at time ``t`` adds ``a_d(t)``;
* while in state ``x`` it grows at the rate ``b_x(t)``;
* at a protocol knot where the energies jump by ``DE`` it adds ``DE_x`` (work only);
* it may carry an initial term ``c0_x`` (function of the start state) and a final term ``c1_x(t)``
  (function of the state at the output time).

=========================  ======================  ==========  =====================================
observable                 ``a_d``                 ``b_x``     boundary terms
=========================  ======================  ==========  =====================================
``"work"``                 drive ``f_d``           ``dE_x/dt``  knot jumps ``DE_x``
``"heat"``                 ``E_x - E_y + f_d``     0           -
``"entropy_production"``   ``E_x - E_y + f_d``     0           ``c0 = ln p0``, ``c1 = -ln p_t``
``"n_jumps"``              1                       0           -
:class:`Current`           +1 / -1 along / against 0           -
=========================  ======================  ==========  =====================================

(energies in kT, entropy in k_B; the same conventions as :func:`stochlim.simulate` and
:func:`stochlim.solve_master`: heat released to the bath, ``S_tot = ln p0(x0) - ln p_t(x_t) + Q``.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._generator import Functionals, Generator
from .._segments import Segments
from ..models import MAX_LOG_RATE, DirectedEdges, HopModel
from ..physics import log_hop_rates

__all__ = ["OBSERVABLES", "Current"]

#: Names of the scalar observables (besides :class:`Current`).
OBSERVABLES = ("work", "heat", "entropy_production", "n_jumps")


@dataclass(frozen=True)
class Current:
    """Net number of jumps along a set of edges: ``x -> y`` minus ``y -> x`` for each edge ``(x, y)``
    as written in the model, summed over ``edges`` (indices into ``HopModel.edges``).

    Parameters
    ----------
    edges : int or sequence of int
        Distinct edge indices; the model they are used with checks that they exist.

    Raises
    ------
    TypeError
        If ``edges`` are not edge indices.
    ValueError
        If ``edges`` is empty or repeats an edge.

    Examples
    --------
    >>> Current([0]).name
    'current[0]'

    The net current through an edge of a ring driven by 1 kT per jump grows at the steady rate
    ``(k+ - k-) / 3`` (uniform steady law):

    >>> import numpy as np
    >>> import stochlim as sl
    >>> from stochlim.fluctuations import steady_cumulant_rates
    >>> ring = sl.HopModel((0.0, 0.0, 0.0), [[0, 1], [1, 2], [2, 0]], [0.0, 0.0, 0.0],
    ...                    drives=[1.0, 1.0, 1.0])
    >>> k = ring.rates(0.0)
    >>> mean_rate, _ = steady_cumulant_rates(ring, Current([0]))
    >>> bool(np.isclose(mean_rate, (k[0, 1] - k[1, 0]) / 3))
    True
    """

    edges: tuple

    def __post_init__(self):
        try:
            edges = tuple(int(e) for e in np.atleast_1d(np.asarray(self.edges)))
        except (TypeError, ValueError) as exc:
            raise TypeError(f"Current edges must be edge indices: got {self.edges!r}") from exc
        if not edges or len(set(edges)) != len(edges):
            raise ValueError(f"Current edges must be a non-empty set of distinct edge indices: got {edges}")
        object.__setattr__(self, "edges", edges)

    @property
    def name(self) -> str:
        """Label ``"current[e1,e2,...]"`` used in results.

        Returns
        -------
        str

        Examples
        --------
        >>> Current([2, 0]).name
        'current[2,0]'
        """
        return f"current[{','.join(str(e) for e in self.edges)}]"


@dataclass(frozen=True, eq=False)
class Observables:
    """Resolved observables of one model: names and, per observable, the coefficients of its
    increments on the directed edges in the order of :class:`~stochlim._segments.Segments` (the
    order of the compiled :class:`~stochlim._generator.Generator`).

    ``a_d = edge_coef[i, d, 0] + edge_coef[i, d, 1] bias_d`` per jump and ``b_x = state_coef[i, x]
    dE_x/dt`` per state: the tilt ``exp(-s . a_d)`` and ``-s . b_x`` is then the ``edge_tilt`` and
    ``state_tilt`` of the Generator (:meth:`tilt`).
    """

    names: tuple
    kinds: tuple  # entries of OBSERVABLES or "current"
    masks: tuple  # per observable: (D,) increments of a current (None otherwise)
    edges: DirectedEdges  # sorted by source, as Segments.out_src
    n_states: int
    edge_coef: np.ndarray  # (n, D, 2)
    state_coef: np.ndarray  # (n, S)

    @property
    def n(self) -> int:
        return len(self.names)

    def index(self, kind: str) -> int | None:
        return self.kinds.index(kind) if kind in self.kinds else None

    @property
    def needs_solution(self) -> bool:
        """Whether a boundary term needs the master-equation solution (entropy production)."""
        return "entropy_production" in self.kinds

    def increments(self, bias: np.ndarray, slope: np.ndarray):
        """``a`` (n, D) per directed edge and ``b`` (n, S) per state, for the frozen ``bias``/``slope``."""
        return self.edge_coef[:, :, 0] + self.edge_coef[:, :, 1] * bias, self.state_coef * slope

    def tilt(self, s: np.ndarray):
        """``(edge_tilt (D, 2), state_tilt (S, 2))`` of ``exp(-s . a_d)`` and ``-s . b_x`` (complex for
        complex ``s``), in the form of :class:`~stochlim._generator.Generator`."""
        edge = -np.tensordot(s, self.edge_coef, axes=1)
        state = np.zeros((self.n_states, 2), dtype=edge.dtype)
        state[:, 1] = -(s @ self.state_coef)
        return edge, state

    def generator(self, model: HopModel, segments: Segments, s: np.ndarray | None = None) -> Generator:
        """The compiled generator of ``p`` alone (no functionals), tilted by the real part of ``s``.

        Its ``rate`` are the untilted rates and ``off``/``diag`` the entries of ``L_Re(s)``; an
        imaginary part of ``s`` is the caller's (a phase on each entry).
        """
        if s is None:
            return Generator(model, segments, _NO_FUNCTIONALS)
        edge, state = self.tilt(s)
        return Generator(model, segments, _NO_FUNCTIONALS, edge_tilt=edge.real, state_tilt=state.real)

    def knot_jump(self, jump: np.ndarray) -> np.ndarray:
        """Increment ``(n, S)`` at a knot where the energies jump by ``jump``."""
        c = np.zeros((self.n, self.n_states))
        i = self.index("work")
        if i is not None:
            c[i] = jump
        return c

    def boundary(self, p: np.ndarray, sign: float) -> np.ndarray:
        """Boundary term ``(n, S)``: ``sign * ln p`` for the entropy production (0 where ``p = 0``)."""
        c = np.zeros((self.n, self.n_states))
        i = self.index("entropy_production")
        if i is not None:
            with np.errstate(divide="ignore"):
                c[i] = np.where(p > 0, sign * np.log(np.where(p > 0, p, 1.0)), 0.0)
        return c


_NO_INT, _NO_COEF = np.zeros(0, dtype=np.int64), np.zeros((0, 2))
_NO_FUNCTIONALS = Functionals(0, _NO_INT, _NO_INT, _NO_COEF, _NO_INT, _NO_INT, _NO_COEF)


def sorted_edges(model: HopModel) -> DirectedEdges:
    """``model.directed_edges()`` sorted by source (the order of Segments and the Generator)."""
    d = model.directed_edges()
    o = d.order
    return DirectedEdges(d.src[o], d.dst[o], d.edge[o], d.sign[o], d.drive[o], np.arange(o.size), d.out_ptr)


def resolve(model: HopModel, observables, name: str = "observables") -> Observables:
    """Validate ``observables`` (a name, a :class:`Current` or a sequence of them) for ``model``;
    ``name`` is the argument named in errors."""
    if isinstance(observables, (str, Current)):
        observables = [observables]
    try:
        items = list(observables)
    except TypeError:
        raise TypeError(f"{name} must be a name, a Current or a sequence of them: got {observables!r}") from None
    if not items:
        raise ValueError(f"{name} must name at least one observable")
    d = sorted_edges(model)
    n_dir = d.src.size
    names, kinds, masks, edge_coef, state_coef = [], [], [], [], []
    for item in items:
        c = np.zeros((n_dir, 2))
        b = np.zeros(model.n_states)
        if isinstance(item, Current):
            bad = [e for e in item.edges if not 0 <= e < model.n_edges]
            if bad:
                raise ValueError(
                    f"{name}: {item.name} names edge {bad[0]}, but the model has edges 0..{model.n_edges - 1}"
                )
            names.append(item.name)
            kinds.append("current")
            masks.append(np.where(np.isin(d.edge, item.edges), d.sign, 0.0))
            c[:, 0] = masks[-1]
        elif isinstance(item, str) and item in OBSERVABLES:
            names.append(item)
            kinds.append(item)
            masks.append(None)
            if item == "work":
                c[:, 0] = d.drive
                b[:] = 1.0
            elif item == "n_jumps":
                c[:, 0] = 1.0
            else:  # heat and entropy production: the bias E_x - E_y + f of the jump
                c[:, 1] = 1.0
        else:
            raise ValueError(f"{name}: {item!r} is not an observable; use one of {OBSERVABLES} or a Current")
        edge_coef.append(c)
        state_coef.append(b)
    if len(set(names)) != len(names):
        raise ValueError(f"{name} must be distinct: got {names}")
    return Observables(tuple(names), tuple(kinds), tuple(masks), d, model.n_states, np.array(edge_coef),
                       np.array(state_coef))


def rates_at(g: Generator, j: int, dt: float):
    """Untilted rates ``k`` (a copy), biases ``E_x - E_y + f`` of the directed edges and the energy
    slopes at ``seg_times[j] + dt``, assembled by the compiled generator ``g``."""
    g.at(j, dt)
    bias = g.energy[g.src] - g.energy[g.dst] + g.segments.out_drive
    return g.rate.copy(), bias, g.segments.energy_slope(j)


def edge_log_rates(model: HopModel, edges: DirectedEdges, energy, barrier):
    """Log-rates and biases ``E_x - E_y + f`` of the directed ``edges`` for frozen inputs (the
    validated rate law, for a query at one time whose log-rates must stay exact where ``exp``
    underflows).

    Raises ``ValueError`` when a rate exceeds ``exp(MAX_LOG_RATE)`` (a waiting time below float64
    resolution), as :func:`stochlim.simulate` does.
    """
    bias = energy[edges.src] - energy[edges.dst] + edges.drive
    if not edges.src.size:
        return np.zeros(0), bias
    log_k = np.asarray(log_hop_rates(barrier[edges.edge], bias, J_max=model.J_max, rate_law=model.rate_law)[0])
    refuse_rate(float(log_k.max()))
    return np.atleast_1d(log_k), bias


def refuse_rate(top: float) -> None:
    """Raise ``ValueError`` for a log-rate ``top`` above ``MAX_LOG_RATE`` at a single time (no
    horizon: the jump-count rule of ``stochlim._propagate.refuse_overflow`` does not apply)."""
    if top > MAX_LOG_RATE:
        raise ValueError(
            f"a rate reaches exp({top:.1f}) per unit time: beyond float64's resolution of waiting "
            f"times (MAX_LOG_RATE = {MAX_LOG_RATE:g}); the barrier is too low for the bias"
        )
