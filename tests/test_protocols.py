"""Protocols: exact evaluation, read-only storage, knot validation, schedules."""

import numpy as np
import pytest

from stochlim.protocols import (
    Constant,
    PiecewiseConstant,
    PiecewiseLinear,
    as_protocol,
    schedule_protocols,
)
from stochlim.schedules import ExponentialSchedule, PolynomialSchedule


def test_constant_value_and_slope():
    p = Constant(2.5)
    assert p(3.0) == 2.5
    np.testing.assert_array_equal(p(np.array([0.0, 1.0])), [2.5, 2.5])
    assert p.slope(1.0) == 0.0
    assert p.knots.size == 0


def test_piecewise_constant_holds_values_on_half_open_intervals():
    p = PiecewiseConstant([0.0, 1.0, 3.0], [5.0, -1.0, 2.0])
    np.testing.assert_array_equal(
        p([-1.0, 0.0, 0.999, 1.0, 2.9, 3.0, 10.0]), [5, 5, 5, -1, -1, 2, 2]
    )


def test_piecewise_linear_interpolates_and_holds_outside():
    p = PiecewiseLinear([1.0, 2.0, 4.0], [0.0, 2.0, 1.0])
    np.testing.assert_allclose(
        p([0.0, 1.0, 1.5, 2.0, 3.0, 4.0, 9.0]), [0, 0, 1, 2, 1.5, 1, 1], rtol=1e-15
    )
    np.testing.assert_array_equal(p.slope([0.0, 1.0, 2.5, 4.0, 5.0]), [0.0, 2.0, -0.5, 0.0, 0.0])
    assert not p.is_piecewise_constant


def test_arrays_are_read_only_copies():
    times = np.array([0.0, 1.0])
    p = PiecewiseLinear(times, [1.0, 2.0])
    times[0] = -5.0
    assert p.times[0] == 0.0
    with pytest.raises(ValueError):
        p.values[0] = 3.0


@pytest.mark.parametrize("cls", [PiecewiseConstant, PiecewiseLinear])
@pytest.mark.parametrize("times", [[0.0, 0.0, 1.0], [0.0, 2.0, 1.0]])
def test_knots_must_increase_strictly(cls, times):
    with pytest.raises(ValueError, match="times must be strictly increasing"):
        cls(times, [1.0, 2.0, 3.0])


@pytest.mark.parametrize("cls", [PiecewiseConstant, PiecewiseLinear])
def test_bad_values_are_named(cls):
    with pytest.raises(ValueError, match="values must not be NaN"):
        cls([0.0, 1.0], [1.0, np.nan])
    with pytest.raises(ValueError, match="values must be finite"):
        cls([0.0, 1.0], [1.0, np.inf])
    with pytest.raises(ValueError, match="one value per knot"):
        cls([0.0, 1.0], [1.0, 2.0, 3.0])


def test_as_protocol_names_the_argument():
    assert isinstance(as_protocol("energies[0]", 1.0), Constant)
    with pytest.raises(ValueError, match=r"energies\[0\].*NaN"):
        as_protocol("energies[0]", float("nan"))


def test_scaled_multiplies_values():
    p = PiecewiseLinear([0.0, 1.0], [1.0, 3.0]).scaled(-2.0)
    np.testing.assert_allclose(p([0.0, 0.5, 1.0]), [-2.0, -4.0, -6.0])


@pytest.mark.parametrize("schedule", [PolynomialSchedule(0.5), ExponentialSchedule(1.0)])
def test_schedule_protocols_step_through_eq18_19(schedule):
    delta = 2.0**-16
    bias, barrier = schedule_protocols(schedule, delta=delta, n_updates=5, dt=0.5, t0=1.0)
    t_mid = 1.0 + 0.5 * np.arange(5) + 0.25
    n = np.arange(1, 6)
    np.testing.assert_array_equal(bias(t_mid), schedule.bias(n, delta=delta))
    np.testing.assert_array_equal(barrier(t_mid), schedule.barrier(n, delta=delta))
    assert barrier(100.0) == schedule.barrier(5, delta=delta)  # retention: the last barrier holds


def test_schedule_protocols_validates():
    with pytest.raises(ValueError, match="dt must be positive"):
        schedule_protocols(PolynomialSchedule(1.0), delta=0.1, n_updates=3, dt=0.0)
    with pytest.raises(ValueError, match="n_updates must be >= 1"):
        schedule_protocols(PolynomialSchedule(1.0), delta=0.1, n_updates=0, dt=1.0)
