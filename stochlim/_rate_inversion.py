"""Rates to energies: the inverse of the rate laws, behind :meth:`stochlim.models.HopModel.from_rates`.

For an edge ``(x, y)`` with rates ``k+`` (``x -> y``) and ``k-`` (``y -> x``) both rate laws of
:mod:`stochlim.physics` give the bias ``dE = ln(k+ / k-)`` (local detailed balance) and

* ``"paper"`` (Eq. 5-7, ``k+ + k- = 2 J_max e^-E0``): ``E0 = ln(2 J_max) - ln(k+ + k-)``;
* ``"arrhenius"`` (``k+- = J_max e^-(E0 -+ dE/2)``): ``E0 = ln J_max - (ln k+ + ln k-) / 2``.

The biases are split into well energies and drives on a spanning forest of the graph: energies
are fixed along the tree edges (0 at each component's first state) and every other edge keeps the
remainder ``f = dE - (E_x - E_y)`` as a drive, which is the affinity of the cycle the edge closes
(Schnakenberg 1976, Rev. Mod. Phys. 48 571). Rates obeying detailed balance give all drives 0.
Rates may change in time as step functions (piecewise constant protocols): energies and
barriers become step protocols with the same knots; drives must stay constant in time, as a
:class:`~stochlim.models.HopModel`'s do.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from ._validation import check_positive
from .physics import check_rate_law
from .protocols import PiecewiseConstant, PiecewiseLinear, Protocol, as_protocol

__all__ = ["invert_rates"]

#: Relative tolerance on a drive's constancy in time (rounding of the logarithms).
_DRIVE_RTOL = 1e-9


def _log_rates(name: str, values, m: int) -> list[Protocol]:
    items = list(values) if isinstance(values, (list, tuple, np.ndarray)) else [values] * m
    if len(items) != m:
        raise ValueError(f"{name} must hold one rate per edge ({m}): got {len(items)}")
    out = []
    for i, v in enumerate(items):
        p = as_protocol(f"{name}[{i}]", v)
        if isinstance(p, PiecewiseLinear) and not p.is_piecewise_constant:
            raise ValueError(
                f"{name}[{i}] is a ramp (PiecewiseLinear): its logarithm is not a ramp, so no step or "
                "linear protocol of energies reproduces it; give step rates (PiecewiseConstant) or "
                "build the HopModel from energies and barriers"
            )
        out.append(p)
    return out


def _spanning_forest(edges: np.ndarray, n_states: int):
    """``(order, parent_edge)``: BFS order of states and the tree edge that reached each (-1: root)."""
    adjacency = [[] for _ in range(n_states)]
    for e, (x, y) in enumerate(edges):
        adjacency[x].append((y, e))
        adjacency[y].append((x, e))
    parent_edge = np.full(n_states, -2, dtype=np.int64)
    order = []
    for root in range(n_states):
        if parent_edge[root] != -2:
            continue
        parent_edge[root] = -1
        queue = deque([root])
        while queue:
            x = queue.popleft()
            order.append(x)
            for y, e in adjacency[x]:
                if parent_edge[y] == -2:
                    parent_edge[y] = e
                    queue.append(y)
    return order, parent_edge


def invert_rates(edges: np.ndarray, n_states: int, forward, backward, *, J_max=1.0, rate_law="paper"):
    """Energies, barriers and drives that give ``forward``/``backward`` rates under ``rate_law``.

    Parameters
    ----------
    edges : ndarray of int, shape (m, 2)
        Checked edges ``(x, y)``.
    n_states : int
        Number of states.
    forward, backward : float, Protocol or sequence of them
        Rates ``x -> y`` and ``y -> x`` of each edge (> 0), numbers or step protocols of time.
    J_max : float
        Attempt rate of the model, > 0.
    rate_law : {"paper", "arrhenius"}

    Returns
    -------
    energies : tuple of float or PiecewiseConstant, length ``n_states``
    barriers : tuple of float or PiecewiseConstant, length ``m``
    drives : ndarray, shape (m,)
    """
    rate_law = check_rate_law(rate_law)
    log_j = math.log(float(check_positive("J_max", J_max)))
    m = edges.shape[0]
    fwd, bwd = _log_rates("forward", forward, m), _log_rates("backward", backward, m)
    knots = np.unique(np.concatenate([np.empty(0)] + [p.knots for p in fwd + bwd]))
    t = knots if knots.size else np.zeros(1)
    log_f, log_b = (np.log(np.stack([check_positive(f"{name}[{i}]", p(t)) for i, p in enumerate(ps)])
                           .reshape(m, t.size)) if m else np.zeros((0, t.size))
                    for name, ps in (("forward", fwd), ("backward", bwd)))
    bias = log_f - log_b
    if rate_law == "paper":
        barrier = math.log(2.0) + log_j - np.logaddexp(log_f, log_b)
    else:
        barrier = log_j - 0.5 * (log_f + log_b)
    energy = np.zeros((n_states, t.size))
    order, parent_edge = _spanning_forest(edges, n_states)
    for y in order:
        e = parent_edge[y]
        if e >= 0:
            a, b = edges[e]
            energy[y] = energy[a] - bias[e] if y == b else energy[b] + bias[e]
    drive = bias - (energy[edges[:, 0]] - energy[edges[:, 1]]) if m else np.zeros((0, t.size))
    drive[parent_edge[parent_edge >= 0]] = 0.0  # exactly: tree edges carry no drive
    spread = np.ptp(drive, axis=1) if m else np.zeros(0)
    moving = spread > _DRIVE_RTOL * (1.0 + np.abs(drive).max(axis=1) if m else 0.0)
    if moving.any():
        e = int(np.argmax(moving))
        raise ValueError(
            f"the cycle closed by edge {e} {tuple(edges[e].tolist())} has an affinity ln(prod k+ / prod k-) "
            f"that changes in time (by {spread[e]:.3g}): HopModel drives are constant, so these rates "
            "cannot be represented"
        )

    def protocol(row):
        return float(row[0]) if knots.size == 0 or np.all(row == row[0]) else PiecewiseConstant(knots, row)

    return (tuple(protocol(r) for r in energy), tuple(protocol(r) for r in barrier),
            drive[:, 0].copy() if m else np.zeros(0))
