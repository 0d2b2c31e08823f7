"""Result types of :func:`stochlim.lim.run`: per-trajectory arrays and their summary."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .._deprecation import warn
from .._validation import freeze_arrays
from ..bounds import ceb_energy, lim_energy
from ..stats import standard_error
from ..units import DEFAULT_TEMPERATURE, kT
from .problems import Quadratic, _Problem

__all__ = ["LimResult", "LimSummary"]


@dataclass(frozen=True, eq=False)
class LimSummary:
    """Aggregates of a :class:`LimResult` (see :meth:`LimResult.summary`); energies in J.

    Built by :meth:`LimResult.summary`, whose docstring defines each quantity; the fields are
    read-only.

    Attributes
    ----------
    n_trajectories, n_params : int
        Runs and memories ``M``.
    t_end : float
        Run time (1/J_max).
    optimum_energy : float
        Optimum problem energy, kT.
    success_probability, success_probability_se : float
        Fraction of runs ending at the optimum and its standard error.
    mean_residual_energy, mean_residual_energy_se : float
        Mean final problem energy above the optimum (kT) and its standard error.
    precision : float
        Achieved precision ``delta`` (at most 0.5).
    mean_jumps, mean_jumps_se : float
        Mean hops (jumps, the paper's updates) per run and its standard error, the mean of
        :attr:`LimResult.n_jumps` (``mean_updates``, ``mean_updates_se``: deprecated names).
    mean_time_to_hit : float
        Mean first time at the optimum over the runs that reached it (inf if none did).
    time_to_solution : float
        ``repetitions * t_end``.
    temperature : float
        Temperature (K) that converts kT to J.
    heat_per_run, heat_per_run_se : float
        Mean heat released per run (J) and its standard error.
    paper_energy_per_run : float
        Heat plus ``M kT ln(1/delta)`` per run (J).
    energy_to_solution_heat, energy_to_solution_paper : float
        The two per-run energies times ``repetitions`` (J).
    lim_bound, ceb_bound : float or None
        :func:`~stochlim.bounds.lim_energy` (None without ``gamma``) and
        :func:`~stochlim.bounds.ceb_energy` (None when no run hopped), J.
    repetitions : float
        Runs needed to reach the optimum with probability ``target`` (inf if no run succeeded).

    Examples
    --------
    >>> import math
    >>> from stochlim import lim
    >>> q = lim.Quadratic([[1.0]], [2.0], levels=9, quantum=1.0)
    >>> s = lim.run(q, barrier=0.0, scale=1.0, t_end=50.0, n_trajectories=200, rng=1).summary()
    >>> math.isclose(s.repetitions, math.log(0.01) / math.log1p(-s.success_probability))
    True
    >>> math.isclose(s.time_to_solution, s.repetitions * s.t_end)
    True
    """

    n_trajectories: int
    n_params: int
    t_end: float
    optimum_energy: float
    success_probability: float
    success_probability_se: float
    mean_residual_energy: float
    mean_residual_energy_se: float
    precision: float
    mean_jumps: float
    mean_jumps_se: float
    mean_time_to_hit: float
    time_to_solution: float
    temperature: float
    heat_per_run: float
    heat_per_run_se: float
    paper_energy_per_run: float
    energy_to_solution_heat: float
    energy_to_solution_paper: float
    lim_bound: float | None
    ceb_bound: float | None
    repetitions: float

    # Deprecated names (one release): the mean hop count was called mean_updates.
    @property
    def mean_updates(self) -> float:
        """Deprecated name of ``mean_jumps``.

        Examples
        --------
        >>> import warnings
        >>> from stochlim import lim
        >>> q = lim.Quadratic([[1.0]], [2.0], levels=9, quantum=1.0)
        >>> s = lim.run(q, barrier=0.0, scale=1.0, t_end=5.0, n_trajectories=4, rng=1).summary()
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     same = s.mean_updates == s.mean_jumps
        >>> same, caught[0].category.__name__
        (True, 'DeprecationWarning')
        """
        warn("LimSummary.mean_updates", "LimSummary.mean_jumps")
        return self.mean_jumps

    @property
    def mean_updates_se(self) -> float:
        """Deprecated name of ``mean_jumps_se``.

        Examples
        --------
        >>> import warnings
        >>> from stochlim import lim
        >>> q = lim.Quadratic([[1.0]], [2.0], levels=9, quantum=1.0)
        >>> s = lim.run(q, barrier=0.0, scale=1.0, t_end=5.0, n_trajectories=4, rng=1).summary()
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     same = s.mean_updates_se == s.mean_jumps_se
        >>> same, caught[0].category.__name__
        (True, 'DeprecationWarning')
        """
        warn("LimSummary.mean_updates_se", "LimSummary.mean_jumps_se")
        return self.mean_jumps_se

    def rows(self) -> list[tuple[str, str]]:
        """``(quantity, value)`` pairs of the summary table.

        Returns
        -------
        list of (str, str)
            Quantity with its unit, and the value formatted to 4 significant digits (``"n/a"`` for a
            missing bound; ``+-`` standard errors to 2).

        Examples
        --------
        >>> from stochlim import lim
        >>> q = lim.Quadratic([[1.0]], [2.0], levels=9, quantum=1.0)
        >>> rows = lim.run(q, barrier=0.0, scale=1.0, t_end=5.0, n_trajectories=20, rng=1).summary().rows()
        >>> rows[:3]
        [('trajectories x parameters', '20 x 1'), ('run time t_end (1/J_max)', '5'), ('optimum energy (kT)', '-2')]
        >>> dict(rows)["lim_energy, same F, M, delta (J)"]   # no gamma given
        'n/a'
        """
        def g(x):
            return "n/a" if x is None else f"{x:.4g}"

        return [
            ("trajectories x parameters", f"{self.n_trajectories} x {self.n_params}"),
            ("run time t_end (1/J_max)", g(self.t_end)),
            ("optimum energy (kT)", g(self.optimum_energy)),
            ("success probability", f"{self.success_probability:.4g} +- {self.success_probability_se:.2g}"),
            ("mean residual energy (kT)", f"{self.mean_residual_energy:.4g} +- {self.mean_residual_energy_se:.2g}"),
            ("achieved precision delta", g(self.precision)),
            ("updates (hops) per run", f"{self.mean_jumps:.4g} +- {self.mean_jumps_se:.2g}"),
            ("mean first-hit time (1/J_max)", g(self.mean_time_to_hit)),
            ("time to solution, 99% (1/J_max)", g(self.time_to_solution)),
            (f"heat per run (J, {self.temperature:g} K)", f"{self.heat_per_run:.4g} +- {self.heat_per_run_se:.2g}"),
            ("paper ledger per run (J): heat + M kT ln(1/delta)", g(self.paper_energy_per_run)),
            ("energy to solution, heat ledger (J)", g(self.energy_to_solution_heat)),
            ("energy to solution, paper ledger (J)", g(self.energy_to_solution_paper)),
            ("lim_energy, same F, M, delta (J)", g(self.lim_bound)),
            ("ceb_energy, same F, M, delta (J)", g(self.ceb_bound)),
        ]

    def table(self) -> str:
        """The summary as an aligned two-column text table.

        Returns
        -------
        str
            One line per entry of :meth:`rows`, the quantities left-aligned in one column.

        Examples
        --------
        >>> from stochlim import lim
        >>> q = lim.Quadratic([[1.0]], [2.0], levels=9, quantum=1.0)
        >>> table = lim.run(q, barrier=0.0, scale=1.0, t_end=5.0, n_trajectories=20, rng=1).summary().table()
        >>> for line in table.splitlines()[:2]:
        ...     print(line)
        trajectories x parameters                          20 x 1
        run time t_end (1/J_max)                           5
        """
        rows = self.rows()
        w = max(len(k) for k, _ in rows)
        return "\n".join(f"{k:<{w}}  {v}" for k, v in rows)


@dataclass(frozen=True, eq=False)
class LimResult:
    """Per-trajectory results of :func:`run` (read-only arrays; energies in kT).

    Attributes
    ----------
    problem : Quadratic or Ising
    t_end : float
        Run time, in ``1 / J_max``.
    initial_state, final_state : ndarray, shape (n_trajectories, M)
        Parameter values ``w`` (or spins) at 0 and at ``t_end`` (at the hit with
        ``stop_at_optimum``).
    initial_energy, final_energy : ndarray
        Energy of the array in kT, ``H = scale E_problem + leak |w|^2/2``, at 0 and at ``t_end``
        (left limit; at the hit with ``stop_at_optimum``): as :class:`stochlim.ssa.Ensemble`'s,
        ``final_energy - initial_energy == work - heat`` to rounding (first law).
    initial_loss, final_loss : ndarray
        Problem energy ``E_problem`` (unscaled) of the initial and final state: the optimiser's loss.
    n_jumps : ndarray of int
        Hops (single-level updates / spin flips) of each trajectory.
    work, heat : ndarray
        Work done by the time-dependent ``scale`` and ``leak`` and heat released, per trajectory.
    time_to_hit : ndarray
        First time the problem energy reached the optimum (inf if never; NaN if no optimum known).
    optimum_energy : float or None
        The optimum the success criteria use.
    optimum_state : ndarray or None
        A state at which the problem energy is ``optimum_energy``, where known.
    J_max : float
        Attempt rate of the hops (the unit of rates; times are in ``1 / J_max``).
    t_eval, grid_loss, grid_state : ndarray or None
        With ``record="grid"``: the output times, the loss ``(n_trajectories, G)`` and the state
        values ``(n_trajectories, G, M)`` at them (right-continuous).
    provenance : dict
        Seed entropy, method and settings of the run (:func:`stochlim.streams.provenance`).

    Built by :func:`run`; not meant to be constructed by hand. Deprecated aliases ``n_updates``,
    ``initial_array_energy``, ``final_array_energy``, ``t_grid`` and ``grid_energy`` warn with a
    ``DeprecationWarning``.

    Examples
    --------
    >>> import numpy as np
    >>> from stochlim import lim
    >>> q = lim.Quadratic([[1.0]], [2.0], levels=9, quantum=1.0)
    >>> res = lim.run(q, barrier=0.0, scale=1.0, t_end=5.0, n_trajectories=20, rng=1,
    ...               record="grid", t_eval=[0.0, 2.5, 5.0])
    >>> res.final_state.shape, res.grid_state.shape
    ((20, 1), (20, 3, 1))
    >>> bool(np.allclose(res.final_energy - res.initial_energy, res.work - res.heat))   # first law
    True
    """

    problem: _Problem
    t_end: float
    initial_state: np.ndarray
    final_state: np.ndarray
    initial_energy: np.ndarray
    final_energy: np.ndarray
    initial_loss: np.ndarray
    final_loss: np.ndarray
    n_jumps: np.ndarray
    work: np.ndarray
    heat: np.ndarray
    time_to_hit: np.ndarray
    optimum_energy: float | None
    optimum_state: np.ndarray | None
    J_max: float
    provenance: dict = field(repr=False)
    t_eval: np.ndarray | None = None
    grid_loss: np.ndarray | None = None
    grid_state: np.ndarray | None = None

    def __post_init__(self):
        freeze_arrays(self)

    # Deprecated names (one release): the loss was called *_energy, the array energy
    # *_array_energy, the hop count n_updates and the output times t_grid.
    @property
    def n_updates(self) -> np.ndarray:
        """Deprecated name of ``n_jumps``.

        Examples
        --------
        >>> import warnings
        >>> from stochlim import lim
        >>> q = lim.Quadratic([[1.0]], [2.0], levels=9, quantum=1.0)
        >>> res = lim.run(q, barrier=0.0, scale=1.0, t_end=5.0, n_trajectories=4, rng=1)
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     same = bool((res.n_updates == res.n_jumps).all())
        >>> same, caught[0].category.__name__
        (True, 'DeprecationWarning')
        """
        warn("LimResult.n_updates", "LimResult.n_jumps")
        return self.n_jumps

    @property
    def initial_array_energy(self) -> np.ndarray:
        """Deprecated name of ``initial_energy`` (the array energy).

        Examples
        --------
        >>> import warnings
        >>> from stochlim import lim
        >>> q = lim.Quadratic([[1.0]], [2.0], levels=9, quantum=1.0)
        >>> res = lim.run(q, barrier=0.0, scale=1.0, t_end=5.0, n_trajectories=4, rng=1)
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     same = bool((res.initial_array_energy == res.initial_energy).all())
        >>> same, caught[0].category.__name__
        (True, 'DeprecationWarning')
        """
        warn("LimResult.initial_array_energy", "LimResult.initial_energy")
        return self.initial_energy

    @property
    def final_array_energy(self) -> np.ndarray:
        """Deprecated name of ``final_energy`` (the array energy).

        Examples
        --------
        >>> import warnings
        >>> from stochlim import lim
        >>> q = lim.Quadratic([[1.0]], [2.0], levels=9, quantum=1.0)
        >>> res = lim.run(q, barrier=0.0, scale=1.0, t_end=5.0, n_trajectories=4, rng=1)
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     same = bool((res.final_array_energy == res.final_energy).all())
        >>> same, caught[0].category.__name__
        (True, 'DeprecationWarning')
        """
        warn("LimResult.final_array_energy", "LimResult.final_energy")
        return self.final_energy

    @property
    def t_grid(self) -> np.ndarray | None:
        """Deprecated name of ``t_eval``.

        Examples
        --------
        >>> import warnings
        >>> from stochlim import lim
        >>> q = lim.Quadratic([[1.0]], [2.0], levels=9, quantum=1.0)
        >>> res = lim.run(q, barrier=0.0, scale=1.0, t_end=5.0, n_trajectories=4, rng=1,
        ...               record="grid", t_eval=[0.0, 5.0])
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     same = res.t_grid.tolist() == [0.0, 5.0]
        >>> same, caught[0].category.__name__
        (True, 'DeprecationWarning')
        """
        warn("LimResult.t_grid", "LimResult.t_eval")
        return self.t_eval

    @property
    def grid_energy(self) -> np.ndarray | None:
        """Deprecated name of ``grid_loss``.

        Examples
        --------
        >>> import warnings
        >>> from stochlim import lim
        >>> q = lim.Quadratic([[1.0]], [2.0], levels=9, quantum=1.0)
        >>> res = lim.run(q, barrier=0.0, scale=1.0, t_end=5.0, n_trajectories=4, rng=1,
        ...               record="grid", t_eval=[0.0, 5.0])
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     same = bool((res.grid_energy == res.grid_loss).all())
        >>> same, caught[0].category.__name__
        (True, 'DeprecationWarning')
        """
        warn("LimResult.grid_energy", "LimResult.grid_loss")
        return self.grid_loss

    @property
    def n_trajectories(self) -> int:
        """Number of trajectories (rows of the per-trajectory arrays).

        Examples
        --------
        >>> from stochlim import lim
        >>> q = lim.Quadratic([[1.0]], [2.0], levels=9, quantum=1.0)
        >>> lim.run(q, barrier=0.0, scale=1.0, t_end=5.0, n_trajectories=7, rng=1).n_trajectories
        7
        """
        return self.final_state.shape[0]

    def success(self, rtol: float = 1e-9) -> np.ndarray:
        """Per trajectory: final problem energy within ``rtol (1 + |E*|)`` of the optimum ``E*``.

        Parameters
        ----------
        rtol : float, optional
            Relative tolerance on the optimum energy.

        Returns
        -------
        ndarray of bool, shape (n_trajectories,)

        Raises
        ------
        ValueError
            If no optimum is known (a problem too large to enumerate, run without ``optimum=``).

        Examples
        --------
        >>> import numpy as np
        >>> from stochlim import lim
        >>> q = lim.Quadratic([[1.0]], [2.0], levels=9, quantum=1.0)
        >>> res = lim.run(q, barrier=0.0, scale=1.0, t_end=5.0, n_trajectories=20, rng=1)
        >>> ok = res.success()
        >>> ok.shape, bool(np.all(res.final_state[ok] == 2.0))
        ((20,), True)
        """
        if self.optimum_energy is None:
            raise ValueError("no optimum known: pass optimum= to run() (energy or state)")
        return self.final_loss <= self.optimum_energy + rtol * (1.0 + abs(self.optimum_energy))

    def summary(self, *, temperature=DEFAULT_TEMPERATURE, gamma=None, schedule="polynomial",
                n_schedule_updates=None, target=0.99) -> LimSummary:
        """Success, precision, time- and energy-to-solution, next to the paper's bounds.

        Definitions and assumptions of the comparison:

        * success: final problem energy at the optimum (:meth:`success`); SE ``sqrt(p(1-p)/n)``;
        * repetitions to reach the optimum with probability ``target``: ``R = ln(1-target) /
          ln(1-p)`` (at least 1; inf when ``p = 0``); time to solution ``R t_end`` (the usual
          annealer metric, e.g. Ronnow et al., Science 345, 420 (2014)); the mean first-hit time
          is reported beside it;
        * achieved precision ``delta``: for :class:`Quadratic` the RMS distance of the final
          values to the optimal state (floored at ``quantum/2``, the resolution of one memory)
          relative to the full range ``quantum (levels-1)``; for :class:`Ising` (or when only the
          optimum energy is known) the failure probability ``1 - p`` (floored at ``1/(2n)``);
        * heat ledger: mean stochastic-thermodynamic heat released per run, ``<Q> kT(T)``; the
          barrier modulation does no work in this ledger (``docs/errata.md``);
        * paper ledger: heat plus the retention barrier ``M kT ln(1/delta)`` per run (the paper's
          modelling assumption, Eq. 22-23);
        * energy to solution: per-run energy times ``R``;
        * bounds: :func:`~stochlim.bounds.lim_energy` (needs ``gamma``; ``n_schedule_updates``
          truncates its sums) and :func:`~stochlim.bounds.ceb_energy` evaluated with ``F`` = mean
          hops per run (each hop is one single-level update), ``M`` = parameters and the achieved
          ``delta``. The bounds assume every update runs down the schedule's bias ``eps_n/delta``;
          the array's hops run down whatever bias the loss gives, so the ratio is an observation,
          not a theorem.

        Parameters
        ----------
        temperature : float, optional
            Temperature in K converting kT to J (default :data:`stochlim.units.DEFAULT_TEMPERATURE`).
        gamma : float, optional
            Schedule constant of :func:`~stochlim.bounds.lim_energy`; without it ``lim_bound`` is None.
        schedule : str, optional
            Schedule of :func:`~stochlim.bounds.lim_energy`.
        n_schedule_updates : int, optional
            Truncation of the schedule's sums (``n_updates`` of :func:`~stochlim.bounds.lim_energy`).
        target : float, optional
            Success probability the repetitions aim for.

        Returns
        -------
        LimSummary

        Raises
        ------
        ValueError
            If no optimum is known; if ``temperature`` is not positive, or ``gamma``, ``schedule`` or
            ``n_schedule_updates`` are refused by :func:`~stochlim.bounds.lim_energy`.

        Examples
        --------
        >>> from stochlim import lim
        >>> q = lim.Quadratic([[1.0]], [2.0], levels=9, quantum=1.0)
        >>> res = lim.run(q, barrier=0.0, scale=1.0, t_end=50.0, n_trajectories=200, rng=1)
        >>> s = res.summary(gamma=1.0)
        >>> s.success_probability == float(res.success().mean())
        True
        >>> bool(0.0 < s.precision <= 0.5), bool(s.ceb_bound > 0.0), bool(s.lim_bound > 0.0)
        (True, True, True)
        """
        if self.optimum_energy is None:
            raise ValueError("summary needs the optimum, too many states to find it by brute force: "
                             "pass optimum= to run() (energy or state; --optimum on the command line)")
        n = self.n_trajectories
        m = self.problem.n_params
        ok = self.success()
        p = float(ok.mean())
        resid = self.final_loss - self.optimum_energy
        if isinstance(self.problem, Quadratic) and self.optimum_state is not None:
            pr = self.problem
            rms = float(np.sqrt(np.mean((self.final_state - self.optimum_state) ** 2)))
            delta = max(rms, pr.quantum / 2.0) / (pr.quantum * (pr.levels - 1))
        else:
            delta = max(1.0 - p, 1.0 / (2.0 * n))
        delta = min(delta, 0.5)
        reps = 1.0 if p >= target else (math.inf if p == 0.0 else math.log(1.0 - target) / math.log1p(-p))
        unit = float(kT(temperature))
        heat = float(self.heat.mean()) * unit
        paper = heat + m * unit * math.log(1.0 / delta)
        updates = float(self.n_jumps.mean())
        hit = self.time_to_hit[np.isfinite(self.time_to_hit)]
        lim_b = ceb_b = None
        if updates > 0:
            ceb_b = float(ceb_energy(updates, m, delta=delta, temperature=temperature))
            if gamma is not None:
                lim_b = float(lim_energy(updates, m, delta=delta, gamma=gamma, schedule=schedule,
                                         n_updates=n_schedule_updates, temperature=temperature))
        return LimSummary(
            n_trajectories=n, n_params=m, t_end=self.t_end, optimum_energy=self.optimum_energy,
            success_probability=p, success_probability_se=math.sqrt(p * (1 - p) / n),
            mean_residual_energy=float(resid.mean()), mean_residual_energy_se=standard_error(resid),
            precision=delta, mean_jumps=updates, mean_jumps_se=standard_error(self.n_jumps),
            mean_time_to_hit=float(hit.mean()) if hit.size else math.inf,
            time_to_solution=reps * self.t_end, temperature=float(temperature),
            heat_per_run=heat, heat_per_run_se=standard_error(self.heat) * unit, paper_energy_per_run=paper,
            energy_to_solution_heat=reps * heat, energy_to_solution_paper=reps * paper,
            lim_bound=lim_b, ceb_bound=ceb_b, repetitions=reps,
        )
