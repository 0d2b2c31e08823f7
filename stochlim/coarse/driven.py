"""Driven comparison: the fine model and its two-state reduction under the same protocols.

:func:`reduce_two_state` builds the two-state model (well free energies and effective rates of the
instantaneous potential); :func:`driven_comparison` solves both master equations exactly and
compares occupation, current, work and heat.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._validation import check_int, check_positive
from ..master import MasterSolution, solve_master
from ..models import HopModel
from ..protocols import PiecewiseConstant, PiecewiseLinear, as_protocol
from .landscapes import (
    _double_well_knots,
    default_x_range,
    double_well,
    quartic_double_well,
)
from .rates import intra_well_time, well_split

__all__ = ["reduce_two_state", "DrivenComparison", "driven_comparison"]


def _knot_times(times: np.ndarray, t_end: float, kind: str, n_sub: int) -> np.ndarray:
    """Output/knot times on [0, t_end]: the protocol knots, subdivided n_sub-fold where linear."""
    grid = np.unique(np.concatenate(([0.0, t_end], times[(times > 0) & (times < t_end)])))
    if kind == "constant":
        return grid
    parts = [np.linspace(a, b, n_sub, endpoint=False) for a, b in zip(grid[:-1], grid[1:])]
    return np.concatenate(parts + [grid[-1:]])


def reduce_two_state(E0, dE=0.0, *, K, t_end, x_range=None, D=1.0, n_sub=16):
    """The two-state reduction of :func:`double_well` under protocols ``E0(t)``, ``dE(t)``.

    At each knot the reduction takes the fine model's well free energies ``F_L, F_R`` as its two
    energies and the effective rates of :func:`well_split` as its rates (``rate_law="arrhenius"``,
    ``J_max = 1``, barrier ``-ln sqrt(k_LR k_RL)``), so that ``k_LR / k_RL = exp(F_L - F_R)``: the
    adiabatic (instantaneous-equilibrium) two-state model of the paper's Eq. 3 with the prefactor
    and barrier it really has. Between knots the inputs are held (step protocols) or interpolated
    linearly over ``n_sub`` sub-intervals per protocol segment (linear protocols).

    Parameters
    ----------
    E0, dE : float or Protocol
        Barrier and bias in kT, as for :func:`double_well`.
    K : int
        Sites of the fine model whose wells are split.
    t_end : float
        End of the protocol, > 0.
    x_range : (float, float), optional
        Default :func:`default_x_range` of the smallest barrier at the knots.
    D : float, optional
        Diffusion constant, > 0.
    n_sub : int, optional
        Sub-intervals per linear protocol segment, >= 1.

    Returns
    -------
    (HopModel, times, splits)
        The two-state model (state 0 = left well), the knot times on ``[0, t_end]`` and the
        :class:`WellSplit` at each of them.

    Raises
    ------
    ValueError
        If ``t_end`` is not positive; ``n_sub < 1``; ``E0`` and ``dE`` mix step and
        piecewise-linear protocols; or :func:`well_split` refuses the potential at a knot (``E0``
        not positive, not two minima, ``K`` too small, bad ``x_range`` or ``D``).
    TypeError
        If ``n_sub`` or ``K`` is not an integer.

    Examples
    --------
    >>> import math
    >>> from stochlim.coarse import reduce_two_state
    >>> from stochlim.protocols import PiecewiseLinear
    >>> model, knots, splits = reduce_two_state(PiecewiseLinear([0.0, 50.0], [8.0, 4.0]), 1.0,
    ...                                         K=151, t_end=100.0, n_sub=4)
    >>> model.n_states, knots.tolist()
    (2, [0.0, 12.5, 25.0, 37.5, 50.0, 62.5, 75.0, 87.5, 100.0])
    >>> s = splits[0]   # rates obey detailed balance with the wells' free energies
    >>> math.isclose(s.k_lr / s.k_rl, math.exp(s.free_energy[0] - s.free_energy[1]))
    True
    """
    p_e0, p_de, times, kind = _double_well_knots(E0, dE)
    t_end = float(check_positive("t_end", t_end))
    n_sub = check_int("n_sub", n_sub, minimum=1)
    knots = _knot_times(np.empty(0) if times is None else times, t_end, kind, n_sub)
    e0s, des = np.atleast_1d(p_e0(knots)), np.atleast_1d(p_de(knots))
    if x_range is None:
        x_range = default_x_range(e0s)
    splits = [well_split(quartic_double_well(a, b), x_range=x_range, K=K, D=D) for a, b in zip(e0s, des)]
    free = np.array([s.free_energy for s in splits])
    barrier = np.array([-0.5 * math.log(s.k_lr * s.k_rl) for s in splits])
    protocol = PiecewiseLinear if kind == "linear" else PiecewiseConstant
    energies = (protocol(knots, free[:, 0]), protocol(knots, free[:, 1]))
    model = HopModel(energies, [(0, 1)], protocol(knots, barrier), J_max=1.0, rate_law="arrhenius")
    return model, knots, splits


@dataclass(frozen=True)
class DrivenComparison:
    """Fine model against its two-state reduction under the same protocol (at the knot times).

    Attributes
    ----------
    t : ndarray
        Output times (the reduction's knots).
    p_right_fine, p_right_two_state : ndarray
        Occupation of the right well (fine: top site counted half).
    current_fine, current_two_state : ndarray
        Cumulative net number of crossings left -> right.
    work_fine, work_two_state : ndarray
        Cumulative mean work on the system, kT.
    heat_fine, heat_two_state : ndarray
        Cumulative mean heat released, kT. The reduction's heat is ``W - Delta sum_w p_w U_w``
        with ``U_w`` the equilibrium mean energy inside well ``w`` (the first law with the wells'
        internal energies; Esposito 2012, Phys. Rev. E 85 041125), so that it includes the change
        of the intra-well entropy a two-state model cannot see.
    tau_intra : float
        Shortest intra-well relaxation time over the protocol, ``1 / (8 max E0 D)``.
    fine, two_state : MasterSolution
        The two solutions.

    Parameters
    ----------
    t, p_right_fine, p_right_two_state, current_fine, current_two_state, work_fine, work_two_state
        The attributes above, by name.
    heat_fine, heat_two_state, tau_intra, fine, two_state
        Likewise (built by :func:`driven_comparison`, not by users).

    Examples
    --------
    The barrier of a biased double well lowered from 6 to 3 kT at ``t = 20``: the wells' occupations
    of the fine model and of its two-state reduction agree at the knots.

    >>> import numpy as np
    >>> from stochlim.protocols import PiecewiseConstant
    >>> cmp = driven_comparison(PiecewiseConstant([0.0, 20.0], [6.0, 3.0]), 1.0, K=81, t_end=60.0)
    >>> cmp.t.tolist(), round(cmp.tau_intra, 6)   # 1 / (8 x 6 kT x D)
    ([0.0, 20.0, 60.0], 0.020833)
    >>> np.round(cmp.p_right_two_state, 3).tolist(), np.round(cmp.p_right_fine, 3).tolist()
    ([0.0, 0.312, 0.723], [0.0, 0.312, 0.723])
    """

    t: np.ndarray
    p_right_fine: np.ndarray
    p_right_two_state: np.ndarray
    current_fine: np.ndarray
    current_two_state: np.ndarray
    work_fine: np.ndarray
    work_two_state: np.ndarray
    heat_fine: np.ndarray
    heat_two_state: np.ndarray
    tau_intra: float
    fine: MasterSolution
    two_state: MasterSolution

    def errors(self) -> dict:
        """Absolute differences, two-state minus fine: the largest occupation difference over time,
        and the net current, work and heat (kT) accumulated by the end.

        Cumulative quantities are compared at the end because right after a step of the protocol
        the reduction has already released the heat of the intra-well relaxation that the fine
        model releases over the following ``tau_intra``.

        Returns
        -------
        dict
            ``{"occupation", "current", "work", "heat"}`` as floats (occupation dimensionless,
            current in crossings, work and heat in kT).

        Examples
        --------
        >>> from stochlim.coarse import driven_comparison
        >>> from stochlim.protocols import PiecewiseConstant
        >>> cmp = driven_comparison(PiecewiseConstant([0.0, 20.0], [6.0, 3.0]), 1.0, K=81, t_end=60.0)
        >>> sorted(cmp.errors())
        ['current', 'heat', 'occupation', 'work']
        >>> bool(cmp.errors()["occupation"] < 1e-3)
        True
        """
        return {
            "occupation": float(np.max(np.abs(self.p_right_two_state - self.p_right_fine))),
            "current": float(self.current_two_state[-1] - self.current_fine[-1]),
            "work": float(self.work_two_state[-1] - self.work_fine[-1]),
            "heat": float(self.heat_two_state[-1] - self.heat_fine[-1]),
        }


def driven_comparison(E0, dE=0.0, *, K, t_end, x_range=None, D=1.0, n_sub=16) -> DrivenComparison:
    """Solve the fine double well and its two-state reduction under the same ``E0(t)``, ``dE(t)``.

    Both start with the left well in local equilibrium (the memory holds "left"); both are solved
    exactly with :func:`stochlim.solve_master` (``"expm"`` for step protocols such as the paper's
    schedules from :func:`stochlim.protocols.schedule_protocols`, Radau for ramps). The reduction
    is :func:`reduce_two_state`. The differences shrink as the protocol gets slow against the
    intra-well relaxation time (``DrivenComparison.tau_intra``), not against the hop time.

    Parameters
    ----------
    E0, dE, K, x_range, D
        As for :func:`double_well`.
    t_end : float
        End of the comparison, > 0.
    n_sub : int, optional
        Sub-intervals per linear protocol segment for the reduction's inputs.

    Returns
    -------
    DrivenComparison

    Raises
    ------
    ValueError, TypeError
        As :func:`reduce_two_state` and :func:`double_well` for their arguments.
    RuntimeError
        If either master equation fails to solve.

    Examples
    --------
    The barrier is lowered from 6 to 3 kT at t = 20, slow against the intra-well time
    ``1 / (8 E0)``: the reduction tracks the fine occupation closely.

    >>> import numpy as np
    >>> from stochlim.coarse import driven_comparison
    >>> from stochlim.protocols import PiecewiseConstant
    >>> cmp = driven_comparison(PiecewiseConstant([0.0, 20.0], [6.0, 3.0]), 1.0, K=81, t_end=60.0)
    >>> cmp.t.tolist(), round(cmp.tau_intra, 6)   # 1 / (8 max E0)
    ([0.0, 20.0, 60.0], 0.020833)
    >>> bool(np.allclose(cmp.p_right_two_state, cmp.p_right_fine, atol=1e-3))
    True
    """
    two, knots, splits = reduce_two_state(E0, dE, K=K, t_end=t_end, x_range=x_range, D=D, n_sub=n_sub)
    if x_range is None:
        x_range = default_x_range(np.atleast_1d(as_protocol("E0", E0)(knots)))
    fine = double_well(E0, dE, K=K, x_range=x_range, D=D)
    top0 = splits[0].top
    u0 = fine.energy(0.0)
    local = np.where(np.arange(fine.n_states) <= top0, np.exp(-(u0 - u0.min())), 0.0)
    local[top0] *= 0.5
    method = "expm" if two.lower(float(t_end)).is_piecewise_constant else "ode"
    sol_f = solve_master(fine, p0=local / local.sum(), t_eval=knots, method=method)
    sol_2 = solve_master(two, p0=[1.0, 0.0], t_eval=knots, method=method)
    for sol in (sol_f, sol_2):
        if not sol.success:
            raise RuntimeError(f"master equation failed: {sol.message}")
    tops = np.array([s.top for s in splits])
    rows = np.arange(knots.size)
    p_right_f = np.array([p[t + 1 :].sum() + 0.5 * p[t] for p, t in zip(sol_f.p, tops)])
    current_f = 0.5 * (sol_f.currents[rows, tops - 1] + sol_f.currents[rows, tops])
    mean_u = np.array([s.mean_energy for s in splits])
    internal = np.einsum("tw,tw->t", sol_2.p, mean_u)
    e0_max = float(np.max(as_protocol("E0", E0)(knots)))
    return DrivenComparison(
        t=knots,
        p_right_fine=p_right_f,
        p_right_two_state=sol_2.p[:, 1],
        current_fine=current_f,
        current_two_state=sol_2.currents[:, 0],
        work_fine=sol_f.mean_work,
        work_two_state=sol_2.mean_work,
        heat_fine=sol_f.mean_heat,
        heat_two_state=sol_2.mean_work - (internal - internal[0]),
        tau_intra=float(intra_well_time(e0_max, D)),
        fine=sol_f,
        two_state=sol_2,
    )
