"""Stop-on-hit trajectories and the exact first-passage laws.

Statistical checks use fixed seeds with thresholds a fresh seed passes with probability > 0.999
(KS p > 1e-3; means within 4 standard errors; survival at 6 times within 4 binomial standard
errors each). Exact checks hold the absorbing-generator solution against independent closed forms.
"""

import math
import tracemalloc

import numba
import numpy as np
import pytest
import scipy.linalg
from conftest import assert_ks, assert_mean, assert_z
from test_ssa_reference import CASES

from stochlim import _propagate as propagate
from stochlim import ssa
from stochlim._reference import simulate_reference
from stochlim.models import HopModel, ladder, ring, two_state
from stochlim.passage import first_passage
from stochlim.protocols import PiecewiseConstant, PiecewiseLinear

#: Tolerance of the statistical checks here, in standard errors (see the module docstring).
K = 4.0

# 10-level ladder, constant Arrhenius rates, downhill towards the target 9 (mean FPT 24.4)
LADDER = ladder(10, lambda i: -0.5 * i, 0.5, rate_law="arrhenius")
START = np.eye(10)[0]
# the same ladder under a barrier lowered linearly from 3 kT to 0 over [0, 20]
LOWERED = ladder(10, lambda i: -0.25 * i, PiecewiseLinear([0.0, 20.0], [3.0, 0.0]),
                 rate_law="arrhenius")
# a driven ring: the heat until the hit depends on the winding, not only on the end points
DRIVEN = ring(6, [0.0, 0.3, -0.2, 0.5, 0.1, 0.0], 0.4, drive=0.7, rate_law="arrhenius")


def _sub_generator(model, target):
    """Transient block of the generator (columns: from, rows: to), from the rate matrix at t = 0."""
    k = model.rates(0.0)
    keep = np.setdiff1d(np.arange(model.n_states), target)
    return (k.T - np.diag(k.sum(axis=1)))[np.ix_(keep, keep)]


def _phase_type_cdf(model, target, x0):
    """Independent exact CDF: 1 - 1.expm(G t) e_x0."""
    g = _sub_generator(model, target)
    keep = np.setdiff1d(np.arange(model.n_states), target)
    e0 = (keep == x0).astype(float)
    return lambda t: np.array(
        [1.0 - scipy.linalg.expm(g * tt).dot(e0).sum() for tt in np.atleast_1d(t)]
    )


def test_ladder_first_passage_matches_the_phase_type_law():
    """SSA with stop on a 10-level ladder against the phase-type CDF (KS, n = 3000) and mean.

    n = 3000 resolves the mean to 1.1 % (1 SE): a rate off by 10 % on every edge moves it by 5 SE,
    and stopping one jump late or early (an off-by-one in the stop test) shifts every time by a
    mean sojourn, which the KS test rejects.
    """
    fp = first_passage(LADDER, p0=START, target=9, t_eval=[0.0, 400.0])
    assert fp.survival[-1] < 1e-9 and fp.hit_probability == 1.0
    ens = ssa.simulate(LADDER, t_end=400.0, n_trajectories=3000, x0=0, stop=9, rng=41)
    assert ens.hit.all() and np.all(ens.final_state == 9)
    tau = ens.first_passage_time
    exact_cdf = _phase_type_cdf(LADDER, [9], 0)
    assert_ks(tau, exact_cdf, label="first-passage times")
    assert_mean(tau, fp.mean, k=K, label="mean first-passage time")
    # the exact law itself: against the independent phase-type CDF, density and moments
    t = np.linspace(0.0, 200.0, 9)
    fp_t = first_passage(LADDER, p0=START, target=9, t_eval=t)
    np.testing.assert_allclose(fp_t.cdf, exact_cdf(t), atol=1e-12)
    g = _sub_generator(LADDER, [9])
    e0 = np.eye(9)[0]
    density = [-(g @ scipy.linalg.expm(g * tt) @ e0).sum() for tt in t]
    np.testing.assert_allclose(fp_t.density, density, rtol=1e-9, atol=1e-15)
    m1 = np.linalg.solve(-g, e0)
    assert fp.mean == pytest.approx(m1.sum(), rel=1e-12)
    assert fp.variance == pytest.approx(
        2 * np.linalg.solve(-g, m1).sum() - m1.sum() ** 2, rel=1e-10
    )


