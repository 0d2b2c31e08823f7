"""Exact count distributions and steady-state large deviations of stochlim.fluctuations.

References written here: a dense joint master equation over (state, count) exponentiated segment by
segment with scipy; SSA histograms (chi-square with bins pooled to >= 5 expected counts, p > 1e-3);
the Perron eigenvalue's symmetry and the long-time variance of SSA currents (within 4 SE).
"""

import math

import numpy as np
import pytest
from scipy import stats
from scipy.linalg import expm

import stochlim as sl
from stochlim import fluctuations as fl
from stochlim.ensemble_stats import pooled_chi_square
from stochlim.physics import hop_rates

STEPS = [0.0, 0.4, 1.0]
UPPER = [0.0, 2.0, -1.0]
BARRIERS = [0.5, 0.0, 1.0]
P0 = np.array([0.3, 0.7])


def stepped():
    return sl.two_state(sl.PiecewiseConstant(STEPS, BARRIERS),
                        energies=(0.0, sl.PiecewiseConstant(STEPS, UPPER)))


def joint_by_hand(n_max, t_end=1.6):
    """P(n jumps) from the generator on (count, state) pairs, index 2 n + x, built here."""
    size = 2 * (n_max + 1)
    v = np.zeros(size)
    v[:2] = P0
    bounds = STEPS[1:] + [t_end]
    for i, (b0, e1) in enumerate(zip(BARRIERS, UPPER)):
        k01, k10 = hop_rates(b0, 0.0 - e1)
        G = np.zeros((size, size))
        for n in range(n_max + 1):
            G[2 * n, 2 * n] = -k01
            G[2 * n + 1, 2 * n + 1] = -k10
            if n < n_max:
                G[2 * (n + 1) + 1, 2 * n] = k01
                G[2 * (n + 1), 2 * n + 1] = k10
        v = expm(G * (bounds[i] - STEPS[i])) @ v
    return v.reshape(n_max + 1, 2).sum(axis=1)


def test_jump_count_distribution_matches_a_direct_joint_master_equation():
    d = fl.count_distribution(stepped(), p0=P0, t_end=1.6, max_count=40)
    assert d.success and d.tail_mass[-1] < 1e-12
    np.testing.assert_allclose(d.pmf[-1], joint_by_hand(40), atol=1e-10, rtol=0)
    by_krylov = fl.count_distribution(stepped(), p0=P0, t_end=1.6, max_count=40, method="krylov")
    np.testing.assert_allclose(by_krylov.pmf, d.pmf, atol=1e-10)


def test_jump_count_distribution_matches_ssa():
    d = fl.count_distribution(stepped(), p0=P0, t_end=1.6)
    assert d.success
    ens = sl.simulate(stepped(), t_end=1.6, n_trajectories=200_000, p0=P0, rng=11)
    observed = np.bincount(ens.n_jumps, minlength=d.values.size)[: d.values.size]
    assert observed.sum() == ens.n_trajectories  # nothing beyond the window
    stat, dof = pooled_chi_square(observed, d.pmf[-1] * ens.n_trajectories)
    assert stats.chi2.sf(stat, dof) > 1e-3


def test_truncation_that_loses_mass_is_reported():
    d = fl.count_distribution(stepped(), p0=P0, t_end=1.6, max_count=2)
    assert not d.success and d.status == -1 and "raise max_count" in d.message
    assert d.tail_mass[-1] == pytest.approx(1.0 - joint_by_hand(40)[:3].sum(), rel=1e-8)
    with pytest.raises(ValueError, match="max_count"):
        fl.count_distribution(stepped(), p0=P0, t_end=1.0, max_count=0)
    with pytest.raises(ValueError, match="n_jumps"):
        fl.count_distribution(stepped(), "heat", p0=P0, t_end=1.0)


def test_current_distribution_mean_and_variance_match_cumulants():
    ring = sl.ring(4, energies=(0.0, 0.5, -0.3, 0.2), barriers=0.2, drive=1.0)
    p0 = np.full(4, 0.25)
    cur = fl.Current([0, 2])
    d = fl.count_distribution(ring, cur, p0=p0, t_eval=[1.0, 3.0])
    c = fl.cumulants(ring, cur, p0=p0, t_eval=[1.0, 3.0], order=2)
    mean = d.pmf @ d.values
    np.testing.assert_allclose(mean, c.mean[:, 0], rtol=1e-9)
    np.testing.assert_allclose(d.pmf @ d.values ** 2 - mean ** 2, c.variance[:, 0], rtol=1e-9)


