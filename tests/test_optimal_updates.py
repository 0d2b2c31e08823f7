"""The paper's update against the optimum: exact step by the master equation, interpolation,
report."""

import math

import numpy as np
import pytest

from stochlim import finite_time as ft
from stochlim import optimal_updates as ou
from stochlim.master import solve_master
from stochlim.models import two_state
from stochlim.protocols import PiecewiseConstant
from stochlim.report import optimal
from stochlim.schedules import PolynomialSchedule


@pytest.mark.parametrize("n, delta", [(3, 2**-4), (20, 2**-3), (5, 2**-16)])
def test_paper_update_matches_master_equation(n, delta):
    """Error and work of the step from solve_master on the schedule's own bias and barrier."""
    u = ou.paper_update(n, delta=delta)
    s = PolynomialSchedule(0.0)
    assert u.bias == pytest.approx(s.bias(n, delta=delta)) and u.tau == pytest.approx(n)
    # wrong well 1 raised by dE_n on [0, tau), returned to 0 at tau (the end jump added by hand)
    m = two_state(u.barrier, energies=(0.0, PiecewiseConstant([0.0, u.tau], [u.bias, 0.0])))
    sol = solve_master(m, p0=[0.5, 0.5], t_end=u.tau, method="expm")
    assert sol.p[-1, 1] == pytest.approx(u.error, rel=1e-9, abs=1e-15)
    work = 0.5 * u.bias + sol.mean_work[-1] - sol.p[-1, 1] * u.bias
    assert work == pytest.approx(u.step_work, rel=1e-9)
    # Gamma tau = 1 / tanh(dE/2): the step runs at the speed limit of its barrier
    assert u.total_rate * u.tau == pytest.approx(1.0 / math.tanh(0.5 * u.bias), rel=1e-12)


@pytest.mark.parametrize("bias, tau", [(3.0, 2.0), (0.7, 5.0), (8.0, 0.9)])
def test_held_step_work_matches_master_equation(bias, tau):
    """A bias step held for tau at total rate 1 (paper law, E0 = ln 2): solve_master gives the
    error eps it reaches and its work; held_step_work(eps, tau) must recover that work."""
    m = two_state(math.log(2.0), energies=(0.0, PiecewiseConstant([0.0, tau], [bias, 0.0])))
    sol = solve_master(m, p0=[0.5, 0.5], t_end=tau, method="expm")
    eps = float(sol.p[-1, 1])
    work = 0.5 * bias + sol.mean_work[-1] - eps * bias  # lift at 0, removal at tau, by hand
    assert ou.held_step_work(eps, tau) == pytest.approx(work, rel=1e-8)
    assert ou.held_step_work(eps, [tau, 2 * tau]).shape == (2,)
    with pytest.raises(ValueError, match="speed limit"):
        ou.held_step_work(eps, float(ft.erasure_min_time(eps)))
    with pytest.raises(ValueError, match="eps"):
        ou.held_step_work(0.5, tau)
    with pytest.raises(ValueError, match="eps must be a single number"):  # was numpy's bare TypeError
        ou.held_step_work([eps, eps], tau)


def test_linear_ramp_work_matches_master_equation():
    """The gap ramped linearly 0 -> g over tau, g chosen (root search on solve_master) so that the
    error is eps: the master equation's work of that ramp equals linear_ramp_work(eps, tau)."""
    from scipy.optimize import brentq

    from stochlim.protocols import PiecewiseLinear

    eps, tau = 0.1, 4.0

    def solve(g):
        m = two_state(math.log(2.0), energies=(0.0, PiecewiseLinear([0.0, tau], [0.0, g])))
        return solve_master(m, p0=[0.5, 0.5], t_end=tau, rtol=1e-11, atol=1e-13)

    g = brentq(lambda x: solve(x).p[-1, 1] - eps, 0.0, 60.0, xtol=1e-12)
    sol = solve(g)
    work = sol.mean_work[-1] - sol.p[-1, 1] * g  # the gap dropped back to 0 at tau
    assert ou.linear_ramp_work(eps, tau) == pytest.approx(work, rel=1e-6)
    assert math.isnan(ou.linear_ramp_work(eps, 0.5 * float(ft.erasure_min_time(eps))))
    with pytest.raises(ValueError, match="tau"):
        ou.linear_ramp_work(eps, 0.0)
    for name, bad in (("eps", {"eps": [eps], "tau": tau}), ("tau", {"eps": eps, "tau": [tau, tau]})):
        with pytest.raises(ValueError, match=f"{name} must be a single number"):
            ou.linear_ramp_work(**bad)