def test_survival_under_a_linearly_lowered_barrier():
    """Survival of SSA with stop (hazard and thinning) vs the exact time-dependent law.

    n = 4000 gives binomial SEs below 0.008 at each of 6 times; freezing the rates at the start of
    each waiting time moves the survival at t = 20 by more than 0.1.
    """
    t = np.array([5.0, 10.0, 15.0, 20.0, 25.0, 30.0])
    fp = first_passage(LOWERED, p0=START, target=9, t_eval=t)
    assert fp.method == "ode" and fp.success
    for method, seed in (("hazard", 3), ("thinning", 4)):
        ens = ssa.simulate(LOWERED, t_end=30.0, n_trajectories=4000, x0=0, stop=9, rng=seed,
                           method=method)
        tau = np.where(ens.hit, ens.first_passage_time, np.inf)
        surv = (tau[:, None] > t).mean(axis=0)
        assert_z(surv, fp.survival, np.sqrt(fp.survival * (1 - fp.survival) / tau.size), k=K,
                 label=f"survival ({method})")
    # the tail after the ramp is phase-type: the mean is the integral of the survival
    grid = np.linspace(0.0, 600.0, 6001)
    surv = first_passage(LOWERED, p0=START, target=9, t_eval=grid).survival
    assert surv[-1] < 1e-12
    assert fp.mean == pytest.approx(scipy.integrate.simpson(surv, x=grid), rel=1e-6)


def test_heat_and_work_until_the_hit_on_a_driven_ring():
    """Mean heat and work until the first hit of state 3 on a driven ring vs their exact means.

    Both are f times the winding plus end-point terms, so a trajectory that kept running after the
    hit or dropped its last jump moves the mean by O(1) kT, > 20 SE at n = 4000.
    """
    p0 = np.eye(6)[0]
    fp = first_passage(DRIVEN, p0=p0, target=3, t_eval=[0.0, 200.0])
    assert fp.survival[-1] < 1e-12
    ens = ssa.simulate(DRIVEN, t_end=200.0, n_trajectories=4000, x0=0, stop=3, rng=5)
    assert ens.hit.all()
    for sample, exact in ((ens.heat, fp.mean_heat_total), (ens.work, fp.mean_work_total)):
        assert_mean(sample, exact, k=K)
        assert sample.std(ddof=1) / math.sqrt(sample.size) < 0.05
    # first law up to the hit, per trajectory
    np.testing.assert_allclose(
        ens.final_energy - ens.initial_energy, ens.work - ens.heat, atol=1e-12
    )
    # the running means at t = 200 equal the totals once everything has hit
    assert fp.mean_heat[-1] == pytest.approx(fp.mean_heat_total, abs=1e-9)
    assert fp.mean_work[-1] == pytest.approx(fp.mean_work_total, abs=1e-9)


def test_heat_until_hit_under_a_moving_energy():
    """Time-dependent energies: mean heat and work until min(tau, t) against the SSA (4 SE)."""
    model = HopModel([0.0, PiecewiseLinear([0.0, 4.0], [1.0, -1.0]), 0.5, 1.0],
                     [(0, 1), (1, 2), (2, 3)], 0.3, rate_law="arrhenius", drives=[0.0, 0.4, 0.0])
    fp = first_passage(model, p0=[1.0, 0.0, 0.0, 0.0], target=3, t_eval=[0.0, 6.0])
    ens = ssa.simulate(model, t_end=6.0, n_trajectories=4000, x0=0, stop=3, rng=9)
    for sample, exact in ((ens.heat, fp.mean_heat[-1]), (ens.work, fp.mean_work[-1])):
        assert_mean(sample, exact, k=K)
    assert_z(ens.hit.mean(), fp.cdf[-1], math.sqrt(fp.cdf[-1] * fp.survival[-1] / 4000), k=K, label="hit share")


def test_exact_law_closed_forms():
    """Two states, rate k: exponential law; a stepped rate gives a piecewise-exponential law."""
    m = two_state(0.0, rate_law="arrhenius")  # k = 1 both ways
    fp = first_passage(m, p0=[1.0, 0.0], target=1, t_eval=[0.0, 0.5, 2.0])
    np.testing.assert_allclose(fp.survival, np.exp(-fp.t), rtol=1e-12)
    np.testing.assert_allclose(fp.density, np.exp(-fp.t), rtol=1e-12)
    assert (fp.mean, fp.variance) == pytest.approx((1.0, 1.0), rel=1e-12)
    stepped = two_state(PiecewiseConstant([0.0, 1.0], [0.0, math.log(2.0)]), rate_law="arrhenius")
    fp = first_passage(stepped, p0=[1.0, 0.0], target=[1], t_eval=[1.0, 3.0])
    # rate 1 on [0, 1), 1/2 after: S(3) = e^-1 e^-1, E[tau] = (1 - e^-1) + 2 e^-1 and
    # E[tau^2] = 2 (int_0^1 t e^-t dt + e^-1 int_0^inf (1 + u) e^(-u/2) du) = 2 (1 + 4 e^-1)
    np.testing.assert_allclose(fp.survival, [math.exp(-1), math.exp(-2)], rtol=1e-12)
    assert fp.mean == pytest.approx(1 + math.exp(-1), rel=1e-12)
    assert fp.variance == pytest.approx(
        2 * (1 + 4 * math.exp(-1)) - (1 + math.exp(-1)) ** 2, rel=1e-12
    )
    assert fp.constant_after == 1.0


