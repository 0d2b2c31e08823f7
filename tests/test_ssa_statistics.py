"""Statistical validation of every exact SSA method against closed forms.

Fixed seeds, yet thresholds a fresh seed passes with probability > 0.999: means within 5 standard
errors, KS and chi-squared tests at p > 1e-3 (the assertions of ``tests/conftest.py``). Each
docstring says which bug the sample size catches.
"""

import math

import numpy as np
import pytest
from scipy import linalg, stats

from conftest import assert_chisquare, assert_ks, assert_mean, assert_z
from stochlim.models import HopModel, differential_memory, ladder, two_state
from stochlim.physics import net_rate
from stochlim.protocols import PiecewiseConstant, PiecewiseLinear
from stochlim.ssa import SOLVERS, simulate

pytestmark = pytest.mark.usefixtures("jit_warm")  # compile the kernels once, before timing


K01, K10 = 1.0, 0.5
# two wells with Arrhenius rates K01 = e^-(E0 + (E1 - E0)/2) and K10 = e^-(E0 - (E1 - E0)/2)
E1 = -math.log(K01 / K10)
B0 = -math.log(K01) - E1 / 2


def _two_state_constant():
    return two_state(B0, energies=(0.0, E1), rate_law="arrhenius")


def test_two_state_rates_are_set_up_right():
    k = _two_state_constant().rates(0.0)
    assert k[0, 1] == pytest.approx(K01) and k[1, 0] == pytest.approx(K10)


@pytest.mark.parametrize("method", list(SOLVERS))
def test_two_state_dwell_times_are_exponential(method):
    """Dwell times in both wells are Exp(k) (KS, n = 20000 each).

    The KS critical distance at p = 1e-3 is 1.95 / sqrt(20000) = 0.014; a rate off by 10 % shifts
    the exponential CDF by up to 0.035, i.e. 2.5 times that.
    """
    ens = simulate(_two_state_constant(), t_end=60.0, n_trajectories=20000, x0=0, rng=11,
                   method=method, record="events")
    first = ens.event_times[ens.event_offsets[:-1]]
    second = ens.event_times[ens.event_offsets[:-1] + 1]
    assert np.all(ens.n_jumps >= 2)  # P(fewer than 2 jumps by t = 60) is below 1e-12
    assert_ks(first, stats.expon(scale=1 / K01).cdf)
    assert_ks(second - first, stats.expon(scale=1 / K10).cdf)


@pytest.mark.parametrize("method", ["direct", "thinning"])
def test_two_state_stationary_occupation(method):
    """Occupation of well 1 at t = 30 (20 relaxation times) is K01 / (K01 + K10) = 2/3.

    n = 1e5: SE = 0.0015, so a 2 % error of the occupation (0.013) moves it by 9 SE.
    """
    ens = simulate(_two_state_constant(), t_end=30.0, n_trajectories=100_000, x0=0, rng=12,
                   method=method)
    p1 = K01 / (K01 + K10)
    se = math.sqrt(p1 * (1 - p1) / ens.n_trajectories)
    assert_z(ens.final_state.mean(), p1, se, label="occupation")


def _relaxation_time(model, t):
    """1 / spectral gap of the generator at time t."""
    k = model.rates(t)
    gen = k - np.diag(k.sum(axis=1))
    ev = np.sort(np.real(linalg.eigvals(gen)))
    return 1.0 / -ev[-2]


LADDER_E = np.array([0.0, 1.2, 0.3, 2.0, 0.8, 1.5, 0.1, 0.6])


