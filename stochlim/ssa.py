"""Exact stochastic simulation of a :class:`~stochlim.models.HopModel` with per-trajectory energetics.

One function, :func:`simulate`, in front of a registry of exact methods (:data:`SOLVERS`; their
names, with ``"auto"``, are :data:`METHODS`, the same shape as :data:`stochlim.master.METHODS`):

============  ===============================================  ==========================================
method        exact when                                       algorithm
============  ===============================================  ==========================================
``direct``    every input constant on ``[0, t_end]``           Gillespie (1977) direct method
``restart``   inputs piecewise constant                        direct method, clocks redrawn at every
                                                               breakpoint (memorylessness makes it exact)
``hazard``    every log-rate linear in ``t`` between knots     closed-form integrated hazard per edge,
              (Arrhenius with piecewise-linear inputs; paper   earliest firing wins (Anderson 2007)
              law when only barriers move)
``thinning``  always (piecewise-linear inputs, either law)     thinning against a per-segment rate
                                                               bound (Lewis & Shedler 1979)
============  ===============================================  ==========================================

``method="auto"`` takes the first exact one in that order (cheapest first); naming a method that is
not exact for the model raises ``ValueError``. None of them freezes a rate between events, which is
wrong by O(1) whenever a rate changes within one waiting time.

Energetics (kT, heat counted as released to the bath): a jump ``x -> y`` at time ``t`` releases
``q = E_x(t) - E_y(t) + f_xy`` and receives the drive work ``f_xy``; between jumps the work
``int dE_x(t)/dt dt`` is done on the occupied well. So ``E_final - E_initial = W - Q`` on every
trajectory to rounding, and the medium entropy change is ``Q`` (in k_B).

Randomness: ``rng`` (``None | int | SeedSequence | Generator``) yields one 64-bit root key;
trajectory ``i`` draws from its own xoshiro256** stream seeded from ``(root, i)`` through splitmix64
(contract in ``stochlim._kernels.ssa``). Results are therefore identical for any number of threads,
and a trajectory can be re-run alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import _budget, _kernels, ensemble_stats
from ._deprecation import renamed_kwarg, warn
from ._validation import (
    as_float_array,
    check_int,
    check_positive,
    freeze_arrays,
    output_times,
)
from .models import THINNING_LOG_SLACK, HopModel, LoweredModel
from .physics import log_rate_prefactor
from .streams import provenance, root_key

__all__ = ["METHODS", "SOLVERS", "RECORDS", "Ensemble", "Method", "simulate", "root_key", "plan",
           "target_mask"]

#: What :func:`simulate` can record besides the per-trajectory summary.
RECORDS = ("summary", "grid", "events")

_EMPTY_2D = np.zeros((1, 1))


def _rates_of(lowered: LoweredModel, log_rates: np.ndarray, what: str) -> np.ndarray:
    """``exp`` of log-rates, refusing those whose waiting times would be below float resolution."""
    refused = LoweredModel.rate_overflow(log_rates, float(lowered.seg_times[-1]), what)
    if refused is not None:
        raise ValueError(refused)
    return np.exp(log_rates)


def _per_state_totals(lowered: LoweredModel, rates: np.ndarray) -> np.ndarray:
    """Sum of out-edge rates of every state on every segment (0 for absorbing states)."""
    padded = np.concatenate((rates, np.zeros((rates.shape[0], 1))), axis=1)
    ptr = lowered.out_ptr
    sums = np.add.reduceat(padded, ptr[:-1], axis=1)
    sums[:, ptr[1:] == ptr[:-1]] = 0.0
    return np.ascontiguousarray(sums)


@dataclass(frozen=True)
class Method:
    """An exact simulation method: when it is exact and what tables its kernel needs.

    The registered instances are the values of :data:`SOLVERS`; users name them by ``method=``.

    Parameters
    ----------
    name : str
        The name ``method=`` takes.
    kernel : int
        The code of its compiled kernel (``stochlim._kernels``).
    refine : float, optional
        For thinning: the largest change of a log-rate bound within one segment (the model is
        split more finely to keep it), ``None`` for no refinement.

    Examples
    --------
    >>> from stochlim.models import driven_bit
    >>> lowered = driven_bit().lower(2.0)   # well 1 ramped: inputs change in time
    >>> SOLVERS["thinning"].not_exact_because(lowered) is None
    True
    >>> SOLVERS["direct"].not_exact_because(lowered) is None
    False
    """

    name: str
    kernel: int
    refine: float | None = None

    def not_exact_because(self, lowered: LoweredModel) -> str | None:
        """Why the method is not exact for ``lowered``, or ``None`` when it is.

        Parameters
        ----------
        lowered : LoweredModel
            The model as arrays on its time segments (:meth:`HopModel.lower`).

        Returns
        -------
        str or None
            The reason, naming the methods that are exact instead; ``None`` when this one is.

        Examples
        --------
        >>> from stochlim.models import driven_bit
        >>> print(SOLVERS["direct"].not_exact_because(driven_bit().lower(2.0)))
        the inputs change in time before t_end (use 'restart', 'hazard' or 'thinning')
        """
        raise NotImplementedError

    def tables(self, lowered: LoweredModel):
        """The rate tables the method's kernel reads.

        Parameters
        ----------
        lowered : LoweredModel
            The model as arrays on its time segments, one the method is exact for.

        Returns
        -------
        rate_a, rate_b, total : ndarray
            Per segment and directed edge (``rate_a``, and ``rate_b`` where the method needs a
            second table, else a ``(1, 1)`` placeholder) and per segment and state (``total``):
            the rates, log-rate slopes or rate bounds the method works with.

        Raises
        ------
        ValueError
            If a rate would make waiting times fall below float64's resolution
            (:meth:`LoweredModel.rate_overflow`).

        Examples
        --------
        >>> from stochlim.models import two_state
        >>> rates, _, total = SOLVERS["direct"].tables(two_state(1.0, energies=(0.0, 1.0)).lower(1.0))
        >>> np.round(rates, 6).tolist(), bool(np.allclose(rates, total))   # one out-edge per state
        ([[0.197876, 0.537883]], True)
        """
        raise NotImplementedError


class _Direct(Method):
    """Gillespie (1977) direct method: constant rates."""

    def not_exact_because(self, lowered):
        if lowered.n_segments > 1 or not lowered.is_piecewise_constant:
            return "the inputs change in time before t_end (use 'restart', 'hazard' or 'thinning')"
        return None

    def tables(self, lowered):
        rates = _rates_of(lowered, lowered.log_rates("start"), "rate")
        return rates, _EMPTY_2D, _per_state_totals(lowered, rates)


class _Restart(_Direct):
    """Direct method with an exact restart at each breakpoint of piecewise-constant inputs."""

    def not_exact_because(self, lowered):
        if not lowered.is_piecewise_constant:
            return "an input changes continuously (PiecewiseLinear); use 'hazard' or 'thinning'"
        return None


class _Hazard(Method):
    """Closed-form integrated hazard for rates exponential in time (Anderson 2007)."""

    def not_exact_because(self, lowered):
        if not lowered.is_exp_linear:
            return (
                "with the paper rate law a bias that changes in time makes the rates "
                "non-exponential in t; use 'thinning'"
            )
        return None

    def tables(self, lowered):
        log0 = lowered.log_rates("start")
        _rates_of(lowered, np.maximum(log0, lowered.log_rates("end")), "rate")
        return np.ascontiguousarray(log0), np.ascontiguousarray(lowered.log_rate_slope()), _EMPTY_2D


class _Thinning(Method):
    """Thinning against a per-segment bound of the total rate (Lewis & Shedler 1979)."""

    def not_exact_because(self, lowered):
        return None

    def tables(self, lowered):
        bounds = _rates_of(lowered, lowered.log_rate_bound(), "rate bound")
        return _EMPTY_2D, _EMPTY_2D, _per_state_totals(lowered, bounds)


#: Exact methods by name, cheapest first (the order ``"auto"`` tries them in).
SOLVERS = {
    m.name: m
    for m in (
        _Direct("direct", _kernels.TABLE),
        _Restart("restart", _kernels.TABLE),
        _Hazard("hazard", _kernels.HAZARD),
        _Thinning("thinning", _kernels.THINNING, refine=THINNING_LOG_SLACK),
    )
}



class _MethodNames(tuple):
    """A tuple of names that still answers the old dict use of ``METHODS`` (deprecated)."""

    def __getitem__(self, key):
        if isinstance(key, str):
            warn("ssa.METHODS[name]", "ssa.SOLVERS[name]")
            return SOLVERS[key]
        return super().__getitem__(key)

    def values(self):
        warn("ssa.METHODS.values()", "ssa.SOLVERS.values()")
        return SOLVERS.values()

    def items(self):
        warn("ssa.METHODS.items()", "ssa.SOLVERS.items()")
        return SOLVERS.items()


#: Names ``method=`` accepts: ``"auto"`` and the exact methods of :data:`SOLVERS`.
METHODS = _MethodNames(("auto", *SOLVERS))


def _start(model: HopModel, lowered: LoweredModel, n_traj: int, p0, x0):
    """``(x0s, p0_cum)`` for the kernel: explicit start states or a start distribution."""
    s = model.n_states
    if p0 is not None and x0 is not None:
        raise ValueError("give p0 or x0, not both")
    if x0 is not None:
        arr = np.asarray(x0)
        if arr.dtype.kind not in "iu" and not (arr.dtype.kind == "f" and np.all(arr == np.floor(arr))):
            raise ValueError(f"x0 must hold integer states: got {x0!r}")
        arr = np.broadcast_to(arr.astype(np.int64), (n_traj,)) if arr.ndim == 0 else arr.astype(np.int64)
        if arr.shape != (n_traj,):
            raise ValueError(f"x0 must be one state or one per trajectory ({n_traj}): got shape {arr.shape}")
        bad = (arr < 0) | (arr >= s)
        if bad.any():
            raise ValueError(f"x0 must name states 0..{s - 1}: got {arr[bad][0]}")
        return np.ascontiguousarray(arr), np.ones(1)
    if p0 is None:
        p = model.equilibrium(0.0)
    else:
        p = as_float_array("p0", p0)
        if p.shape != (s,):
            raise ValueError(f"p0 must be a probability vector of length {s}: got shape {p.shape}")
        if np.any(p < 0):
            raise ValueError(f"p0 must be a probability vector: negative entry {p[p < 0][0]!r}")
        if abs(p.sum() - 1.0) > 1e-9:
            raise ValueError(f"p0 must be a probability vector: its entries sum to {p.sum()!r}, not 1")
    cum = np.cumsum(p)
    cum[-1] = 1.0
    cum[p.size - 1 - np.argmax(p[::-1] > 0):] = 1.0  # trailing zero-probability states unreachable
    return np.empty(0, dtype=np.int64), cum


def target_mask(target, n_states: int, name: str = "stop") -> np.ndarray:
    """A validated target set as a read-only uint8 mask over states.

    ``target`` is a state, a sequence of states or a boolean mask; ``name`` is the argument named in
    errors. An empty target, or one covering every state, is refused.

    Parameters
    ----------
    target : int, sequence of int or array_like of bool
        The target states, or a boolean mask with one entry per state.
    n_states : int
        Number of states of the model.
    name : str, optional
        The argument named in error messages.

    Returns
    -------
    ndarray of uint8, shape (n_states,)
        Read-only mask, 1 on the target states.

    Raises
    ------
    ValueError
        If the target is empty, names a state outside ``0 .. n_states - 1``, is neither states nor
        a boolean mask, is a mask of the wrong length, or covers every state.

    Examples
    --------
    >>> target_mask([1, 2], 4).tolist()
    [0, 1, 1, 0]
    >>> target_mask(np.array([False, True]), 2).tolist()
    [0, 1]
    """
    arr = np.asarray(target)
    if arr.size == 0:
        raise ValueError(f"{name} is empty: it must name at least one state")
    if arr.dtype == bool:
        if arr.shape != (n_states,):
            raise ValueError(f"{name} as a boolean mask must have one entry per state ({n_states}): "
                             f"got shape {arr.shape}")
        mask = arr.astype(np.uint8)
    else:
        if arr.dtype.kind not in "iu" or arr.ndim > 1:
            raise ValueError(f"{name} must be a state, a sequence of states or a boolean mask: "
                             f"got {target!r}")
        states = arr.ravel()
        bad = (states < 0) | (states >= n_states)
        if bad.any():
            raise ValueError(f"{name} must name states 0..{n_states - 1}: got {states[bad][0]}")
        mask = np.zeros(n_states, dtype=np.uint8)
        mask[states] = 1
    if not mask.any():
        raise ValueError(f"{name} is empty: it must name at least one state")
    if mask.all():
        raise ValueError(f"{name} covers every state: every first passage would be at t = 0")
    mask.flags.writeable = False
    return mask


def _check_start_outside(mask: np.ndarray, x0s: np.ndarray, p0_cum: np.ndarray) -> None:
    """Refuse starts inside the target: their first-passage time would be 0."""
    if x0s.size:
        inside = mask[x0s].astype(bool)
        if inside.any():
            raise ValueError(f"x0 starts trajectory {int(np.argmax(inside))} in state "
                             f"{int(x0s[inside][0])}, inside stop: its first-passage time is 0")
        return
    p = np.diff(np.concatenate(([0.0], p0_cum)))
    mass = float(p[mask.astype(bool)].sum())
    if mass > 0:
        raise ValueError(f"p0 puts probability {mass:.3g} on the states of stop, whose first-passage "
                         "time is 0 (p0 defaults to the Boltzmann law at t = 0): give a p0 or x0 "
                         "outside the target")


def _choose(method, lowered: LoweredModel) -> Method:
    if method == "auto":
        return next(m for m in SOLVERS.values() if m.not_exact_because(lowered) is None)
    if not isinstance(method, str) or method not in SOLVERS:
        raise ValueError(f"method must be one of {METHODS}: got {method!r}")
    chosen = SOLVERS[method]
    reason = chosen.not_exact_because(lowered)
    if reason is not None:
        raise ValueError(f"method={method!r} is not exact for this model: {reason}")
    return chosen


@dataclass(frozen=True)
class Plan:
    """Everything a simulator needs, validated and lowered (shared by kernel and reference)."""

    model: HopModel
    lowered: LoweredModel
    method: Method
    n_trajectories: int
    t_end: float
    root: int
    entropy: object
    x0s: np.ndarray
    p0_cum: np.ndarray
    t_eval: np.ndarray
    record: str
    rate_a: np.ndarray
    rate_b: np.ndarray
    total: np.ndarray
    stop_mask: np.ndarray | None = None

    @property
    def law(self) -> int:
        return _kernels.PAPER if self.lowered.rate_law == "paper" else _kernels.ARRHENIUS

    @property
    def log_prefactor(self) -> float:
        return log_rate_prefactor(self.lowered.J_max, self.lowered.rate_law)


def _check_size(lowered: LoweredModel, t_end: float, n_traj: int, n_grid: int) -> None:
    """Refuse, before allocating, requests beyond memory or with astronomically many jumps."""
    _budget.check_memory("n_trajectories", n_traj, n_traj * (48.0 + 4.0 * n_grid), "per-trajectory arrays")
    _budget.check_events(f"t_end = {t_end:g}, n_trajectories = {n_traj}",
                         math.log(n_traj) + _budget.log_events_per_trajectory(lowered), "jumps")


def plan(model, *, t_end, n_trajectories, p0=None, x0=None, rng=None, method="auto",
         record="summary", t_eval=None, t_grid=None, stop=None) -> Plan:
    """Validate the arguments of :func:`simulate` once and lower the model (no simulation).

    Parameters
    ----------
    model, t_end, n_trajectories, p0, x0, rng, method, record, t_eval, t_grid, stop
        As for :func:`simulate`.

    Returns
    -------
    Plan
        The validated inputs: lowered model, chosen method, start states, output times, root key
        and the rate tables of the kernel.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`~stochlim.models.HopModel` or ``n_trajectories`` is not an
        integer.
    ValueError
        As listed for :func:`simulate`.

    Examples
    --------
    >>> from stochlim.models import driven_bit
    >>> p = plan(driven_bit(), t_end=2.0, n_trajectories=10, rng=1)
    >>> p.method.name, p.n_trajectories
    ('thinning', 10)
    """
    t_eval = renamed_kwarg("simulate", "t_grid", t_grid, "t_eval", t_eval)
    if not isinstance(model, HopModel):
        raise TypeError(f"model must be a HopModel: got {type(model).__name__}")
    t_end = check_positive("t_end", t_end)
    if t_end.ndim != 0:
        raise ValueError("t_end must be a single number")
    t_end = float(t_end)
    n_traj = check_int("n_trajectories", n_trajectories, minimum=1)
    grid = output_times(record, t_eval, t_end, RECORDS)
    grid = np.empty(0) if grid is None else grid
    lowered = model.lower(t_end)
    chosen = _choose(method, lowered)
    if chosen.refine is not None:
        lowered = model.lower(t_end, max_log_rate_change=chosen.refine)
    rate_a, rate_b, total = chosen.tables(lowered)
    _check_size(lowered, t_end, n_traj, grid.size)
    x0s, p0_cum = _start(model, lowered, n_traj, p0, x0)
    mask = None
    if stop is not None:
        mask = target_mask(stop, model.n_states)
        _check_start_outside(mask, x0s, p0_cum)
    root, entropy = root_key(rng)
    return Plan(model, lowered, chosen, n_traj, t_end, root, entropy, x0s, p0_cum, grid, record,
                np.ascontiguousarray(rate_a), np.ascontiguousarray(rate_b), total, mask)


@dataclass(frozen=True, eq=False)
class Ensemble:
    """Per-trajectory results of :func:`simulate` (read-only arrays; energies in kT).

    Attributes
    ----------
    initial_state, final_state, n_jumps : ndarray of int
        Start and end (at ``t_end``) state and number of jumps of each trajectory.
    work, heat : ndarray of float
        Work done on and heat released by each trajectory; ``final_energy - initial_energy == work
        - heat`` to rounding.
    initial_energy, final_energy : ndarray of float
        Energy of the occupied well at 0 and at ``t_end`` (left limit), or at the hit with ``stop``.
    first_passage_time : ndarray of float or None
        With ``stop``: the time of each trajectory's first entry into the target, NaN when it is not
        reached by ``t_end``; ``final_state``, ``n_jumps``, ``work`` and ``heat`` then refer to the
        trajectory up to that time (``final_state`` is the target state it entered).
    t_eval, states : ndarray or None
        With ``record="grid"``: the output times and the state of every trajectory at them,
        shape ``(n_trajectories, len(t_eval))``, right-continuous (a jump at ``t`` counts at ``t``);
        with ``stop`` a trajectory keeps the state it hit after the hit.
    event_offsets, event_times, event_states : ndarray or None
        With ``record="events"``: the jumps of trajectory ``i`` are at
        ``event_times[event_offsets[i]:event_offsets[i+1]]`` into ``event_states[...]``.
    method : str
        The exact method used.
    provenance : dict
        Root key, seed entropy, method, stream contract, version and the run's parameters.

    Parameters
    ----------
    initial_state, final_state, n_jumps, work, heat, initial_energy, final_energy, t_end
        The attributes above, by name (an ensemble is made by :func:`simulate`, not by users).
    method, provenance, t_eval, states, event_offsets, event_times, event_states
        Likewise.
    first_passage_time
        Likewise.

    Examples
    --------
    >>> from stochlim.models import two_state
    >>> ens = simulate(two_state(1.0, energies=(0.0, 1.0)), t_end=1.0, n_trajectories=200, rng=0)
    >>> ens.n_trajectories, ens.method
    (200, 'direct')
    >>> bool(np.allclose(ens.final_energy - ens.initial_energy, ens.work - ens.heat))
    True
    """

    initial_state: np.ndarray
    final_state: np.ndarray
    n_jumps: np.ndarray
    work: np.ndarray
    heat: np.ndarray
    initial_energy: np.ndarray
    final_energy: np.ndarray
    t_end: float
    method: str
    provenance: dict = field(repr=False)
    t_eval: np.ndarray | None = None
    states: np.ndarray | None = None
    event_offsets: np.ndarray | None = None
    event_times: np.ndarray | None = None
    event_states: np.ndarray | None = None
    first_passage_time: np.ndarray | None = None

    def __post_init__(self):
        freeze_arrays(self)

    @property
    def t_grid(self) -> np.ndarray | None:
        """Deprecated name of ``t_eval``.

        Examples
        --------
        >>> import warnings
        >>> from stochlim.models import two_state
        >>> ens = simulate(two_state(1.0), t_end=1.0, n_trajectories=2, record="grid", t_eval=[0.0, 1.0], rng=0)
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     grid = ens.t_grid
        >>> grid.tolist(), caught[0].category.__name__
        ([0.0, 1.0], 'DeprecationWarning')
        """
        warn("Ensemble.t_grid", "Ensemble.t_eval")
        return self.t_eval

    @property
    def n_trajectories(self) -> int:
        """Number of trajectories.

        Examples
        --------
        >>> from stochlim.models import two_state
        >>> simulate(two_state(1.0), t_end=1.0, n_trajectories=40, rng=0).n_trajectories
        40
        """
        return self.final_state.size

    @property
    def hit(self) -> np.ndarray:
        """Whether each trajectory reached the target of ``stop`` by ``t_end``.

        Raises
        ------
        ValueError
            If the simulation had no ``stop``.

        Examples
        --------
        >>> from stochlim.models import two_state
        >>> ens = simulate(two_state(1.0), t_end=50.0, n_trajectories=20, x0=0, stop=1, rng=0)
        >>> bool(ens.hit.all())
        True
        """
        if self.first_passage_time is None:
            raise ValueError("hit is defined only for a simulation with stop=")
        return ~np.isnan(self.first_passage_time)

    @property
    def medium_entropy(self) -> np.ndarray:
        """Entropy change of the bath in k_B: the heat released, in kT.

        Examples
        --------
        >>> from stochlim.models import two_state
        >>> ens = simulate(two_state(1.0, energies=(0.0, 1.0)), t_end=1.0, n_trajectories=50, rng=0)
        >>> bool(np.array_equal(ens.medium_entropy, ens.heat))
        True
        """
        return self.heat

    def events(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """``(times, states_after)`` of the jumps of trajectory ``i`` (``record="events"`` only).

        Parameters
        ----------
        i : int
            Trajectory index.

        Returns
        -------
        times, states_after : ndarray
            Jump times and the state entered at each.

        Raises
        ------
        ValueError
            If the simulation did not use ``record="events"``.

        Examples
        --------
        >>> from stochlim.models import two_state
        >>> ens = simulate(two_state(1.0), t_end=5.0, n_trajectories=3, x0=0, record="events", rng=0)
        >>> times, states = ens.events(0)
        >>> bool(times.size == ens.n_jumps[0] and np.all(np.diff(times) > 0))
        True
        """
        if self.event_offsets is None:
            raise ValueError("events are recorded only with record='events'")
        a, b = self.event_offsets[i], self.event_offsets[i + 1]
        return self.event_times[a:b], self.event_states[a:b]

    # --- fluctuation-study helpers (implemented in stochlim.ensemble_stats) ---

    def mean_se(self, name):
        """``(mean, standard error)`` of a field such as ``"work"`` (or of per-trajectory values).

        Parameters
        ----------
        name : str or array_like
            A field of :data:`stochlim.ensemble_stats.FIELDS`, or one value per trajectory.

        Returns
        -------
        mean, se : float
            Sample mean and its standard error.

        Raises
        ------
        ValueError
            As :func:`stochlim.ensemble_stats.mean_se` (an unknown field or a wrong length).

        Examples
        --------
        >>> from stochlim.models import two_state
        >>> ens = simulate(two_state(1.0), t_end=1.0, n_trajectories=100, rng=0)
        >>> mean, se = ens.mean_se("n_jumps")
        >>> bool(se > 0)
        True
        """
        return ensemble_stats.mean_se(self, name)

    def histogram(self, name, bins=50, *, density=False):
        """``(counts, edges)`` of a field, as :func:`numpy.histogram` (``density`` normalises).

        Parameters
        ----------
        name : str or array_like
            A field of :data:`stochlim.ensemble_stats.FIELDS`, or one value per trajectory.
        bins : int, sequence of float or None, optional
            As for :func:`numpy.histogram`; None: unit bins for an integer field, else 50.
        density : bool, optional
            Normalise to a probability density.

        Returns
        -------
        counts, edges : ndarray
            As :func:`numpy.histogram`.

        Raises
        ------
        ValueError
            As :func:`stochlim.ensemble_stats.histogram`.

        Examples
        --------
        >>> from stochlim.models import two_state
        >>> ens = simulate(two_state(1.0), t_end=1.0, n_trajectories=100, rng=0)
        >>> counts, edges = ens.histogram("n_jumps", bins=5)
        >>> int(counts.sum()), edges.shape
        (100, (6,))
        """
        return ensemble_stats.histogram(self, name, bins, density=density)

    def quantiles(self, name, q):
        """Sample quantiles of a field at ``q`` in [0, 1].

        Parameters
        ----------
        name : str or array_like
            A field of :data:`stochlim.ensemble_stats.FIELDS`, or one value per trajectory.
        q : float or array_like
            Probabilities in [0, 1].

        Returns
        -------
        float or ndarray
            The quantiles, shaped like ``q``.

        Raises
        ------
        ValueError
            As :func:`stochlim.ensemble_stats.quantiles` (``q`` outside [0, 1] included).

        Examples
        --------
        >>> from stochlim.models import two_state
        >>> ens = simulate(two_state(1.0), t_end=1.0, n_trajectories=100, rng=0)
        >>> lo, hi = ens.quantiles("n_jumps", [0.0, 1.0])
        >>> bool(lo == ens.n_jumps.min() and hi == ens.n_jumps.max())
        True
        """
        return ensemble_stats.quantiles(self, name, q)

    def compare(self, name, exact, *, time_index=-1):
        """Chi-square (pooled bins) or KS test of a field against an exact law, with a figure
        (:func:`stochlim.ensemble_stats.compare`).

        Parameters
        ----------
        name : str or array_like
            A field of :data:`stochlim.ensemble_stats.FIELDS`, or one value per trajectory.
        exact : CountDistribution, ContinuousLaw or callable
            The exact law: chi-square against a count distribution or a law with atoms,
            Kolmogorov-Smirnov against a continuous CDF ``F(x)``.
        time_index : int, optional
            Which time of a ``CountDistribution`` to compare with.

        Returns
        -------
        Comparison
            The test, its statistic, p-value and degrees of freedom, and the figure.

        Raises
        ------
        TypeError, ValueError
            As :func:`stochlim.ensemble_stats.compare`.

        Examples
        --------
        >>> import scipy.stats
        >>> from stochlim.models import two_state
        >>> m = two_state(0.0, rate_law="arrhenius")   # first passage ~ Exp(1)
        >>> ens = simulate(m, t_end=50.0, n_trajectories=1000, x0=0, stop=1, rng=0)
        >>> ens.compare(ens.first_passage_time, scipy.stats.expon.cdf).passed
        True
        """
        return ensemble_stats.compare(self, name, exact, time_index=time_index)

    def to_pandas(self):
        """Per-trajectory fields as a pandas DataFrame (optional dependency).

        Returns
        -------
        pandas.DataFrame
            See :func:`stochlim.ensemble_stats.to_pandas`.

        Examples
        --------
        >>> from stochlim.models import two_state
        >>> ens = simulate(two_state(0.0), t_end=1.0, n_trajectories=5, x0=0, rng=0)
        >>> try:
        ...     shape = ens.to_pandas().shape
        ... except ImportError:   # pandas is optional
        ...     shape = (5, 7)
        >>> shape
        (5, 7)
        """
        return ensemble_stats.to_pandas(self)

    def to_xarray(self):
        """States on the grid as an xarray DataArray (``record="grid"``; optional dependency).

        Returns
        -------
        xarray.DataArray
            See :func:`stochlim.ensemble_stats.to_xarray`.

        Examples
        --------
        >>> from stochlim.models import two_state
        >>> ens = simulate(two_state(0.0), t_end=1.0, n_trajectories=5, x0=0, rng=0,
        ...                record="grid", t_eval=[0.0, 0.5, 1.0])
        >>> try:
        ...     shape = ens.to_xarray().shape
        ... except ImportError:   # xarray is optional
        ...     shape = (5, 3)
        >>> shape
        (5, 3)
        """
        return ensemble_stats.to_xarray(self)


def _run(p: Plan, *, ev_off: np.ndarray | None = None, tilt=None) -> dict:
    """Call the kernel once; returns its output arrays by name.

    ``tilt``: ``(log_rate0, log_slope, log_prop)`` tables (TABLE method) to also compute each
    trajectory's log-likelihood ratio (``out["log_weight"]``), see ``stochlim.rare``.
    """
    n = p.n_trajectories
    lo = p.lowered
    out = {name: np.empty(n, dtype=np.int64) for name in ("init", "final", "njump")}
    out["work"], out["heat"] = np.empty(n), np.empty(n)
    t_eval = p.t_eval if p.record == "grid" else None
    out["grid"] = np.empty((n, p.t_eval.size), dtype=np.int32) if t_eval is not None else None
    out["ev_t"] = out["ev_x"] = None
    if ev_off is not None:
        out["ev_t"], out["ev_x"] = np.empty(ev_off[-1]), np.empty(ev_off[-1], dtype=np.int32)
    out["fpt"] = np.empty(n) if p.stop_mask is not None else None
    out["log_weight"] = np.empty(n) if tilt is not None else None
    log_rate0, log_slope, log_prop = tilt if tilt is not None else (None, None, None)
    kernel = _kernels.run_serial if n == 1 else _kernels.run_ensemble
    # All-zero slopes or drives go in as None: the kernel then compiles without those terms.
    energy_slope = lo.energy_slope if lo.energy_slope.any() else None
    out_drive = lo.out_drive if lo.out_drive.any() else None
    kernel(
        p.method.kernel, np.uint64(p.root), p.x0s, p.p0_cum, lo.seg_times, lo.energy,
        energy_slope, lo.barrier, lo.barrier_slope, lo.out_ptr, lo.out_dst, lo.out_edge,
        out_drive, p.rate_a, p.rate_b, p.total, p.law, p.log_prefactor,
        t_eval, out["grid"], ev_off, out["ev_t"], out["ev_x"], out["init"], out["final"],
        out["njump"], out["work"], out["heat"], p.stop_mask, out["fpt"], log_rate0, log_slope,
        log_prop, out["log_weight"],
    )
    return out


def _energy_at(lo: LoweredModel, t: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``E_x(t)`` for times inside ``[0, t_end)`` (right limits), as the kernels evaluate it."""
    j = np.clip(np.searchsorted(lo.seg_times, t, side="right") - 1, 0, lo.n_segments - 1)
    return lo.energy[j, x] + lo.energy_slope[j, x] * (t - lo.seg_times[j])


