"""One propagation mechanism and one failure contract for every exact solver.

* Overflowing rates: ``two_state(-300, energies=(0, 1))`` has a rate ``e^300`` per unit time (the
  jump-count rule of ``LoweredModel.rate_overflow`` refuses it: ``e^300`` jumps over the horizon),
  which ``simulate`` refuses with a ``ValueError`` and ``solve_master`` with ``STATUS_REFUSED``;
  every exact fluctuation and first-passage entry point refuses it up front with the same message,
  and names the interval of a rate that overflows only later.
* scipy failures inside propagation (an exception from ``expm_multiply``, ``expm`` or
  ``solve_ivp``, a failed integration, NaN) come back as ``success=False`` with a message naming
  the propagator, never as an exception or as NaN with success.
* One method chooser: ``"uniformization"`` belongs to ``solve_master`` alone; the exact methods
  need piecewise-constant inputs everywhere.
"""

import numpy as np
import pytest
import scipy.linalg

import stochlim as sl
from stochlim import _propagate as propagate
from stochlim import fluctuations as fl

OVERFLOW = sl.two_state(-300.0, energies=(0.0, 1.0))
P0 = [1.0, 0.0]
REFUSED = "beyond float64's resolution"

# every exact entry point that propagates a model, with the arguments it needs
ENTRY_POINTS = {
    "generating_function": lambda m, **kw: fl.generating_function(m, "n_jumps", 0.3, p0=P0, **kw),
    "characteristic_function": lambda m, **kw: fl.characteristic_function(m, "heat", 0.3, p0=P0, **kw),
    "backward_tilted": lambda m, t_end, **kw: fl.backward_tilted(m, "work", 0.3, t_eval=[0.0, t_end], **kw),
    "cumulants": lambda m, **kw: fl.cumulants(m, ["heat", "n_jumps"], p0=P0, order=2, **kw),
    "count_distribution": lambda m, **kw: fl.count_distribution(m, p0=P0, **kw),
    "count_distribution(max_count)": lambda m, **kw: fl.count_distribution(m, p0=P0, max_count=30, **kw),
    "cdf": lambda m, **kw: fl.cdf(m, "heat", [0.0], p0=P0, **kw),
    "exponential_reference": lambda m, **kw: fl.exponential_reference(m, "heat", p0=P0, **kw),
    "tur_product": lambda m, **kw: fl.tur_product(m, fl.Current([0]), p0=P0, **kw),
    "first_passage": lambda m, t_end, **kw: sl.first_passage(m, p0=P0, target=1, t_eval=[0.0, t_end], **kw),
}


def _call(name, model, t_end):
    kwargs = {"t_end": t_end}
    if name in ("backward_tilted", "first_passage"):
        return ENTRY_POINTS[name](model, t_end)
    return ENTRY_POINTS[name](model, **kwargs)


@pytest.mark.parametrize("name", ENTRY_POINTS)
def test_overflowing_rates_are_refused_up_front_with_the_message_of_simulate(name):
    with pytest.raises(ValueError, match=REFUSED) as refused:
        _call(name, OVERFLOW, 1.0)
    assert "MAX_LOG_RATE" in str(refused.value) and "[0, 1]" in str(refused.value)
    with pytest.raises(ValueError, match=REFUSED):
        sl.simulate(OVERFLOW, t_end=1.0, n_trajectories=2, x0=0, rng=1)
    sol = sl.solve_master(OVERFLOW, p0=P0, t_end=1.0)
    assert not sol.success and sol.status == sl.master.STATUS_REFUSED and REFUSED in sol.message


@pytest.mark.parametrize("name", ["generating_function", "cumulants", "count_distribution(max_count)", "cdf",
                                  "first_passage"])
def test_a_rate_that_overflows_on_a_later_interval_is_named_by_its_interval(name):
    """The barrier drops from 1 kT to -800 kT at t = 2: refused before any propagation."""
    model = sl.two_state(sl.PiecewiseConstant([0.0, 2.0], [1.0, -800.0]), energies=(0.0, 0.5))
    with pytest.raises(ValueError, match=REFUSED) as refused:
        _call(name, model, 3.0)
    assert "[2, 3]" in str(refused.value)
    if name == "first_passage":  # its phase-type tail uses the inputs after the last knot
        with pytest.raises(ValueError, match=r"\[2, 3\]"):
            _call(name, model, 1.5)
    else:
        good = _call(name, model, 1.5)  # the same model before the drop is fine
        assert good.success, good.message


