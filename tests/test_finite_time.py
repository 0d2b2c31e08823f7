"""Closed-form finite-time erasure against independent computations: ODE master equation,
quadrature."""

import math

import numpy as np
import pytest
from scipy.integrate import quad, solve_ivp

from stochlim import finite_time as ft
from stochlim import physics


def _rates(device, gap):
    """(k_01, k_10) of the two device models at gap g = E_1 - E_0, from the physics rate laws."""
    if device == "fixed_rate":  # paper law with E0 = ln 2: Gamma = 2 e^-E0 = 1
        k10, k01 = physics.hop_rates(math.log(2.0), gap, rate_law="paper")
    else:  # Arrhenius with the barrier top at the upper well: E0 = g / 2
        k10, k01 = physics.hop_rates(0.5 * gap, gap, rate_law="arrhenius")
    return k01, k10


def _master_equation_work(opt):
    """Work and final error of the optimum's own protocol g(t), by an independent ODE solve.

    The master equation dp/dt = k01 (1 - p) - k10 p is integrated with the optimal gap; the work is
    the start jump p(0) g(0+), the interior int p dg/dt dt and the end jump -p(tau) g(tau-).
    """
    tau, h = opt.tau, 1e-6 * opt.tau

    def rhs(t, y):
        k01, k10 = _rates(opt.device, float(opt.gap(t)))
        tt = min(max(t, h), tau - h)
        dg = (float(opt.gap(tt + h)) - float(opt.gap(tt - h))) / (2 * h)
        return [k01 * (1 - y[0]) - k10 * y[0], y[0] * dg]

    sol = solve_ivp(rhs, (0.0, tau), [0.5, 0.0], method="DOP853", rtol=1e-11, atol=1e-13)
    assert sol.success
    p_end = sol.y[0, -1]
    return 0.5 * float(opt.gap(0.0)) + sol.y[1, -1] - p_end * float(opt.gap(tau)), p_end


CASES = [("fixed_rate", 0.1, 2.0), ("fixed_rate", 1e-3, 7.0), ("fixed_rate", 0.2, 60.0),
         ("rate_cap", 0.1, 2.0), ("rate_cap", 1e-3, 7.0), ("rate_cap", 0.01, 3.92)]


@pytest.mark.parametrize("device, eps, tau", CASES)
def test_closed_form_matches_master_equation_on_its_protocol(device, eps, tau):
    opt = ft.erasure_optimum(eps, tau, device)
    work, p_end = _master_equation_work(opt)
    assert abs(p_end - eps) < 1e-8
    assert abs(work - opt.work) < 1e-6
    assert opt.work > ft.landauer_term(eps)
    assert math.isclose(opt.entropy_production, opt.work - ft.landauer_term(eps), rel_tol=1e-12)


@pytest.mark.parametrize("eps, tau", [(0.05, 3.0), (1e-3, 10.0)])
def test_fixed_rate_closed_form_matches_quadrature(eps, tau):
    """Duration and work from the first integral v^2 = C q (1 - q), integrated over p by quad."""
    opt = ft.erasure_fixed_rate(eps, tau)
    c = opt.constant

    def v(p):  # dp/ds < 0 solving (1 + C) v^2 - C (1 - 2p) v - C p (1 - p) = 0
        return (c * (1 - 2 * p) - math.sqrt(c * c + 4 * c * p * (1 - p))) / (2 * (1 + c))

    duration = quad(lambda p: -1.0 / v(p), eps, 0.5, epsabs=1e-13, epsrel=1e-12, limit=200)[0]
    work = quad(
        lambda p: -math.log((p + v(p)) / (1 - p - v(p))), eps, 0.5, epsabs=1e-13, limit=200
    )[0]
    assert abs(duration - tau) < 1e-8
    assert abs(work - opt.work) < 1e-8


@pytest.mark.parametrize("eps, tau", [(0.05, 3.0), (1e-3, 10.0)])
def test_rate_cap_closed_form_matches_quadrature(eps, tau):
    opt = ft.erasure_rate_cap(eps, tau)
    c = opt.constant

    def v(p):
        return (c - math.sqrt(c * c + 4 * c * p)) / 2

    duration = quad(lambda p: -1.0 / v(p), eps, 0.5, epsabs=1e-13, epsrel=1e-12, limit=200)[0]
    sigma = quad(lambda p: -math.log((p + v(p)) / p), eps, 0.5, epsabs=1e-13, limit=200)[0]
    assert abs(duration - tau) < 1e-8
    assert abs(sigma - opt.entropy_production) < 1e-8


