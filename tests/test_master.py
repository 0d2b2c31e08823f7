"""Master-equation solver: closed forms, conservation on stiff cases, method agreement,
energetics."""

import numpy as np
import pytest

from stochlim import physics
from stochlim.master import free_energy, solve_master
from stochlim.models import HopModel, differential_memory, ladder, ring, two_state
from stochlim.protocols import PiecewiseConstant, PiecewiseLinear


def _two_state_closed_form(k01, k10, t):
    lam = k01 + k10
    return k01 / lam * -np.expm1(-lam * t)


@pytest.mark.parametrize("method", ["expm", "uniformization", "krylov", "ode"])
@pytest.mark.parametrize("law", physics.RATE_LAWS)
def test_two_state_closed_form(method, law):
    m = two_state(0.7, energies=(0.0, 1.3), J_max=2.0, rate_law=law)
    t = np.linspace(0.0, 4.0, 9)
    sol = solve_master(m, p0=[1.0, 0.0], t_eval=t, method=method, rtol=1e-12, atol=1e-14)
    assert sol.success and sol.method == method
    k = m.rates(0.0)
    np.testing.assert_allclose(
        sol.p[1:, 1], _two_state_closed_form(k[0, 1], k[1, 0], t[1:]), rtol=1e-10
    )
    # heat: each 0 -> 1 jump releases E_0 - E_1 = -1.3 kT, so Q = -1.3 p_1(t) exactly
    np.testing.assert_allclose(sol.mean_heat, -1.3 * sol.p[:, 1], rtol=1e-9, atol=1e-14)


@pytest.mark.parametrize("law", physics.RATE_LAWS)
def test_ladder_relaxes_to_boltzmann(law):
    energy = lambda i: 0.3 * (i - 5.0) ** 2 - 0.2 * i  # noqa: E731
    m = ladder(11, energy, barriers=np.linspace(0.0, 4.0, 10), rate_law=law)
    p0 = np.zeros(11)
    p0[0] = 1.0
    sol = solve_master(m, p0=p0, t_end=5e3)
    w = np.exp(-energy(np.arange(11.0)))
    np.testing.assert_allclose(sol.p[-1], w / w.sum(), rtol=1e-9)
    # relaxation to equilibrium: entropy production = -(free-energy drop) = F(p0) - F_eq
    f_eq = free_energy(m, 0.0)
    f0 = energy(0.0)  # p0 concentrated on level 0: F = E_0
    assert sol.entropy_production[-1] == pytest.approx(f0 - f_eq, rel=1e-8)


@pytest.mark.parametrize("method", ["expm", "auto", "ode"])
def test_stiff_barriers_conserve_probability_and_positivity(method):
    """Barriers from 0 to 45 kT on one ladder: rates span e^45 ~ 3e19."""
    m = ladder(6, lambda i: 0.5 * (i - 2.5) ** 2, barriers=[0.0, 45.0, 0.0, 20.0, 2.0])
    p0 = np.full(6, 1 / 6)
    sol = solve_master(m, p0=p0, t_eval=np.geomspace(1e-6, 1e6, 25), method=method)
    assert sol.success, sol.message
    assert np.all(sol.p >= 0)
    assert np.max(np.abs(sol.p.sum(axis=1) - 1)) < 1e-10
    # left block {0, 1} keeps its mass until the 45 kT barrier is crossed (~e^45 / 2 time units)
    assert sol.p[-1, :2].sum() == pytest.approx(2 / 6, rel=1e-6)
    assert np.all(np.diff(sol.entropy_production) >= -1e-10)


def test_driven_ring_reaches_analytic_current():
    n, f, e0 = 5, 1.7, 0.4
    m = ring(n, barriers=e0, drive=f)
    t = np.array([0.0, 200.0, 300.0])
    sol = solve_master(m, p0=np.eye(n)[0], t_eval=t)
    np.testing.assert_allclose(sol.p[-1], np.full(n, 1 / n), rtol=1e-10)
    k_fwd, k_bwd = physics.hop_rates(e0, f)
    j_ss = (k_fwd - k_bwd) / n
    rate = (sol.currents[2] - sol.currents[1]) / 100.0
    np.testing.assert_allclose(rate, j_ss, rtol=1e-10)
    # steady state: heat = work = f per net step, entropy production = f J n per unit time
    ep_rate = (sol.entropy_production[2] - sol.entropy_production[1]) / 100.0
    assert ep_rate == pytest.approx(f * j_ss * n, rel=1e-9)
    assert (sol.mean_work[2] - sol.mean_work[1]) == pytest.approx(100.0 * f * j_ss * n, rel=1e-9)


