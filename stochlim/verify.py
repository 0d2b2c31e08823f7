"""``stochlim verify``: Monte Carlo checked against the master equation and the paper's closed forms.

A fixed set of standard cases; each compares SSA ensemble means with exact references and reports
a z-score (``(mean - reference) / SE``) and pass/fail at ``Z_MAX`` standard errors:

1. **differential memory** (Fig. 2D) at several ``(E0, dE)``: mean net hop rate against Eq. 7
   (``2 J_max e^-E0 tanh(dE/2)``) and heat rate against ``J dE`` (Eq. 20's dissipation term);
2. **driven two-level system**: occupation, work, heat and entropy production against the master
   equation; integral fluctuation theorem and Jarzynski equality;
3. **ladder under a barrier schedule**: work, heat and entropy production against the master
   equation;
4. **driven ring in steady state**: edge current against ``(k+ - k-) / n``; the TUR bound;
5. **the paper's own protocol**: a differential memory driven by the Eq. 18-19 schedules mapped to
   time (bias ``dE_n``, barrier ``E0_n``, step ``dt``) at a coarse precision ``delta``; its Monte
   Carlo update count and heat per parameter against ``sum J_n dt`` and ``sum J_n dE_n dt``
   (Eq. 20-23), so the dissipation term is checked by simulation, not only by algebra.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from . import physics, thermo
from ._deprecation import moved_to, renamed_kwarg
from ._progress import bar as progress_bar
from ._validation import check_bool, check_int
from .master import free_energy, solve_master
from .models import differential_memory, driven_bit, ladder, ring
from .protocols import PiecewiseConstant, schedule_protocols
from .schedules import PolynomialSchedule
from .ssa import simulate
from .stats import Z_MAX, mean_se, z_score
from .streams import seed_sequence

__all__ = ["Z_MAX", "Check", "run_verification", "as_dicts"]



@dataclass(frozen=True)
class Check:
    """One Monte Carlo check: ``value`` (mean of the samples) +- ``stderr`` against ``reference``.

    Parameters
    ----------
    case : str
        The standard case.
    quantity : str
        What is compared.
    value, stderr : float
        The Monte Carlo mean and its standard error.
    reference : float
        The exact value.
    z : float
        ``(value - reference) / stderr``.
    passed : bool
        ``|z| <= Z_MAX`` (for a fluctuation theorem: also a reliable estimate).

    Examples
    --------
    >>> c = Check("bit", "mean work", 0.79, 0.016, 0.78, 0.625, True)
    >>> c.passed, round(c.z * c.stderr, 6)
    (True, 0.01)
    """

    case: str
    quantity: str
    value: float
    stderr: float
    reference: float
    z: float
    passed: bool


def _mean_check(case, quantity, samples, reference) -> Check:
    mean, se = mean_se(samples)
    z = float(z_score(mean, float(reference), se))
    return Check(case, quantity, mean, se, float(reference), z, bool(abs(z) <= Z_MAX))


def _theorem_check(case, fc: thermo.FluctuationCheck) -> Check:
    return Check(case, fc.name, float(fc.estimate), float(fc.stderr), float(fc.expected),
                 float(fc.z), fc.passes(Z_MAX))


def _differential_memory(n, seed, params=((0.5, 0.5), (1.0, 2.0), (2.0, 4.0))):
    out = []
    t_end, levels = 20.0, 401
    for e0, de in params:
        m = differential_memory(levels, e0, de)
        ens = simulate(m, t_end=t_end, n_trajectories=n, x0=levels // 2, rng=seed)
        j = physics.net_rate(e0, de)
        case = f"differential memory E0 = {e0:g}, dE = {de:g} kT"
        shift = ens.final_state.astype(np.float64) - ens.initial_state
        out.append(_mean_check(case, "net hop rate vs Eq. 7", shift / t_end, j))
        out.append(_mean_check(case, "heat rate vs J dE", ens.heat / t_end, j * de))
    return out


def _driven_bit(n, seed):
    t_end = 2.0
    m = driven_bit(0.5, duration=t_end, lift=(0.0, 2.0))
    p0 = m.equilibrium(0.0)
    ens = simulate(m, t_end=t_end, n_trajectories=n, p0=p0, rng=seed)
    sol = solve_master(m, p0=p0, t_eval=[0.0, t_end])
    case = "driven two-level system (E_1: 0 -> 2 kT)"
    s_tot = thermo.total_entropy(ens, sol)
    return [
        _mean_check(case, "occupation of state 1", ens.final_state == 1, sol.p[-1, 1]),
        _mean_check(case, "work [kT]", ens.work, sol.mean_work[-1]),
        _mean_check(case, "heat [kT]", ens.heat, sol.mean_heat[-1]),
        _mean_check(case, "entropy production [k_B]", s_tot, sol.entropy_production[-1]),
        _theorem_check(case, thermo.integral_fluctuation(s_tot)),
        _theorem_check(case, thermo.jarzynski(ens.work, free_energy(m, t_end) - free_energy(m, 0.0))),
    ]


def _ladder_schedule(n, seed):
    levels, t_end = 21, 25.0
    barrier = PiecewiseConstant(np.arange(20.0), np.linspace(0.0, 5.0, 20))
    m = ladder(levels, lambda i: 0.02 * (i - 10.0) ** 2, barriers=barrier, rate_law="arrhenius")
    p0 = np.zeros(levels)
    p0[0] = 1.0
    ens = simulate(m, t_end=t_end, n_trajectories=n, p0=p0, rng=seed)
    sol = solve_master(m, p0=p0, t_eval=[0.0, t_end])
    case = "21-level ladder, barrier 0 -> 5 kT in 20 steps"
    return [
        _mean_check(case, "mean level", ens.final_state, sol.p[-1] @ np.arange(levels)),
        _mean_check(case, "heat [kT]", ens.heat, sol.mean_heat[-1]),
        _mean_check(case, "entropy production [k_B]", thermo.total_entropy(ens, sol),
                    sol.entropy_production[-1]),
    ]


def _driven_ring(n, seed):
    states, drive, e0, t_end = 4, 1.5, 0.2, 40.0
    m = ring(states, barriers=e0, drive=drive)
    p0 = np.full(states, 1.0 / states)
    ens = simulate(m, t_end=t_end, n_trajectories=n, p0=p0, rng=seed, record="events")
    sol = solve_master(m, p0=p0, t_eval=[0.0, t_end])
    k_fwd, k_bwd = physics.hop_rates(e0, drive)
    current = thermo.net_jumps(ens, 0, 1)
    case = f"driven ring, {states} states, f = {drive:g} kT"
    return [
        _mean_check(case, "edge current vs (k+ - k-)/n", current / t_end, (k_fwd - k_bwd) / states),
        _theorem_check(case, thermo.tur(current, sol.entropy_production[-1])),
    ]


def _paper_protocol(n, seed, bits=(4, 6, 8), gamma=0.5, n_updates=40, dt=5.0):
    """Eq. 18-19 schedules in time: per-update J_n = r_n J_max by construction of Eq. 19."""
    out = []
    sched = PolynomialSchedule(gamma)
    steps = np.arange(1, n_updates + 1, dtype=np.float64)
    r = sched.rate(steps)
    t_end = n_updates * dt
    for b in bits:
        delta = 2.0**-b
        bias, barrier = schedule_protocols(sched, delta=delta, n_updates=n_updates, dt=dt)
        levels = 2 * int(np.sum(r) * dt + 10 * math.sqrt(np.sum(r) * dt) + 20) + 1
        m = differential_memory(levels, barrier, bias)
        ens = simulate(m, t_end=t_end, n_trajectories=n, x0=levels // 2, rng=seed)
        case = f"paper protocol, polynomial gamma = {gamma:g}, delta = 2^-{b}"
        updates = ens.final_state.astype(np.float64) - ens.initial_state
        out.append(_mean_check(case, "updates vs sum J_n dt", updates, float(np.sum(r) * dt)))
        de = sched.bias(steps, delta=delta)
        out.append(_mean_check(case, "heat [kT] vs sum J_n dE_n dt", ens.heat, float(np.sum(r * de) * dt)))
    return out


_CASES = (_differential_memory, _driven_bit, _ladder_schedule, _driven_ring, _paper_protocol)


_DEFAULT_RNG = 20261129


def run_verification(*, n_trajectories: int = 20_000, rng=_DEFAULT_RNG, progress=False, seed=None) -> list[Check]:
    """Run every standard case and return its checks.

    Parameters
    ----------
    n_trajectories : int, optional
        Trajectories per case, >= 100 (the driven ring uses a tenth, as it records events).
    rng : None, int, SeedSequence or Generator, optional
        Root of the cases' seeds (:func:`stochlim.streams.seed_sequence`); case ``i`` runs from
        ``SeedSequence(root.entropy, spawn_key=(i,))``, so an integer ``s`` gives every case the
        same streams in any order.
    progress : bool, optional
        Show the finished cases and the elapsed time on stderr (the command line does on a
        terminal). Results do not depend on it.
    seed : int, optional
        Deprecated spelling of ``rng``.

    Returns
    -------
    list of Check
        One entry per compared quantity of every case (23 in all).

    Raises
    ------
    TypeError
        If ``n_trajectories`` is not an integer or ``progress`` is not a bool.
    ValueError
        If ``n_trajectories < 100``, or ``rng`` is a negative integer (a ``TypeError`` if it is not a
        seed at all).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():   # 100 trajectories: too few for the exponential averages
    ...     warnings.simplefilter("ignore")
    ...     checks = run_verification(n_trajectories=100, rng=0)
    >>> len(checks), checks[0].case
    (23, 'differential memory E0 = 0.5, dE = 0.5 kT')
    """
    n = check_int("n_trajectories", n_trajectories, minimum=100)
    rng = renamed_kwarg("run_verification", "seed", seed, "rng", rng, _DEFAULT_RNG)
    root = seed_sequence(rng)
    progress = check_bool("progress", progress)
    checks = []
    for i, case in enumerate(progress_bar(len(_CASES), iterable=_CASES, desc="verify", unit="case",
                                          show=progress)):
        size = max(100, n // 10) if case is _driven_ring else n
        checks.extend(case(size, np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, i))))
    return checks


def as_dicts(checks) -> list[dict]:
    """Checks as plain dictionaries (for JSON).

    Parameters
    ----------
    checks : iterable of Check
        The checks, e.g. from :func:`run_verification`.

    Returns
    -------
    list of dict
        One dictionary per check, keyed by the fields of :class:`Check`.

    Raises
    ------
    TypeError
        If an entry is not a :class:`Check` (or another dataclass instance).

    Examples
    --------
    >>> as_dicts([Check("bit", "mean work", 0.79, 0.016, 0.78, 0.625, True)])[0]["quantity"]
    'mean work'
    """
    return [asdict(c) for c in checks]


# The table and the report section moved to stochlim.report.verify.
__getattr__ = moved_to(__name__, "stochlim.report.verify", {"format_table": "format_table",
                                                             "report_section": "section"})