RING = {"energies": (0.0, 0.5, -0.3, 0.2), "barriers": 0.2, "drive": 1.0}


def stationary(model):
    """Null vector of the generator built here from ``model.rates``, normalised."""
    k = model.rates(0.0)
    w, v = np.linalg.eig(k.T - np.diag(k.sum(axis=1)))
    pi = np.real(v[:, np.argmin(np.abs(w))])
    return k, pi / pi.sum()


def test_gallavotti_cohen_for_the_entropy_production_and_a_current():
    ring = sl.ring(4, **RING)
    s = np.linspace(-1.0, 2.0, 7)
    assert np.max(np.abs(fl.gallavotti_cohen(ring, "entropy_production", s))) < 1e-10
    assert np.max(np.abs(fl.gallavotti_cohen(ring, fl.Current([0]), s, affinity=4.0))) < 1e-10
    # not a tautology: lambda is far from symmetric about any other point
    assert np.max(np.abs(fl.gallavotti_cohen(ring, fl.Current([0]), s, affinity=3.0))) > 1e-2
    assert fl.scgf(ring, "n_jumps", 0.0) == pytest.approx(0.0, abs=1e-12)


def test_scgf_derivatives_are_the_exact_rates():
    """c1, c2 by perturbation against the stationary current and a polynomial fit of lambda."""
    ring = sl.ring(4, **RING)
    c1, c2 = fl.steady_cumulant_rates(ring, fl.Current([0]))
    k, pi = stationary(ring)
    assert c1 == pytest.approx(pi[0] * k[0, 1] - pi[1] * k[1, 0], rel=1e-10)
    s = 0.02 * np.arange(-4, 5)
    coef = np.polynomial.polynomial.polyfit(s, fl.scgf(ring, fl.Current([0]), s), 8)
    assert -coef[1] == pytest.approx(c1, rel=1e-7)
    assert 2 * coef[2] == pytest.approx(c2, rel=1e-6)


def test_scgf_curvature_equals_ssa_variance_rate():
    """Var J(t) / t of SSA currents at t = 1000 (2e4 trajectories from the steady state): the
    net displacement around the ring, D = sum_e J_e = (Q - E(x0) + E(xT)) / f, has the variance
    rate of one edge's current times 16. SE of a sample variance: sqrt((m4 - s^4) / n) (~1 %);
    the finite-time offset Var J(t) - c2 t, computed exactly, is below one SE."""
    ring = sl.ring(4, **RING)
    _, c2 = fl.steady_cumulant_rates(ring, fl.Current([0]))
    _, pi = stationary(ring)
    t_end = 1000.0
    ens = sl.simulate(ring, t_end=t_end, n_trajectories=20_000, p0=pi, rng=77)
    energies = np.asarray(RING["energies"])
    displacement = (ens.heat - energies[ens.initial_state] + energies[ens.final_state]) / RING[
        "drive"
    ]
    j = displacement / 4.0
    dev = j - j.mean()
    var = dev.var(ddof=1)
    se = math.sqrt((np.mean(dev ** 4) - var ** 2) / j.size)
    assert abs(var - c2 * t_end) < 4 * se
    exact = (
        fl.cumulants(ring, fl.Current([0, 1, 2, 3]), p0=pi, t_end=t_end, order=2).variance[-1, 0]
        / 16
    )
    assert abs(exact - c2 * t_end) < se


def test_rate_function_is_the_legendre_transform():
    ring = sl.ring(4, **RING)
    c1, c2 = fl.steady_cumulant_rates(ring, fl.Current([0]))
    rf = fl.rate_function(ring, fl.Current([0]), [c1, c1 + 0.01, 0.0])
    assert rf.rate[0] == pytest.approx(0.0, abs=1e-10)
    assert rf.rate[1] == pytest.approx(0.01 ** 2 / (2 * c2), rel=0.05)  # Gaussian near the mean
    # GC for the current: I(-x) - I(x) = A x with the cycle affinity A = 4 f
    both = fl.rate_function(ring, fl.Current([0]), [0.05, -0.05])
    assert both.rate[1] - both.rate[0] == pytest.approx(4.0 * 0.05, rel=1e-6)
    assert not both.at_bound.any()
    with pytest.raises(ValueError, match="time-independent"):
        fl.scgf(stepped(), "heat", 0.1)