def ensemble_from(p: Plan, out: dict, ev_off=None) -> Ensemble:
    """Wrap simulator outputs (kernel or reference, arrays named as by ``_run``) as an Ensemble."""
    lo = p.lowered
    record = provenance(p.root, p.entropy, method=p.method.name, n_trajectories=p.n_trajectories,
                        t_end=p.t_end, n_segments=lo.n_segments, rate_law=lo.rate_law, J_max=lo.J_max)
    init, final, fpt = out["init"], out["final"], out.get("fpt")
    final_energy = lo.energy_end()[-1][final]
    if fpt is not None:
        record["stop"] = np.flatnonzero(p.stop_mask).tolist()
        hit = ~np.isnan(fpt)
        final_energy[hit] = _energy_at(lo, fpt[hit], final[hit])
    grid = p.record == "grid"
    return Ensemble(
        initial_state=init, final_state=final, n_jumps=out["njump"], work=out["work"],
        heat=out["heat"], initial_energy=lo.energy[0][init], final_energy=final_energy,
        t_end=p.t_end, method=p.method.name, provenance=record,
        t_eval=p.t_eval if grid else None, states=out.get("grid") if grid else None,
        event_offsets=ev_off, event_times=out.get("ev_t"), event_states=out.get("ev_x"),
        first_passage_time=fpt,
    )


