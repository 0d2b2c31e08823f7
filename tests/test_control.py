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


def _check_gradients(prob, u, also=None, h=1e-6):
    """Objective and target gradients against central differences in every free value; ``also(j, c,
    up, dn)`` checks more at the same displaced points."""
    ev = control.evaluate(prob, u)
    assert ev.objective_grad.shape == u.shape and ev.target_jac.shape == (1,) + u.shape
    for j in range(u.shape[0]):
        for c in range(u.shape[1]):
            up, dn = u.copy(), u.copy()
            up[j, c] += h
            dn[j, c] -= h
            eu, ed = control.evaluate(prob, up), control.evaluate(prob, dn)
            assert abs((eu.objective - ed.objective) / (2 * h) - ev.objective_grad[j, c]) < 1e-7
            assert abs((eu.target[0] - ed.target[0]) / (2 * h) - ev.target_jac[0, j, c]) < 1e-7
            if also is not None:
                also(j, c, up, dn, eu, ed, ev)


@pytest.mark.parametrize("objective", control.OBJECTIVES)
def test_gradients_match_finite_differences(objective):
    bit = HopModel((0.3, -0.2, 0.5), [(0, 1), (1, 2)], 0.4, rate_law="paper")
    ctrls = [control.energy(1, 3), control.barrier(0, 2),
             control.Control("tilt", energy_weights=[-1.0, 0.0, 1.0], barrier_weights=[0.5, -0.5])]
    prob = control.Problem(bit, ctrls, tau=2.0, p0=[0.2, 0.5, 0.3], target=control.MaxError([2], 0.1),
                           n_steps=4, objective=objective)

    def log_rates(j, c, up, dn, eu, ed, ev):
        np.testing.assert_allclose((eu.log_rates[j] - ed.log_rates[j]) / 2e-6, ev.log_rate_grad[j, :, c], atol=1e-7)

    _check_gradients(prob, np.random.default_rng(3).normal(size=(4, 3)), log_rates)


@pytest.mark.parametrize("eps, tau", [(0.01, 4.0), (0.1, 2.0), (1e-3, 12.0)])
def test_fixed_rate_optimum_matches_closed_form(eps, tau):
    res = control.optimize(_fixed_rate_problem(eps, tau, 32))
    assert res.success, res.message
    exact = ft.erasure_fixed_rate(eps, tau).work
    assert res.final_error == pytest.approx(eps, rel=1e-6)
    assert exact <= res.work < exact * 1.005


@pytest.mark.parametrize("eps, tau, n_steps", [(0.01, 4.0, 32), (0.1, 2.0, 32), (1e-3, 12.0, 64)])
def test_rate_cap_optimum_matches_closed_form(eps, tau, n_steps):
    res = control.optimize(_rate_cap_problem(eps, tau, n_steps))
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


@pytest.mark.parametrize("device", ft.DEVICES)
def test_optimiser_excess_work_approaches_the_thermodynamic_length_limit(device):
    """(W - Landauer) tau / L^2 of the optimiser itself (17 linear knots, 512 sub-steps) at eps = 0.01:
    measured 1.232, 1.044, 1.019 (fixed rate) and 1.278, 1.054, 1.027 (rate cap) for tau = 10, 40,
    160 - falling towards 1 as Sivak & Crooks' L^2 / tau predicts, each within 2 % of the closed form's
    ratio (1.232, 1.044, 1.010; 1.278, 1.053, 1.012: the knots miss the end layers at large tau, worst
    1.5 % for the rate cap at tau = 160)."""
    eps, length2 = 0.01, ft.thermodynamic_length(0.01, device) ** 2
    ratios = []
    for tau in (10.0, 40.0, 160.0):
        res = control.optimize(erasure_problem(device, eps=eps, tau=tau, n_steps=512, knots=17))
        assert res.success, res.message
        ratios.append((res.work - ft.landauer_term(eps)) * tau / length2)
        exact = ft.erasure_optimum(eps, tau, device).entropy_production * tau / length2
        assert exact <= ratios[-1] < exact * 1.02, (tau, ratios[-1], exact)
    assert ratios[0] > ratios[1] > ratios[2] > 1.0 and ratios[2] < 1.03, ratios


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


