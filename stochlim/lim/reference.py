"""The optimiser as a :class:`~stochlim.models.HopModel` over all states: the exact reference.

:func:`to_hop_model` enumerates the ``levels^M`` states of a small problem and joins states one
level (one spin flip) apart, so that :func:`stochlim.solve_master` and :func:`stochlim.simulate`
compute what :func:`stochlim.lim.run` samples.
"""

from __future__ import annotations

import numpy as np

from ..models import HopModel
from ..protocols import Constant, PiecewiseConstant, PiecewiseLinear, Protocol
from .problems import _as_problem, _barriers, _inputs, enumerate_states

__all__ = ["to_hop_model"]


def _pad_combine(scale: Protocol, leak: Protocol, p: float, lk: float) -> Protocol:
    """The protocol ``p * scale(t) + lk * leak(t)``."""
    if isinstance(leak, Constant) and leak.value == 0.0:
        return scale.scaled(p)
    knots = np.union1d(scale.knots, leak.knots)
    if knots.size == 0:
        return Constant(p * scale.value + lk * leak.value)
    times = np.concatenate(([knots[0] - 1.0], knots))
    values = p * np.asarray(scale(times)) + lk * np.asarray(leak(times))
    steps = [x for x in (scale, leak) if isinstance(x, PiecewiseConstant)]
    ramps = [x for x in (scale, leak) if isinstance(x, PiecewiseLinear)]
    if steps and ramps:
        raise ValueError("scale and leak must both be step (PiecewiseConstant) or both continuous protocols here")
    return PiecewiseConstant(times, values) if steps else PiecewiseLinear(times, values)


def to_hop_model(problem, *, barrier, scale, leak=None, J_max=1.0, rate_law="paper",
                 max_states: int = 4096) -> HopModel:
    """The equivalent :class:`~stochlim.models.HopModel` over all ``levels^M`` states (small problems).

    State ``x`` is the row ``x`` of :func:`enumerate_states`; its energy is ``scale(t) P_x +
    leak(t) |w_x|^2 / 2`` and an edge joins states one level (one spin flip) apart, over the barrier
    of the memory that moves. This is the exact reference of :func:`run` for
    :func:`stochlim.solve_master` and :func:`stochlim.simulate`.
    """
    pr = _as_problem(problem)
    values = enumerate_states(pr, max_states=max_states)
    s_p, l_p = _inputs(pr, scale, leak)
    bars = _barriers(barrier, pr.n_params)
    p = pr.energy(values)
    lk = 0.5 * np.sum(values * values, axis=1)
    energies = tuple(_pad_combine(s_p, l_p, float(pi), float(li)) for pi, li in zip(p, lk))
    edges, edge_bars = [], []
    n_levels = pr.n_levels
    for d in range(pr.n_params):
        stride = n_levels ** d
        for x in range(values.shape[0]):
            if (x // stride) % n_levels < n_levels - 1:
                edges.append((x, x + stride))
                edge_bars.append(bars[d])
    return HopModel(energies, edges, tuple(edge_bars), J_max=J_max, rate_law=rate_law)