def test_a_fast_model_below_the_rule_is_not_refused():
    """Rates ~e^10 (far below the 2^52 jumps of the rule over one time unit) propagate normally."""
    model = sl.two_state(-10.0, energies=(0.0, 1.0), rate_law="arrhenius")
    sol = fl.generating_function(model, "n_jumps", 0.0, p0=P0, t_end=1.0)
    assert sol.success and np.allclose(sol.G, 1.0, rtol=1e-9)


def _raising(exc):
    def fail(*args, **kwargs):
        raise exc
    return fail


STEPPED = sl.two_state(sl.PiecewiseConstant([0.0, 0.5], [0.5, 1.0]), energies=(0.0, 1.0))
RAMPED = sl.two_state(0.5, energies=(0.0, sl.PiecewiseLinear([0.0, 1.0], [0.0, 2.0])))


@pytest.mark.parametrize("name", ["generating_function", "characteristic_function", "backward_tilted", "cumulants",
                                  "count_distribution(max_count)", "first_passage"])
def test_an_expm_multiply_exception_becomes_a_failure_message(monkeypatch, name):
    monkeypatch.setattr(propagate, "expm_multiply", _raising(OverflowError("cannot convert float infinity")))
    kwargs = {"t_end": 1.0, "method": "krylov"}
    if name in ("backward_tilted", "first_passage"):
        result = ENTRY_POINTS[name](STEPPED, 1.0, method="krylov")
    else:
        result = ENTRY_POINTS[name](STEPPED, **kwargs)
    assert not result.success and result.status == -1
    assert "krylov failed: OverflowError" in result.message


def test_the_characteristic_batch_of_cdf_reports_an_expm_multiply_failure(monkeypatch):
    monkeypatch.setattr(propagate, "expm_multiply", _raising(OverflowError("cannot convert float infinity")))
    law = fl.cdf(STEPPED, "heat", [0.0], p0=P0, t_end=1.0)
    assert not law.success and law.status == -1 and "OverflowError" in law.message


@pytest.mark.parametrize("name", ["generating_function", "first_passage"])
def test_a_dense_expm_exception_becomes_a_failure_message(monkeypatch, name):
    monkeypatch.setattr(scipy.linalg, "expm", _raising(np.linalg.LinAlgError("singular")))
    if name == "first_passage":
        result = ENTRY_POINTS[name](STEPPED, 1.0, method="expm")
    else:
        result = ENTRY_POINTS[name](STEPPED, t_end=1.0, method="expm")
    assert not result.success and "expm failed: LinAlgError" in result.message


@pytest.mark.parametrize("name", ["generating_function", "characteristic_function", "cumulants", "cdf",
                                  "first_passage"])
def test_a_solve_ivp_exception_or_failure_becomes_a_failure_message(monkeypatch, name):
    """On the ramp: an exception from scipy's internals, then an integration that reports failure."""
    monkeypatch.setattr(propagate, "solve_ivp", _raising(ValueError("array must not contain infs or NaNs")))
    result = _call(name, RAMPED, 1.0)
    assert not result.success and result.status == -1
    assert "failed on [0, 1]: ValueError: array must not contain infs" in result.message

    class Failed:
        success = False
        message = "Required step size is less than spacing between numbers."

    monkeypatch.setattr(propagate, "solve_ivp", lambda *args, **kwargs: Failed())
    result = _call(name, RAMPED, 1.0)
    assert not result.success and "step size" in result.message


def test_non_finite_propagation_is_a_failure_not_nan_with_success(monkeypatch):
    monkeypatch.setattr(propagate, "expm_multiply", lambda A, v: v * np.nan)
    sol = fl.generating_function(STEPPED, "heat", 0.2, p0=P0, t_end=1.0, method="krylov")
    assert not sol.success and "non-finite" in sol.message and not np.any(np.isnan(sol.log_G))
    master = sl.solve_master(STEPPED, p0=P0, t_end=1.0, method="krylov")
    assert not master.success and "non-finite" in master.message and not np.any(np.isnan(master.p))


