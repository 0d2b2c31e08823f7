"""Optimal protocols: exact gradients, agreement with the closed forms, master equation, SSA, bad
input."""

import math

import numpy as np
import pytest

from stochlim import control
from stochlim import finite_time as ft
from stochlim.control.erasure import erasure_problem
from stochlim.master import solve_master
from stochlim.models import HopModel, two_state
from stochlim.protocols import PiecewiseLinear
from stochlim.ssa import simulate
from stochlim.stats import mean_se, z_score


def _fixed_rate_problem(eps, tau, n_steps, objective="work", p0=None):
    prob = erasure_problem("fixed_rate", eps=eps, tau=tau, n_steps=n_steps, objective=objective)
    if p0 is None:
        return prob
    return control.Problem(
        prob.model, prob.controls, tau, list(p0), prob.target, objective, n_steps
    )


def _rate_cap_problem(eps, tau, n_steps):
    return erasure_problem("rate_cap", eps=eps, tau=tau, n_steps=n_steps)


@pytest.mark.parametrize("objective", control.OBJECTIVES)
def test_gradients_match_finite_differences(objective):
    bit = HopModel((0.3, -0.2, 0.5), [(0, 1), (1, 2)], 0.4, rate_law="paper")
    ctrls = [control.energy(1, 3), control.barrier(0, 2),
             control.Control("tilt", energy_weights=[-1.0, 0.0, 1.0], barrier_weights=[0.5, -0.5])]
    prob = control.Problem(
        bit,
        ctrls,
        tau=2.0,
        p0=[0.2, 0.5, 0.3],
        target=control.MaxError([2], 0.1),
        n_steps=4,
        objective=objective,
    )
    rng = np.random.default_rng(3)
    u = rng.normal(size=(4, 3))
    ev = control.evaluate(prob, u)
    h = 1e-6
    for j in range(4):
        for c in range(3):
            up, dn = u.copy(), u.copy()
            up[j, c] += h
            dn[j, c] -= h
            eu, ed = control.evaluate(prob, up), control.evaluate(prob, dn)
            assert abs((eu.objective - ed.objective) / (2 * h) - ev.objective_grad[j, c]) < 1e-7
            assert abs((eu.target[0] - ed.target[0]) / (2 * h) - ev.target_jac[0, j, c]) < 1e-7
            np.testing.assert_allclose((eu.log_rates[j] - ed.log_rates[j]) / (2 * h),
                                       ev.log_rate_grad[j, :, c], atol=1e-7)


@pytest.mark.parametrize("eps, tau", [(0.01, 4.0), (0.1, 2.0), (1e-3, 12.0)])
def test_fixed_rate_optimum_matches_closed_form(eps, tau):
    res = control.optimize(_fixed_rate_problem(eps, tau, 32))
    assert res.success, res.message
    exact = ft.erasure_fixed_rate(eps, tau).work
    assert res.final_error == pytest.approx(eps, rel=1e-6)
    assert exact <= res.work < exact * 1.005


@pytest.mark.parametrize("eps, tau", [(0.01, 4.0), (0.1, 2.0)])
def test_rate_cap_optimum_matches_closed_form(eps, tau):
    res = control.optimize(_rate_cap_problem(eps, tau, 32))
    assert res.success, res.message
    exact = ft.erasure_rate_cap(eps, tau).work
    assert exact <= res.work < exact * 1.005
    assert res.constraints["rate_cap"] >= -1e-7
    # the cap is active: the barrier top sits at the upper well on every step
    gap, barrier = res.values[:, 0], res.values[:, 1]
    np.testing.assert_allclose(barrier, 0.5 * np.abs(gap), atol=1e-5)


def test_refinement_converges_to_the_closed_form():
    exact = ft.erasure_fixed_rate(0.01, 4.0).work
    res = control.optimize(_fixed_rate_problem(0.01, 4.0, 8))
    errors = [res.work - exact]
    for _ in range(2):
        res = control.refine(res)
        assert res.success
        errors.append(res.work - exact)
    assert res.problem.n_steps == 32
    assert errors[0] > errors[1] > errors[2] > 0
    assert errors[2] < errors[0] / 10  # second order in the step: about 1/16 for two halvings


def test_master_equation_reproduces_the_optimum():
    """solve_master on res.model plus the end jumps gives the optimiser's work and final law."""
    for objective in control.OBJECTIVES:
        res = control.optimize(
            _fixed_rate_problem(0.05, 3.0, 16, objective=objective, p0=(0.4, 0.6))
        )
        sol = solve_master(res.model, p0=[0.4, 0.6], t_end=3.0, method="expm")
        jumps = sol.p[0] @ (res.model.energy(0.0) - res.energies_before()) + sol.p[-1] @ (
            res.energies_after() - res.model.energy(3.0))
        assert abs(sol.mean_work[-1] + jumps - res.work) < 1e-9
        np.testing.assert_allclose(sol.p[-1], res.p_final, atol=1e-12)
        du = sol.p[-1] @ res.energies_after() - sol.p[0] @ res.energies_before()
        assert abs(res.heat - (res.work - du)) < 1e-12
        assert abs(sol.mean_heat[-1] - res.heat) < 1e-9


