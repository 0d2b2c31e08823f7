"""Tilted (Doob) importance sampling: exact weights, tail probabilities, in-product checks.

Statistical thresholds: estimates within 3 standard errors of exact values (fixed seeds; a fresh
seed passes each with probability 0.997), the mean z over 100 seeds within 3 standard errors of 0.
Exact references are computed in the tests independently of the sampler: the work distribution of
a stepped protocol by a forward recursion over (state, count), the log-likelihood ratio of single
trajectories by quadrature of the rate matrix.
"""

import dataclasses
import itertools
import math

import numba
import numpy as np
import pytest
import scipy.integrate
import scipy.linalg

from stochlim import rare, ssa
from stochlim.fluctuations import Current
from stochlim.master import free_energy, solve_master
from stochlim.models import HopModel, ring, two_state
from stochlim.protocols import PiecewiseConstant, PiecewiseLinear

# A driven two-level system: well 0 at 5.5 kT, well 1 raised from 0 to 10 kT in 20 steps of 0.5 kT
# every 0.5 time units (barrier 0, Arrhenius). W = 0.5 x (number of steps taken while in well 1);
# staying in the unfavoured well 0 early on, so that W <= 0.75, has probability 2.1e-10.
K_STEPS, STEP = 20, 0.5
KNOTS = np.arange(K_STEPS + 1) * STEP
T_STEP = K_STEPS * STEP
STEPPED = two_state(0.0, energies=(5.5, PiecewiseConstant(KNOTS, KNOTS)), rate_law="arrhenius")
P0_STEPPED = np.array([math.exp(-5.5), 1.0]) / (1.0 + math.exp(-5.5))  # equilibrium at t = 0
# A smooth protocol: well 1 raised linearly by 3 kT in 2 time units over a barrier of 1 kT.
RAMP = two_state(1.0, energies=(0.0, PiecewiseLinear([0.0, 2.0], [0.0, 3.0])), rate_law="arrhenius")


def _exact_work_cdf(w):
    """P(W <= w) of STEPPED from P0_STEPPED: forward recursion over (state, steps taken in 1)."""
    dist = np.zeros((2, K_STEPS + 1))
    dist[:, 0] = P0_STEPPED
    for k in range(K_STEPS):
        rates = STEPPED.rates(KNOTS[k])
        gen = rates.T - np.diag(rates.sum(axis=1))
        dist = scipy.linalg.expm(gen * STEP) @ dist
        if k < K_STEPS - 1:  # the energy of well 1 steps up at KNOTS[k + 1] < T
            dist[1] = np.roll(dist[1], 1)
    return dist.sum(axis=0)[: math.floor(w / 0.5 + 1e-9) + 1].sum()


@pytest.fixture(scope="module")
def tail_tilt():
    return rare.saddle_point(STEPPED, "work", 0.75, t_end=T_STEP, p0=P0_STEPPED)


def test_tail_probability_far_below_plain_ssa_reach(tail_tilt):
    """P(W <= 0.75) = 2.1e-10 within 3 SE from 1e5 tilted trajectories; plain SSA sees none."""
    exact = _exact_work_cdf(0.75)
    assert 1e-11 < exact < 1e-8
    te = rare.simulate_tilted(STEPPED, "work", s=tail_tilt, t_end=T_STEP, n_trajectories=100_000,
                              p0=P0_STEPPED, rng=3)
    est = te.tail_probability(0.75)
    assert abs(est.z(exact)) < 3
    assert est.stderr < 0.05 * exact  # a useful estimate, not a wide error bar
    assert abs(te.values.mean() - 0.75) < 0.25  # the saddle point centres the samples on the tail
    plain = ssa.simulate(STEPPED, t_end=T_STEP, n_trajectories=100_000, p0=P0_STEPPED, rng=3)
    assert np.sum(plain.work <= 0.75) == 0
    # the density of W in the tail, bin [0.25, 0.75] holds exactly the one lattice point 0.5
    _centers, dens, se = te.density([0.25, 0.75])
    exact_bin = exact - _exact_work_cdf(0.25)
    assert abs(dens[0] * 0.5 - exact_bin) < 3 * se[0] * 0.5


def test_tail_estimate_is_unbiased_over_100_seeds(tail_tilt):
    """z of the P(W <= 0.75) estimate over 100 seeds of 3000 trajectories: mean within
    3/sqrt(100)."""
    exact = _exact_work_cdf(0.75)
    z = [rare.simulate_tilted(STEPPED, "work", s=tail_tilt, t_end=T_STEP, n_trajectories=3000,
                              p0=P0_STEPPED, rng=seed).tail_probability(0.75).z(exact)
         for seed in range(100)]
    assert abs(np.mean(z)) < 3 / math.sqrt(len(z))
    assert 0.7 < np.std(z) < 1.3  # the standard errors are right, not only the mean


