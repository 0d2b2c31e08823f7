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

    Parameters
    ----------
    problem : Quadratic, Ising or dimod.BinaryQuadraticModel
    barrier, scale, leak, J_max, rate_law
        As for :func:`run`.
    max_states : int, optional
        Most states to enumerate (the model has ``levels^M`` states and ``M (levels-1) levels^(M-1)``
        edges).

    Returns
    -------
    HopModel
        States in the order of :func:`enumerate_states`.

    Raises
    ------
    ValueError
        If the problem has more than ``max_states`` states; if ``barrier`` is a sequence whose
        length is not ``M``; if ``leak`` is given for an Ising problem; if ``scale`` and ``leak``
        mix step and continuous protocols; or if a protocol, ``J_max`` or ``rate_law`` is refused
        (as by :class:`~stochlim.models.HopModel`).
    TypeError
        If ``problem`` is not a Quadratic, an Ising or a ``dimod.BinaryQuadraticModel``.

    Examples
    --------
    Relaxed with the master equation, the reference reaches the Boltzmann distribution of the
    problem energy:

    >>> import numpy as np
    >>> from stochlim import solve_master
    >>> from stochlim.lim import Ising, enumerate_states, to_hop_model
    >>> pr = Ising([[0.0, 1.0], [1.0, 0.0]], [0.5, 0.0])
    >>> model = to_hop_model(pr, barrier=1.0, scale=1.0)
    >>> model.n_states, model.n_edges
    (4, 4)
    >>> sol = solve_master(model, p0=[1.0, 0.0, 0.0, 0.0], t_eval=[0.0, 200.0])
    >>> w = np.exp(-pr.energy(enumerate_states(pr)))
    >>> bool(np.allclose(sol.p[-1], w / w.sum(), atol=1e-8))
    True
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