def test_unreachable_target_gives_infinite_moments():
    model = HopModel([0.0, 0.0, 0.0, 0.0], [(0, 1), (2, 3)], 0.0)
    fp = first_passage(model, p0=[0.5, 0.0, 0.5, 0.0], target=1, t_eval=[0.0, 50.0])
    assert fp.hit_probability == 0.5
    assert fp.mean == math.inf and math.isnan(fp.mean_heat_total)
    assert fp.survival[-1] == pytest.approx(0.5, abs=1e-12)


@pytest.mark.parametrize("model, method", CASES)
def test_kernel_and_reference_stop_at_the_same_event(model, method):
    kw = {"t_end": 6.0, "n_trajectories": 40, "rng": 77, "method": method, "x0": 0, "stop": [2]}
    fast = ssa.simulate(model, record="events", **kw)
    slow = simulate_reference(model, **kw)
    assert fast.hit.sum() > 5  # trajectories stop (in some cases not all)
    np.testing.assert_array_equal(fast.event_offsets, slow.event_offsets)
    np.testing.assert_array_equal(fast.event_states, slow.event_states)
    np.testing.assert_array_equal(fast.first_passage_time, slow.first_passage_time)
    np.testing.assert_allclose(fast.work, slow.work, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fast.heat, slow.heat, rtol=1e-12, atol=1e-12)
    summary = ssa.simulate(model, **kw)
    for name in ("final_state", "n_jumps", "work", "heat", "first_passage_time"):
        np.testing.assert_array_equal(getattr(summary, name), getattr(fast, name))
    hits = fast.hit
    last = fast.event_states[fast.event_offsets[1:][hits] - 1]
    np.testing.assert_array_equal(last, 2)  # each stopped trajectory ends on its first entry
    np.testing.assert_array_equal(fast.first_passage_time[hits],
                                  fast.event_times[fast.event_offsets[1:][hits] - 1])


def test_stop_with_one_and_two_threads_is_identical():
    saved = numba.get_num_threads()
    out = []
    try:
        for threads in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(threads)
            out.append(ssa.simulate(LOWERED, t_end=30.0, n_trajectories=3001, x0=0, stop=9, rng=8))
    finally:
        numba.set_num_threads(saved)
    for name in ("final_state", "n_jumps", "work", "heat", "first_passage_time"):
        np.testing.assert_array_equal(getattr(out[0], name), getattr(out[1], name))


def test_stop_keeps_memory_constant_per_trajectory():
    """No event arrays: the traced peak stays a few arrays of n numbers while the jumps grow 35-fold.

    The target is uphill (level 0 of the ladder from level 9, mean first passage 709), so most
    trajectories run to t_end: 3.5e5 jumps in all at t_end = 20, 1.2e7 at t_end = 2000. An event
    record would add 12 bytes per jump (150 MB); the peaks differ only by the per-trajectory
    arrays of the hit trajectories (1 % hit by 20, 94 % by 2000).
    """
    ssa.simulate(LADDER, t_end=1.0, n_trajectories=2, x0=9, stop=0, rng=1)  # compile first
    peaks, jumps = [], []
    for t_end in (20.0, 2000.0):
        tracemalloc.start()
        ens = ssa.simulate(LADDER, t_end=t_end, n_trajectories=20_000, x0=9, stop=0, rng=2)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        jumps.append(int(ens.n_jumps.sum()))
        assert ens.event_times is None
    assert jumps[1] > 30 * jumps[0]
    assert max(peaks) < 200 * 20_000  # bytes: about 12 arrays of n numbers (outputs, temporaries)
    assert peaks[1] < 2 * peaks[0]


def test_grid_record_holds_the_hit_state_after_the_hit():
    grid = np.linspace(0.0, 30.0, 31)
    kw = {"t_end": 30.0, "n_trajectories": 300, "x0": 0, "stop": 9, "rng": 12}
    gr = ssa.simulate(LOWERED, record="grid", t_eval=grid, **kw)
    after = grid[None, :] >= np.where(gr.hit, gr.first_passage_time, np.inf)[:, None]
    assert after.any()
    np.testing.assert_array_equal(gr.states[after], 9)
    assert np.all(gr.states[~after] != 9)


@pytest.mark.parametrize("kw, match", [
    ({"stop": []}, "stop is empty"),
    ({"stop": np.ones(10, dtype=bool)}, "covers every state"),
    ({"stop": np.ones(3, dtype=bool)}, "one entry per state"),
    ({"stop": 12}, "must name states"),
    ({"stop": "9"}, "must be a state"),
    ({"stop": 0}, "x0 starts trajectory 0 in state 0"),
    ({"stop": 9, "x0": None, "p0": None}, "p0 puts probability"),
])
def test_bad_stop(kw, match):
    args = {"t_end": 1.0, "n_trajectories": 2, "x0": 0, **kw}
    if args["x0"] is None:
        del args["x0"]
    with pytest.raises(ValueError, match=match):
        ssa.simulate(LADDER, **args)