@pytest.mark.parametrize("model, p0", [(RAMP, [0.5, 0.5]), (STEPPED, P0_STEPPED)])
def test_weighted_jarzynski_and_mean_weight(model, p0):
    """Tilting the work at s = 1: weighted <exp(-W)> = exp(-dF) within 3 SE; at s = 0.4 the
    mean weight is 1 within 3 SE (n = 20000 each)."""
    t_end = 2.0 if model is RAMP else T_STEP
    # the energies at t_end's left limit: a step at t_end itself does no work on [0, t_end)
    d_f = float(free_energy(model, np.nextafter(t_end, 0.0)) - free_energy(model, 0.0))
    te = rare.simulate_tilted(
        model, "work", s=1.0, t_end=t_end, n_trajectories=20_000, p0=p0, rng=4
    )
    check = te.jarzynski(d_f)
    assert check.reliable and abs(check.z) < 3
    assert rare.log_mgf(model, "work", 1.0, t_end=t_end, p0=p0) == pytest.approx(-d_f, abs=1e-8)
    te = rare.simulate_tilted(
        model, "work", s=0.4, t_end=t_end, n_trajectories=20_000, p0=p0, rng=5
    )
    check = te.check_weights()
    assert check.reliable and abs(check.z) < 3


@pytest.mark.parametrize("observable, s", [("heat", 0.7), ("n_jumps", 0.5), (Current([1]), -0.8),
                                           ("entropy_production", 1.0)])
def test_weighted_expectations_match_the_master_equation(observable, s):
    """Under any tilt, weighted means of the original dynamics agree with the master equation:
    mean heat and P(final state = 0) within 3 SE; for the entropy, <exp(-S_tot)> = 1 (IFT)."""
    model = ring(3, [0.0, 0.5, -0.3], PiecewiseLinear([0.0, 3.0], [1.0, 0.2]), drive=0.6,
                 rate_law="arrhenius")
    sol = solve_master(model, p0=[1 / 3] * 3, t_eval=[0.0, 3.0])
    te = rare.simulate_tilted(model, observable, s=s, t_end=3.0, n_trajectories=20_000,
                              p0=[1 / 3] * 3, rng=6)
    heat = te.expectation(te.ensemble.heat)
    assert abs(heat.z(sol.mean_heat[-1])) < 3
    occ = te.expectation(te.ensemble.final_state == 0)
    assert abs(occ.z(sol.p[-1, 0])) < 3
    if observable == "entropy_production":
        assert abs(te.expectation(np.exp(-te.values)).z(1.0)) < 3


@pytest.mark.parametrize("model", [
    HopModel([0.0, PiecewiseLinear([0.0, 3.0], [1.0, -1.0]), 0.4], [(0, 1), (1, 2)],
             PiecewiseLinear([0.0, 3.0], [0.5, 1.5]), rate_law="arrhenius"),
    # the paper law: energies stepped, the barrier ramped (log-rates linear on each cell)
    HopModel([0.0, PiecewiseConstant([0.0, 1.3], [1.0, -1.0]), 0.4], [(0, 1), (1, 2)],
             PiecewiseLinear([0.0, 3.0], [0.5, 1.5]), rate_law="paper"),
], ids=["arrhenius", "paper"])
def test_log_weights_equal_an_independent_quadrature(model):
    """The kernel's log-weight of single trajectories against sum ln(k/k~) - int (lambda - lambda~)
    computed here by adaptive quadrature of the model's time-varying rate matrix (rtol 1e-9)."""
    kw = {"t_end": 3.0, "p0": [0.5, 0.3, 0.2], "n_cells": 8}
    te = rare.simulate_tilted(model, Current([0]), s=0.6, n_trajectories=30, rng=9, **kw)
    setup = rare._setup(model, Current([0]), kw["t_end"], kw["p0"], None, kw["n_cells"])
    lo = setup.lowered
    log_prop, log_p0 = rare._proposal(model, setup, 0.6)
    prop = np.exp(log_prop)

    def cell(t):
        return min(np.searchsorted(lo.seg_times, t, side="right") - 1, lo.n_segments - 1)

    def lam(t, x):
        return model.rates(t)[x].sum()

    def lam_prop(t, x):
        j = cell(t)
        return prop[j, lo.out_ptr[x]:lo.out_ptr[x + 1]].sum()

    ens = te.ensemble
    assert ens.n_jumps.sum() > 30
    for i in range(ens.n_trajectories):
        times, states = ens.events(i)
        path = np.concatenate(([ens.initial_state[i]], states))
        edges = np.concatenate(([0.0], times, [kw["t_end"]]))
        lw = math.log(kw["p0"][path[0]]) - log_p0[path[0]]
        for a, b, x in zip(edges[:-1], edges[1:], path):
            cuts = np.concatenate(([a], lo.seg_times[(lo.seg_times > a) & (lo.seg_times < b)], [b]))
            for u, v in itertools.pairwise(cuts):
                lw -= scipy.integrate.quad(lambda t, x=x: lam(t, x) - lam_prop(t, x), u, v,
                                           epsabs=0, epsrel=1e-11)[0]
        for t, x, y in zip(times, path[:-1], path[1:]):
            d = lo.out_ptr[x] + np.flatnonzero(lo.out_dst[lo.out_ptr[x]:lo.out_ptr[x + 1]] == y)[0]
            lw += math.log(model.rates(t)[x, y]) - log_prop[cell(t), d]
        assert te.log_weight[i] == pytest.approx(lw, rel=1e-9, abs=1e-9)
    # the current is counted from the events: net jumps 0 -> 1
    assert np.all(np.abs(te.values) <= 1)


