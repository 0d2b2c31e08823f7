"""The optimiser on fine landscapes: Schmiedl-Seifert's moved trap and erasure in a double well."""

import math

import numpy as np
import pytest

from stochlim import control
from stochlim import finite_time as ft
from stochlim.control import landscapes as ls


def _trap_error(K, n_steps):
    tp = ls.harmonic_trap(1.0, 1.0, K=K, n_steps=n_steps)
    res = control.optimize(tp.problem)
    assert res.success, res.message
    return res.work + tp.uniform_work - ls.schmiedl_seifert_work(1.0, 1.0), res


def test_moved_trap_converges_to_schmiedl_seifert():
    """W -> lambda_f^2 / (tau + 2) = 1/3 with an error O(h^2 + 1/N^2): about 4x smaller per
    halving."""
    coarse, _ = _trap_error(41, 8)
    fine, res = _trap_error(81, 16)
    assert 0 < fine < coarse / 3 and fine < 5e-4
    # the optimal position is the linear ramp (1 + t) / (tau + 2) between end jumps
    mid = 0.5 * (res.times[:-1] + res.times[1:])
    np.testing.assert_allclose(res.values[:, 0], (1 + mid) / 3, atol=0.01)


@pytest.mark.slow
def test_moved_trap_converges_further():
    fine, _ = _trap_error(81, 16)
    finer, _ = _trap_error(161, 32)
    assert 0 < finer < fine / 3 and finer < 1.5e-4


def test_double_well_erasure_with_free_barrier_and_tilt():
    """The linear tilt erases the bit: target met, work above the Landauer term, less work in
    longer time."""
    works = []
    for tau in (2.0, 8.0):
        prob = ls.controlled_double_well(barrier=4.0, tilt=0.0, tau=tau, eps=0.05, K=31, n_steps=8,
                                         barrier_bounds=(0, 8), tilt_bounds=(-12, 12))
        res = control.optimize(prob)
        assert res.success, res.message
        assert res.final_error == pytest.approx(0.05, rel=1e-6)
        works.append(res.work)
    assert works[1] < works[0]
    assert works[1] > ft.landauer_term(0.05)


def test_landscape_bad_input():
    with pytest.raises(ValueError, match="K must be odd"):
        ls.controlled_double_well(barrier=4.0, tilt=0.0, tau=1.0, eps=0.1, K=30)
    with pytest.raises(ValueError, match="tau must be positive"):
        ls.schmiedl_seifert_work(1.0, 0.0)
    assert math.isclose(ls.schmiedl_seifert_work(2.0, 2.0), 1.0)
