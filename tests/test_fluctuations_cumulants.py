"""Exact cumulants and generating functions of stochlim.fluctuations.

Held against (i) a moment-hierarchy ODE for a driven two-level system written here, by hand, per
state (not through the code under test), (ii) the means of ``solve_master``, (iii) the fluctuation
theorems (``G(1)`` of the entropy production is 1, of the work ``exp(-dF)``) and (iv) 1e6 SSA
trajectories (means and variances within 4 standard errors; the SE of a sample variance is
``sqrt((m4 - s^4) / n)``, which at 1e6 trajectories resolves a relative error of ~0.5 %).
"""

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import stochlim as sl
from stochlim import fluctuations as fl
from stochlim.master import free_energy
from stochlim.physics import hop_rates

KNOTS = [0.0, 1.0, 2.0]
BARRIER = [1.0, 0.2, 0.8]
UPPER = [0.0, 2.0, -1.0]
P0 = np.array([0.6, 0.4])


def driven(law):
    """Two wells; the upper well's energy and the barrier ramp (piecewise linear) over [0, 2]."""
    return sl.two_state(sl.PiecewiseLinear(KNOTS, BARRIER),
                        energies=(0.0, sl.PiecewiseLinear(KNOTS, UPPER)), rate_law=law)


def hierarchy_by_hand(law, observable, t_end=2.0):
    """Mean and variance of W or Q from d m_n^y/dt = sum_x k_xy <(X + a_xy)^n; x> - k_y m_n^y
    + n b_y m_{n-1}^y, for n = 0, 1, 2 on the two states, integrated with DOP853."""

    def rhs(t, m):
        m = m.reshape(3, 2)  # m[n, x]
        e1 = np.interp(t, KNOTS, UPPER)
        slope1 = (UPPER[1] - UPPER[0]) if t < 1.0 else (UPPER[2] - UPPER[1])
        e0b = np.interp(t, KNOTS, BARRIER)
        k01, k10 = hop_rates(e0b, 0.0 - e1, rate_law=law)  # 0 -> 1 goes down the bias E_0 - E_1
        if observable == "heat":
            a01, a10, b = 0.0 - e1, e1 - 0.0, np.zeros(2)
        else:
            a01 = a10 = 0.0
            b = np.array([0.0, slope1])
        out = np.zeros((3, 2))
        for n in range(3):
            gain1 = sum(math.comb(n, j) * a01 ** (n - j) * m[j, 0] for j in range(n + 1))
            gain0 = sum(math.comb(n, j) * a10 ** (n - j) * m[j, 1] for j in range(n + 1))
            out[n, 1] = k01 * gain1 - k10 * m[n, 1]
            out[n, 0] = k10 * gain0 - k01 * m[n, 0]
            if n:
                out[n] += n * b * m[n - 1]
        return out.ravel()

    m0 = np.zeros(6)
    m0[:2] = P0
    sol = solve_ivp(
        rhs,
        (0.0, t_end),
        m0,
        method="DOP853",
        rtol=1e-13,
        atol=1e-15,
        t_eval=[1.0, t_end],
        first_step=1e-4,
        max_step=0.01,
    )
    m = sol.y.reshape(3, 2, -1).sum(axis=1)
    mean = m[1]
    return mean, m[2] - mean ** 2


