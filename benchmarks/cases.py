"""The three SSA benchmark cases, (a) to (c), as stochlim models."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from stochlim.models import HopModel, ladder, two_state
from stochlim.protocols import PiecewiseConstant

K01, K10 = 1.0, 0.5


@dataclass(frozen=True)
class Case:
    name: str
    description: str
    model: HopModel
    t_end: float
    n_trajectories: int
    x0: int | None  # None: start from the Boltzmann distribution at t = 0


def two_state_constant() -> HopModel:
    """Arrhenius wells with k01 = 1.0 and k10 = 0.5: E1 = -ln 2, E0 = ln(2) / 2."""
    e1 = -math.log(K01 / K10)
    return two_state(-math.log(K01) - e1 / 2, energies=(0.0, e1), rate_law="arrhenius")


def _events_per_time_two_state() -> float:
    """Stationary jump rate 2 k01 k10 / (k01 + k10)."""
    return 2 * K01 * K10 / (K01 + K10)


def ladder_stepped(t_end: float) -> HopModel:
    times = np.linspace(0.0, t_end, 100, endpoint=False)
    barrier = PiecewiseConstant(times, np.linspace(0.0, 5.0, 100))
    return ladder(101, lambda i: 0.02 * (i - 50.0) ** 2, barrier, rate_law="arrhenius")


def _ladder_t_end(n_events: float) -> float:
    """t_end giving about ``n_events`` jumps near equilibrium: rates scale as e^-E0."""
    m = ladder(101, lambda i: 0.02 * (i - 50.0) ** 2, 0.0, rate_law="arrhenius")
    p = m.equilibrium(0.0)
    rate_at_zero_barrier = float(p @ m.rates(0.0).sum(axis=1))
    mean_factor = float(np.mean(np.exp(-np.linspace(0.0, 5.0, 100))))
    return n_events / (rate_at_zero_barrier * mean_factor)


def cases(scale: float = 1.0) -> list[Case]:
    """Cases (a), (b), (c); ``scale`` multiplies the event counts (e.g. 0.01 for a smoke run)."""
    n_ev = 1e7 * scale
    rate = _events_per_time_two_state()
    t_b = _ladder_t_end(n_ev)
    n_c = max(1, int(round(1e4 * min(1.0, scale * 10))))
    return [
        Case("a", "two states, constant rates 1.0 and 0.5, 1e7 events, one trajectory",
             two_state_constant(), n_ev / rate, 1, 0),
        Case("b", "101-level Arrhenius ladder, 0.02 (i-50)^2 kT, barrier 0 -> 5 kT in 100 steps, "
             "1e7 events, one trajectory", ladder_stepped(t_b), t_b, 1, None),
        Case("c", "1e4 trajectories of (a) with 1e3 events each, all cores",
             two_state_constant(), 1e3 / rate, n_c, 0),
    ]