def test_tilted_sampling_with_one_and_two_threads_is_identical():
    saved = numba.get_num_threads()
    out = []
    try:
        for threads in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(threads)
            out.append(rare.simulate_tilted(RAMP, "heat", s=-1.0, t_end=2.0, n_trajectories=3001,
                                            p0=[0.5, 0.5], rng=8))
    finally:
        numba.set_num_threads(saved)
    np.testing.assert_array_equal(out[0].log_weight, out[1].log_weight)
    np.testing.assert_array_equal(out[0].values, out[1].values)


def test_untilted_piecewise_constant_model_has_unit_weights():
    """s = 0 on a model whose inputs are constant on every cell: the proposal is the model."""
    te = rare.simulate_tilted(STEPPED, "heat", s=0.0, t_end=T_STEP, n_trajectories=500,
                              p0=P0_STEPPED, rng=1)
    np.testing.assert_allclose(te.log_weight, 0.0, atol=1e-9)


def test_tiny_weights_never_become_a_silent_zero():
    """Estimates from log-weights scaled by e^-400 and e^-1000 (as in a tail far beyond 1e-300): the
    log value and log standard error shift by exactly that, the standard error does not underflow
    where the value is representable, and an underflowing value keeps a finite log_value."""
    te = rare.simulate_tilted(RAMP, "heat", s=0.5, t_end=2.0, n_trajectories=2000, p0=[0.5, 0.5],
                              rng=2)
    q = float(np.median(te.values))
    ref = te.tail_probability(q)
    assert 0 < ref.stderr < ref.value and ref.log_value == pytest.approx(math.log(ref.value), rel=1e-12)
    estimators = (lambda t: t.tail_probability(q),  # the mean weight, as check_weights has it
                  lambda t: rare._weighted_mean(t.log_weight, t.n_trajectories))
    for shift in (400.0, 1000.0):
        tiny = dataclasses.replace(te, log_weight=te.log_weight - shift)
        for estimate in estimators:
            est, base = estimate(tiny), estimate(te)
            assert est.log_value == pytest.approx(base.log_value - shift, abs=1e-9)
            assert est.log_stderr == pytest.approx(base.log_stderr - shift, abs=1e-9)
            if shift == 400.0:
                assert est.stderr > 0 and est.stderr / est.value == pytest.approx(
                    base.stderr / base.value, rel=1e-9)
            else:
                assert est.value == 0.0 and math.isfinite(est.log_value)
    _, dens, se = dataclasses.replace(te, log_weight=te.log_weight - 400.0).density([q - 1.0, q])
    assert dens[0] > 0 and se[0] > 0


