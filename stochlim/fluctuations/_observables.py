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

from .._master_scipy import _Structure
from ..models import MAX_LOG_RATE, HopModel
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
    """Resolved observables of one model: names and, per observable, what defines its increments."""

    names: tuple
    kinds: tuple  # entries of OBSERVABLES or "current"
    masks: tuple  # per observable: (D,) increments of a current (None otherwise)
    st: _Structure

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
        st = self.st
        a = np.zeros((self.n, st.src.size))
        b = np.zeros((self.n, st.n_states))
        for i, kind in enumerate(self.kinds):
            if kind == "work":
                a[i] = st.drive
                b[i] = slope
            elif kind in ("heat", "entropy_production"):
                a[i] = bias
            elif kind == "n_jumps":
                a[i] = 1.0
            else:
                a[i] = self.masks[i]
        return a, b

    def knot_jump(self, jump: np.ndarray) -> np.ndarray:
        """Increment ``(n, S)`` at a knot where the energies jump by ``jump``."""
        c = np.zeros((self.n, self.st.n_states))
        i = self.index("work")
        if i is not None:
            c[i] = jump
        return c

    def boundary(self, p: np.ndarray, sign: float) -> np.ndarray:
        """Boundary term ``(n, S)``: ``sign * ln p`` for the entropy production (0 where ``p = 0``)."""
        c = np.zeros((self.n, self.st.n_states))
        i = self.index("entropy_production")
        if i is not None:
            with np.errstate(divide="ignore"):
                c[i] = np.where(p > 0, sign * np.log(np.where(p > 0, p, 1.0)), 0.0)
        return c


def resolve(model: HopModel, observables) -> Observables:
    """Validate ``observables`` (a name, a :class:`Current` or a sequence of them) for ``model``."""
    if isinstance(observables, (str, Current)):
        observables = [observables]
    try:
        items = list(observables)
    except TypeError:
        raise TypeError(f"observables must be a name, a Current or a sequence of them: got {observables!r}") from None
    if not items:
        raise ValueError("observables must name at least one observable")
    st = _Structure.of(model)
    names, kinds, masks = [], [], []
    for item in items:
        if isinstance(item, Current):
            bad = [e for e in item.edges if not 0 <= e < model.n_edges]
            if bad:
                raise ValueError(
                    f"observables: {item.name} names edge {bad[0]}, but the model has edges 0..{model.n_edges - 1}"
                )
            chosen = np.isin(st.edge, item.edges)
            names.append(item.name)
            kinds.append("current")
            masks.append(np.where(chosen, st.sign, 0.0))
        elif isinstance(item, str) and item in OBSERVABLES:
            names.append(item)
            kinds.append(item)
            masks.append(None)
        else:
            raise ValueError(f"observables: {item!r} is not an observable; use one of {OBSERVABLES} or a Current")
    if len(set(names)) != len(names):
        raise ValueError(f"observables must be distinct: got {names}")
    return Observables(tuple(names), tuple(kinds), tuple(masks), st)


def edge_log_rates(model: HopModel, st: _Structure, energy, barrier):
    """Log-rates and biases ``E_x - E_y + f`` of the directed edges of ``st`` for frozen inputs.

    Raises ``ValueError`` when a rate exceeds ``exp(MAX_LOG_RATE)`` (a waiting time below float64
    resolution), as :func:`stochlim.simulate` does.
    """
    bias = energy[st.src] - energy[st.dst] + st.drive
    if not st.src.size:
        return np.zeros(0), bias
    log_k = np.asarray(log_hop_rates(barrier[st.edge], bias, J_max=model.J_max, rate_law=model.rate_law)[0])
    if log_k.max() > MAX_LOG_RATE:
        raise ValueError(
            f"a rate reaches exp({log_k.max():.1f}) per unit time: the barrier is too low for the bias"
        )
    return np.atleast_1d(log_k), bias
