"""Rate laws of Eq. 3-8 (corrected): values, limits, detailed balance, log-space robustness."""

import math

import numpy as np
import pytest

from stochlim import physics


def test_barrier_for_rate_golden_value():
    # docs/constants.md golden value: r = 0.5, dE = 2 kT -> ln(4 tanh 1)
    assert physics.barrier_for_rate(0.5, 2.0) == pytest.approx(1.113952892, rel=1e-9)


def test_barrier_for_rate_inverts_net_rate():
    rng = np.random.default_rng(1)
    r = rng.uniform(1e-6, 1.0, 200)
    dE = rng.uniform(0.01, 50.0, 200)
    E0 = physics.barrier_for_rate(r, dE)
    np.testing.assert_allclose(physics.net_rate(E0, dE), r, rtol=1e-12)


def test_eq8_limit_ln2_for_fast_updates_and_large_bias():
    """Text after Eq. 8: E0 -> kT ln 2 as r -> 1 and dE -> inf."""
    assert physics.barrier_for_rate(1.0, 1e3) == pytest.approx(math.log(2.0), abs=1e-15)
    assert physics.barrier_for_rate(1.0, 40.0) == pytest.approx(math.log(2.0), abs=1e-15)


def test_eq8_infinite_bias_is_the_limit():
    """dE = inf is accepted and gives the documented limit E0 = ln(2 / r) (tanh -> 1) exactly,
    elementwise in an array with finite biases; -inf is refused as not positive."""
    r = np.array([1.0, 0.5, 1e-3])
    np.testing.assert_allclose(physics.barrier_for_rate(r, np.inf), np.log(2.0 / r), rtol=1e-15)
    assert physics.barrier_for_rate(1.0, math.inf) == math.log(2.0)
    np.testing.assert_allclose(physics.barrier_for_rate(0.5, [2.0, np.inf]),
                               [math.log(4.0 * math.tanh(1.0)), math.log(4.0)], rtol=1e-15)
    with pytest.raises(ValueError, match="dE must be positive: got -inf"):
        physics.barrier_for_rate(0.5, -math.inf)


@pytest.mark.parametrize("r", [1e-3, 0.1, 0.5, 1.0])
def test_eq8_zero_barrier_at_ln_ratio(r):
    """E0 = 0 exactly where dE = ln((2 + r) / (2 - r))."""
    assert physics.barrier_for_rate(r, math.log((2 + r) / (2 - r))) == pytest.approx(0.0, abs=1e-12)


def test_eq7_sign_is_corrected():
    """The printed Eq. 7 bracket is -tanh(dE/2); the corrected rate is positive down the bias."""
    assert physics.net_rate(0.0, 1.0) == pytest.approx(2 * math.tanh(0.5))
    assert physics.net_rate(1.0, -1.0) < 0


def test_log_tanh_half_extremes():
    dE = np.array([1e-300, 1e-8, 1.0, 40.0, 1e5, 1e300])
    out = physics.log_tanh_half(dE)
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out[1:4], np.log(np.tanh(dE[1:4] / 2)), rtol=1e-12, atol=1e-15)
    assert out[-1] == 0.0
    assert out[0] == pytest.approx(math.log(0.5e-300), rel=1e-12)


@pytest.mark.parametrize("law", physics.RATE_LAWS)
def test_hop_rates_detailed_balance(law):
    E0 = np.array([0.0, 3.0, 40.0, 200.0])
    dE = np.array([0.5, -2.0, 10.0, 30.0])
    lf, lb = physics.log_hop_rates(E0, dE, rate_law=law)
    np.testing.assert_allclose(lf - lb, dE, rtol=1e-12, atol=1e-12)


def test_paper_law_sum_and_net():
    """Eq. 5-7: J+ + J- = 2 J0 and J+ - J- = 2 J0 tanh(dE/2)."""
    E0, dE, jmax = 2.0, 1.3, 7.0
    kf, kb = physics.hop_rates(E0, dE, J_max=jmax)
    j0 = jmax * math.exp(-E0)
    assert kf + kb == pytest.approx(2 * j0, rel=1e-14)
    assert kf - kb == pytest.approx(physics.net_rate(E0, dE, J_max=jmax), rel=1e-14)


def test_arrhenius_law_values():
    kf, kb = physics.hop_rates(2.0, 1.0, J_max=3.0, rate_law="arrhenius")
    assert kf == pytest.approx(3.0 * math.exp(-1.5))
    assert kb == pytest.approx(3.0 * math.exp(-2.5))


def test_hop_rates_never_nan_for_huge_bias():
    kf, kb = physics.hop_rates(10.0, 1e6)
    assert kf == pytest.approx(2 * math.exp(-10.0)) and kb == 0.0


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: physics.barrier_for_rate(1.5, 1.0), r"r must lie in \(0, 1\]: got 1.5"),
        (
            lambda: physics.barrier_for_rate([0.5, 0.0], 1.0),
            r"r must lie in \(0, 1\]: got 0.0 at index 1",
        ),
        (lambda: physics.barrier_for_rate(0.5, -1.0), "dE must be positive"),
        (lambda: physics.barrier_for_rate(float("nan"), 1.0), "r must not be NaN"),
        (lambda: physics.net_rate(1.0, 1.0, J_max=0.0), "J_max must be positive"),
        (lambda: physics.hop_rates(1.0, 1.0, rate_law="glauber"), "rate_law must be one of"),
        (lambda: physics.hop_rates(float("inf"), 1.0), "E0 must be finite"),
        (lambda: physics.hop_rates(-800.0, 1.0), "overflows"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_non_numeric_input_is_type_error():
    with pytest.raises(TypeError, match="E0 must be a real number"):
        physics.net_rate("high", 1.0)


def test_law_is_a_deprecated_spelling_of_rate_law():
    with pytest.warns(DeprecationWarning, match="rate_law="):
        old = physics.hop_rates(2.0, 1.0, law="arrhenius")
    assert old == physics.hop_rates(2.0, 1.0, rate_law="arrhenius")
    with pytest.warns(DeprecationWarning, match="rate_law="):
        old = physics.log_hop_rates(2.0, 1.0, law="arrhenius")
    assert old == physics.log_hop_rates(2.0, 1.0, rate_law="arrhenius")
    with pytest.raises(TypeError, match="pass only rate_law="):
        physics.hop_rates(2.0, 1.0, law="paper", rate_law="arrhenius")


def test_unchecked_log_rates_match_the_checked_ones():
    e0, de = np.array([0.5, 3.0, 40.0]), np.array([-2.0, 0.0, 700.0])
    for law in physics.RATE_LAWS:
        fast = physics.log_hop_rates_unchecked(e0, de, math.log(2.5), law)
        np.testing.assert_array_equal(fast, physics.log_hop_rates(e0, de, J_max=2.5, rate_law=law))