def test_bounded_gap_is_respected_and_costs_work():
    """A device limit on the gap (a bounded tilt) that the free optimum exceeds (7.2 kT at the end
    for eps = 0.01, tau = 6): the optimum rides the bound on the last steps (measured 5 steps at 6 kT,
    14 at 5 kT), meets the target, and costs more work the tighter the bound."""
    bit = two_state(math.log(2.0))
    works = []
    for upper in (40.0, 6.0, 5.0):
        prob = control.Problem(bit, [control.energy(1, 2, lower=-40, upper=upper)], tau=6.0, p0=[0.5, 0.5],
                               target=control.MaxError([1], 0.01), n_steps=32)
        res = control.optimize(prob)
        assert res.success, res.message
        assert res.final_error == pytest.approx(0.01, rel=1e-6)
        assert res.values.max() <= upper
        if upper < 40:
            assert np.sum(res.values[:, 0] >= upper - 1e-9) >= 3  # the bound is active
        works.append(res.work)
    assert works[0] < works[1] < works[2], works


def test_infeasible_target_reports_least_error_and_time():
    res = control.optimize(_rate_cap_problem(0.01, 2.0, 8))
    assert not res.success and res.status == 2
    assert "infeasible" in res.message and "least time" in res.message
    t_min = float(res.message.rsplit("about", 1)[1])
    assert t_min == pytest.approx(ft.erasure_min_time(0.01), rel=0.02)


def test_infeasible_distribution_reports_closest_law_and_least_time():
    """p = (0.99, 0.01) from (1/2, 1/2) needs tau > ln 50 = 3.912 / Gamma: refused in tau = 1 with
    the closest law (the limit e^-1 / 2 = 0.184 of an infinite gap, here 40 kT) and the least time."""
    bit = two_state(math.log(2.0))  # Gamma = 1
    prob = control.Problem(bit, [control.energy(1, 2, lower=-40, upper=40)], tau=1.0, p0=[0.5, 0.5],
                           target=control.TargetDistribution([0.99, 0.01]), n_steps=8)
    res = control.optimize(prob)
    assert not res.success and res.status == 2, res.message
    assert "target distribution [0.99, 0.01] is infeasible" in res.message
    closest = float(res.message.split("reachable is [")[1].split(",")[1].split("]")[0])
    assert closest == pytest.approx(0.5 * math.exp(-1.0), abs=1e-5)  # printed to 6 digits
    t_min = float(res.message.rsplit("about", 1)[1])
    assert t_min == pytest.approx(ft.erasure_min_time(0.01), rel=0.02)


def test_target_out_of_reach_at_any_time_says_so():
    """A gap bounded by 2 kT leaves at least 1 / (1 + e^2) = 0.119 in the wrong well however long."""
    bit = two_state(math.log(2.0))
    prob = control.Problem(bit, [control.energy(1, 2, lower=-2, upper=2)], tau=3.0, p0=[0.5, 0.5],
                           target=control.MaxError([1], 0.01), n_steps=8)
    res = control.optimize(prob)
    assert res.status == 2 and "no duration up to" in res.message, res.message
    least = float(res.message.split("least error reachable is ")[1].split(";")[0])
    q = 1 / (1 + math.exp(2.0))
    assert least == pytest.approx(q + (0.5 - q) * math.exp(-3.0), abs=1e-6)  # gap held at its bound


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


# --- piecewise-linear controls with free knot values -----------------------------------------


def test_linear_basis_is_the_hat_functions_at_the_midpoints():
    prob = control.Problem(two_state(0.0), [control.energy(1, 2)], tau=2.0, p0=[0.5, 0.5], n_steps=8, knots=3)
    x = np.array([[1.0], [-2.0], [4.0]])  # values at t = 0, 1, 2
    mid = (np.arange(8) + 0.5) / 4.0
    np.testing.assert_allclose(prob.step_values(x)[:, 0], np.interp(mid, [0.0, 1.0, 2.0], x[:, 0]), atol=1e-14)
    np.testing.assert_allclose(prob.basis.sum(axis=1), 1.0, atol=1e-14)