def test_rate_cap_never_beats_fixed_rate_at_the_same_time_scale():
    """The cap allows total rates up to 2 J_max, so with Gamma = J_max it can only do better."""
    for eps, tau in [(0.1, 2.0), (0.01, 6.0), (1e-4, 12.0)]:
        assert ft.erasure_rate_cap(eps, tau).work < ft.erasure_fixed_rate(eps, tau).work


@pytest.mark.parametrize("device", ft.DEVICES)
def test_slow_driving_limit_is_approached(device):
    """(W - Landauer) tau -> L^2: the relative gap shrinks roughly as 1 / tau."""
    eps = 0.01
    length2 = ft.thermodynamic_length(eps, device) ** 2
    gaps = []
    for tau in (10.0, 100.0, 1000.0):
        opt = ft.erasure_optimum(eps, tau, device)
        gaps.append(abs(opt.entropy_production * tau / length2 - 1.0))
        assert opt.work >= ft.slow_driving_work(eps, tau, device) - 1e-12  # approached from above
    assert gaps[2] < 0.01 and gaps[2] < gaps[1] / 5 < gaps[0] / 25


def test_activity_speed_limit_holds_on_the_optimum():
    """Sigma >= (1 - 2 eps)^2 / (2 A) with A <= Gamma tau (fixed rate) or J_max tau (rate cap)."""
    for device in ft.DEVICES:
        for eps, tau in [(0.1, 2.0), (0.01, 5.0), (0.2, 50.0)]:
            opt = ft.erasure_optimum(eps, tau, device)
            assert opt.entropy_production >= ft.activity_speed_limit(1 - 2 * eps, tau)


def test_landauer_term_and_entropy():
    assert math.isclose(
        ft.landauer_term(0.25), math.log(2) + 0.25 * math.log(0.25) + 0.75 * math.log(0.75)
    )
    np.testing.assert_allclose(ft.binary_entropy([0.0, 0.5, 1.0]), [0.0, math.log(2), 0.0])
    assert ft.landauer_term(1e-300) == pytest.approx(math.log(2), rel=1e-12)


def test_optimal_paths_start_and_end_right():
    for device in ft.DEVICES:
        opt = ft.erasure_optimum(0.02, 5.0, device)
        p = opt.probability([0.0, opt.tau])
        np.testing.assert_allclose(p, [0.5, 0.02], rtol=1e-10)
        g = opt.gap(np.linspace(0, opt.tau, 5))
        assert np.all(g > 0) and np.all(np.diff(g) > 0)  # the wrong well is raised ever higher
    cap = ft.erasure_rate_cap(0.02, 5.0)
    np.testing.assert_allclose(cap.barrier(1.0), 0.5 * cap.gap(1.0))
    k10, _ = physics.hop_rates(cap.barrier(1.0, rate_law="paper"), cap.gap(1.0), rate_law="paper")
    assert k10 == pytest.approx(1.0, rel=1e-12)  # the paper law capped at J_max: same rates


def test_bad_input():
    with pytest.raises(ValueError, match="least feasible time is ln\\(1/\\(2 eps\\)\\) / 1 = 3.91"):
        ft.erasure_rate_cap(0.01, 3.0)
    with pytest.raises(ValueError, match="infeasible"):
        ft.erasure_fixed_rate(0.01, 1.0, rate=2.0)
    with pytest.raises(ValueError, match="eps must lie in"):
        ft.erasure_fixed_rate(0.5, 1.0)
    with pytest.raises(ValueError, match="tau must be positive"):
        ft.erasure_rate_cap(0.1, -1.0)
    with pytest.raises(ValueError, match="device must be one of"):
        ft.erasure_optimum(0.1, 5.0, "bogus")
    with pytest.raises(ValueError, match="t must lie in"):
        ft.erasure_fixed_rate(0.1, 5.0).gap(6.0)
    with pytest.raises(ValueError, match="rate-cap optimum"):
        ft.erasure_fixed_rate(0.1, 5.0).barrier(1.0)
    with pytest.raises(ValueError, match="distance"):
        ft.activity_speed_limit(3.0, 1.0)
