"""The Crooks diagnostic with an exact reference: time reversal, exact Fermi averages of the forward
and reverse work laws, Bennett's exact standard error and its coverage over many seeds.

Bennett's estimate solves ``sum_F f(m + W_F - D) = sum_R f(-m + W_R + D)``, ``f(x) = 1/(1 + e^x)``;
its exact asymptotic variance needs ``<f>`` and ``<f^2>`` of both work laws, which
``fl.crooks_reference`` computes by Laplace inversion of the tilted master equation.
"""

import itertools
import math
import warnings

import numpy as np
import pytest
from conftest import assert_mean
from scipy.linalg import expm
from scipy.special import expit

import stochlim as sl
from stochlim import fluctuations as fl
from stochlim import thermo
from stochlim.master import free_energy
from stochlim.physics import hop_rates

KNOTS = np.array([0.0, 0.25, 0.5, 0.75, 1.0]) * 2.0


def erasure_like():
    """Barrier 4 -> 0 -> 0 -> 4 -> 4 kT, upper well 0 -> 0 -> 4 -> 4 -> 1 kT over [0, 2]: a slow
    cousin of the README's fast erasure, with dF = 0.38 kT and a mean dissipation of 0.6 kT."""
    return sl.two_state(sl.PiecewiseLinear(KNOTS, [4.0, 0.0, 0.0, 4.0, 4.0]),
                        energies=(0.0, sl.PiecewiseLinear(KNOTS, [0.0, 0.0, 4.0, 4.0, 1.0])))


@pytest.fixture(scope="module")
def erasure_reference():
    model = erasure_like()
    return model, fl.crooks_reference(model, p0=model.equilibrium(0.0), t_end=2.0)


def test_reversed_protocols_and_model_read_the_forward_one_backwards():
    tau = 3.0
    rng = np.random.default_rng(0)
    t = rng.uniform(0.0, tau, 50)  # almost surely off every knot
    protocols = [sl.Constant(1.5), sl.PiecewiseLinear([-1.0, 0.5, 2.0, 4.0], [0.0, 3.0, -1.0, 2.0]),
                 sl.PiecewiseConstant([0.2, 1.0, 2.5], [1.0, -2.0, 5.0]),
                 sl.PiecewiseConstant([-2.0, 3.0, 7.0], [4.0, 1.0, 6.0])]
    for p in protocols:
        np.testing.assert_allclose(p.reversed(tau)(t), p(tau - t), rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(p.reversed(tau).reversed(tau)(t), p(t), rtol=1e-13, atol=1e-13)
    model = sl.HopModel((0.0, protocols[1], protocols[2]), [(0, 1), (1, 2), (2, 0)],
                        (protocols[3], 0.5, protocols[1]), drives=(0.3, -0.2, 0.7), rate_law="arrhenius")
    back = model.reversed(tau)
    for s in t[:10]:
        np.testing.assert_allclose(back.rates(s), model.rates(tau - s), rtol=1e-12)
    assert back.drives.tolist() == model.drives.tolist() and back.rate_law == "arrhenius"
    with pytest.raises(ValueError, match="t_end"):
        model.reversed(0.0)


def _stepped_law(barrier, upper, steps, t_end, p0):
    """Exact law of W of a two-state model whose upper well steps through ``upper`` at ``steps``
    (piecewise-constant energies): W is the sum of the steps of the occupied well, so every path
    of states at the steps is enumerated with its probability (transition matrices by expm)."""
    ends = list(steps[1:]) + [t_end]
    values, probs = [], []
    for path in itertools.product((0, 1), repeat=len(upper)):
        prob, w = p0[path[0]], 0.0
        for i in range(len(upper)):
            k01, k10 = hop_rates(barrier, -upper[i])
            T = expm(np.array([[-k01, k10], [k01, -k10]]) * (ends[i] - steps[i]))
            if i + 1 < len(upper):
                prob *= T[path[i + 1], path[i]]
                w += (upper[i + 1] - upper[i]) * path[i + 1]
            else:
                prob *= T[:, path[i]].sum()
        values.append(w)
        probs.append(prob)
    return np.array(values), np.array(probs)


def test_fermi_averages_are_exact_for_a_stepped_protocol():
    """The forward and reverse laws of a stepped protocol enumerated path by path (the reverse
    steps written out here, not through ``HopModel.reversed``): the four Fermi averages agree to
    1e-11 at several ``m``, and the stated quadrature bound is below 1e-12."""
    steps, upper, t_end, barrier = [0.0, 0.4, 1.0, 1.7], [0.0, 2.0, 3.5, 1.0], 2.2, 0.3
    model = sl.two_state(barrier, energies=(0.0, sl.PiecewiseConstant(steps, upper)))
    p0 = model.equilibrium(0.0)
    ref = fl.crooks_reference(model, p0=p0, t_end=t_end)
    d_f = free_energy(model, t_end) - free_energy(model, 0.0)
    assert ref.delta_f == pytest.approx(d_f, abs=1e-14)
    fwd = _stepped_law(barrier, upper, steps, t_end, p0)
    back_steps = [0.0] + [t_end - s for s in steps[:0:-1]]
    p_back = np.array([1.0, math.exp(-upper[-1])]) / (1.0 + math.exp(-upper[-1]))
    rev = _stepped_law(barrier, upper[::-1], back_steps, t_end, p_back)
    assert rev[1].sum() == pytest.approx(1.0, abs=1e-13)
    for m in (-2.0, 0.0, 0.7, 3.0):
        expected = []
        for (w, p), z in ((fwd, m - d_f), (rev, -m + d_f)):
            f = expit(-(z + w))
            expected += [p @ f, p @ f**2]
        *got, bound = ref.fermi_averages(m)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-11)
        assert bound < 1e-12