@pytest.mark.parametrize("objective", control.OBJECTIVES)
def test_linear_knot_gradients_match_finite_differences(objective):
    bit = HopModel((0.3, -0.2, 0.5), [(0, 1), (1, 2)], 0.4, rate_law="arrhenius")
    ctrls = [control.energy(1, 3),
             control.Control("tilt", energy_weights=[-1.0, 0.0, 1.0], barrier_weights=[0.5, -0.5])]
    prob = control.Problem(bit, ctrls, tau=2.0, p0=[0.2, 0.5, 0.3], target=control.MaxError([2], 0.1),
                           n_steps=7, objective=objective, knots=4, max_rate=1.0)
    u = np.random.default_rng(4).normal(size=(4, 2))
    from stochlim.control.optimize import _Cache, _cap_constraint

    cap = _cap_constraint(prob, _Cache(prob))
    cap_jac = cap["jac"](u.ravel())

    def rate_cap(k, c, up, dn, eu, ed, ev):
        fd = (cap["fun"](up.ravel()) - cap["fun"](dn.ravel())) / 2e-6
        np.testing.assert_allclose(fd, cap_jac[:, 2 * k + c], atol=1e-7)

    _check_gradients(prob, u, rate_cap)


@pytest.mark.parametrize("device, eps, tau", [("fixed_rate", 0.01, 4.0), ("fixed_rate", 0.1, 2.0),
                                              ("rate_cap", 0.01, 4.0)])
def test_linear_optimum_matches_closed_form(device, eps, tau):
    res = control.optimize(erasure_problem(device, eps=eps, tau=tau, n_steps=64, knots=9))
    assert res.success, res.message
    exact = ft.erasure_optimum(eps, tau, device).work
    assert res.final_error == pytest.approx(eps, rel=1e-6)
    assert exact <= res.work < exact * 1.005


def test_linear_objective_converges_as_knots_are_added():
    """Nested knot grids on the same sub-steps: the least work cannot rise and its changes shrink."""
    res = control.optimize(erasure_problem("rate_cap", eps=0.01, tau=4.0, n_steps=64, knots=2))
    works = [res.work]
    for _ in range(3):  # 2 -> 3 -> 5 -> 9 knots; sub-steps 64 -> 128 -> 256 -> 512 halve the midpoint error
        res = control.refine(res)
        assert res.success, res.message
        works.append(res.work)
    assert res.problem.knots == 9 and res.problem.n_steps == 512
    steps = -np.diff(works)
    assert np.all(steps > 0), works
    assert steps[2] < steps[0] / 4, works
    exact = ft.erasure_rate_cap(0.01, 4.0).work
    assert exact <= works[-1] < exact * 1.0005


def test_linear_model_is_the_continuous_ramp_the_master_equation_confirms():
    """solve_master on the piecewise-linear res.model (exact ramps) matches the optimiser's sub-step
    value to the midpoint rule's O(h^2): 128 sub-steps leave < 1e-4 kT."""
    res = control.optimize(erasure_problem("fixed_rate", eps=0.05, tau=3.0, n_steps=128, knots=5))
    assert res.success, res.message
    sol = solve_master(res.model, p0=[0.5, 0.5], t_end=3.0)
    jumps = sol.p[0] @ (res.model.energy(0.0) - res.energies_before()) + sol.p[-1] @ (
        res.energies_after() - res.model.energy(3.0))
    assert abs(sol.mean_work[-1] + jumps - res.work) < 1e-4
    assert abs(sol.p[-1, 1] - res.final_error) < 1e-5


