"""Schedules (Eq. 18-19, A.12) and bounds (Eq. 22-24, A.1, CEB) against docs/constants.md.

Golden values are the recomputed numbers of ``docs/constants.md`` (T = 298 K,
delta = 2^-16, F = 1e28, M = 1e15); they are compared at rtol 1e-6. The paper's printed values are
compared at 3e-3 (three printed figures), except the Fig. 6B typo 2.53e9 for 2.53e12.
"""

import math

import numpy as np
import pytest
from scipy import special

from stochlim import bounds, schedules

F, M, DELTA = 1e28, 1e15, 2.0**-16
GAMMAS = [0.5, 2.0, 5.0, 10.0]


def test_zeta_ratio_golden():
    expected = [0.6296698779, 0.9373382112, 0.9947538227, 0.9998545392]
    got = [schedules.PolynomialSchedule(g).dissipation_ratio() for g in GAMMAS]
    np.testing.assert_allclose(got, expected, rtol=1e-9)


def test_eq24_totals_golden():
    expected = [1.697823e12, 2.527411e12, 2.682224e12, 2.695978e12]
    np.testing.assert_allclose(
        bounds.lim_energy(F, M, delta=DELTA, gamma=GAMMAS), expected, rtol=1e-6
    )


def test_fig6b_printed_values_and_the_typo():
    printed = {0.5: 1.70e12, 5.0: 2.68e12, 10.0: 2.70e12}
    for g, p in printed.items():
        assert bounds.lim_energy(F, M, delta=DELTA, gamma=g) == pytest.approx(p, rel=3e-3)
    e2 = bounds.lim_energy(F, M, delta=DELTA, gamma=2.0)
    assert e2 == pytest.approx(2.53e12, rel=3e-3)  # the corrected reading
    assert abs(e2 / 2.53e9 - 1) > 100  # the printed 2.53e9 is off by 1e3: an erratum


def test_truncated_sums_golden():
    s = schedules.PolynomialSchedule(0.0)
    assert s.weighted_sum(100_000) == pytest.approx(2.6060508092, rel=1e-10)
    assert s.rate_sum(100_000) == pytest.approx(12.0901461299, rel=1e-10)
    assert s.dissipation_ratio(100_000) == pytest.approx(0.2155516386, rel=1e-9)
    got = bounds.lim_energy(F, M, delta=DELTA, gamma=[0.0, 0.5], n_updates=100_000)
    np.testing.assert_allclose(got, [5.812070e11, 1.701933e12], rtol=1e-6)


def test_fig6c_envelope_printed():
    """Fig. 6C: finite N = 1e5 energies lie in the printed envelope [5.81e11, 2.70e12] J."""
    g = np.linspace(0.0, 10.0, 101)
    e = bounds.lim_energy(F, M, delta=DELTA, gamma=g, n_updates=100_000)
    assert np.all(np.diff(e) > 0)
    assert e[0] == pytest.approx(5.81e11, rel=3e-3) and e[-1] == pytest.approx(2.70e12, rel=3e-3)


def test_large_gamma_limit():
    limit = F * 1.380649e-23 * 298.0 / DELTA
    assert limit == pytest.approx(2.696370e12, rel=1e-6)
    assert bounds.lim_energy(F, M, delta=DELTA, gamma=60.0) == pytest.approx(limit, rel=1e-12)


def test_static_ceb_and_a1_golden():
    assert bounds.retention_energy(M, delta=DELTA) == pytest.approx(4.562942e-5, rel=1e-6)
    assert bounds.ceb_energy(F, M, delta=DELTA) == pytest.approx(4.562942e8, rel=1e-6)
    np.testing.assert_allclose(
        bounds.hardware_energy(F, M, bits=16, e_bit=[1e-15, 1e-12]), [1.6e14, 1.6e17], rtol=1e-6
    )
    assert bounds.delta_from_bits(16) == DELTA