def test_crooks_identities_with_ramps_barriers_and_drives():
    """A driven 3-state ring with ramped energies and barrier: the Crooks relation gives
    ``n_F <f_F> = n_R <f_R>`` and ``n_F <f_F (1 - f_F)> = n_R <f_R^2>`` at the true dF, exactly;
    the forward average also matches SSA (1e5 trajectories, 5 SE) and the exact variance equals
    the Crooks form ``1 / (n_F <f_F>) - 1 / n_F - 1 / n_R``."""
    ramp = sl.PiecewiseLinear([0.0, 1.0, 1.5], [0.0, 2.5, 1.0])
    model = sl.HopModel((0.0, ramp, ramp.scaled(-0.5)), [(0, 1), (1, 2), (2, 0)],
                        (sl.PiecewiseLinear([0.0, 1.5], [1.0, 0.0]), 0.5, 0.2), drives=(0.8, 0.8, 0.8))
    p0 = model.equilibrium(0.0)
    ref = fl.crooks_reference(model, p0=p0, t_end=1.5)
    for n_f, n_r in ((1000, 1000), (3000, 500), (200, 2000)):
        m = math.log(n_f / n_r)
        f1, f2, r1, r2, _ = ref.fermi_averages(m)
        assert n_f * f1 == pytest.approx(n_r * r1, rel=1e-8)
        assert n_f * (f1 - f2) == pytest.approx(n_r * r2, rel=1e-8)
        assert ref.variance(n_f, n_r) == pytest.approx(1.0 / (n_f * f1) - 1.0 / n_f - 1.0 / n_r, rel=1e-6)
    w = sl.simulate(model, t_end=1.5, n_trajectories=100_000, p0=p0, rng=5).work
    assert_mean(expit(-(w - ref.delta_f)), ref.fermi_averages(0.0)[0], label="<f(W_F - dF)>")


def test_bennett_exact_se_covers_over_200_seeds(erasure_reference):
    """200 independent seeds, each 500 forward + 500 reverse trajectories of the erasure-like
    protocol: the exact-SE interval +-1.96 SE covers the exact dF in 95 % of them within 4
    binomial SE (0.95 +- 0.062), and the spread of the 200 estimates equals the exact SE within 4
    standard errors of a standard deviation (1 +- 4 / sqrt(398)). An SE off by a factor 1.4 fails
    both."""
    model, ref = erasure_reference
    n, reps = 500, 200
    back = model.reversed(2.0)
    estimates, hits = [], 0
    for seed in range(reps):
        a = sl.simulate(model, t_end=2.0, n_trajectories=n, p0=model.equilibrium(0.0), rng=1000 + seed).work
        b = sl.simulate(back, t_end=2.0, n_trajectories=n, p0=back.equilibrium(0.0), rng=5000 + seed).work
        chk = thermo.crooks(a, b, ref.delta_f, reference=ref)
        assert chk.exact_se and chk.reliable and not chk.se_lower_bound
        estimates.append(chk.estimate)
        hits += abs(chk.z) <= 1.96
    se = math.sqrt(ref.variance(n, n))
    assert abs(hits / reps - 0.95) <= 4 * math.sqrt(0.95 * 0.05 / reps), hits
    spread = np.std(estimates, ddof=1) / se
    assert abs(spread - 1.0) <= 4 / math.sqrt(2 * (reps - 1)), spread