def test_linear_bad_input():
    ok = {"tau": 1.0, "p0": [0.5, 0.5], "target": control.MaxError([1], 0.1)}
    with pytest.raises(ValueError, match="knots must be"):
        control.Problem(two_state(0.0), [control.energy(1, 2)], n_steps=4, knots=1, **ok)
    with pytest.raises(ValueError, match="n_steps must be >= knots - 1"):
        control.Problem(two_state(0.0), [control.energy(1, 2)], n_steps=4, knots=8, **ok)
    with pytest.raises(ValueError, match="end_jumps=False needs piecewise-linear controls"):
        control.Problem(two_state(0.0), [control.energy(1, 2)], n_steps=4, end_jumps=False, **ok)
    with pytest.raises(ValueError, match="knots must be >= 3 to leave a free value"):
        control.Problem(two_state(0.0), [control.energy(1, 2)], n_steps=4, knots=2, end_jumps=False, **ok)
    with pytest.raises(TypeError, match="end_jumps must be True or False"):
        control.Problem(two_state(0.0), [control.energy(1, 2)], n_steps=4, knots=3, end_jumps="no", **ok)
    # contradicting constraints: the pinned end value lies outside the control's own bounds
    gap = control.energy(1, 2, lower=1.0, upper=5.0, final=2.0)
    with pytest.raises(ValueError, match=r"holds control 'energy\[1\]' at initial = 0 .* within its bounds \[1, 5\]"):
        control.Problem(two_state(0.0), [gap], n_steps=4, knots=3, end_jumps=False, **ok)


def test_pinned_end_knots_survive_refinement():
    """end_jumps=False on the rate-capped bit (gap and barrier from 0 back to 0): the end knots stay
    at the controls' initial and final values through optimize and refine, and the work, which must
    now also pay for the ramps, lies above the optimum with jumps on the same grid."""
    prob = erasure_problem("rate_cap", eps=0.1, tau=6.0, n_steps=32, knots=5, end_jumps=False)
    res = control.optimize(prob)
    assert res.success, res.message
    fine = control.refine(res)
    assert fine.success, fine.message
    for r in (res, fine):
        np.testing.assert_array_equal(r.values[[0, -1]], 0.0)
    with_jumps = control.optimize(erasure_problem("rate_cap", eps=0.1, tau=6.0, n_steps=64, knots=9))
    assert with_jumps.work < fine.work <= res.work + 1e-12
    assert "no end jumps" in fine.table()


# --- drives: models with drives, and drives as controls ----------------------------------------


@pytest.mark.parametrize("knots", [None, 3])
def test_drive_gradients_match_finite_differences(knots):
    """A driven three-state ring (a cycle: the drive cannot be gauged into energies) with an energy,
    a barrier and a drive control; every objective and the target against central differences."""
    ring = HopModel((0.3, -0.2, 0.5), [(0, 1), (1, 2), (2, 0)], [0.4, 0.1, -0.2], rate_law="paper",
                    drives=[0.7, -0.3, 0.2])
    ctrls = [control.energy(1, 3), control.barrier(2, 3), control.drive(0, 3),
             control.Control("push", drive_weights=[1.0, 1.0, 1.0], energy_weights=[0.0, 0.5, 0.0])]
    for objective in control.OBJECTIVES:
        prob = control.Problem(ring, ctrls, tau=1.5, p0=[0.2, 0.5, 0.3], target=control.MaxError([2], 0.1),
                               n_steps=4, objective=objective, knots=knots)
        _check_gradients(prob, np.random.default_rng(6).normal(size=(prob.n_params, 4)))


def test_constant_drives_accounted_as_the_master_equation_does():
    """A driven ring with an energy control: solve_master on res.model (which keeps the drives)
    gives the optimiser's work - the drive work included - and final law."""
    ring = HopModel((0.0, 0.0, 0.0), [(0, 1), (1, 2), (2, 0)], 0.0, drives=1.5)
    prob = control.Problem(ring, [control.energy(2, 3, lower=-20, upper=20)], tau=2.0, p0=[1 / 3] * 3,
                           target=control.MaxError([2], 0.1), n_steps=12)
    res = control.optimize(prob)
    assert res.success, res.message
    sol = solve_master(res.model, p0=[1 / 3] * 3, t_end=2.0, method="expm")
    jumps = sol.p[0] @ (res.model.energy(0.0) - res.energies_before()) + sol.p[-1] @ (
        res.energies_after() - res.model.energy(2.0))
    assert sol.mean_work[-1] > 0.5  # the drive does real work around the cycle
    assert abs(sol.mean_work[-1] + jumps - res.work) < 1e-9
    assert abs(sol.mean_heat[-1] - res.heat) < 1e-9
    np.testing.assert_allclose(sol.p[-1], res.p_final, atol=1e-12)