@pytest.mark.parametrize(
    "law, barriers, method",
    [
        ("paper", [0.0, 2.0, 0.5, 1.5, 0.2, 1.0, 2.5], "direct"),
        ("arrhenius", [1.0, 0.0, 2.0, 0.7, 1.5, 0.3, 1.0], "direct"),
        ("paper", PiecewiseConstant([0.0, 5.0, 20.0], [2.0, 0.0, 1.0]), "restart"),
        ("arrhenius", PiecewiseLinear([0.0, 40.0], [2.5, 0.0]), "hazard"),
        ("paper", PiecewiseLinear([0.0, 40.0], [0.0, 2.5]), "thinning"),
    ],
)
def test_ladder_relaxes_to_boltzmann(law, barriers, method):
    """Whatever the barriers (constant, stepped, ramped), the ladder relaxes to p ~ exp(-E).

    Chi-squared on 8 levels with n = 20000 from state 0, t_end >= 20 relaxation times at the
    slowest barriers. A detailed-balance slip of 0.2 kT on any one edge shifts occupations by
    10-17 % and gives an expected chi-squared of 80-200 against the 1e-3 critical value of 24.
    """
    model = ladder(8, LADDER_E, barriers, rate_law=law)
    slowest = ladder(8, LADDER_E, 2.5, rate_law=law)
    t_end = max(40.0, 20 * _relaxation_time(slowest, 0.0))
    ens = simulate(model, t_end=t_end, n_trajectories=20000, x0=0, rng=13, method=method)
    p = np.exp(-LADDER_E) / np.exp(-LADDER_E).sum()
    counts = np.bincount(ens.final_state, minlength=8)
    assert_chisquare(counts, p)


