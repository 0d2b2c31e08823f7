"""No NaN or inf with success, and no request the machine cannot hold: each case below failed
before (inf, NaN, a numpy error or a MemoryError traceback) and is now computed or refused by
name."""

import math

import numpy as np
import pytest

import stochlim as sl
from stochlim import _budget, bounds
from stochlim.schedules import ExponentialSchedule
from stochlim.units import kT


def test_ceb_of_1e308_flops_and_parameters_is_finite():
    """Before: F + M overflowed, CEB printed inf and LIM / CEB 0."""
    ceb = bounds.ceb_energy(1e308, 1e308, delta=2.0**-16)
    expected = 2.0 * (1e308 * kT(298.0)) * 16 * math.log(2.0)  # (F + M) kT ln(1/delta), F = M
    assert math.isfinite(ceb) and ceb == pytest.approx(expected, rel=1e-12)
    lim = bounds.lim_energy(1e308, 1e308, delta=2.0**-16, gamma=1.0)
    assert math.isfinite(lim) and lim / ceb > 1


def test_bounds_beyond_float64_are_refused_by_name():
    with pytest.raises(
        ValueError, match=r"LIM energy would be about 1e588 J.*flops / delta too large"
    ):
        bounds.lim_energy(1e308, 1.0, delta=1e-300, gamma=1.0)
    with pytest.raises(ValueError, match="bits must be <= 1074"):
        bounds.delta_from_bits(1e308)


def test_paper_values_unchanged_by_the_log_space_form():
    # Fig. 6B at gamma = 0.5: 1.70e12 J (the docstring example), and CEB (F + M) kT ln 2^16
    assert bounds.lim_energy(1e28, 1e15, delta=2**-16, gamma=0.5) == pytest.approx(
        1.697823e12, rel=1e-6
    )
    assert bounds.ceb_energy(1e28, 1e15, delta=2**-16) == pytest.approx(
        (1e28 + 1e15) * kT(298.0) * 16 * math.log(2), rel=1e-13
    )


@pytest.mark.parametrize("gamma", [1e-300, 1e-17, 1e-8, 1e-3, 0.3, 1.0, 5.0])
def test_exponential_ratio_for_tiny_gamma(gamma):
    """Before: gamma = 1e-17 gave "math domain error" (1 - e^-gamma rounded to 0)."""
    e = math.expm1(gamma)
    expected = e * (gamma - math.log(e))  # (e^g - 1) ln(e^g / (e^g - 1)), another exact form
    assert ExponentialSchedule(gamma).dissipation_ratio() == pytest.approx(expected, rel=1e-12)


def test_exponential_ratio_tends_to_one_for_large_gamma():
    for gamma in (40.0, 50.0, 700.0, 800.0):
        x = math.exp(-gamma)
        assert ExponentialSchedule(gamma).dissipation_ratio() == pytest.approx(
            1.0 - x / 2, rel=1e-15
        )


@pytest.mark.parametrize(
    "times, values",
    [([0.0, 1.0], [1e308, -1e308]), ([0.0, 0.5], [0.0, 1e308]), ([0.0, 1e-300], [0.0, 1e10])],
)
def test_protocols_whose_slope_overflows_are_refused(times, values):
    """Before: numpy failed deep inside ("Number of samples, -9223372036854775808")."""
    with pytest.raises(ValueError, match="changes too fast or too much for float64"):
        sl.PiecewiseLinear(times, values)


def test_a_steep_but_finite_protocol_simulates_to_finite_results():
    """Knots 1e-300 apart with a finite slope: refinement is capped, the run finite and exact."""
    p = sl.PiecewiseLinear([0.0, 1e-300, 1.0], [0.0, 5.0, 0.0])
    ens = sl.simulate(sl.two_state(1.0, energies=(p, 0.0)), t_end=1.0, n_trajectories=200, rng=1)
    assert np.all(np.isfinite(ens.heat)) and np.all(np.isfinite(ens.work))
    np.testing.assert_allclose(
        ens.final_energy - ens.initial_energy, ens.work - ens.heat, atol=1e-9
    )


def test_simulate_refuses_what_memory_cannot_hold():
    with pytest.raises(
        MemoryError, match=r"n_trajectories = 4611686018427387904: the per-trajectory arrays"
    ):
        sl.simulate(sl.two_state(1.0), t_end=1.0, n_trajectories=2**62)


def test_simulate_refuses_astronomically_many_jumps():
    """Each trajectory is within float64's resolution (1e12 jumps), all of them are not."""
    with pytest.raises(
        ValueError, match=r"t_end = 1e\+12, n_trajectories = 100000: up to 1e17 jumps"
    ):
        sl.simulate(sl.two_state(1.0), t_end=1e12, n_trajectories=100_000)


def test_the_jump_bound_bounds_the_jumps():
    """The bound used to refuse runs is an upper bound: the observed mean stays below it, and
    within a small factor of it for a constant model (rate bound = the larger rate, degree 1)."""
    model = sl.two_state(1.0, energies=(0.0, 1.0))
    ens = sl.simulate(model, t_end=50.0, n_trajectories=4000, rng=2)
    bound = math.exp(_budget.log_events_per_trajectory(model.lower(50.0)))
    mean, se = ens.n_jumps.mean(), ens.n_jumps.std(ddof=1) / math.sqrt(ens.n_trajectories)
    assert mean + 5 * se < bound < 3 * mean