def test_one_method_chooser():
    # "auto": per interval for solve_master, by size for the matrix callers, "ode" on ramps
    assert propagate.choose_method("auto", True, allowed=propagate.METHODS) == "auto"
    assert propagate.choose_method("auto", True, size=propagate.DENSE_LIMIT) == "expm"
    assert propagate.choose_method("auto", True, size=propagate.DENSE_LIMIT + 1) == "krylov"
    assert propagate.choose_method("auto", False, size=3) == "ode"
    with pytest.raises(ValueError, match="exact only for piecewise-constant"):
        propagate.choose_method("krylov", False)
    # uniformisation needs a generator block: solve_master and first_passage, not the tilted solves
    with pytest.raises(ValueError, match=r"method must be one of \('auto', 'expm', 'krylov', 'ode'\)"):
        fl.generating_function(STEPPED, "heat", 0.2, p0=P0, t_end=1.0, method="uniformization")
    fp = sl.first_passage(STEPPED, p0=P0, target=1, t_eval=[0.0, 1.0], method="uniformization")
    assert fp.success and fp.method == "uniformization"
    assert sl.solve_master(STEPPED, p0=P0, t_end=1.0, method="uniformization").success
    with pytest.raises(ValueError, match="exact only for piecewise-constant"):
        fl.cumulants(RAMPED, "heat", p0=P0, t_end=1.0, method="expm")


def test_tilted_generator_keeps_the_directed_edges_as_written():
    """Entries of ``tilted_generator`` follow ``HopModel.directed_edges()`` (d < m as written), though
    the propagation uses the compiled Generator's source-sorted order."""
    ring = sl.HopModel((0.0, 0.3, -0.2), [[2, 0], [0, 1], [1, 2]], [0.1, 0.4, 0.2], drives=[0.5, 0.0, 0.0])
    gen = fl.tilted_generator(ring, "n_jumps", 0.7, 0.0)
    d = ring.directed_edges()
    np.testing.assert_array_equal(gen.src, d.src)
    k = ring.rates(0.0)
    np.testing.assert_allclose(np.exp(gen.log_rate), k[d.src, d.dst], rtol=1e-13)
    np.testing.assert_allclose(gen.log_tilted_rate, gen.log_rate - 0.7, rtol=1e-13)


@pytest.mark.parametrize("steady", [lambda m: fl.scgf(m, "n_jumps", 0.5),
                                    lambda m: fl.steady_cumulant_rates(m, "heat")])
def test_steady_state_functions_refuse_an_overflowing_rate(steady):
    """No horizon here: the MAX_LOG_RATE part of the rule alone (a rate e^800 is refused, e^300 is not)."""
    with pytest.raises(ValueError, match=REFUSED) as refused:
        steady(sl.two_state(-800.0, energies=(0.0, 1.0)))
    assert "MAX_LOG_RATE = 700" in str(refused.value)
    assert np.isfinite(steady(OVERFLOW)).all()


def test_uniformize_block_agrees_with_expm_and_refuses_what_is_not_a_generator():
    """A two-state generator with one functional row (the time spent in state 1) against the dense
    exponential; a matrix whose columns gain probability (zero diagonal, positive off-diagonal: it
    had taken the 'nothing moves' branch and returned p0 unchanged) is refused."""
    L = np.array([[-2.0, 1.0], [2.0, -1.0]])
    A = np.zeros((3, 3))
    A[:2, :2] = L
    A[2, 1] = 1.0                                    # d/dt (time in state 1) = p_1
    v = np.array([1.0, 0.0, 0.0])
    states, err = propagate.uniformize_block(A, v, [0.3, 1.7], 2)
    assert err is None
    for tau, got in zip((0.3, 1.7), states):
        np.testing.assert_allclose(got, scipy.linalg.expm(A * tau) @ v, rtol=1e-12, atol=1e-15)
    bad = np.zeros((2, 2))
    bad[1, 0] = 1.0
    with pytest.raises(ValueError, match="columns summing to <= 0"):
        propagate.uniformize_block(bad, np.array([1.0, 0.0]), [1.0], 2)
