"""What is optimised: controls, device constraints, the target on the final law and the objective.

A control ``u_c(t)`` moves the inputs of a :class:`~stochlim.models.HopModel` linearly,

``E_x(t) = E_x + sum_c u_c(t) a_cx``,  ``E0_e(t) = E0_e + sum_c u_c(t) b_ce``,

around the model's own (constant) energies ``E_x`` and barriers ``E0_e``. One control can be the
energy of one state (:func:`energy`), the barrier of one edge (:func:`barrier`), or a whole shape
such as the tilt or the barrier height of a landscape (:func:`Control` with weight vectors). On
``[0, tau)`` each control is piecewise constant on ``n_steps`` equal steps with free values; before
``0`` it holds ``initial`` and from ``tau`` on ``final``, so the end-point jumps of the optimal
protocols (Schmiedl & Seifert, PRL 98, 108301 (2007)) are part of every candidate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._validation import as_float_array, check_int, check_interval, check_positive
from ..master import _check_p0
from ..models import HopModel
from ..protocols import Constant

__all__ = ["OBJECTIVES", "Control", "MaxError", "Problem", "TargetDistribution", "barrier", "energy"]

#: Objectives :class:`Problem` accepts (all ensemble means, in kT or k_B).
OBJECTIVES = ("work", "heat", "entropy_production")


def _weights(name: str, value, size: int) -> np.ndarray:
    if value is None:
        out = np.zeros(size)
    else:
        arr = as_float_array(name, value)
        if arr.size not in (1, size) or arr.ndim > 1:
            raise ValueError(f"{name} must hold one number or one per entry ({size}): got shape {arr.shape}")
        out = np.array(np.broadcast_to(arr.ravel(), (size,)), dtype=np.float64)
    out.flags.writeable = False
    return out


@dataclass(frozen=True, eq=False)
class Control:
    """One control ``u(t)`` and the inputs it moves.

    Parameters
    ----------
    name : str
        Label used in results and output files.
    energy_weights : array_like, shape (S,), optional
        ``a_x``: the energy of state ``x`` changes by ``a_x u`` (kT per unit of ``u``).
    barrier_weights : array_like, shape (n_edges,), optional
        ``b_e``: the barrier of edge ``e`` changes by ``b_e u``.
    lower, upper : float, optional
        Bounds on ``u`` at every step (a device's barrier range or largest tilt), lower < upper.
    initial, final : float, optional
        Value before ``t = 0`` and from ``t = tau`` on (``final`` defaults to ``initial``).
    """

    name: str
    energy_weights: object = None
    barrier_weights: object = None
    lower: float = -np.inf
    upper: float = np.inf
    initial: float = 0.0
    final: float | None = None

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"name must be a non-empty string: got {self.name!r}")
        lo = float(as_float_array("lower", self.lower, allow_inf=True))
        hi = float(as_float_array("upper", self.upper, allow_inf=True))
        if not lo < hi:
            raise ValueError(f"control {self.name!r}: lower ({lo:g}) must be below upper ({hi:g})")
        ini = float(as_float_array("initial", self.initial))
        fin = ini if self.final is None else float(as_float_array("final", self.final))
        object.__setattr__(self, "lower", lo)
        object.__setattr__(self, "upper", hi)
        object.__setattr__(self, "initial", ini)
        object.__setattr__(self, "final", fin)

    def resolved(self, n_states: int, n_edges: int) -> tuple[np.ndarray, np.ndarray]:
        """The weight vectors ``(a, b)`` as arrays of the model's sizes."""
        a = _weights(f"{self.name}.energy_weights", self.energy_weights, n_states)
        b = _weights(f"{self.name}.barrier_weights", self.barrier_weights, n_edges)
        return a, b


def energy(state: int, n_states: int, **bounds) -> Control:
    """A control that is the energy (kT, above the model's own) of one state."""
    s = check_int("state", state, minimum=0)
    if s >= n_states:
        raise ValueError(f"state must be one of 0..{n_states - 1}: got {s}")
    return Control(f"energy[{s}]", energy_weights=np.eye(n_states)[s], **bounds)


def barrier(edge: int, n_edges: int, **bounds) -> Control:
    """A control that is the barrier (kT, above the model's own) of one edge."""
    e = check_int("edge", edge, minimum=0)
    if e >= n_edges:
        raise ValueError(f"edge must be one of 0..{n_edges - 1}: got {e}")
    return Control(f"barrier[{e}]", barrier_weights=np.eye(n_edges)[e], **bounds)


@dataclass(frozen=True)
class MaxError:
    """Target ``sum_{x in states} p_x(tau) <= eps``: the probability of ending in a wrong state.

    Parameters
    ----------
    states : sequence of int
        The wrong states (e.g. ``[1]`` for a bit erased to 0, every site right of the barrier for
        a landscape).
    eps : float
        Largest allowed error, in (0, 1).
    """

    states: tuple
    eps: float

    def __post_init__(self):
        st = tuple(check_int("states", s, minimum=0) for s in np.atleast_1d(self.states).tolist())
        if not st:
            raise ValueError("states must name at least one state")
        object.__setattr__(self, "states", st)
        object.__setattr__(self, "eps", float(check_interval("eps", self.eps, 0.0, 1.0)))


@dataclass(frozen=True)
class TargetDistribution:
    """Target ``p(tau) = p`` exactly (to the optimiser's tolerance).

    Parameters
    ----------
    p : array_like, shape (S,)
        A distribution with every entry > 0 (a zero entry is reachable only in infinite time).
    """

    p: np.ndarray

    def __post_init__(self):
        p = as_float_array("p", self.p)
        if p.ndim != 1 or np.any(p <= 0) or abs(p.sum() - 1.0) > 1e-9:
            raise ValueError("p must be a 1-d distribution with every entry > 0, summing to 1")
        p = p / p.sum()
        p.flags.writeable = False
        object.__setattr__(self, "p", p)


@dataclass(frozen=True, eq=False)
class Problem:
    """An optimal-control problem on a hopping model over ``[0, tau]``.

    Parameters
    ----------
    model : HopModel
        The device: its (constant) energies and barriers are the base the controls move, its rate
        law and ``J_max`` the dynamics. Drives must be zero.
    controls : sequence of Control
        The free inputs, at least one.
    tau : float
        Duration, > 0, in ``1 / J_max``.
    p0 : array_like, shape (S,)
        Initial distribution.
    target : MaxError, TargetDistribution or None
        What the final law must satisfy (None: nothing, as for moving a trap).
    objective : {"work", "heat", "entropy_production"}, optional
        Mean work done on the system (end jumps included), heat released to the bath, or total
        entropy production ``Delta S_sys + Q``.
    n_steps : int, optional
        Number of equal steps of the piecewise-constant controls (>= 1).
    max_rate : float, optional
        Rate cap: every hop rate ``<= max_rate`` at every step (for the Arrhenius law, barrier top
        at or above the upper well when ``max_rate = J_max``).
    """

    model: HopModel
    controls: tuple
    tau: float
    p0: np.ndarray
    target: object = None
    objective: str = "work"
    n_steps: int = 32
    max_rate: float | None = None
    weights: tuple = field(init=False, repr=False)

    def __post_init__(self):
        m = self.model
        if not isinstance(m, HopModel):
            raise TypeError(f"model must be a HopModel: got {type(m).__name__}")
        fixed = m.energies + m.barriers
        if not all(isinstance(p, Constant) for p in fixed):
            raise ValueError("model must have constant energies and barriers: the controls move them")
        if np.any(m.drives):
            raise ValueError("model must have zero drives: the optimiser does not control drives")
        ctrls = tuple(self.controls) if not isinstance(self.controls, Control) else (self.controls,)
        if not ctrls or not all(isinstance(c, Control) for c in ctrls):
            raise TypeError("controls must be a non-empty sequence of Control")
        names = [c.name for c in ctrls]
        if len(set(names)) != len(names):
            raise ValueError(f"controls must have distinct names: got {names}")
        weights = tuple(c.resolved(m.n_states, m.n_edges) for c in ctrls)
        p0 = _check_p0(self.p0, m.n_states)
        p0.flags.writeable = False
        target = self.target
        if isinstance(target, MaxError):
            if max(target.states) >= m.n_states:
                raise ValueError(f"target.states must lie in 0..{m.n_states - 1}: got {target.states}")
        elif target is None:
            pass
        elif isinstance(target, TargetDistribution):
            if target.p.shape != (m.n_states,):
                raise ValueError(f"target.p must have one entry per state ({m.n_states})")
        else:
            raise TypeError("target must be a MaxError, a TargetDistribution or None")
        if self.objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {OBJECTIVES}: got {self.objective!r}")
        cap = None if self.max_rate is None else float(check_positive("max_rate", self.max_rate))
        object.__setattr__(self, "controls", ctrls)
        object.__setattr__(self, "tau", float(check_positive("tau", self.tau)))
        object.__setattr__(self, "p0", p0)
        object.__setattr__(self, "n_steps", check_int("n_steps", self.n_steps, minimum=1))
        object.__setattr__(self, "max_rate", cap)
        object.__setattr__(self, "weights", weights)

    @property
    def n_controls(self) -> int:
        return len(self.controls)

    @property
    def times(self) -> np.ndarray:
        """Step boundaries ``0 = t_0 < ... < t_N = tau``."""
        return np.linspace(0.0, self.tau, self.n_steps + 1)

    def with_steps(self, n_steps: int) -> Problem:
        """The same problem on a different number of steps."""
        return Problem(self.model, self.controls, self.tau, self.p0, self.target, self.objective,
                       n_steps, self.max_rate)

    def inputs(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Energies ``(K, S)`` and barriers ``(K, n_edges)`` for control values ``u`` of shape ``(K, C)``."""
        base_e = np.array([p.value for p in self.model.energies])
        base_b = np.array([p.value for p in self.model.barriers])
        a = np.stack([w[0] for w in self.weights])  # (C, S)
        b = np.stack([w[1] for w in self.weights])  # (C, m)
        return base_e + u @ a, base_b + u @ b

    @property
    def initial_values(self) -> np.ndarray:
        return np.array([c.initial for c in self.controls])

    @property
    def final_values(self) -> np.ndarray:
        return np.array([c.final for c in self.controls])
