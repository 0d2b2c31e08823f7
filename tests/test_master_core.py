"""The compiled master-equation core against independent computations written here.

* piecewise-constant protocols: every method against the Van Loan block exponential built below
  from ``HopModel.rates`` (``physics.log_hop_rates``) and propagated with ``scipy.linalg.expm``, at
  rtol 1e-10;
* ramps: against an explicit DOP853 integration of ``p``, heat, work and activity at rtol 1e-13,
  here at rtol 1e-8;
* the failure contract: overflowing rates refused by every method (and by ``simulate``), failures
  that keep the output computed before them, never NaN with ``success=True``;
* the kernels: Pade scaling and squaring against ``scipy.linalg.expm``, uniformisation over many
  chunks, and the tilted generator against a tilted matrix built by hand.
"""

import itertools

import numpy as np
import pytest
import scipy.linalg
from scipy.integrate import solve_ivp

import stochlim
from stochlim import _propagate as propagate
from stochlim import master
from stochlim._generator import Generator
from stochlim._kernels import master as km
from stochlim._segments import Segments
from stochlim.models import HopModel, ring, two_state
from stochlim.protocols import PiecewiseConstant, PiecewiseLinear


def _edge_terms(model, t):
    """Per edge as written: forward/backward rates, bias (with drive) and drive at time ``t``."""
    k = model.rates(t)
    e = model.energy(t)
    x, y = model.edges[:, 0], model.edges[:, 1]
    return x, y, k[x, y], k[y, x], e[x] - e[y] + model.drives, model.drives


def _van_loan_block(model, t):
    """``[[L, 0], [R, 0]]`` for the rows p, Q, W_drive, activity, currents, written out densely."""
    s, m = model.n_states, model.n_edges
    x, y, kf, kb, bias, f = _edge_terms(model, t)
    a = np.zeros((s + 3 + m, s + 3 + m))
    for e in range(m):
        for src, dst, k, q, fd, sign in ((x[e], y[e], kf[e], bias[e], f[e], 1.0),
                                         (y[e], x[e], kb[e], -bias[e], -f[e], -1.0)):
            a[dst, src] += k
            a[src, src] -= k
            a[s, src] += k * q
            a[s + 1, src] += k * fd
            a[s + 2, src] += k
            a[s + 3 + e, src] += sign * k
    return a


def _reference_piecewise_constant(model, p0, t_eval, knots):
    """Outputs at ``t_eval`` by ``scipy.linalg.expm`` of the block, with jump work at the knots."""
    s = model.n_states
    v = np.concatenate((p0, np.zeros(3 + model.n_edges)))
    jump_work, t_now, out = 0.0, 0.0, []
    edges = sorted(set(knots) | set(t_eval))
    for t in edges:
        if t > t_now:
            v = scipy.linalg.expm(_van_loan_block(model, t_now) * (t - t_now)) @ v
            t_now = t
        if t in knots and t > 0:
            e_before = model.energy(np.nextafter(t, -np.inf))
            jump_work += v[:s] @ (model.energy(t) - e_before)
        if t in t_eval:
            out.append(np.concatenate((v, [jump_work])))
    out = np.array(out)
    p = out[:, :s]
    energies = model.energy(np.asarray(t_eval))
    s_sys = -np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0), axis=1)
    return {
        "p": p,
        "mean_heat": out[:, s],
        "mean_work": out[:, s + 1] + out[:, -1],
        "activity": out[:, s + 2],
        "currents": out[:, s + 3 : -1],
        "mean_energy": np.sum(p * energies, axis=1),
        "entropy_production": s_sys - s_sys[0] + out[:, s],
    }


def _stepped_ring(law):
    """A driven 5-ring whose energies and barriers jump at t = 1 and 2.5."""
    knots = [0.0, 1.0, 2.5]
    energies = (
        0.0,
        PiecewiseConstant(knots, [0.5, -1.0, 0.2]),
        1.0,
        PiecewiseConstant(knots, [0.0, 2.0, 1.0]),
        0.3,
    )
    barriers = [
        PiecewiseConstant(knots, [1.0, 3.0, 0.5]),
        2.0,
        0.0,
        1.5,
        PiecewiseConstant(knots, [4.0, 0.0, 2.0]),
    ]
    return HopModel(energies, [(i, (i + 1) % 5) for i in range(5)], barriers, rate_law=law,
                    drives=[0.7, 0.7, -0.3, 0.7, 1.1]), [0.0, 1.0, 2.5]


@pytest.mark.parametrize("method", master.METHODS)
@pytest.mark.parametrize("law", ["paper", "arrhenius"])
def test_piecewise_constant_outputs_equal_the_van_loan_block(method, law):
    model, knots = _stepped_ring(law)
    p0 = np.array([0.4, 0.1, 0.2, 0.05, 0.25])
    t_eval = [0.0, 0.3, 1.0, 1.7, 2.5, 4.0]
    sol = stochlim.solve_master(model, p0=p0, t_eval=t_eval, method=method)
    assert sol.success, sol.message
    ref = _reference_piecewise_constant(model, p0, t_eval, knots)
    for name, want in ref.items():
        np.testing.assert_allclose(getattr(sol, name), want, rtol=1e-10, atol=1e-13, err_msg=name)