@pytest.mark.parametrize("law", ["paper", "arrhenius"])
@pytest.mark.parametrize("E0, dE", [(0.5, 0.5), (1.0, 3.0), (2.0, 1.0)])
def test_differential_memory_mean_net_rate(law, E0, dE):
    """Mean net hop rate of the biased walk: Eq. 7 (tanh, paper law) or 2 e^-E0 sinh(dE/2).

    The displacement over T is Skellam: variance (k+ + k-) T, giving the SE below. n = 4000 and
    T = 20 make a missing factor 2, a sign slip or the other law's formula at dE >= 1 miss by more
    than 10 SE.
    """
    n_levels, T = 401, 20.0
    ens = simulate(differential_memory(n_levels, E0, dE, rate_law=law), t_end=T,
                   n_trajectories=4000, x0=n_levels // 2, rng=14)
    assert ens.final_state.min() > 0 and ens.final_state.max() < n_levels - 1  # ends never reached
    k = differential_memory(3, E0, dE, rate_law=law).rates(0.0)
    rate = (ens.final_state - ens.initial_state) / T
    expected = net_rate(E0, dE) if law == "paper" else 2 * math.exp(-E0) * math.sinh(dE / 2)
    se = math.sqrt((k[0, 1] + k[1, 0]) * T / ens.n_trajectories) / T
    assert_z(rate.mean(), expected, se, label="net rate")


def _escape_cdf(k0, a):
    return lambda t: -np.expm1(-(k0 / a) * np.expm1(a * t))


@pytest.mark.parametrize("law", ["paper", "arrhenius"])
@pytest.mark.parametrize("method", ["auto", "hazard", "thinning"])
def test_escape_over_linearly_lowered_barrier(law, method):
    """First-jump times with the barrier lowered as E0(t) = 2 - t: rate k0 e^t.

    Their CDF is ``1 - exp(-(k0/a)(e^(a t) - 1))`` with a = 1 and k0 = e^-2 (KS, n = 5000). The
    frozen-rate approximation (each waiting time drawn at the rate of its start, here Exp(k0)) has a
    median of ln 2 / k0 = 5.1 against the exact 1.8; its CDF lies up to 0.6 below the exact one,
    and the test asserts that the sample rejects it with p < 1e-30, so an engine that froze rates
    fails.
    The "direct" and "restart" methods do not claim exactness here and must refuse.
    """
    barrier = PiecewiseLinear([0.0, 8.0], [2.0, -6.0])
    model = two_state(barrier, energies=(0.0, 0.0), rate_law=law)
    k0 = model.rates(0.0)[0, 1]
    ens = simulate(model, t_end=6.0, n_trajectories=5000, x0=0, rng=15, method=method,
                   record="events")
    assert np.all(ens.n_jumps > 0)  # survival to t = 6 is exp(-(k0)(e^6 - 1)) < 1e-20
    first = ens.event_times[ens.event_offsets[:-1]]
    assert_ks(first, _escape_cdf(k0, 1.0))
    assert stats.kstest(first, stats.expon(scale=1 / k0).cdf).pvalue < 1e-30
    for inexact in ("direct", "restart"):
        with pytest.raises(ValueError, match="not exact"):
            simulate(model, t_end=6.0, n_trajectories=1, method=inexact)


@pytest.mark.parametrize("law", ["paper", "arrhenius"])
def test_escape_over_stepped_barrier_with_restart(law):
    """Staircase barrier: the integrated hazard is piecewise linear (KS, n = 5000, restart).

    A restart that kept the pending clock across a step (not redrawing at the new rate) would
    follow Exp(k0) instead and is rejected at p < 1e-30, which the test asserts.
    """
    times = np.arange(8.0)
    barrier = PiecewiseConstant(times, 2.0 - times)
    model = two_state(barrier, rate_law=law)
    rates = np.array([model.rates(t)[0, 1] for t in times])
    cumulative = np.concatenate(
        ([0.0], np.cumsum(rates[:-1]))
    )  # integral of the hazard at the knots

    def integrated_hazard(t):
        i = np.minimum(np.floor(t).astype(int), times.size - 1)
        return cumulative[i] + rates[i] * (t - times[i])
    ens = simulate(model, t_end=7.0, n_trajectories=5000, x0=0, rng=16, method="restart",
                   record="events")
    first = ens.event_times[ens.event_offsets[:-1]]
    assert np.all(ens.n_jumps > 0)
    assert_ks(first, lambda t: -np.expm1(-integrated_hazard(t)))
    assert stats.kstest(first, stats.expon(scale=1 / rates[0]).cdf).pvalue < 1e-30


@pytest.mark.parametrize(
    "law, well, method",
    [
        ("paper", PiecewiseLinear([0.0, 1.0], [0.0, 3.0]), "thinning"),
        ("arrhenius", PiecewiseLinear([0.0, 1.0], [0.0, 3.0]), "hazard"),
        ("paper", PiecewiseConstant([0.0, 0.25, 0.5, 0.75], [0.0, 1.0, 2.0, 3.0]), "restart"),
    ],
)
def test_jarzynski_equality_driven_two_level(law, well, method):
    """<exp(-W)> = Z(t_end) / Z(0) = (1 + e^-3) / 2 for a well raised from 0 to 3 kT in t = 1.

    Started in equilibrium (the default p0). n = 1e5 gives an SE of about 0.0013 on a mean of
    0.52; dropping the work done at the steps (a bug this test caught) puts the stepped case at 1,
    ~370 SE away. The mean work also obeys the second law.
    """
    model = two_state(0.0, energies=(0.0, well), rate_law=law)
    ens = simulate(model, t_end=1.0, n_trajectories=100_000, rng=17, method=method)
    expo = np.exp(-ens.work)
    expected = (1 + math.exp(-3.0)) / 2
    assert_mean(expo, expected, label="<exp(-W)>")
    assert ens.work.mean() > -math.log(expected)
    assert ens.work.std() > 0.3  # the process is far from quasi-static: a real test of the equality


@pytest.mark.parametrize("method", list(SOLVERS))
def test_driven_ring_entropy_production_matches_master_equation(method):
    """Non-equilibrium steady state of a driven 4-ring: mean heat rate = sum_e J_e (dE_e + f).

    Started from the stationary law of the master equation (null vector of the generator), the
    mean heat per unit time equals the Schnakenberg entropy production (0.325 per unit time).
    n = 2e5 over t = 20 gives a relative SE of 0.13 %; a drive applied with the wrong sign turns
    the heat rate to -0.32, thousands of SE away. Barriers are written as step/ramp protocols with
    constant values so that
    every method, not only "direct", runs its own code path.
    """
    energies = [0.0, 0.7, -0.4, 0.3]
    barrier = {"direct": 0.5, "restart": PiecewiseConstant([0.0, 5.0, 12.0], [0.5, 0.5, 0.5]),
               "hazard": PiecewiseLinear([0.0, 7.0], [0.5, 0.5]),
               "thinning": PiecewiseLinear([0.0, 7.0], [0.5, 0.5])}[method]
    model = HopModel(energies, [(0, 1), (1, 2), (2, 3), (3, 0)], barrier, drives=0.8)
    k = model.rates(0.0)
    gen = k.T - np.diag(k.sum(axis=1))
    w, v = linalg.eig(gen)
    p = np.real(v[:, np.argmin(np.abs(w))])
    p /= p.sum()
    sigma = sum((p[x] * k[x, y] - p[y] * k[y, x]) * (energies[x] - energies[y] + 0.8)
                for x, y in model.edges)
    T = 20.0
    ens = simulate(model, t_end=T, n_trajectories=200_000, p0=p, rng=18, method=method)
    rate = ens.heat / T
    assert_mean(rate, sigma, label="heat rate")