def test_differential_memory_heat_rate_is_J_dE():
    """Eq. 20: heat per unit time of a biased memory is J dE with J from Eq. 7."""
    e0, de = 1.5, 2.0
    m = differential_memory(201, e0, de)
    p0 = np.zeros(201)
    p0[100] = 1.0
    sol = solve_master(m, p0=p0, t_eval=[0.0, 5.0])
    j = physics.net_rate(e0, de)
    assert sol.mean_heat[-1] == pytest.approx(5.0 * j * de, rel=1e-10)
    mean_shift = (np.arange(201) - 100) @ sol.p[-1]
    assert mean_shift == pytest.approx(5.0 * j, rel=1e-10)


def test_first_law_and_work_under_steps_and_ramps():
    e1 = PiecewiseConstant([0.0, 1.0, 2.0], [0.0, 2.0, -0.5])
    b = PiecewiseLinear([0.0, 3.0], [0.0, 2.0])
    m = HopModel([0.0, e1, PiecewiseLinear([0.0, 3.0], [1.0, -1.0])], [(0, 1), (1, 2), (0, 2)], b)
    t = np.linspace(0.0, 3.0, 31)
    sol = solve_master(m, p0=[0.2, 0.3, 0.5], t_eval=t)
    assert sol.method == "ode" and sol.success
    np.testing.assert_allclose(
        sol.mean_energy - sol.mean_energy[0], sol.mean_work - sol.mean_heat, atol=1e-8
    )
    assert np.all(np.diff(sol.entropy_production) > -1e-9)


def test_jump_work_is_exact_at_a_step():
    """A step of E_1 by +2 kT at t = 1 with the barrier closed does work 2 p_1 exactly."""
    e1 = PiecewiseConstant([0.0, 1.0], [0.0, 2.0])
    m = two_state(200.0, energies=(0.0, e1))
    sol = solve_master(m, p0=[0.25, 0.75], t_eval=[0.0, 0.5, 1.0, 2.0])
    np.testing.assert_allclose(sol.mean_work, [0.0, 0.0, 1.5, 1.5], atol=1e-15)


def test_methods_agree_on_a_schedule():
    barrier = PiecewiseConstant(np.arange(20.0), np.linspace(0.0, 6.0, 20))
    m = ladder(31, lambda i: 0.02 * (i - 15.0) ** 2, barriers=barrier, rate_law="arrhenius")
    p0 = np.zeros(31)
    p0[0] = 1.0
    t = np.linspace(0.0, 25.0, 11)
    methods = ("expm", "uniformization", "krylov", "ode")
    sols = {k: solve_master(m, p0=p0, t_eval=t, method=k, rtol=1e-11, atol=1e-13) for k in methods}
    for k in methods[1:]:
        np.testing.assert_allclose(sols[k].p, sols["expm"].p, atol=1e-8)
        np.testing.assert_allclose(sols[k].mean_heat, sols["expm"].mean_heat, atol=1e-7)
        np.testing.assert_allclose(sols[k].activity, sols["expm"].activity, rtol=1e-7)


def test_midpoint_discretisation_converges_at_second_order():
    """Steps holding the midpoint value of a smooth ramp: error in p(t_end) falls as 1/n^2."""
    t_end = 2.0
    e_ramp = PiecewiseLinear([0.0, t_end], [0.0, 3.0])
    b_ramp = PiecewiseLinear([0.0, t_end], [1.0, 0.0])
    exact = solve_master(two_state(b_ramp, energies=(0.0, e_ramp)), p0=[1.0, 0.0], t_end=t_end,
                         method="ode", rtol=1e-13, atol=1e-15)
    errors = []
    for n in (8, 16, 32, 64):
        knots = np.linspace(0.0, t_end, n + 1)[:-1]
        mid = knots + t_end / (2 * n)
        m = two_state(
            PiecewiseConstant(knots, b_ramp(mid)),
            energies=(0.0, PiecewiseConstant(knots, e_ramp(mid))),
        )
        sol = solve_master(m, p0=[1.0, 0.0], t_end=t_end)
        errors.append(abs(sol.p[-1, 1] - exact.p[-1, 1]))
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    np.testing.assert_allclose(orders, 2.0, atol=0.1)