def test_bad_first_passage_input():
    with pytest.raises(ValueError, match="target is empty"):
        first_passage(LADDER, p0=START, target=[], t_eval=[1.0])
    with pytest.raises(ValueError, match="target covers every state"):
        first_passage(LADDER, p0=START, target=list(range(10)), t_eval=[1.0])
    with pytest.raises(ValueError, match="p0 puts probability 1 on the target"):
        first_passage(LADDER, p0=START, target=0, t_eval=[1.0])
    with pytest.raises(ValueError, match="t_eval"):
        first_passage(LADDER, p0=START, target=9, t_eval=[2.0, 1.0])
    with pytest.raises(ValueError, match="hit is defined only"):
        _ = ssa.simulate(LADDER, t_end=1.0, n_trajectories=1, x0=0).hit


def test_methods_agree():
    """The methods of solve_master give the same law (expm, uniformization, krylov; Radau to its
    tolerance)."""
    t = [0.0, 5.0, 20.0, 60.0]
    laws = {m: first_passage(DRIVEN, p0=np.eye(6)[0], target=[3], t_eval=t, method=m)
            for m in ("expm", "uniformization", "krylov", "ode")}
    for m in ("uniformization", "krylov", "ode"):
        tol = 1e-7 if m == "ode" else 1e-10
        assert laws[m].method == m and laws[m].success
        np.testing.assert_allclose(laws[m].survival, laws["expm"].survival, atol=tol)
        np.testing.assert_allclose(laws[m].density, laws["expm"].density, atol=tol)
        np.testing.assert_allclose(laws[m].mean_heat, laws["expm"].mean_heat, atol=10 * tol)
        np.testing.assert_allclose(laws[m].mean_work, laws["expm"].mean_work, atol=10 * tol)
        assert laws[m].mean == pytest.approx(laws["expm"].mean, rel=tol)
        assert laws[m].variance == pytest.approx(laws["expm"].variance, rel=tol)
        assert laws[m].mean_heat_total == pytest.approx(laws["expm"].mean_heat_total, rel=tol)
    assert laws["expm"].method == "expm" and laws["krylov"].method == "krylov"


def test_uniformization_gives_the_closed_forms_through_knots():
    """Uniformisation's survival integrals (the rows that give the moments after the last knot)
    against the closed forms of a stepped rate, and its energy-step work on a stepped erasure
    against the dense exponential."""
    stepped = two_state(PiecewiseConstant([0.0, 1.0], [0.0, math.log(2.0)]), rate_law="arrhenius")
    fp = first_passage(stepped, p0=[1.0, 0.0], target=1, t_eval=[0.5, 1.0, 3.0], method="uniformization")
    np.testing.assert_allclose(fp.survival, np.exp([-0.5, -1.0, -2.0]), rtol=1e-13)
    assert fp.mean == pytest.approx(1 + math.exp(-1), rel=1e-13)
    assert fp.variance == pytest.approx(2 * (1 + 4 * math.exp(-1)) - (1 + math.exp(-1)) ** 2, rel=1e-12)
    knots = np.arange(17) * 0.5
    erase = two_state(0.5, energies=(0.0, PiecewiseConstant(knots, knots)), rate_law="arrhenius")
    t = np.linspace(0.0, 8.0, 9)
    dense, unif = (first_passage(erase, p0=[1.0, 0.0], target=1, t_eval=t, method=m)
                   for m in ("expm", "uniformization"))
    for name in ("survival", "density", "mean_heat", "mean_work"):
        np.testing.assert_allclose(getattr(unif, name), getattr(dense, name), rtol=1e-12, atol=1e-14)
    assert (unif.mean, unif.variance) == pytest.approx((dense.mean, dense.variance), rel=1e-12)


def test_uniformization_refusals(monkeypatch):
    """Exact only for piecewise-constant inputs (ValueError); a series too long for memory is a
    failure with a message, not an exception."""
    with pytest.raises(ValueError, match="exact only for piecewise-constant"):
        first_passage(LOWERED, p0=START, target=9, t_eval=[1.0], method="uniformization")
    monkeypatch.setattr(propagate, "MAX_BLOCK_UNIFORM_TERMS", 100)
    fp = first_passage(LADDER, p0=START, target=9, t_eval=[0.0, 400.0], method="uniformization")
    assert not fp.success and "use method='expm' or 'krylov'" in fp.message
    assert np.all(np.isnan(fp.survival)) and math.isnan(fp.mean)