def test_huge_weights_scale_exactly_or_refuse_by_name():
    """Log-weights shifted by +700 (each weight beyond e^700): a mixed-sign E[g] still scales by
    exactly e^700 where the product fits, and one beyond the float range is an OverflowError naming
    g, never inf or NaN."""
    te = rare.simulate_tilted(RAMP, "heat", s=0.5, t_end=2.0, n_trajectories=2000, p0=[0.5, 0.5],
                              rng=2)
    g = te.values - float(np.median(te.values))          # both signs
    base = te.expectation(g)
    big = dataclasses.replace(te, log_weight=te.log_weight + 700.0).expectation(g)
    assert big.value == pytest.approx(base.value * math.exp(700.0), rel=1e-9)
    assert big.stderr == pytest.approx(base.stderr * math.exp(700.0), rel=1e-9)
    beyond = dataclasses.replace(te, log_weight=te.log_weight + 720.0)
    with pytest.raises(OverflowError, match="g: E"):
        beyond.expectation(g)
    with pytest.raises(OverflowError, match="rescale g"):
        beyond.expectation(np.abs(g) + 1.0)


def test_bad_tilt_input():
    kw = {"t_end": 2.0, "n_trajectories": 10, "p0": [0.5, 0.5]}
    with pytest.raises(ValueError, match="^observable: 'power' is not an observable"):
        rare.simulate_tilted(RAMP, "power", s=1.0, **kw)
    with pytest.raises(ValueError, match="^observable: current.3. names edge 3, but the model has edges 0..0"):
        rare.simulate_tilted(RAMP, Current([3]), s=1.0, **kw)
    with pytest.raises(ValueError, match="does no work"):
        rare.simulate_tilted(two_state(1.0, rate_law="arrhenius"), "work", s=1.0, **kw)
    with pytest.raises(ValueError, match="makes a tilted rate reach"):
        rare.simulate_tilted(RAMP, "heat", s=1e6, **kw)
    with pytest.raises(ValueError, match="exactly one of s and tail"):
        rare.simulate_tilted(RAMP, "heat", **kw)
    with pytest.raises(ValueError, match="^model: .* linear in time"):
        paper = two_state(1.0, energies=(0.0, PiecewiseLinear([0.0, 2.0], [0.0, 3.0])))
        rare.simulate_tilted(paper, "work", s=1.0, **kw)
    with pytest.raises(ValueError, match="beyond the tail"):
        rare.saddle_point(STEPPED, "work", -1.0, t_end=T_STEP, p0=P0_STEPPED)
    with pytest.raises(ValueError, match="side must be"):
        rare.simulate_tilted(RAMP, "heat", s=0.1, **kw).tail_probability(0.0, side="left")


@pytest.mark.slow
def test_heat_tail_of_a_fast_erasure_down_to_1e_13():
    """Upper tail of the heat of a fast erasure (notebook 06) at 6 points from 0.2 down to 5e-14:
    each tilted estimate (2e4 trajectories, s at the saddle point) within 3 SE of the exact law of
    the lattice master equation of (well, heat), with a relative SE below 3 %."""
    knots = np.arange(17) * 0.5
    erase = two_state(0.5, energies=(0.0, PiecewiseConstant(knots, knots)), rate_law="arrhenius")
    p0, t_end, dq, n = np.array([0.5, 0.5]), 8.0, 0.5, 80
    size = 2 * n + 1
    dist = np.zeros((2, size))
    dist[:, n] = p0
    t = 0.0
    for t_next in list(knots[1:-1]) + [t_end]:  # every jump's heat is a multiple of 0.5 kT
        k, e = erase.rates(t), erase.energy(t)
        shift = round((e[0] - e[1]) / dq)
        gen = np.zeros((2 * size, 2 * size))
        idx = np.arange(size)
        for x, y, sh in ((0, 1, shift), (1, 0, -shift)):
            ok = (idx + sh >= 0) & (idx + sh < size)
            gen[y * size + idx[ok] + sh, x * size + idx[ok]] += k[x, y]
            gen[x * size + idx, x * size + idx] -= k[x, y]
        dist = (scipy.linalg.expm(gen * (t_next - t)) @ dist.ravel()).reshape(2, size)
        t = t_next
    levels = (np.arange(size) - n) * dq
    survival = np.cumsum(dist.sum(axis=0)[::-1])[::-1]  # P(Q >= level)
    assert abs(survival[0] - 1.0) < 1e-12  # nothing lost off the lattice
    for i, q in enumerate([2.0, 3.0, 4.0, 5.0, 6.0, 7.0]):
        te = rare.simulate_tilted(erase, "heat", tail=q, t_end=t_end, n_trajectories=20_000, p0=p0,
                                  rng=100 + i)
        est = te.tail_probability(q, side="upper")
        exact = survival[np.argmin(np.abs(levels - q))]
        assert abs(est.z(exact)) < 3 and est.stderr < 0.03 * exact, (q, est, exact)
    assert exact < 1e-13