@pytest.mark.parametrize("knots", [None, 9])
def test_drive_controlled_erasure_matches_the_fixed_rate_closed_form(knots):
    """Erasing with the drive alone (energies fixed): the jump 0 -> 1 sees the bias f, as it sees
    -gap under an energy control, and every jump releases its bias as heat in both, so the least
    work is the fixed-rate closed form - an independent check of the drive-work accounting."""
    bit = two_state(math.log(2.0))  # Gamma = 1
    prob = control.Problem(bit, [control.drive(0, 1, lower=-40, upper=40)], tau=4.0, p0=[0.5, 0.5],
                           target=control.MaxError([1], 0.01), n_steps=64 if knots else 32, knots=knots)
    res = control.optimize(prob)
    assert res.success, res.message
    assert res.model is None and res.drives().shape == (prob.n_steps, 1)
    exact = ft.erasure_fixed_rate(0.01, 4.0).work
    assert res.final_error == pytest.approx(0.01, rel=1e-6)
    assert exact <= res.work < exact * 1.005


# --- the activity speed limit along the optimised path -------------------------------------------


@pytest.mark.parametrize("device", ft.DEVICES)
def test_activity_speed_limit_with_the_measured_activity(device):
    """Shiraishi-Funo-Saito: Sigma >= D^2 / (2 A) with A the mean number of jumps that solve_master
    measures along the optimised path and D the l1 distance it travels. Measured on these optima
    the bound holds with Sigma / bound in 1.22-1.29, while A is 28-45 % of the a-priori rate * tau:
    the measured activity gives a bound 2-3.6x tighter than D^2 / (2 rate tau)."""
    for eps, tau in [(0.1, 2.0), (0.01, 5.0)]:
        res = control.optimize(erasure_problem(device, eps=eps, tau=tau, n_steps=32, objective="entropy_production"))
        assert res.success, res.message
        sol = solve_master(res.model, p0=[0.5, 0.5], t_end=tau, method="expm")
        activity = sol.activity[-1]
        distance = np.abs(sol.p[-1] - sol.p[0]).sum()
        assert distance == pytest.approx(1 - 2 * eps, abs=1e-9)
        assert abs(sol.entropy_production[-1] - res.entropy_production) < 1e-9
        bound = ft.activity_speed_limit(distance, activity)
        assert 1.0 < res.entropy_production / bound < 1.35
        assert activity < 0.5 * tau  # far below the a-priori activity, rate * tau (rate = 1)
        assert bound > 2 * ft.activity_speed_limit(distance, tau)


def test_a_problem_too_large_for_memory_is_refused_by_name(monkeypatch):
    """Before: ``n_steps = 1e9`` reached numpy's "Unable to allocate 6.94 EiB" (an identity basis of
    n_steps^2 values), naming no argument. The machine's memory is fixed at 16 GiB here."""
    from stochlim import _budget

    monkeypatch.setattr(_budget, "memory_bytes", lambda: 16 * 2**30)
    with pytest.raises(MemoryError, match=r"^n_steps = 100000: the optimiser's basis and matrices would need 224 GiB"):
        erasure_problem("fixed_rate", eps=0.1, tau=5.0, n_steps=100_000)
    with pytest.raises(MemoryError, match=r"^n_steps = 1000000000, knots = 4: .* would need 29\.8 GiB"):
        erasure_problem("fixed_rate", eps=0.1, tau=5.0, n_steps=10**9, knots=4)
    assert erasure_problem("fixed_rate", eps=0.1, tau=5.0, n_steps=2000).n_steps == 2000  # 96 MB: as before


def test_control_result_arrays_are_read_only():
    res = control.optimize(erasure_problem("fixed_rate", eps=0.1, tau=5.0, n_steps=4))
    for arr in (res.values, res.p_final):
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 0.0