def test_ssa_reproduces_mean_work_and_error():
    """4e4 trajectories: SE of the work about 0.01 kT, of the error 0.0006; both within 4 SE."""
    res = control.optimize(_rate_cap_problem(0.02, 4.0, 16))
    assert res.success
    ens = simulate(res.model, t_end=4.0, n_trajectories=40_000, p0=[0.5, 0.5], rng=2026)
    work, work_se = mean_se(ens.work + res.boundary_work(ens))
    error, error_se = mean_se(ens.final_state == 1)
    z_w, z_e = z_score(work, res.work, work_se), z_score(error, res.final_error, error_se)
    assert abs(z_w) < 4 and abs(z_e) < 4, (z_w, z_e)


def test_target_distribution():
    bit = two_state(math.log(2.0))
    prob = control.Problem(bit, [control.energy(1, 2)], tau=3.0, p0=[0.5, 0.5],
                           target=control.TargetDistribution([0.8, 0.2]), n_steps=16)
    res = control.optimize(prob)
    assert res.success, res.message
    np.testing.assert_allclose(res.p_final, [0.8, 0.2], atol=1e-7)
    assert res.work > ft.landauer_term(0.2) - 1e-9  # ln 2 - h(0.2) with the gap returned to 0


def test_infeasible_target_reports_least_error_and_time():
    res = control.optimize(_rate_cap_problem(0.01, 2.0, 8))
    assert not res.success and res.status == 2
    assert "infeasible" in res.message and "least time" in res.message
    t_min = float(res.message.rsplit("about", 1)[1])
    assert t_min == pytest.approx(ft.erasure_min_time(0.01), rel=0.02)


def test_contradicting_constraints_one_message():
    bit = two_state(0.0, rate_law="arrhenius")
    ctrls = [control.energy(1, 2, lower=5, upper=10), control.barrier(0, 1, lower=-5, upper=1)]
    prob = control.Problem(bit, ctrls, tau=4.0, p0=[0.5, 0.5], target=control.MaxError([1], 0.1),
                           n_steps=4, max_rate=1.0)
    res = control.optimize(prob)
    assert res.status == 3 and not res.success
    assert "rate cap" in res.message and "cannot hold" in res.message


def test_non_convergence_is_reported():
    res = control.optimize(_fixed_rate_problem(0.01, 4.0, 16), maxiter=2)
    assert not res.success and res.status == 1
    assert "Iteration limit" in res.message or "violated" in res.message


def test_bad_input():
    bit = two_state(0.0)
    ok = {"tau": 1.0, "p0": [0.5, 0.5], "target": control.MaxError([1], 0.1)}
    with pytest.raises(ValueError, match="lower .* must be below upper"):
        control.energy(1, 2, lower=3, upper=1)
    with pytest.raises(ValueError, match="state must be one of"):
        control.energy(2, 2)
    with pytest.raises(ValueError, match="objective must be one of"):
        control.Problem(bit, [control.energy(1, 2)], objective="power", **ok)
    with pytest.raises(ValueError, match="zero drives"):
        control.Problem(two_state(0.0, drive=1.0), [control.energy(1, 2)], **ok)
    with pytest.raises(ValueError, match="constant energies"):
        control.Problem(two_state(PiecewiseLinear([0, 1], [0, 1])), [control.energy(1, 2)], **ok)
    with pytest.raises(ValueError, match="target.states"):
        control.Problem(
            bit, [control.energy(1, 2)], tau=1.0, p0=[0.5, 0.5], target=control.MaxError([2], 0.1)
        )
    with pytest.raises(ValueError, match="eps must lie in"):
        control.MaxError([1], 1.5)
    with pytest.raises(ValueError, match="energy_weights must hold one number or one per entry"):
        control.Problem(bit, [control.Control("x", energy_weights=[1, 2, 3])], **ok)
    with pytest.raises(ValueError, match="max_rate must be positive"):
        control.Problem(bit, [control.energy(1, 2)], max_rate=0.0, **ok)
    with pytest.raises(ValueError, match="initial must be finite with shape"):
        control.optimize(
            control.Problem(bit, [control.energy(1, 2)], n_steps=4, **ok), initial=np.zeros(3)
        )
    with pytest.raises(ValueError, match="factor must be an integer"):
        control.refine(
            control.optimize(control.Problem(bit, [control.energy(1, 2)], n_steps=2, **ok)), 1
        )


def test_symmetrised_exponential_matches_expm_frechet(monkeypatch):
    """The eigen-decomposition path against scipy's expm_frechet (used beyond a 600 kT spread)."""
    from stochlim.control import sensitivity

    bit = HopModel((0.0, 1.5, -0.7, 2.0), [(0, 1), (1, 2), (2, 3), (0, 3)], [0.3, 1.0, 0.0, 2.0])
    prob = control.Problem(bit, [control.energy(2, 4), control.barrier(3, 4)], tau=3.0,
                           p0=[0.1, 0.2, 0.3, 0.4], target=control.MaxError([0], 0.2), n_steps=5)
    u = np.random.default_rng(5).normal(size=(5, 2)) * 3
    fast = control.evaluate(prob, u)
    monkeypatch.setattr(sensitivity, "MAX_SYMMETRIC_SPREAD", -1.0)
    slow = control.evaluate(prob, u)
    np.testing.assert_allclose(fast.p, slow.p, atol=1e-13)
    np.testing.assert_allclose(fast.objective_grad, slow.objective_grad, atol=1e-11)
    np.testing.assert_allclose(fast.target_jac, slow.target_jac, atol=1e-11)