@pytest.mark.parametrize("law", ["paper", "arrhenius"])
@pytest.mark.parametrize("observable", ["work", "heat"])
def test_mean_and_variance_match_a_hand_written_hierarchy(law, observable):
    c = fl.cumulants(driven(law), observable, p0=P0, t_eval=[0.0, 1.0, 2.0], order=2, rtol=1e-12,
                     atol=1e-14)
    assert c.success and c.method == "ode"
    mean, var = hierarchy_by_hand(law, observable)
    np.testing.assert_allclose(c.mean[1:, 0], mean, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(c.variance[1:, 0], var, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("law", ["paper", "arrhenius"])
def test_means_equal_solve_master(law):
    model = driven(law)
    obs = ["work", "heat", "entropy_production", "n_jumps", fl.Current([0])]
    c = fl.cumulants(model, obs, p0=P0, t_eval=[0.0, 0.5, 1.5, 2.0], order=1)
    sol = sl.solve_master(model, p0=P0, t_eval=[0.0, 0.5, 1.5, 2.0])
    expected = np.stack([sol.mean_work, sol.mean_heat, sol.entropy_production, sol.activity,
                         sol.currents[:, 0]], axis=1)
    np.testing.assert_allclose(c.mean, expected, rtol=1e-7, atol=1e-10)


def test_piecewise_constant_exact_methods_agree():
    model = sl.ring(4, energies=(0.0, sl.PiecewiseConstant([0.0, 1.0], [0.0, 1.5]), 0.5, -0.5),
                    barriers=0.3, drive=0.8)
    p0 = np.full(4, 0.25)
    obs = ["work", "heat", "entropy_production", fl.Current([1, 2])]
    kw = {"p0": p0, "t_eval": [0.0, 0.7, 1.0, 2.5]}
    by_expm = fl.cumulants(model, obs, method="expm", **kw)
    by_krylov = fl.cumulants(model, obs, method="krylov", **kw)
    by_ode = fl.cumulants(model, obs, method="ode", rtol=1e-12, atol=1e-14, **kw)
    for key, value in by_expm.cumulants.items():
        np.testing.assert_allclose(
            by_krylov.cumulants[key], value, rtol=1e-9, atol=1e-11, err_msg=str(key)
        )
        np.testing.assert_allclose(
            by_ode.cumulants[key], value, rtol=1e-7, atol=1e-9, err_msg=str(key)
        )


def test_cumulants_are_the_derivatives_of_ln_G():
    """kappa_n = (-d/ds)^n ln G at 0: checked by a polynomial fit of ln G on a small s grid (an
    independent route through the tilted equation, not the moment hierarchy)."""
    model = sl.ring(4, energies=(0.0, sl.PiecewiseConstant([0.0, 1.0], [0.0, 1.5]), 0.5, -0.5),
                    barriers=0.3, drive=0.8)
    p0 = np.full(4, 0.25)
    c = fl.cumulants(model, "heat", p0=p0, t_end=2.0)
    h = 0.05
    s = h * np.arange(-4, 5)
    log_g = np.array(
        [fl.generating_function(model, "heat", x, p0=p0, t_end=2.0).log_G[-1] for x in s]
    )
    coef = np.polynomial.polynomial.polyfit(s, log_g, 8)
    for n in range(1, 5):
        deriv = (-1) ** n * math.factorial(n) * coef[n]
        assert deriv == pytest.approx(c.cumulant("heat", n)[-1], rel=1e-5, abs=1e-7)


def test_joint_covariance_of_work_and_heat_by_the_first_law():
    """E_final - E_initial = W - Q per trajectory: Var(W - Q) equals Var(E_T - E_0) computed here
    from the exact joint law of (x0, xT) (transition matrix by expm of the piecewise generator)."""
    model = sl.two_state(
        0.7, energies=(0.0, sl.PiecewiseConstant([0.0, 0.5, 1.2], [0.0, 1.0, -0.5]))
    )
    c = fl.cumulants(model, ["work", "heat"], p0=P0, t_end=2.0, order=2)
    cov = c.covariance[-1]
    var_diff = cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]
    from scipy.linalg import expm

    def gen(e1):
        k01, k10 = hop_rates(0.7, -e1)
        return np.array([[-k01, k10], [k01, -k10]])

    T = expm(gen(-0.5) * 0.8) @ expm(gen(1.0) * 0.7) @ expm(gen(0.0) * 0.5)  # T[y, x]
    joint = T * P0[None, :]
    d_e = np.array([[0.0 - 0.0, 0.0 - 0.0], [-0.5 - 0.0, -0.5 - 0.0]])  # E_y(T) - E_x(0)
    mean = np.sum(joint * d_e)
    assert var_diff == pytest.approx(np.sum(joint * d_e ** 2) - mean ** 2, rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("law", ["paper", "arrhenius"])
def test_fluctuation_theorems_hold_for_G(law):
    model = driven(law)
    ent = fl.generating_function(model, "entropy_production", 1.0, p0=P0, t_eval=[1.0, 2.0])
    np.testing.assert_allclose(ent.G, 1.0, rtol=1e-10)
    # Jarzynski needs the initial equilibrium: p0 ~ exp(-E(0)) = (1/2, 1/2)
    eq = np.array([0.5, 0.5])
    work = fl.generating_function(model, "work", 1.0, p0=eq, t_end=2.0)
    d_f = free_energy(model, 2.0) - free_energy(model, 0.0)
    assert work.G[-1] == pytest.approx(math.exp(-d_f), rel=1e-9)
    pc = sl.two_state(
        0.4, energies=(0.0, sl.PiecewiseConstant([0.0, 0.3, 0.9], [0.0, 2.0, 1.0])), rate_law=law
    )
    work = fl.generating_function(pc, "work", 1.0, p0=eq, t_end=1.5)
    assert work.G[-1] == pytest.approx(
        math.exp(-(free_energy(pc, 1.5) - free_energy(pc, 0.0))), rel=1e-12
    )


def test_generating_function_in_log_space_for_large_s():
    model = sl.ring(4, barriers=0.0, drive=2.0)
    sol = fl.generating_function(model, "n_jumps", -30.0, p0=np.full(4, 0.25), t_end=50.0)
    assert sol.success and np.isfinite(sol.log_G[-1]) and sol.log_G[-1] > 700  # G itself overflows
    small = fl.generating_function(model, "n_jumps", 30.0, p0=np.full(4, 0.25), t_end=500.0)
    assert small.log_G[-1] == pytest.approx(-2.0 * 500.0)  # only jump-free paths: exp(-escape t)


def test_backward_solution_reproduces_G():
    model = driven("paper")
    s = 0.7
    fwd = fl.generating_function(model, ["work", "heat"], [s, -0.3], p0=P0, t_end=2.0)
    back = fl.backward_tilted(model, ["work", "heat"], [s, -0.3], t_eval=[0.0, 1.0, 2.0])
    assert back.success and back.r.shape == (3, 2)
    assert np.log(P0 @ np.exp(back.log_r[0])) == pytest.approx(fwd.log_G[-1], rel=1e-8)
    np.testing.assert_allclose(back.log_r[-1], 0.0, atol=1e-14)
    gen = fl.tilted_generator(model, ["work", "heat"], [s, -0.3], 0.5)
    e = model.energy(0.5)
    assert gen.log_tilted_rate[0] == pytest.approx(gen.log_rate[0] + 0.3 * (e[0] - e[1]))


@pytest.mark.parametrize("law", ["paper", "arrhenius"])
def test_mean_and_variance_match_ssa(law):
    model = driven(law)
    c = fl.cumulants(model, ["work", "heat"], p0=P0, t_end=2.0, order=2)
    ens = sl.simulate(model, t_end=2.0, n_trajectories=1_000_000, p0=P0, rng=20261 + len(law))
    for i, x in enumerate((ens.work, ens.heat)):
        n = x.size
        dev = x - x.mean()
        var = dev.var(ddof=1)
        se_mean = math.sqrt(var / n)
        se_var = math.sqrt((np.mean(dev ** 4) - var ** 2) / n)
        assert abs(x.mean() - c.mean[-1, i]) < 4 * se_mean
        assert abs(var - c.variance[-1, i]) < 4 * se_var


def test_bad_input():
    model = driven("paper")
    with pytest.raises(ValueError, match="observables"):
        fl.cumulants(model, "magnetisation", p0=P0, t_end=1.0)
    with pytest.raises(ValueError, match="edge 3"):
        fl.cumulants(model, fl.Current([3]), p0=P0, t_end=1.0)
    with pytest.raises(ValueError, match="order"):
        fl.cumulants(model, "work", p0=P0, t_end=1.0, order=5)
    with pytest.raises(ValueError, match="s must be real"):
        fl.generating_function(model, "work", 1j, p0=P0, t_end=1.0)
    with pytest.raises(ValueError, match="s must be finite"):
        fl.generating_function(model, "work", np.nan, p0=P0, t_end=1.0)
    with pytest.raises(ValueError, match="one entry per observable"):
        fl.generating_function(model, ["work", "heat"], 1.0, p0=P0, t_end=1.0)
    with pytest.raises(ValueError, match="s = "):
        fl.generating_function(sl.ring(3, drive=1.0), "n_jumps", -800.0, p0=[1, 0, 0], t_end=1.0)
    with pytest.raises(ValueError, match="p0"):
        fl.backward_tilted(model, "entropy_production", 1.0, t_eval=[0.0, 1.0])
