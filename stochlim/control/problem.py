"""What is optimised: controls, device constraints, the target on the final law and the objective.

A control ``u_c(t)`` moves the inputs of a :class:`~stochlim.models.HopModel` linearly,

``E_x(t) = E_x + sum_c u_c(t) a_cx``,  ``E0_e(t) = E0_e + sum_c u_c(t) b_ce``,
``f_e(t) = f_e + sum_c u_c(t) d_ce``,

around the model's own (constant) energies ``E_x``, barriers ``E0_e`` and drives ``f_e``. One control can be the
energy of one state (:func:`energy`), the barrier of one edge (:func:`barrier`), the drive of one
edge (:func:`drive`), or a whole shape
such as the tilt or the barrier height of a landscape (:func:`Control` with weight vectors). Before
``0`` each control holds ``initial`` and from ``tau`` on ``final``, so the end-point jumps of the
optimal protocols (Schmiedl & Seifert, PRL 98, 108301 (2007)) are part of every candidate - unless
``end_jumps=False``, which pins the first and last knots of piecewise-linear controls to ``initial``
and ``final`` (a device that cannot switch abruptly). On ``[0, tau)`` a control is one of two
parametrisations of its free values ``x``:

* piecewise constant (``knots=None``): one free value per step of ``n_steps`` equal steps;
* piecewise linear (``knots=K``): free values at ``K`` equally spaced knots ``0 = s_0 < ... <
  s_{K-1} = tau``, linear in between. The master equation is integrated exactly on ``n_steps`` equal
  sub-steps with the control held at its value at each sub-step's midpoint - the midpoint rule for
  the time-ordered exponential, whose error in every mean falls as ``n_steps^-2`` - so the values
  and gradients are exact for that sub-step protocol and the continuous ramps are its limit.

Both are linear maps ``u = B x`` from the free values to the step values (``Problem.basis``: the
identity, or the hat functions of the knots at the sub-step midpoints), so the objective, the
target, the rate cap and their gradients (``B^T`` times the step gradients) are shared.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from .._budget import check_memory
from .._validation import as_float_array, check_bool, check_int, check_interval, check_positive
from ..master import _check_p0
from ..models import HopModel
from ..protocols import Constant

__all__ = ["OBJECTIVES", "Control", "MaxError", "Problem", "TargetDistribution", "barrier", "drive", "energy"]

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
    drive_weights : array_like, shape (n_edges,), optional
        ``d_e``: the drive of edge ``e`` (kT per jump as the edge is written) changes by ``d_e u``.
    lower, upper : float, optional
        Bounds on ``u`` at every step (a device's barrier range or largest tilt), lower < upper.
    initial, final : float, optional
        Value before ``t = 0`` and from ``t = tau`` on (``final`` defaults to ``initial``).

    Raises
    ------
    TypeError
        If ``name`` is not a non-empty string, or a bound or value is not a real number.
    ValueError
        If ``lower`` is not below ``upper``, or ``initial``/``final`` is not finite.

    Examples
    --------
    >>> from stochlim.control import Control
    >>> tilt = Control("tilt", energy_weights=[0.5, -0.5], lower=-10.0, upper=10.0, final=2.0)
    >>> tilt.initial, tilt.final
    (0.0, 2.0)
    >>> a, b, d = tilt.resolved(2, 1)
    >>> a.tolist(), b.tolist()
    ([0.5, -0.5], [0.0])
    """

    name: str
    energy_weights: object = None
    barrier_weights: object = None
    lower: float = -np.inf
    upper: float = np.inf
    initial: float = 0.0
    final: float | None = None
    drive_weights: object = None

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

    def resolved(self, n_states: int, n_edges: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The weight vectors ``(a, b, d)`` as arrays of the model's sizes.

        Parameters
        ----------
        n_states, n_edges : int
            Sizes of the model the control acts on.

        Returns
        -------
        tuple of numpy.ndarray
            Energy weights (shape ``(n_states,)``), barrier and drive weights (``(n_edges,)``);
            an absent vector is zeros, a single number is broadcast.

        Raises
        ------
        ValueError
            If a weight vector has neither one entry nor one per state/edge.

        Examples
        --------
        >>> a, b, d = Control("lift", energy_weights=1.0, drive_weights=[0.0, 2.0]).resolved(3, 2)
        >>> a.tolist(), b.tolist(), d.tolist()   # one number broadcast, an absent vector zeros
        ([1.0, 1.0, 1.0], [0.0, 0.0], [0.0, 2.0])
        """
        a = _weights(f"{self.name}.energy_weights", self.energy_weights, n_states)
        b = _weights(f"{self.name}.barrier_weights", self.barrier_weights, n_edges)
        d = _weights(f"{self.name}.drive_weights", self.drive_weights, n_edges)
        return a, b, d


def energy(state: int, n_states: int, **bounds) -> Control:
    """A control that is the energy (kT, above the model's own) of one state.

    Parameters
    ----------
    state : int
        The state, in ``0 .. n_states - 1``.
    n_states : int
        Number of states of the model.
    **bounds
        ``lower``, ``upper``, ``initial``, ``final`` of :class:`Control`.

    Returns
    -------
    Control
        Named ``"energy[state]"``.

    Raises
    ------
    TypeError
        If ``state`` is not an integer.
    ValueError
        If ``state`` is negative or ``>= n_states``, or the bounds are invalid.

    Examples
    --------
    >>> from stochlim.control import energy
    >>> c = energy(1, 2, lower=-40.0, upper=40.0)
    >>> c.name, c.energy_weights.tolist()
    ('energy[1]', [0.0, 1.0])
    """
    s = check_int("state", state, minimum=0)
    if s >= n_states:
        raise ValueError(f"state must be one of 0..{n_states - 1}: got {s}")
    return Control(f"energy[{s}]", energy_weights=np.eye(n_states)[s], **bounds)


def _unit_edge(edge: int, n_edges: int) -> tuple[int, np.ndarray]:
    e = check_int("edge", edge, minimum=0)
    if e >= n_edges:
        raise ValueError(f"edge must be one of 0..{n_edges - 1}: got {e}")
    return e, np.eye(n_edges)[e]


def barrier(edge: int, n_edges: int, **bounds) -> Control:
    """A control that is the barrier (kT, above the model's own) of one edge.

    Parameters
    ----------
    edge : int
        The edge, in ``0 .. n_edges - 1``.
    n_edges : int
        Number of edges of the model.
    **bounds
        ``lower``, ``upper``, ``initial``, ``final`` of :class:`Control`.

    Returns
    -------
    Control
        Named ``"barrier[edge]"``.

    Raises
    ------
    TypeError
        If ``edge`` is not an integer.
    ValueError
        If ``edge`` is negative or ``>= n_edges``, or the bounds are invalid.

    Examples
    --------
    >>> from stochlim.control import barrier
    >>> c = barrier(0, 1, initial=2.0)
    >>> c.name, c.barrier_weights.tolist(), c.final
    ('barrier[0]', [1.0], 2.0)
    """
    e, unit = _unit_edge(edge, n_edges)
    return Control(f"barrier[{e}]", barrier_weights=unit, **bounds)


def drive(edge: int, n_edges: int, **bounds) -> Control:
    """A control that is the drive (kT per jump along the edge as written, above the model's own)
    of one edge: non-conservative work done at every jump, as a voltage or a chemical potential
    difference does.

    Parameters
    ----------
    edge : int
        The edge, in ``0 .. n_edges - 1``.
    n_edges : int
        Number of edges of the model.
    **bounds
        ``lower``, ``upper``, ``initial``, ``final`` of :class:`Control`.

    Returns
    -------
    Control
        Named ``"drive[edge]"``.

    Raises
    ------
    TypeError
        If ``edge`` is not an integer.
    ValueError
        If ``edge`` is negative or ``>= n_edges``, or the bounds are invalid.

    Examples
    --------
    >>> from stochlim.control import drive
    >>> c = drive(2, 3, lower=-5.0, upper=5.0)
    >>> c.name, c.drive_weights.tolist()
    ('drive[2]', [0.0, 0.0, 1.0])
    """
    e, unit = _unit_edge(edge, n_edges)
    return Control(f"drive[{e}]", drive_weights=unit, **bounds)


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

    Raises
    ------
    TypeError
        If a state is not an integer.
    ValueError
        If ``states`` is empty or has a negative entry, or ``eps`` lies outside (0, 1).

    Examples
    --------
    >>> from stochlim.control import MaxError
    >>> MaxError([1], 0.01)
    MaxError(states=(1,), eps=0.01)
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

    Raises
    ------
    ValueError
        If ``p`` is not 1-d, has an entry <= 0, or does not sum to 1 (to 1e-9).

    Examples
    --------
    >>> from stochlim.control import TargetDistribution
    >>> TargetDistribution([0.9, 0.1]).p.tolist()
    [0.9, 0.1]
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
        The device: its (constant) energies, barriers and drives are the base the controls move,
        its rate law and ``J_max`` the dynamics.
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
        Number of equal steps: of the piecewise-constant controls, or the sub-steps on which the
        piecewise-linear ones are integrated (>= 1, and >= ``knots - 1``).
    max_rate : float, optional
        Rate cap: every hop rate ``<= max_rate`` at every step (for the Arrhenius law, barrier top
        at or above the upper well when ``max_rate = J_max``). Piecewise-linear controls are held
        to it at the sub-step midpoints, the values the propagation uses; between a knot and the
        nearest midpoint the continuous ramp may exceed it by ``O(tau / n_steps)`` in ``ln k``.
    knots : int, optional
        None (default): piecewise-constant controls. An integer ``K >= 2``: piecewise-linear
        controls with free values at ``K`` equally spaced knots from ``0`` to ``tau``.
    end_jumps : bool, optional
        True (default): the controls may jump at ``0`` (from ``initial``) and at ``tau`` (to
        ``final``). False: continuous protocols - the first and last knots are held at ``initial``
        and ``final`` (piecewise-linear controls with ``K >= 3`` knots only).

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`~stochlim.models.HopModel`, ``controls`` is not a non-empty
        sequence of :class:`Control`, ``target`` is of another type, ``n_steps``/``knots`` is not
        an integer, or ``end_jumps`` is not a bool.
    ValueError
        If the model's energies or barriers are not constant, control names repeat, the target's
        states or distribution do not fit the model, ``objective`` is unknown, ``tau`` or
        ``max_rate`` is not positive, ``p0`` is not a distribution, or ``n_steps < knots - 1``;
        with ``end_jumps=False``, if the controls are piecewise constant, ``knots < 3``, or a
        control's ``initial`` or ``final`` lies outside its bounds.
    MemoryError
        If the basis (``n_steps`` x free values) and the optimiser's matrices (free values
        squared) would not fit in this machine's memory.

    Examples
    --------
    >>> from stochlim.control import MaxError, Problem, barrier, energy
    >>> from stochlim.models import two_state
    >>> bit = two_state(0.0, rate_law="arrhenius")
    >>> prob = Problem(bit, [energy(1, 2), barrier(0, 1)], 4.0, [0.5, 0.5], MaxError([1], 0.01),
    ...                n_steps=8, max_rate=1.0)
    >>> prob.n_controls, prob.n_params, prob.times.shape
    (2, 8, (9,))
    """

    model: HopModel
    controls: tuple
    tau: float
    p0: np.ndarray
    target: object = None
    objective: str = "work"
    n_steps: int = 32
    max_rate: float | None = None
    knots: int | None = None
    end_jumps: bool = True
    weights: tuple = field(init=False, repr=False)
    basis: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        m = self.model
        if not isinstance(m, HopModel):
            raise TypeError(f"model must be a HopModel: got {type(m).__name__}")
        fixed = m.energies + m.barriers
        if not all(isinstance(p, Constant) for p in fixed):
            raise ValueError("model must have constant energies and barriers: the controls move them")
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
        k = None if self.knots is None else check_int("knots", self.knots, minimum=2)
        free = (self.n_steps if k is None else k) * len(ctrls)
        # the basis (n_steps x free values) and the optimiser's Jacobian and Hessian (free x free)
        check_memory("n_steps", f"{self.n_steps}" + ("" if k is None else f", knots = {k}"),
                     8.0 * (self.n_steps * free + 2.0 * free * free), "optimiser's basis and matrices")
        if k is None:
            basis = np.eye(self.n_steps)
        else:
            if self.n_steps < k - 1:
                raise ValueError(f"n_steps must be >= knots - 1 = {k - 1} so that every knot moves a step: "
                                 f"got {self.n_steps}")
            object.__setattr__(self, "knots", k)
            mid = (np.arange(self.n_steps) + 0.5) / self.n_steps  # sub-step midpoints / tau
            basis = np.maximum(0.0, 1.0 - np.abs(mid[:, None] * (k - 1) - np.arange(k)[None, :]))
        basis.flags.writeable = False
        object.__setattr__(self, "basis", basis)
        object.__setattr__(self, "end_jumps", check_bool("end_jumps", self.end_jumps))
        if not self.end_jumps:
            self._check_pinned_ends()

    def _check_pinned_ends(self) -> None:
        if self.knots is None:
            raise ValueError("end_jumps=False needs piecewise-linear controls (knots): piecewise-constant "
                             "ones jump at every step")
        if self.knots < 3:
            raise ValueError(f"end_jumps=False pins the first and last knots: knots must be >= 3 to leave a "
                             f"free value, got {self.knots}")
        for c in self.controls:
            if not (c.lower <= c.initial <= c.upper and c.lower <= c.final <= c.upper):
                raise ValueError(
                    f"end_jumps=False holds control {c.name!r} at initial = {c.initial:g} at t = 0 and final = "
                    f"{c.final:g} at tau, which must lie within its bounds [{c.lower:g}, {c.upper:g}]")

    @property
    def n_controls(self) -> int:
        """Number of controls ``C``.

        Examples
        --------
        >>> from stochlim.models import two_state
        >>> Problem(two_state(0.0), [energy(1, 2)], 1.0, [0.5, 0.5]).n_controls
        1
        """
        return len(self.controls)

    @property
    def n_params(self) -> int:
        """Free values per control: ``n_steps``, or ``knots`` for piecewise-linear controls.

        Examples
        --------
        >>> from stochlim.models import two_state
        >>> prob = Problem(two_state(0.0), [energy(1, 2)], 1.0, [0.5, 0.5], n_steps=16)
        >>> prob.n_params, prob.with_steps(16, knots=5).n_params
        (16, 5)
        """
        return self.basis.shape[1]

    @property
    def times(self) -> np.ndarray:
        """Step boundaries ``0 = t_0 < ... < t_N = tau``.

        Examples
        --------
        >>> from stochlim.models import two_state
        >>> Problem(two_state(0.0), [energy(1, 2)], 2.0, [0.5, 0.5], n_steps=4).times.tolist()
        [0.0, 0.5, 1.0, 1.5, 2.0]
        """
        return np.linspace(0.0, self.tau, self.n_steps + 1)

    @property
    def knot_times(self) -> np.ndarray | None:
        """Knot times ``0 .. tau`` of piecewise-linear controls (None for piecewise constant).

        Examples
        --------
        >>> from stochlim.models import two_state
        >>> prob = Problem(two_state(0.0), [energy(1, 2)], 2.0, [0.5, 0.5], n_steps=8, knots=3)
        >>> prob.knot_times.tolist()
        [0.0, 1.0, 2.0]
        >>> print(Problem(two_state(0.0), [energy(1, 2)], 2.0, [0.5, 0.5]).knot_times)
        None
        """
        return None if self.knots is None else np.linspace(0.0, self.tau, self.knots)

    def with_steps(self, n_steps: int, knots: int | None = None) -> Problem:
        """The same problem on a different number of steps (and knots, for piecewise-linear controls).

        Parameters
        ----------
        n_steps : int
            Number of equal steps (or sub-steps), >= 1.
        knots : int, optional
            Number of knots of piecewise-linear controls (default: this problem's).

        Returns
        -------
        Problem
            A new, validated problem; this one is unchanged.

        Examples
        --------
        >>> from stochlim.models import two_state
        >>> prob = Problem(two_state(0.0), [energy(1, 2)], 2.0, [0.5, 0.5], n_steps=8)
        >>> prob.with_steps(32).n_steps, prob.n_steps
        (32, 8)
        """
        return replace(self, n_steps=n_steps, knots=knots if knots is not None else self.knots)

    def step_values(self, x: np.ndarray) -> np.ndarray:
        """Control values ``u = B x`` on each step from the free values ``x``.

        Parameters
        ----------
        x : ndarray, shape (n_params, C)
            Free values of each control (step values, or knot values of piecewise-linear ones).

        Returns
        -------
        ndarray, shape (n_steps, C)
            Value of each control on each step (at each sub-step midpoint for knots).

        Examples
        --------
        >>> from stochlim.models import two_state
        >>> prob = Problem(two_state(0.0), [energy(1, 2)], 1.0, [0.5, 0.5], n_steps=4, knots=2)
        >>> prob.step_values(np.array([[0.0], [4.0]])).ravel().tolist()   # the ramp at midpoints
        [0.5, 1.5, 2.5, 3.5]
        """
        return self.basis @ x

    def inputs(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Energies and barriers of the model under control values ``u``.

        Parameters
        ----------
        u : ndarray, shape (K, C)
            Values of the ``C`` controls at ``K`` instants.

        Returns
        -------
        energies : ndarray, shape (K, S)
            Well energies in kT, the model's own plus the controls' shifts.
        barriers : ndarray, shape (K, n_edges)
            Barriers in kT.

        Examples
        --------
        >>> from stochlim.models import two_state
        >>> prob = Problem(two_state(1.0), [energy(1, 2), barrier(0, 1)], 1.0, [0.5, 0.5])
        >>> e, b = prob.inputs(np.array([[2.0, 3.0]]))
        >>> e.tolist(), b.tolist()
        ([[0.0, 2.0]], [[4.0]])
        """
        base_e = np.array([p.value for p in self.model.energies])
        base_b = np.array([p.value for p in self.model.barriers])
        return base_e + u @ self.weight_matrix(0), base_b + u @ self.weight_matrix(1)

    def drives(self, u: np.ndarray) -> np.ndarray:
        """Drives of the edges under control values ``u``.

        Parameters
        ----------
        u : ndarray, shape (K, C)
            Values of the ``C`` controls at ``K`` instants.

        Returns
        -------
        ndarray, shape (K, n_edges)
            Drive of each edge in kT per jump, the model's own plus the controls' shifts.

        Examples
        --------
        >>> from stochlim.models import two_state
        >>> prob = Problem(two_state(1.0), [drive(0, 1)], 1.0, [0.5, 0.5])
        >>> prob.drives(np.array([[0.0], [1.5]])).tolist()
        [[0.0], [1.5]]
        """
        return self.model.drives + u @ self.weight_matrix(2)

    def weight_matrix(self, kind: int) -> np.ndarray:
        """Stacked weight vectors of one kind of input, one row per control.

        Parameters
        ----------
        kind : {0, 1, 2}
            Energies (0), barriers (1) or drives (2).

        Returns
        -------
        ndarray
            Shape ``(C, S)`` for the energies, ``(C, n_edges)`` for barriers or drives.

        Examples
        --------
        >>> from stochlim.models import two_state
        >>> prob = Problem(two_state(1.0), [energy(1, 2), barrier(0, 1)], 1.0, [0.5, 0.5])
        >>> prob.weight_matrix(0).tolist(), prob.weight_matrix(1).tolist()
        ([[0.0, 1.0], [0.0, 0.0]], [[0.0], [1.0]])
        """
        return np.stack([w[kind] for w in self.weights])

    @property
    def controls_drives(self) -> bool:
        """Whether a control moves a drive (the drives then change in time).

        Examples
        --------
        >>> from stochlim.models import two_state
        >>> Problem(two_state(1.0), [drive(0, 1)], 1.0, [0.5, 0.5]).controls_drives
        True
        """
        return bool(np.any(self.weight_matrix(2)))

    @property
    def initial_values(self) -> np.ndarray:
        """Value of each control before ``t = 0``, shape ``(C,)``.

        Examples
        --------
        >>> from stochlim.models import two_state
        >>> ctrls = [energy(1, 2, initial=1.0, final=3.0), barrier(0, 1)]
        >>> Problem(two_state(1.0), ctrls, 1.0, [0.5, 0.5]).initial_values.tolist()
        [1.0, 0.0]
        """
        return np.array([c.initial for c in self.controls])

    @property
    def final_values(self) -> np.ndarray:
        """Value of each control from ``t = tau`` on, shape ``(C,)``.

        Examples
        --------
        >>> from stochlim.models import two_state
        >>> ctrls = [energy(1, 2, initial=1.0, final=3.0), barrier(0, 1)]
        >>> Problem(two_state(1.0), ctrls, 1.0, [0.5, 0.5]).final_values.tolist()
        [3.0, 0.0]
        """
        return np.array([c.final for c in self.controls])