def test_eq19_barriers_golden():
    expected = [17.962535, 35.231924, 69.770700, 127.335327]
    got = [schedules.PolynomialSchedule(g).barrier(100_000, delta=DELTA) for g in GAMMAS]
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_fig6a_time_steps_golden():
    expected = [3.8372, 8.3191, 9.8295, 9.9951]
    got = [
        schedules.PolynomialSchedule(g).time_step(
            flops=F, n_params=M, J_max=1e12, n_updates=100_000
        )
        for g in GAMMAS
    ]
    np.testing.assert_allclose(got, expected, rtol=2e-5)


def test_power_is_M_Jmax_r_dE_kT():
    s = schedules.PolynomialSchedule(2.0)
    n = np.array([1.0, 7.0, 1e4])
    expected = M * 1e12 * s.rate(n) * s.bias(n, delta=DELTA) * 1.380649e-23 * 298.0
    np.testing.assert_allclose(
        s.power(n, n_params=M, delta=DELTA, J_max=1e12), expected, rtol=1e-12
    )


@pytest.mark.parametrize("g, expected", [(0.5, 0.605096), (1.0, 0.788133), (2.0, 0.929055)])
def test_a12_corrected_ratio_against_brute_force(g, expected):
    n = np.arange(1, 20_000, dtype=float)
    brute = np.sum(np.exp(-g * n) / n) / np.sum(np.exp(-g * n))
    ratio = schedules.ExponentialSchedule(g).dissipation_ratio()
    assert ratio == pytest.approx(brute, rel=1e-12)
    assert ratio == pytest.approx(expected, rel=1e-6)
    printed = (1 - math.exp(-g)) * math.log(math.exp(g) / (math.exp(g) - 1))
    assert ratio / printed == pytest.approx(
        math.exp(g), rel=1e-12
    )  # the printed A.12 is off by e^g


def test_exponential_ratio_no_overflow_for_huge_gamma():
    assert schedules.ExponentialSchedule(800.0).dissipation_ratio() == 1.0
    assert schedules.ExponentialSchedule(800.0).dissipation_ratio(10) == pytest.approx(1.0)


@pytest.mark.parametrize("gamma", [0.0, 1e-9, 0.3, 2.0, 10.0])
@pytest.mark.parametrize("n_updates", [1, 999, 1000, 1001, 123_457, 1_000_000])
def test_finite_sums_against_direct_summation(gamma, n_updates):
    n = np.arange(1, n_updates + 1, dtype=np.float64)
    poly = schedules.PolynomialSchedule(gamma)
    assert poly.rate_sum(n_updates) == pytest.approx(math.fsum(n ** -(1 + gamma)), rel=1e-13)
    assert poly.weighted_sum(n_updates) == pytest.approx(math.fsum(n ** -(1.5 + gamma)), rel=1e-13)
    expo = schedules.ExponentialSchedule(gamma)
    assert expo.rate_sum(n_updates) == pytest.approx(math.fsum(np.exp(-gamma * n)), rel=1e-12)
    assert expo.weighted_sum(n_updates) == pytest.approx(
        math.fsum(np.exp(-gamma * n) / n), rel=1e-12
    )


def test_finite_sums_agree_with_hurwitz_zeta_and_digamma():
    n_upd = 10**8
    assert schedules.PolynomialSchedule(0.0).rate_sum(n_upd) == pytest.approx(
        special.digamma(n_upd + 1) + np.euler_gamma, rel=1e-14
    )
    s = 2.5
    assert schedules.PolynomialSchedule(s - 1).rate_sum(n_upd) == pytest.approx(
        special.zeta(s) - special.zeta(s, n_upd + 1), rel=1e-14
    )


def test_finite_converges_to_infinite():
    for g in (0.5, 3.0):
        e_inf = bounds.lim_energy(F, M, delta=DELTA, gamma=g)
        e_fin = bounds.lim_energy(F, M, delta=DELTA, gamma=g, n_updates=10**12)
        assert e_fin == pytest.approx(e_inf, rel=1e-5)