def test_held_barrier_saving_has_converged():
    eps = 0.5 * math.exp(-1.0)
    t_min = float(ft.erasure_min_time(eps))

    def saving(x):
        return ou.held_step_work(eps, t_min + x) - ft.erasure_fixed_rate(eps, t_min + x).work

    assert abs(saving(1e-6) - ou.held_barrier_saving()) < 1e-6
    assert 0 < ou.held_barrier_saving() < 0.1


def test_rate_cap_work_interpolation_is_exact_to_1e7():
    eps = 0.5 * math.exp(-1.0)
    taus = np.array([1.0105, 1.7, 13.3, 2.2e3, 7.7e6, 3e9, 5e11])
    got = ou.rate_cap_work(taus, eps)
    exact = np.array([ft.erasure_rate_cap(eps, t).work for t in taus[:-1]])
    np.testing.assert_allclose(got[:-1], exact, rtol=1e-7)
    # beyond SLOW_LIMIT_TAU the slow-driving form; its error in Sigma there is below 1e-9
    far = ft.erasure_rate_cap(eps, 5e11)
    assert abs(got[-1] - far.work) < 1e-9 * far.entropy_production
    assert np.isnan(ou.rate_cap_work([0.9], eps)[0])


def test_brain_scale_totals_against_eq23():
    rows = ou.brain_scale_totals(n_updates=1000, schedules=(("polynomial", 0.5),))
    row = rows[0]
    # the paper's column is Eq. 23 itself; the step's own work is (1/2 - eps) of each dE_n
    assert (
        row["paper_eq23_J"]
        > row["step_work_J"]
        > row["optimal_same_error_J"]
        > row["optimal_delta_J"]
    )
    retention = 1e15 * 4.1143e-21 * 16 * math.log(2)
    assert row["step_work_J"] - retention == pytest.approx(
        (row["paper_eq23_J"] - retention) * (0.5 - row["step_error"]), rel=1e-9)
    assert 0 < row["delta_feasible_share"] < 1
    # Eq. 24 is the N -> infinity form: for gamma = 0.5 the tail beyond N = 1000 (about N^-1/2 of the
    # rate sum) lowers the total by 2.36 % (measured); gamma = 0 has no infinite form
    assert row["paper_eq24_J"] / row["paper_eq23_J"] - 1 == pytest.approx(-0.0236, abs=0.001)
    (zero,) = ou.brain_scale_totals(n_updates=10, schedules=(("polynomial", 0.0),))
    assert math.isnan(zero["paper_eq24_J"])


def test_report_section_and_figure(tmp_path):
    text = optimal.section()
    assert text.startswith("## The paper's update against the least work")
    assert "| 100000 |" in text and "nan" not in text
    assert "Eq. 24 (N -> infinity)" in text and "| polynomial gamma=0 | 5.8121e+11 | - (rate sum diverges) |" in text
    import matplotlib

    matplotlib.use("Agg")
    fig, ax = optimal.plot_dissipation_vs_time(n_points=3, optimiser_points=(4.0,))
    labels = [line.get_label() for line in ax.get_lines()]
    assert "least work (closed form)" in labels and "optimiser, 16 steps" in labels
    fig.savefig(tmp_path / "f.png")