def simulate(model, *, t_end, n_trajectories, p0=None, x0=None, rng=None, method="auto",
             record="summary", t_eval=None, t_grid=None, stop=None) -> Ensemble:
    """Simulate independent trajectories of ``model`` on ``[0, t_end]`` exactly.

    Parameters
    ----------
    model : HopModel
        The model (energies and barriers in kT; time in the unit of ``1 / J_max``'s unit).
    t_end : float
        End time, > 0.
    n_trajectories : int
        Number of independent trajectories, >= 1.
    p0 : array_like, optional
        Start distribution over states (a probability vector). Default: the Boltzmann distribution
        of the energies at ``t = 0``, ``p0 ~ exp(-E(0))``.
    x0 : int or array_like of int, optional
        Start state of all trajectories, or one per trajectory (instead of ``p0``).
    rng : None, int, numpy.random.SeedSequence or numpy.random.Generator, optional
        Source of the root key of the per-trajectory streams (see the module docstring).
    method : {"auto", "direct", "restart", "hazard", "thinning"}, optional
        Exact method; ``"auto"`` picks the cheapest exact one. A method that is not exact for the
        model raises ``ValueError``.
    record : {"summary", "grid", "events"}, optional
        ``"summary"`` keeps O(1) memory per trajectory; ``"grid"`` adds the state at ``t_eval``;
        ``"events"`` adds every jump (the ensemble is simulated twice, the first pass only counts
        the jumps; the streams make both passes identical).
    t_eval : array_like, optional
        Sorted output times in ``[0, t_end]`` for ``record="grid"`` (the name
        :func:`stochlim.solve_master` uses too).
    t_grid : array_like, optional
        Deprecated spelling of ``t_eval``.
    stop : int, sequence of int or boolean mask, optional
        A target set of states: each trajectory ends at its first entry into it (or at ``t_end``),
        with its first-passage time in ``Ensemble.first_passage_time`` (NaN when not hit) and its
        work, heat and jumps counted up to the hit; the grid record holds the hit state after it.
        Memory stays O(1) per trajectory. The target must be neither empty nor every state, and
        the start (``p0``, by default the Boltzmann law, or ``x0``) must lie outside it.

    Returns
    -------
    Ensemble
        Per-trajectory states, jump counts, work, heat and medium entropy.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`~stochlim.models.HopModel` or ``n_trajectories`` is not an
        integer.
    ValueError
        If ``t_end`` is not a single positive number; ``n_trajectories < 1``; ``method`` is unknown
        or not exact for the model; ``record`` is unknown, ``t_eval`` is missing for
        ``record="grid"``, given for another record, not 1-d, not sorted or outside ``[0, t_end]``;
        both ``p0`` and ``x0`` are given, ``x0`` names a missing state or has the wrong shape, or
        ``p0`` is not a probability vector over the states; ``stop`` is invalid (see
        :func:`target_mask`) or the start lies in it; a rate overflows float64 over the horizon;
        or the request is beyond memory or would take astronomically many jumps.

    Examples
    --------
    The driven bit (well 1 lifted from 0 to 2 kT in 2 time units): the energy balance holds on
    every trajectory, and Jarzynski's ``<exp(-W)> = exp(-dF)`` holds to within the error bars.

    >>> from stochlim.models import driven_bit
    >>> ens = simulate(driven_bit(), t_end=2.0, n_trajectories=2000, rng=1)
    >>> ens.method
    'thinning'
    >>> bool(np.allclose(ens.final_energy - ens.initial_energy, ens.work - ens.heat))
    True
    >>> x = np.exp(-ens.work)
    >>> z = (x.mean() - (1 + np.exp(-2.0)) / 2) / (x.std(ddof=1) / np.sqrt(x.size))
    >>> bool(abs(z) < 4)
    True

    References
    ----------
    D. T. Gillespie, J. Phys. Chem. 81, 2340 (1977); D. F. Anderson, J. Chem. Phys. 127, 214107
    (2007); P. A. W. Lewis and G. S. Shedler, Naval Res. Logist. Q. 26, 403 (1979).
    """
    p = plan(model, t_end=t_end, n_trajectories=n_trajectories, p0=p0, x0=x0, rng=rng,
             method=method, record=record, t_eval=t_eval, t_grid=t_grid, stop=stop)
    out = _run(p)
    if record != "events":
        return ensemble_from(p, out)
    ev_off = np.concatenate(([0], np.cumsum(out["njump"]))).astype(np.int64)
    return ensemble_from(p, _run(p, ev_off=ev_off), ev_off)