def test_complex_input_is_refused_not_cast():
    """Before: a complex matrix was silently cast to its real part."""
    with pytest.raises(TypeError, match="must be real: got a complex"):
        sl.two_state(1.0 + 0.5j)


@pytest.mark.parametrize(
    "build, name",
    [
        (lambda: sl.ladder(10**8, 1.0), "n_levels = 100000000"),
        (lambda: sl.ring(10**8), "n_states = 100000000"),
        (lambda: sl.differential_memory(10**8, 3.0, 0.1), "n_levels = 100000000"),
    ],
    ids=["ladder", "ring", "differential_memory"],
)
def test_model_constructors_refuse_what_memory_cannot_hold(build, name, monkeypatch):
    """Before: ``ladder(10**8, 1.0)`` built Python objects for over a minute (about 35 us and 1 kB
    per level) before anything checked its size. The machine's memory is fixed at 16 GiB here."""
    monkeypatch.setattr(_budget, "memory_bytes", lambda: 16 * 2**30)
    with pytest.raises(MemoryError, match=rf"{name}: the model's wells, edges and protocols would need 95\.4 GiB"):
        build()
    assert sl.ladder(1000, 1.0).n_states == 1000  # 1 MB: built as before


def test_schedule_protocols_refuse_what_memory_cannot_hold():
    """Before: ``n_updates = 1e11`` ended in numpy's "Unable to allocate 745 GiB"."""
    from stochlim.protocols import schedule_protocols
    from stochlim.schedules import PolynomialSchedule

    with pytest.raises(MemoryError, match=r"n_updates = 100000000000: the schedule's knots .* need 11\.6 TiB"):
        schedule_protocols(PolynomialSchedule(1.0), delta=0.01, n_updates=10**11, dt=1.0)


def test_lim_problems_and_runs_beyond_float64_are_refused_by_name():
    """Before: ``lim.run(lim.Ising([[0, 1e308], [1e308, 0]]), ...).heat`` was NaN, ``scale = 1e308``
    gave "heat inf +- nan", ``t_end = 1e308`` ran past 60 s and ``n_trajectories = 1e10`` ended in a
    MemoryError traceback. Each is refused by the argument that causes it."""
    from stochlim import lim

    with pytest.raises(ValueError, match=r"^J: the problem's energies reach about inf kT"):
        lim.Ising(np.array([[0.0, 1e308], [1e308, 0.0]]))
    ising = lim.Ising(np.array([[0.0, 1.0], [1.0, 0.0]]))
    run = dict(barrier=0.0, scale=1.0, t_end=1.0, n_trajectories=10, rng=1)
    with pytest.raises(ValueError, match=r"^scale: one update changes the energy by up to inf kT"):
        lim.run(ising, **{**run, "scale": 1e308})
    with pytest.raises(ValueError, match=r"^t_end = 1e\+308, n_trajectories = 10: up to 1e310 updates"):
        lim.run(ising, **{**run, "t_end": 1e308})
    with pytest.raises(MemoryError, match=r"^n_trajectories = 10000000000: the per-trajectory arrays"):
        lim.run(ising, **{**run, "n_trajectories": 10**10})
    res = lim.run(ising, **run)  # the same run within range: finite
    assert np.all(np.isfinite(res.heat)) and np.all(np.isfinite(res.work))


def test_energies_below_the_smallest_normal_float64_are_refused():
    """Before: ``bounds --flops 1e-308 --params 1e-308`` failed with "math domain error" (the
    retention energy rounded to 0, then its log was taken), and fixing only that gave a
    ZeroDivisionError traceback for LIM / CEB. Now the energy is refused, like one beyond 1.8e308."""
    with pytest.raises(ValueError, match=r"LIM energy would be about 1e-324 J, below the smallest normal float64 "
                       r"\(2\.2e-308\): flops and n_params too small"):
        bounds.lim_energy(1e-308, 1e-308, delta=2.0**-16, gamma=1.0)
    with pytest.raises(ValueError, match=r"retention energy would be about 1e-327 J.*n_params too small"):
        bounds.retention_energy(1e-308, delta=2.0**-16)
    with pytest.raises(ValueError, match=r"CEB energy would be about 1e-319 J"):
        bounds.ceb_energy(1e-300, 1e-300, delta=2.0**-16)
    # a tiny workload next to a normal one is fine: the static term carries the LIM energy
    static = bounds.retention_energy(1.0, delta=2.0**-16)
    assert bounds.lim_energy(1e-308, 1.0, delta=2.0**-16, gamma=1.0) == pytest.approx(static, rel=1e-12)


def test_temperature_whose_kt_underflows_is_refused():
    """Before: ``stochlim lim ... --temperature 1e-308`` said only "math domain error"."""
    with pytest.raises(ValueError, match=r"temperature must be >= 1\.61e-285 K .*got 1e-308"):
        kT(1e-308)
    assert kT(1e-280) == pytest.approx(1.380649e-23 * 1e-280, rel=1e-15)


def test_lim_optimum_beyond_any_problem_energy_is_refused():
    """Before: ``--optimum 1e308`` printed "mean residual energy -inf +- inf" with exit code 0."""
    from stochlim import lim

    ising = lim.Ising(np.array([[0.0, 1.0], [1.0, 0.0]]))
    with pytest.raises(ValueError, match=r"^optimum = -1e\+308 kT: beyond the 1e\+200 kT"):
        lim.run(ising, barrier=0.0, scale=1.0, t_end=1.0, n_trajectories=10, rng=1, optimum=-1e308)