def _reference_ramp(model, p0, knots, t_end):
    """DOP853 at rtol 1e-13 on p, Q, W and activity, interval by interval (rates from
    ``model.rates``)."""
    s = model.n_states

    def rhs(t, v):
        x, y, kf, kb, bias, f = _edge_terms(model, t)
        p = v[:s]
        flux_f, flux_b = kf * p[x], kb * p[y]
        out = np.zeros_like(v)
        np.add.at(out, y, flux_f - flux_b)
        np.add.at(out, x, flux_b - flux_f)
        slopes = np.array([pr.slope(t) for pr in model.energies])
        out[s] = flux_f @ bias - flux_b @ bias
        out[s + 1] = p @ slopes + (flux_f - flux_b) @ f
        out[s + 2] = flux_f.sum() + flux_b.sum()
        return out

    v = np.concatenate((p0, np.zeros(3)))
    grid = [k for k in knots if k < t_end] + [t_end]
    for a, b in itertools.pairwise(grid):
        v = solve_ivp(rhs, (a, b), v, method="DOP853", rtol=1e-13, atol=1e-15).y[:, -1]
    return v


@pytest.mark.parametrize("tau", [1.0, 100.0])
def test_erasure_ramps_match_an_independent_integration(tau):
    """Barrier 12 -> 0 -> 0 -> 12 -> 12 kT, upper well 0 -> 0 -> 8 -> 8 -> 0 kT (paper law)."""
    knots = list(np.array([0.0, 0.25, 0.5, 0.75, 1.0]) * tau)
    model = two_state(PiecewiseLinear(knots, [12.0, 0.0, 0.0, 12.0, 12.0]),
                      energies=(0.0, PiecewiseLinear(knots, [0.0, 0.0, 8.0, 8.0, 0.0])))
    sol = stochlim.solve_master(model, p0=[0.5, 0.5], t_eval=[0.0, tau])
    assert sol.success and sol.method == "ode", sol.message
    ref = _reference_ramp(model, np.array([0.5, 0.5]), knots, tau)
    np.testing.assert_allclose(sol.p[-1], ref[:2], rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(
        [sol.mean_heat[-1], sol.mean_work[-1], sol.activity[-1]], ref[2:], rtol=1e-8
    )


def test_driven_ring_with_ramps_matches_an_independent_integration():
    knots = [0.0, 5.0, 10.0]
    model = ring(
        4,
        (0.0, PiecewiseLinear(knots, [0.0, 2.0, 0.5]), 1.0, 0.5),
        PiecewiseLinear(knots, [3.0, 0.5, 2.0]),
        drive=1.0,
        rate_law="arrhenius",
    )
    p0 = np.array([1.0, 0.0, 0.0, 0.0])
    sol = stochlim.solve_master(model, p0=p0, t_end=10.0)
    assert sol.success, sol.message
    ref = _reference_ramp(model, p0, knots, 10.0)
    np.testing.assert_allclose(sol.p[-1], ref[:4], rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(
        [sol.mean_heat[-1], sol.mean_work[-1], sol.activity[-1]], ref[4:], rtol=1e-8
    )


# --- the failure contract -------------------------------------------------------------------------


@pytest.mark.parametrize("method", master.METHODS)
def test_overflowing_rates_are_refused_by_every_method(method):
    model = two_state(-300.0, energies=(0.0, 1.0))
    sol = stochlim.solve_master(model, p0=[1.0, 0.0], t_end=1.0, method=method)
    assert not sol.success and sol.status == master.STATUS_REFUSED
    assert "beyond float64's resolution" in sol.message and "MAX_LOG_RATE" in sol.message
    assert sol.p.shape == (0, 2) and not np.any(np.isnan(sol.mean_heat))
    with pytest.raises(ValueError, match="beyond float64's resolution"):
        stochlim.simulate(model, t_end=1.0, n_trajectories=4, x0=0, rng=1)


@pytest.mark.parametrize("method", ["auto", "ode"])
def test_refusal_on_a_later_interval_keeps_the_output_before_it(method):
    """The barrier drops to -800 kT at t = 2 (a ramp for 'ode'): outputs at t < 2 are kept."""
    if method == "ode":
        barrier = PiecewiseLinear([0.0, 2.0, 3.0], [1.0, 1.0, -800.0])
    else:
        barrier = PiecewiseConstant([0.0, 2.0], [1.0, -800.0])
    model = two_state(barrier, energies=(0.0, 0.5))
    t_eval = [0.0, 1.0, 1.5, 2.5, 3.0]
    sol = stochlim.solve_master(model, p0=[1.0, 0.0], t_eval=t_eval, method=method)
    assert not sol.success and sol.status == master.STATUS_REFUSED and "[2, 3]" in sol.message
    np.testing.assert_array_equal(sol.t, [0.0, 1.0, 1.5])
    good = stochlim.solve_master(model, p0=[1.0, 0.0], t_eval=[0.0, 1.0, 1.5])
    np.testing.assert_allclose(sol.p, good.p, rtol=1e-12)
    assert np.all(np.isfinite(sol.mean_work))


def test_non_finite_values_end_the_solve_with_a_failure(monkeypatch):
    """A propagator that returns NaN on the second interval (after the two steps 0 -> 0.5 -> 1 of
    the first): status -1, earlier output kept."""
    real = Generator.uniformize
    calls = []

    def poisoned(self, v, tau):
        calls.append(tau)
        out = real(self, v, tau)
        return out * np.nan if len(calls) > 2 else out

    monkeypatch.setattr(Generator, "uniformize", poisoned)
    model = two_state(PiecewiseConstant([0.0, 1.0], [0.0, 1.0]))
    sol = stochlim.solve_master(
        model, p0=[1.0, 0.0], t_eval=[0.0, 0.5, 1.5], method="uniformization"
    )
    assert not sol.success and sol.status == master.STATUS_FAILED and "non-finite" in sol.message
    np.testing.assert_array_equal(sol.t, [0.0, 0.5])
    assert np.all(np.isfinite(sol.p))


def test_krylov_failure_inside_scipy_is_reported(monkeypatch):
    def overflow(*args, **kwargs):
        raise OverflowError("cannot convert float infinity to integer")

    monkeypatch.setattr(propagate, "expm_multiply", overflow)
    sol = stochlim.solve_master(two_state(0.0), p0=[1.0, 0.0], t_end=1.0, method="krylov")
    assert not sol.success and sol.status == master.STATUS_FAILED
    assert "OverflowError" in sol.message and sol.p.shape == (0, 2)


# --- the kernels ----------------------------------------------------------------------------------


@pytest.mark.parametrize("norm", [1e-4, 0.2, 0.9, 2.0, 5.0, 40.0, 3e3])
def test_pade_scaling_and_squaring_matches_scipy(norm):
    rng = np.random.default_rng(7)
    for n in (2, 7, 30):
        gen = rng.exponential(size=(n, n))
        np.fill_diagonal(gen, 0.0)
        gen -= np.diag(gen.sum(axis=0))  # a generator: columns sum to 0
        a = gen * norm / np.abs(gen).sum(axis=0).max()
        np.testing.assert_allclose(km.expm(a), scipy.linalg.expm(a), rtol=1e-11, atol=1e-14)


def test_uniformization_over_many_chunks_equals_the_dense_exponential():
    """lam * tau ~ 2000: 60+ chunks of the Poisson series."""
    model = ring(6, [0.0, 1.0, -0.5, 2.0, 0.3, 0.0], 0.0, drive=0.8)
    g = Generator(model, Segments(model, 1.0))
    g.at(0, 0.0)
    v = np.concatenate((np.eye(6)[2], np.zeros(g.size - 6)))
    tau = 2000.0 / g.lam
    want = scipy.linalg.expm(g.dense() * tau) @ v
    np.testing.assert_allclose(g.uniformize(v, tau), want, rtol=1e-10, atol=1e-13)


def test_tilted_generator_matches_a_tilted_matrix_built_by_hand():
    """``edge_tilt = (-s, 0)`` counts jumps and ``(0, -s)`` weighs them by ``exp(-s q)``; the sum of
    the tilted ``p`` is the generating function ``<exp(-s X)>``, here against ``scipy.linalg.expm``
    of the tilted rate matrix written from ``HopModel.rates``."""
    model = two_state(0.4, energies=(0.0, 1.2), drive=0.3)
    k = model.rates(0.0)
    q01 = 0.0 - 1.2 + 0.3  # heat of the jump 0 -> 1
    p0 = np.array([0.3, 0.7])
    s_, t = 0.6, 1.7
    for a, b, w01, w10 in (
        (-s_, 0.0, np.exp(-s_), np.exp(-s_)),
        (0.0, -s_, np.exp(-s_ * q01), np.exp(s_ * q01)),
    ):
        lower = Segments(model, t)
        tilt = np.array([[a, b]] * lower.out_src.size)
        g = Generator(model, lower, edge_tilt=tilt)
        g.at(0, 0.0)
        lt = np.array([[-k[0, 1], k[1, 0] * w10], [k[0, 1] * w01, -k[1, 0]]])
        want = scipy.linalg.expm(lt * t) @ p0
        v = np.concatenate((p0, np.zeros(g.size - 2)))
        np.testing.assert_allclose(g.expm_step(v, t)[:2], want, rtol=1e-12)
        np.testing.assert_allclose(g.uniformize(v, t)[:2], want, rtol=1e-12)
    # a diagonal tilt -s dE_x/dt on a ramp: exp(-s W) for a deterministic ramp with no jumps
    ramp = two_state(500.0, energies=(PiecewiseLinear([0.0, 1.0], [0.0, 2.0]), 0.0))
    lower = Segments(ramp, 1.0)
    g = Generator(ramp, lower, state_tilt=np.array([[0.0, -s_]] * 2))
    g.at(0, 0.5)
    np.testing.assert_allclose(np.diag(g.dense())[:2], [-2.0 * s_, 0.0], atol=1e-200)
