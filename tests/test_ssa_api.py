"""simulate(): first law per trajectory, seeding and threads, method choice, bad input,
log-space."""

import numba
import numpy as np
import pytest

from conftest import assert_z
from stochlim import ssa
from stochlim.models import HopModel, differential_memory, ladder, two_state
from stochlim.protocols import PiecewiseConstant, PiecewiseLinear, schedule_protocols
from stochlim.schedules import PolynomialSchedule

pytestmark = pytest.mark.usefixtures("jit_warm")  # compile the kernels once, before timing


STEP_ENERGY = PiecewiseConstant([0.0, 1.0, 2.5], [0.0, 2.0, -1.0])
RAMP_ENERGY = PiecewiseLinear([0.0, 2.0, 4.0], [1.0, -1.0, 0.5])


def _triangle(energies, barriers, **kw):
    """A driven three-state cycle, the same edges and drives for every method."""
    return HopModel(energies, [(0, 1), (1, 2), (2, 0)], barriers, drives=[1.0, 0.0, 0.5], **kw)


MODELS = {
    "direct": _triangle([0.0, 1.0, -0.5], [0.5, 0.0, 1.0]),
    "restart": _triangle([STEP_ENERGY, 1.0, -0.5], PiecewiseConstant([0.0, 2.0], [0.5, 0.0])),
    "hazard": _triangle([STEP_ENERGY, RAMP_ENERGY, -0.5], PiecewiseLinear([0.0, 4.0], [1.0, 0.0]),
                        rate_law="arrhenius"),
    "thinning": _triangle([STEP_ENERGY, RAMP_ENERGY, -0.5],
                          PiecewiseLinear([0.0, 4.0], [1.0, 0.0]), rate_law="paper"),
}


@pytest.mark.parametrize("method", list(MODELS))
def test_auto_picks_the_cheapest_exact_method(method):
    assert ssa.simulate(MODELS[method], t_end=4.0, n_trajectories=2, rng=0).method == method


@pytest.mark.parametrize("method", list(MODELS))
def test_first_law_on_every_trajectory(method):
    """E_final - E_initial = W - Q on each of 5000 trajectories, with steps, ramps and drives."""
    ens = ssa.simulate(MODELS[method], t_end=4.0, n_trajectories=5000, rng=1, method=method)
    assert ens.n_jumps.mean() > 2 and np.ptp(ens.work) > 1.0  # work and heat are not trivial
    scale = 1.0 + np.abs(ens.work) + np.abs(ens.heat) + ens.n_jumps
    residual = ens.final_energy - ens.initial_energy - (ens.work - ens.heat)
    assert np.all(np.abs(residual) <= 1e-13 * scale)
    np.testing.assert_array_equal(ens.medium_entropy, ens.heat)


def test_drive_work_and_heat_on_a_ring():
    """With equal energies, all heat comes from the drive: Q = W = f * (net steps forward)."""
    m = HopModel([0.0] * 3, [(0, 1), (1, 2), (2, 0)], 0.0, drives=1.5)
    ens = ssa.simulate(m, t_end=5.0, n_trajectories=500, rng=2, record="events")
    np.testing.assert_allclose(ens.heat, ens.work, atol=1e-12)
    for i in range(20):
        _, states = ens.events(i)
        path = np.concatenate(([ens.initial_state[i]], states))
        forward = np.sum((np.diff(path) % 3) == 1) - np.sum((np.diff(path) % 3) == 2)
        assert ens.heat[i] == pytest.approx(1.5 * forward, abs=1e-12)


