"""The learning-in-memory array simulated exactly: :func:`run`.

Lowers a problem and its protocols to per-segment arrays (restarts at protocol steps, thinning
where an input changes linearly) and calls the compiled kernel ``stochlim._kernels.lim``, one
random stream per trajectory (see :mod:`stochlim.lim` for the model)."""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from .._budget import check_events, check_memory
from .._deprecation import renamed_kwarg
from .._kernels import ARRHENIUS, PAPER
from .._kernels.lim import run_array
from .._progress import watch_finished
from .._validation import as_float_array, check_bool, check_int, check_positive, output_times
from ..models import MAX_LOG_RATE, MAX_REFINED_SEGMENTS, THINNING_LOG_SLACK, refine_grid
from ..physics import check_rate_law, log_rate_prefactor
from ..protocols import Protocol
from ..streams import provenance, root_key
from .problems import (
    MAX_ENUMERATED_STATES,
    MAX_PROBLEM_ENERGY,
    Ising,
    _as_problem,
    _barriers,
    _inputs,
    _Problem,
)
from .results import LimResult

__all__ = ["run"]

#: Largest barrier table (segments x distinct barrier protocols) refinement may create.
_MAX_TABLE = 1 << 24


def _segments(pr: _Problem, s_p: Protocol, l_p: Protocol, bars: tuple[Protocol, ...], t_end: float,
              a: sp.csr_matrix):
    """Segment grid and the per-segment values/slopes of scale, leak and barriers."""
    uniq = {id(x): x for x in bars}
    bar_list = list(uniq.values()) if len(uniq) == 1 else list(bars)
    inner = np.concatenate([np.empty(0), s_p.knots, l_p.knots] + [x.knots for x in bar_list])
    inner = inner[(inner > 0.0) & (inner < t_end)]
    grid = np.unique(np.concatenate(([0.0, t_end], inner)))
    # values and slopes of every barrier column on every segment (and their stacking copies)
    check_memory("barrier", f"{len(bar_list)} protocols with {grid.size - 1} segments in all",
                 32.0 * grid.size * len(bar_list), "table of barrier values per segment")

    def lower(g):
        starts = g[:-1]
        cols = lambda f: np.stack([np.atleast_1d(f(x)) for x in bar_list], axis=1)  # noqa: E731
        return (s_p._value(starts), s_p._slope(starts), l_p._value(starts), l_p._slope(starts),
                cols(lambda x: x._value(starts)), cols(lambda x: x._slope(starts)))

    sc0, sc1, lk0, lk1, b0, b1 = lower(grid)
    # largest |dP| and |dL| of one hop over all states: bounds the bias change along a ramp
    vmax = max(abs(pr._lo), abs(pr._lo + pr._step * (pr.n_levels - 1)))
    row_abs = np.asarray(abs(a).sum(axis=1)).ravel()
    dp_max = float(np.max(pr._step * row_abs * vmax + 0.5 * pr._step ** 2 * np.abs(a.diagonal())
                          + pr._step * np.abs(pr.b))) if pr.n_params else 0.0
    dl_max = pr._step * vmax + 0.5 * pr._step ** 2
    speed = np.abs(sc1) * dp_max + np.abs(lk1) * dl_max + np.abs(b1).max(axis=1)
    if np.any(speed > 0):
        # refining never changes the dynamics, only the acceptance of thinning; cap the barrier
        # table (segments x barrier columns) at _MAX_TABLE entries
        budget = min(MAX_REFINED_SEGMENTS, max(grid.size, _MAX_TABLE // len(bar_list)))
        grid = refine_grid(grid, speed, THINNING_LOG_SLACK, budget)
        sc0, sc1, lk0, lk1, b0, b1 = lower(grid)
    linear = (sc1 != 0) | (lk1 != 0) | np.any(b1 != 0, axis=1)
    return grid, linear, sc0, sc1, lk0, lk1, b0, b1, dp_max, dl_max


def _start_levels(pr: _Problem, initial_state, n_traj: int) -> np.ndarray | None:
    """Start levels ``(n_traj, M)`` from values ``initial_state``; None for random spins (Ising default)."""
    m = pr.n_params
    if initial_state is None:
        if isinstance(pr, Ising):
            return None
        return np.full((n_traj, m), (pr.n_levels - 1) // 2, dtype=np.int64)
    v = as_float_array("initial_state", initial_state)
    if v.shape not in ((m,), (n_traj, m)):
        raise ValueError(f"initial_state must have shape ({m},) or ({n_traj}, {m}): got {v.shape}")
    k = (v - pr._lo) / pr._step
    bad = (np.abs(k - np.round(k)) > 1e-9) | (k < -1e-9) | (k > pr.n_levels - 1 + 1e-9)
    if bad.any():
        i = tuple(int(x) for x in np.argwhere(bad)[0])
        allowed = ("+-1" if isinstance(pr, Ising) else
                   f"multiples of quantum = {pr._step:g} in [{pr._lo:g}, {-pr._lo:g}]")
        raise ValueError(f"initial_state must hold values {allowed}: got {v[i]!r} at index {i if len(i) > 1 else i[0]}")
    return np.ascontiguousarray(np.broadcast_to(np.round(k).astype(np.int64), (n_traj, m)))


def _optimum(pr: _Problem, optimum):
    if optimum is None:
        if pr.n_levels ** pr.n_params > MAX_ENUMERATED_STATES:
            return None, None
        return pr.ground_state()
    arr = as_float_array("optimum", optimum)
    if arr.ndim == 0:
        if not abs(float(arr)) <= MAX_PROBLEM_ENERGY:  # residuals against it would overflow
            raise ValueError(f"optimum = {float(arr):g} kT: beyond the {MAX_PROBLEM_ENERGY:.0e} kT a problem's "
                             "energies can reach")
        return float(arr), None
    if arr.shape != (pr.n_params,):
        raise ValueError(f"optimum must be an energy or a state of shape ({pr.n_params},): got {arr.shape}")
    return float(pr.energy(arr)), arr


def run(problem, *, barrier, scale, t_end, n_trajectories, leak=None, J_max=1.0, rate_law="paper",
        rng=None, initial_state=None, record="summary", t_eval=None, optimum=None, stop_at_optimum=False,
        progress=False, x0=None, t_grid=None) -> LimResult:
    """Run the learning-in-memory array on ``problem`` with an exact SSA.

    Parameters
    ----------
    problem : Quadratic, Ising or dimod.BinaryQuadraticModel
    barrier : float, Protocol or sequence of M of them
        Barrier ``E0_d(t)`` of each memory in kT (e.g. from
        :func:`stochlim.protocols.schedule_protocols`); one value is shared by all.
    scale : float or Protocol
        Multiplier ``scale(t)`` of the problem energy (0 removes the problem drive).
    t_end : float
        Run time, > 0, in the inverse unit of ``J_max``.
    n_trajectories : int
        Independent runs, >= 1.
    leak : float or Protocol, optional
        Stored-energy term ``leak(t) sum w^2 / 2`` pulling toward ``w = 0`` (Quadratic only).
    J_max, rate_law
        Attempt rate and rate law, as for :class:`stochlim.models.HopModel`.
    rng : None, int, SeedSequence or Generator
        Root of the per-trajectory streams (:func:`stochlim.streams.root_key`).
    initial_state : array_like, optional
        Initial values ``(M,)`` or ``(n_trajectories, M)``; default ``w = 0`` (Quadratic) or
        independent uniformly random spins per trajectory (Ising). (Not ``x0``: that is a state
        index in :func:`stochlim.simulate`.)
    record : {"summary", "grid"}
        ``"grid"`` also records the loss and the state at the times ``t_eval``.
    t_eval : array_like, optional
        Sorted output times in ``[0, t_end]`` for ``record="grid"``.
    optimum : float or array_like, optional
        Optimum energy or optimal state for the success criteria; by default found by brute force
        when the problem has at most ``MAX_ENUMERATED_STATES`` states.
    stop_at_optimum : bool, optional
        End each trajectory at its first hit of the optimum (``time_to_hit``; at once if it starts
        there), as :func:`stochlim.simulate` does with ``stop``: work, heat and hops are counted up
        to the hit, the final state and energy are those just after it, the grid record holds the
        hit state after it. Trajectories that never hit run to ``t_end``.
    progress : bool, optional
        Show the finished trajectories and the elapsed time on stderr while the kernel runs (the
        command line does on a terminal). Results do not depend on it.
    x0, t_grid
        Deprecated spellings of ``initial_state`` and ``t_eval``.

    Returns
    -------
    LimResult

    Raises
    ------
    ValueError
        If ``t_end`` is not a single positive number; ``n_trajectories < 1``; ``J_max`` is not
        positive; ``rate_law`` is unknown; ``record`` is unknown, ``t_eval`` is missing for
        ``record="grid"``, given otherwise, not 1-d, not sorted or outside ``[0, t_end]``;
        ``barrier`` is a sequence whose length is not ``M``; ``leak`` is given for an Ising problem;
        ``initial_state`` has the wrong shape or values that are not levels of the problem;
        ``optimum`` is neither a number nor a state of shape ``(M,)``, or an energy beyond ``1e200``
        kT; ``stop_at_optimum`` is True with no optimum (none given and too many states to find it);
        ``scale`` makes one update's
        energy change exceed ``1e200`` kT; a hop rate exceeds float64's resolution of waiting times
        (the barrier is too low for the energy scale); or the run could take more updates than
        the event budget allows.
    TypeError
        If ``problem`` is not a Quadratic, an Ising or a ``dimod.BinaryQuadraticModel``,
        ``n_trajectories`` is not an integer or ``stop_at_optimum`` or ``progress`` is not a bool.
    MemoryError
        If the per-trajectory arrays would not fit in this machine's memory.

    Examples
    --------
    >>> from stochlim import lim
    >>> q = lim.Quadratic([[1.0]], [2.0], levels=9, quantum=1.0)
    >>> res = lim.run(q, barrier=0.0, scale=1.0, t_end=50.0, n_trajectories=200, rng=1)
    >>> 0.3 < float(res.success().mean()) < 0.8   # Boltzmann weight of w = 2 at kT
    True
    """
    initial_state = renamed_kwarg("lim.run", "x0", x0, "initial_state", initial_state)
    t_eval = renamed_kwarg("lim.run", "t_grid", t_grid, "t_eval", t_eval)
    pr = _as_problem(problem)
    t_end = check_positive("t_end", t_end)
    if t_end.ndim:
        raise ValueError("t_end must be a single number")
    t_end = float(t_end)
    n_traj = check_int("n_trajectories", n_trajectories, minimum=1)
    jmax = float(check_positive("J_max", J_max))
    check_rate_law(rate_law)
    tg = output_times(record, t_eval, t_end)
    m = pr.n_params
    check_memory("n_trajectories", n_traj, n_traj * (8.0 * (2 * m + 9) + (0 if tg is None else tg.size * (8 + 4 * m))),
                 "per-trajectory arrays")
    s_p, l_p = _inputs(pr, scale, leak)
    bars = _barriers(barrier, pr.n_params)
    k0 = _start_levels(pr, initial_state, n_traj)
    opt_e, opt_x = _optimum(pr, optimum)
    stop_at_optimum = check_bool("stop_at_optimum", stop_at_optimum)
    progress = check_bool("progress", progress)
    if stop_at_optimum and opt_e is None:
        raise ValueError(f"stop_at_optimum needs the optimum: the problem has more than {MAX_ENUMERATED_STATES} "
                         "states to search, give optimum=")
    a = pr._coupling().tocsr()
    grid, linear, sc0, sc1, lk0, lk1, b0, b1, dp_max, dl_max = _segments(pr, s_p, l_p, bars, t_end, a)
    law = PAPER if rate_law == "paper" else ARRHENIUS
    log_pref = log_rate_prefactor(jmax, rate_law)
    with np.errstate(over="ignore", invalid="ignore"):
        max_bias = float(np.max(np.abs(np.concatenate((sc0, sc0 + sc1 * np.diff(grid))))) * dp_max
                         + np.max(np.abs(np.concatenate((lk0, lk0 + lk1 * np.diff(grid))))) * dl_max)
    worst = log_pref - min(b0.min(), (b0 + b1 * np.diff(grid)[:, None]).min())
    worst += max_bias / 2.0 if law == ARRHENIUS else 0.0
    if not max_bias <= MAX_PROBLEM_ENERGY:  # with at most MAX_EVENTS updates, |work|, |heat| < 1e215
        raise ValueError(f"scale: one update changes the energy by up to {max_bias:.3g} kT (scale x problem "
                         "energy, leak too), so work and heat could leave float64's range; use a smaller scale")
    if worst > MAX_LOG_RATE:
        raise ValueError(
            f"a hop rate can reach exp({worst:.1f}) per unit time, beyond float64's resolution of "
            "waiting times: the barrier is too low for the problem's energy scale"
        )
    # every parameter steps up or down at most at rate e^worst: the updates of one trajectory
    log_updates = math.log(2.0 * max(m, 1)) + worst + math.log(t_end)
    check_events(f"t_end = {t_end:g}, n_trajectories = {n_traj}", math.log(n_traj) + log_updates, "updates")
    if tg is not None:
        g_e = np.empty((n_traj, tg.size))
        g_k = np.empty((n_traj, tg.size, pr.n_params), dtype=np.int32)
    else:
        g_e = g_k = None
    root, entropy = root_key(rng)
    init = np.empty((n_traj, m), dtype=np.int64)
    final = np.empty((n_traj, m), dtype=np.int64)
    nj = np.full(n_traj, -1, dtype=np.int64)  # a trajectory's hop count, written when it ends
    work, heat, p_i, p_f, h_i, h_f, t_hit = (np.empty(n_traj) for _ in range(7))
    p_target = -math.inf if opt_e is None else opt_e + 1e-9 * (1.0 + abs(opt_e))
    with watch_finished(nj, desc="lim.run", show=progress):
        run_array(np.uint64(root), np.zeros((0, m), dtype=np.int64) if k0 is None else k0, k0 is None,
                  float(pr._lo), float(pr._step), int(pr.n_levels), a.indptr.astype(np.int64),
                  a.indices.astype(np.int64), a.data.astype(np.float64), a.diagonal().astype(np.float64),
                  np.ascontiguousarray(pr.b, dtype=np.float64), grid, linear, sc0, sc1, lk0, lk1,
                  np.ascontiguousarray(b0), np.ascontiguousarray(b1), law, log_pref, p_target, stop_at_optimum,
                  tg, g_e, g_k, init, final, nj, work, heat, p_i, p_f, h_i, h_f, t_hit)
    if opt_e is None:
        t_hit[:] = np.nan
    record = provenance(root, entropy, method="direct with restarts" + (", thinning on ramps" if linear.any() else ""),
                        n_segments=grid.size - 1, rate_law=rate_law, J_max=jmax,
                        **({"stop_at_optimum": True} if stop_at_optimum else {}))
    return LimResult(
        problem=pr, t_end=t_end, initial_state=pr.values_of(init), final_state=pr.values_of(final),
        initial_energy=h_i, final_energy=h_f, initial_loss=p_i, final_loss=p_f, n_jumps=nj, work=work, heat=heat,
        time_to_hit=t_hit, optimum_energy=opt_e,
        optimum_state=opt_x, J_max=jmax, provenance=record, t_eval=tg, grid_loss=g_e,
        grid_state=None if g_k is None else pr.values_of(g_k),
    )