def test_crooks_reference_through_model_and_n_needed(erasure_reference):
    model, ref = erasure_reference
    back = model.reversed(2.0)
    w_f = sl.simulate(model, t_end=2.0, n_trajectories=3000, p0=model.equilibrium(0.0), rng=1).work
    w_r = sl.simulate(back, t_end=2.0, n_trajectories=1000, p0=back.equilibrium(0.0), rng=2).work
    via_model = thermo.crooks(w_f, w_r, ref.delta_f, model=model, p0=model.equilibrium(0.0), t_end=2.0,
                              precision=0.01)
    via_ref = thermo.crooks(w_f, w_r, ref.delta_f, reference=ref, precision=0.01)
    assert via_model.stderr == pytest.approx(via_ref.stderr, rel=1e-9)
    assert via_ref.stderr == pytest.approx(math.sqrt(ref.variance(3000, 1000)), rel=1e-12)
    # the variance falls as 1 / N at a fixed ratio n_F / n_R = 3
    assert via_ref.n_needed == math.ceil(4000 * ref.variance(3000, 1000) / 0.01**2)
    assert ref.variance(300, 100) == pytest.approx(10 * ref.variance(3000, 1000), rel=1e-9)
    with pytest.raises(ValueError, match="not both"):
        thermo.crooks(w_f, w_r, 0.0, reference=ref, model=model, p0=[0.5, 0.5], t_end=2.0)
    with pytest.raises(ValueError, match="model needs p0 and t_end"):
        thermo.crooks(w_f, w_r, 0.0, model=model)
    with pytest.raises(ValueError, match="p0 and t_end need model"):
        thermo.crooks(w_f, w_r, 0.0, t_end=2.0)
    with pytest.raises(TypeError, match="CrooksReference"):
        thermo.crooks(w_f, w_r, 0.0, reference=fl.ExponentialReference("work", 1.0, 0.1, 0.1))
    with pytest.raises(ValueError, match="precision"):
        thermo.crooks(w_f, w_r, 0.0, reference=ref, precision=0.0)
    with pytest.raises(ValueError, match="m must be finite"):
        ref.fermi_averages(np.inf)


def _ring_works(n, seed, drive=1.0, t_end=8.0):
    model = sl.ring(3, barriers=0.0, drive=drive)  # constant: its own time reversal, dF = 0
    w_f = sl.simulate(model, t_end=t_end, n_trajectories=n, rng=seed).work
    w_r = sl.simulate(model, t_end=t_end, n_trajectories=n, rng=seed + 1).work
    return w_f, w_r


def test_without_reference_the_error_is_flagged_where_the_overlap_is_unresolved():
    """A 3-state ring driven by 1 kT per jump for 8 time units: mean work 7.3 kT against dF = 0,
    so works near 0 (the overlap) are rare. With 300 + 300 trajectories the squared Fermi weights
    rest on about 12 trajectories per side and the sample error is flagged; with 10^4 + 10^4
    (effective sizes near 400), or a drive of 0.3 kT, it is not."""
    w_f, w_r = _ring_works(300, 0)
    with pytest.warns(thermo.RareEventWarning, match="lower bound"):
        chk = thermo.crooks(w_f, w_r, 0.0)
    assert chk.se_lower_bound and not chk.reliable and not chk.exact_se
    for n, drive in ((10_000, 1.0), (300, 0.3)):
        w_f, w_r = _ring_works(n, 2, drive=drive)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            chk = thermo.crooks(w_f, w_r, 0.0)
        assert not chk.se_lower_bound and chk.reliable and chk.passes(5.0)


@pytest.mark.slow
def test_bennett_exact_se_covers_on_the_readme_fast_erasure():
    """The README's fast erasure (barrier 12 -> 0 -> 0 -> 12 -> 12 kT, upper well 0 -> 0 -> 8 -> 8
    -> 0 kT over 0.1 time units, dF = 0), 200 seeds of 1000 + 1000 trajectories: coverage at 95 %
    within 4 binomial SE and the spread of the estimates equal to the exact SE within 4 SE of a
    standard deviation."""
    knots = np.array([0.0, 0.25, 0.5, 0.75, 1.0]) * 0.1
    model = sl.two_state(sl.PiecewiseLinear(knots, [12.0, 0.0, 0.0, 12.0, 12.0]),
                         energies=(0.0, sl.PiecewiseLinear(knots, [0.0, 0.0, 8.0, 8.0, 0.0])))
    ref = fl.crooks_reference(model, p0=[0.5, 0.5], t_end=0.1)
    assert ref.delta_f == 0.0
    back = model.reversed(0.1)
    n, reps = 1000, 200
    estimates, hits = [], 0
    for seed in range(reps):
        a = sl.simulate(model, t_end=0.1, n_trajectories=n, p0=[0.5, 0.5], rng=20_000 + seed).work
        b = sl.simulate(back, t_end=0.1, n_trajectories=n, p0=back.equilibrium(0.0), rng=30_000 + seed).work
        chk = thermo.crooks(a, b, 0.0, reference=ref)
        estimates.append(chk.estimate)
        hits += abs(chk.z) <= 1.96
    assert abs(hits / reps - 0.95) <= 4 * math.sqrt(0.95 * 0.05 / reps), hits
    spread = np.std(estimates, ddof=1) / math.sqrt(ref.variance(n, n))
    assert abs(spread - 1.0) <= 4 / math.sqrt(2 * (reps - 1)), spread