@pytest.mark.parametrize("method", list(MODELS))
def test_identical_results_with_one_and_two_threads(method):
    saved = numba.get_num_threads()
    out = []
    try:
        for threads in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(threads)
            out.append(ssa.simulate(MODELS[method], t_end=4.0, n_trajectories=3001, rng=3,
                                    method=method, record="events"))
    finally:
        numba.set_num_threads(saved)
    a, b = out
    for name in ("initial_state", "final_state", "n_jumps", "work", "heat", "event_times",
                 "event_states"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_seeds_reproduce_and_differ():
    m = MODELS["direct"]

    def run(rng):
        return ssa.simulate(m, t_end=4.0, n_trajectories=200, rng=rng)

    np.testing.assert_array_equal(run(7).work, run(7).work)
    np.testing.assert_array_equal(run(7).work, run(np.random.SeedSequence(7)).work)
    assert not np.array_equal(run(7).work, run(8).work)
    gen = np.random.default_rng(7)
    assert not np.array_equal(run(gen).work, run(gen).work)  # a Generator advances
    assert not np.array_equal(run(None).work, run(None).work)
    np.testing.assert_array_equal(
        run(np.random.default_rng(9)).work, run(np.random.default_rng(9)).work
    )


def test_trajectory_streams_do_not_depend_on_ensemble_size():
    """Trajectory i draws from its own stream: a larger ensemble starts with the same paths."""
    m = MODELS["thinning"]
    small = ssa.simulate(m, t_end=4.0, n_trajectories=10, rng=4)
    large = ssa.simulate(m, t_end=4.0, n_trajectories=1000, rng=4)
    np.testing.assert_array_equal(small.work, large.work[:10])


def test_absorbing_state_and_extreme_energies_stay_finite():
    """Barriers of 1e3 kT underflow to zero rates; biases of 1e4 kT stay finite in log-space."""
    m = HopModel([0.0, -1e4, 5.0], [(0, 1), (1, 2)], [1e3, 0.5], rate_law="paper")
    ens = ssa.simulate(m, t_end=10.0, n_trajectories=100, x0=2, rng=5)
    assert np.all(ens.final_state == 1) and np.all(np.isfinite(ens.heat))
    np.testing.assert_allclose(ens.heat, 5.0 + 1e4)


def test_paper_schedule_drives_a_differential_memory():
    """Eq. 18-19 protocols at delta = 2^-16: biases up to 65536 kT, rates r_n J_max, no overflow."""
    bias, barrier = schedule_protocols(
        PolynomialSchedule(0.5), delta=2.0**-16, n_updates=20, dt=1.0
    )
    m = differential_memory(61, barrier, bias)
    ens = ssa.simulate(m, t_end=20.0, n_trajectories=2000, x0=30, rng=6)
    assert np.all(np.isfinite(ens.heat)) and np.all(np.isfinite(ens.work))
    r = PolynomialSchedule(0.5).rate(np.arange(1, 21))
    steps = ens.final_state - ens.initial_state
    se = np.sqrt(r.sum() / ens.n_trajectories)
    assert_z(
        steps.mean(), r.sum(), se, label="net steps"
    )  # net rate r_n J_max per update (Eq. 7 with Eq. 19)


def test_overflowing_rate_is_a_clear_error():
    with pytest.raises(ValueError, match="beyond float64's resolution"):
        ssa.simulate(two_state(-800.0), t_end=1.0, n_trajectories=1)


def test_grid_holds_the_start_state_at_zero():
    ens = ssa.simulate(MODELS["direct"], t_end=4.0, n_trajectories=50, rng=7, record="grid",
                       t_eval=[0.0, 4.0])
    np.testing.assert_array_equal(ens.states[:, 0], ens.initial_state)
    np.testing.assert_array_equal(ens.states[:, 1], ens.final_state)


def test_t_grid_is_a_deprecated_spelling_of_t_eval():
    kw = dict(t_end=4.0, n_trajectories=50, rng=7, record="grid")
    new = ssa.simulate(MODELS["direct"], t_eval=[0.0, 2.0], **kw)
    with pytest.warns(DeprecationWarning, match="t_eval"):
        old = ssa.simulate(MODELS["direct"], t_grid=[0.0, 2.0], **kw)
    np.testing.assert_array_equal(old.states, new.states)
    with pytest.warns(DeprecationWarning, match="Ensemble.t_eval"):
        np.testing.assert_array_equal(new.t_grid, new.t_eval)
    with pytest.raises(TypeError, match="pass only t_eval="):
        ssa.simulate(MODELS["direct"], t_eval=[0.0], t_grid=[0.0], **kw)


def test_p0_is_sampled():
    ens = ssa.simulate(two_state(50.0), t_end=1.0, n_trajectories=20000, p0=[0.25, 0.75], rng=8)
    assert_z(ens.initial_state.mean(), 0.75, np.sqrt(0.75 * 0.25 / 20000), label="p0")
    zero = ssa.simulate(
        ladder(3, 0.0, 50.0), t_end=1.0, n_trajectories=1000, p0=[0.0, 1.0, 0.0], rng=9
    )
    assert np.all(zero.initial_state == 1)


M = MODELS["direct"]


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(t_end=0.0), ValueError, "t_end must be positive"),
        (dict(t_end=-1.0), ValueError, "t_end must be positive"),
        (dict(t_end=np.nan), ValueError, "t_end must not be NaN"),
        (dict(n_trajectories=0), ValueError, "n_trajectories must be >= 1"),
        (dict(n_trajectories=2.5), TypeError, "n_trajectories must be an integer"),
        (dict(p0=[0.5, 0.6, 0.0]), ValueError, "p0 must be a probability vector.*sum"),
        (dict(p0=[1.5, -0.5, 0.0]), ValueError, "p0 must be a probability vector.*negative"),
        (dict(p0=[0.5, 0.5]), ValueError, "p0 must be a probability vector of length 3"),
        (dict(p0=[np.nan, 0.5, 0.5]), ValueError, "p0 must not be NaN"),
        (dict(x0=3), ValueError, "x0 must name states"),
        (dict(x0=0, p0=[1.0, 0.0, 0.0]), ValueError, "p0 or x0"),
        (dict(record="grid", t_eval=[0.0, 5.0]), ValueError, r"t_eval must lie in \[0, t_end"),
        (dict(record="grid", t_eval=[-0.1, 1.0]), ValueError, r"t_eval must lie in \[0, t_end"),
        (dict(record="grid", t_eval=[2.0, 1.0]), ValueError, "t_eval must be sorted"),
        (dict(record="grid"), ValueError, "record='grid' needs t_eval"),
        (dict(record="all"), ValueError, "record must be one of"),
        (dict(method="tau-leap"), ValueError, r"method must be one of \('auto', 'direct'"),
        (dict(rng="seed"), TypeError, "rng must be"),
        (dict(rng=-1), ValueError, "rng must be a non-negative"),
    ],
)
def test_bad_simulate_input_raises(kwargs, error, match):
    args = dict(t_end=4.0, n_trajectories=3)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        ssa.simulate(M, **args)


@pytest.mark.parametrize(
    "method, model", [("direct", "restart"), ("restart", "hazard"), ("hazard", "thinning")]
)
def test_inexact_method_is_refused(method, model):
    with pytest.raises(ValueError, match=f"method='{method}' is not exact for this model"):
        ssa.simulate(MODELS[model], t_end=4.0, n_trajectories=1, method=method)


def test_model_must_be_a_hop_model():
    with pytest.raises(TypeError, match="model must be a HopModel"):
        ssa.simulate("two_state", t_end=1.0, n_trajectories=1)


def test_methods_has_the_shape_of_the_master_equations():
    from stochlim import master

    assert ssa.METHODS[0] == master.METHODS[0] == "auto"
    assert isinstance(ssa.METHODS, tuple) and isinstance(master.METHODS, tuple)
    assert ssa.METHODS[1:] == tuple(ssa.SOLVERS) == ("direct", "restart", "hazard", "thinning")
    with pytest.warns(DeprecationWarning, match="SOLVERS"):
        assert ssa.METHODS["direct"] is ssa.SOLVERS["direct"]
    with pytest.warns(DeprecationWarning, match="SOLVERS"):
        assert list(ssa.METHODS.values()) == list(ssa.SOLVERS.values())