def test_auto_picks_uniformization_for_large_ladders():
    m = ladder(1000, lambda i: 1e-4 * (i - 500.0) ** 2, barriers=1.0)
    p0 = np.zeros(1000)
    p0[500] = 1.0
    sol = solve_master(m, p0=p0, t_end=10.0)
    assert sol.method == "uniformization" and sol.success
    assert abs(sol.p[-1].sum() - 1) < 1e-10
    ref = solve_master(m, p0=p0, t_end=10.0, method="krylov")
    np.testing.assert_allclose(sol.p[-1], ref.p[-1], rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(sol.mean_heat[-1], ref.mean_heat[-1], rtol=1e-10)


def test_non_convergence_is_reported_not_raised(monkeypatch):
    """An integrator failure on a later interval ends the solve with status -1 and the message,
    keeping the output computed before it: the compiled Magnus integrator (small models)."""
    import stochlim.master as master
    from stochlim._generator import Generator
    from stochlim._kernels import master as km

    real = Generator.magnus

    def failing_after_first_interval(self, j, *args):
        return km.MAGNUS_TOO_MANY_STEPS if j > 0 else real(self, j, *args)

    monkeypatch.setattr(Generator, "magnus", failing_after_first_interval)
    ramp = PiecewiseLinear([0.0, 1.0, 2.0], [0.0, 1.0, 0.0])
    sol = solve_master(two_state(ramp), p0=[1.0, 0.0], t_eval=[0.0, 0.5, 1.5, 2.0], method="ode")
    assert not sol.success and sol.status == master.STATUS_FAILED
    assert "Magnus integrator failed on [1, 2]" in sol.message and "MAX_ODE_STEPS" in sol.message
    np.testing.assert_array_equal(sol.t, [0.0, 0.5])
    assert sol.p.shape == (2, 2) and sol.mean_heat.shape == (2,)


def test_bdf_failure_is_reported_not_raised(monkeypatch):
    """The same for a large ramped model, integrated by scipy's BDF."""
    import stochlim._propagate as propagate
    import stochlim.master as master

    real = propagate.solve_ivp

    def failing_after_first_interval(fun, t_span, *args, **kwargs):
        if t_span[0] > 0:
            class Failed:
                success = False
                message = "Required step size is less than spacing between numbers."
            return Failed()
        return real(fun, t_span, *args, **kwargs)

    monkeypatch.setattr(propagate, "solve_ivp", failing_after_first_interval)
    m = ladder(
        120,
        lambda i: 0.001 * (i - 60.0) ** 2,
        barriers=PiecewiseLinear([0.0, 1.0, 2.0], [2.0, 1.0, 2.0]),
    )
    p0 = np.full(120, 1 / 120)
    sol = solve_master(m, p0=p0, t_eval=[0.0, 0.5, 1.5, 2.0], method="ode")
    assert not sol.success and sol.status == master.STATUS_FAILED
    assert "BDF failed on [1, 2]" in sol.message and "step size" in sol.message
    np.testing.assert_array_equal(sol.t, [0.0, 0.5])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(p0=[0.5, 0.6], t_end=1.0), "p0 must sum to 1"),
        (dict(p0=[1.5, -0.5], t_end=1.0), "p0 must be non-negative"),
        (dict(p0=[1.0], t_end=1.0), "p0 must have one entry per state"),
        (dict(p0=[1.0, 0.0], t_end=-1.0), "t_end must be positive"),
        (dict(p0=[1.0, 0.0], t_eval=[0.0, 2.0, 1.0]), "t_eval must be strictly increasing"),
        (dict(p0=[1.0, 0.0], t_eval=[-1.0, 2.0]), r"t_eval must lie in \[0, t_end\]"),
        (dict(p0=[1.0, 0.0], t_end=1.0, t_eval=[0.0, 2.0]), r"t_eval must lie in \[0, t_end"),
        (dict(p0=[1.0, 0.0], t_end=1.0, rtol=0.0), "rtol must be positive"),
        (dict(p0=[1.0, 0.0], t_end=1.0, atol=-1.0), "atol must be positive"),
        (dict(p0=[1.0, 0.0], t_end=1.0, method="rk4"), "method must be one of"),
        (dict(p0=[1.0, 0.0]), "give t_end or t_eval"),
    ],
)
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        solve_master(two_state(1.0), **kwargs)


def test_exact_methods_refuse_smooth_protocols():
    m = two_state(PiecewiseLinear([0.0, 1.0], [0.0, 1.0]))
    with pytest.raises(ValueError, match="exact only for piecewise-constant"):
        solve_master(m, p0=[1.0, 0.0], t_end=1.0, method="expm")


def test_model_type_checked():
    with pytest.raises(TypeError, match="model must be a HopModel"):
        solve_master("two-state", p0=[1.0, 0.0], t_end=1.0)