@pytest.mark.parametrize("delta", [2.0**-64, 2.0**-16, 0.5])
def test_log_space_schedules_finite_for_tiny_delta(delta):
    n = np.array([1, 2, 10, 8545, 10**6, 10**15], dtype=float)
    for sched in (schedules.PolynomialSchedule(0.5), schedules.ExponentialSchedule(0.5)):
        for values in (sched.bias(n, delta=delta), sched.barrier(n, delta=delta), sched.rate(n)):
            assert np.all(np.isfinite(values))
        assert np.all(np.isfinite(sched.power(n, n_params=M, delta=delta, J_max=1e12)))
    # E0_n >= ln 2 - ln r_n - something tiny: barrier never below the r = 1 curve
    e0 = schedules.PolynomialSchedule(0.5).barrier(n, delta=delta)
    assert np.all(e0 > 0)


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (
            lambda: bounds.lim_energy(F, M, delta=1.0, gamma=1.0),
            ValueError,
            r"delta must lie in \(0, 1\): got 1.0",
        ),
        (lambda: bounds.lim_energy(F, M, delta=0.0, gamma=1.0), ValueError, "delta must lie"),
        (lambda: bounds.lim_energy(F, M, delta=DELTA, gamma=-0.1), ValueError, "gamma must lie"),
        (lambda: bounds.lim_energy(F, M, delta=DELTA, gamma=0.0), ValueError, "diverges"),
        (
            lambda: bounds.lim_energy(F, M, delta=DELTA, gamma=0.0, schedule="exponential"),
            ValueError,
            "diverges",
        ),
        (
            lambda: bounds.lim_energy(F, M, delta=DELTA, gamma=float("nan")),
            ValueError,
            "gamma must not be NaN",
        ),
        (
            lambda: bounds.lim_energy(-1.0, M, delta=DELTA, gamma=1.0),
            ValueError,
            "flops must be positive",
        ),
        (
            lambda: bounds.lim_energy(F, 0, delta=DELTA, gamma=1.0),
            ValueError,
            "n_params must be positive",
        ),
        (
            lambda: bounds.lim_energy(F, M, delta=DELTA, gamma=1.0, temperature=0.0),
            ValueError,
            "temperature",
        ),
        (
            lambda: bounds.lim_energy(F, M, delta=DELTA, gamma=1.0, n_updates=0),
            ValueError,
            "n_updates must be >= 1",
        ),
        (
            lambda: bounds.lim_energy(F, M, delta=DELTA, gamma=1.0, n_updates=1.5),
            TypeError,
            "n_updates must be an integer",
        ),
        (
            lambda: bounds.lim_energy(F, M, delta=DELTA, gamma=1.0, schedule="cosine"),
            ValueError,
            "schedule must be one of",
        ),
        (lambda: bounds.ceb_energy(F, M, delta=float("nan")), ValueError, "delta must not be NaN"),
        (
            lambda: bounds.hardware_energy(F, M, bits=0, e_bit=1e-15),
            ValueError,
            "bits must be positive",
        ),
        (
            lambda: bounds.hardware_energy(F, M, bits=16, e_bit=-1.0),
            ValueError,
            "e_bit must be positive",
        ),
        (
            lambda: schedules.PolynomialSchedule(1.0).barrier(0, delta=DELTA),
            ValueError,
            "n must be an update index",
        ),
        (
            lambda: schedules.PolynomialSchedule(1.0).barrier(2.5, delta=DELTA),
            ValueError,
            "n must be an update index",
        ),
    ],
)
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_workloads_table():
    rows = bounds.load_workloads()
    names = [w.model for w in rows]
    assert names[:6] == ["T5", "Meena", "GShard-600B", "Switch Transformer", "GPT-3", "LaMDA"]
    assert names[-1] == "Brain-scale"
    for w in rows:
        assert w.reported_energy_j == pytest.approx(w.reported_energy_mwh * 3.6e9, rel=1e-3)
