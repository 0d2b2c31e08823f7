"""Numba kernels against the pure-Python reference: identical events for the same seed.

This is the strongest check of the kernels: the reference shares the generator contract, the draw
order and the validated plan, but not a line of the event loops or of the thinning rate law.
"""

import numpy as np
import pytest

from stochlim import ssa
from stochlim._reference import Xoshiro256, simulate_reference
from stochlim._kernels import ssa as krng
from stochlim.models import HopModel, ladder, ring
from stochlim.protocols import PiecewiseConstant, PiecewiseLinear

pytestmark = pytest.mark.reference  # CI also runs these with NUMBA_DISABLE_JIT=1

STEPPED = ladder(
    5, lambda i: 0.3 * (i - 2.0) ** 2, PiecewiseConstant([0.0, 2.0, 4.0], [1.0, 0.0, 2.0])
)
CONSTANT_DRIVEN = ring(
    4, [0.0, 0.5, -0.3, 1.0], [0.2, 1.0, 0.5, 0.0], drive=0.8, rate_law="arrhenius"
)
LINEAR = HopModel([0.0, PiecewiseLinear([0.0, 6.0], [1.0, -1.0]), 0.5, 0.2],
                  [(0, 1), (1, 2), (2, 3)], PiecewiseLinear([0.0, 3.0, 6.0], [2.0, 0.0, 1.0]),
                  rate_law="arrhenius", drives=[0.0, 0.4, -0.3])
LINEAR_PAPER = HopModel(LINEAR.energies, LINEAR.edges, LINEAR.barriers, rate_law="paper")
BARRIER_ONLY_PAPER = HopModel([0.0, 1.0, -0.5], [(0, 1), (1, 2), (0, 2)],
                              PiecewiseLinear([1.0, 4.0], [2.0, -0.5]), rate_law="paper")

CASES = [
    (STEPPED, "restart"),
    (CONSTANT_DRIVEN, "direct"),
    (CONSTANT_DRIVEN, "restart"),
    (CONSTANT_DRIVEN, "hazard"),
    (CONSTANT_DRIVEN, "thinning"),
    (LINEAR, "hazard"),
    (LINEAR, "thinning"),
    (LINEAR_PAPER, "thinning"),
    (BARRIER_ONLY_PAPER, "hazard"),
    (BARRIER_ONLY_PAPER, "thinning"),
]


def test_generator_matches_reference_stream():
    state = np.empty(4, dtype=np.uint64)
    krng.seed_stream(np.uint64(2**64 - 5), 123, state)
    ref = Xoshiro256(2**64 - 5, 123)
    assert [int(v) for v in state] == ref.s
    for _ in range(100):
        assert int(krng.next_u64(state)) == ref.next_u64()
    ref = Xoshiro256(2**64 - 5, 123)
    st = krng.stream_state(np.uint64(2**64 - 5), 123)  # the tuple form the event loops use
    assert [int(v) for v in st] == ref.s

    def as_u64(st):  # numba returns the tuple as Python ints
        return tuple(np.uint64(v) for v in st)

    for _ in range(100):
        r, st = krng.next_u64_st(as_u64(st))
        assert int(r) == ref.next_u64()
    u, st = krng.uniform_st(as_u64(st))
    e, st = krng.exponential_st(as_u64(st))
    assert (u, e) == (ref.uniform(), ref.exponential())


@pytest.mark.parametrize("model, method", CASES)
@pytest.mark.parametrize("start", [dict(x0=0), dict(p0=None)])
def test_kernel_and_reference_give_identical_events(model, method, start):
    kw = dict(t_end=6.0, n_trajectories=40, rng=2024, method=method, **start)
    fast = ssa.simulate(model, record="events", **kw)
    slow = simulate_reference(model, **kw)
    assert fast.n_jumps.sum() > 100  # enough events to exercise every branch
    np.testing.assert_array_equal(fast.initial_state, slow.initial_state)
    np.testing.assert_array_equal(fast.event_offsets, slow.event_offsets)
    np.testing.assert_array_equal(fast.event_states, slow.event_states)
    np.testing.assert_allclose(fast.event_times, slow.event_times, rtol=1e-13, atol=0)
    np.testing.assert_allclose(fast.work, slow.work, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fast.heat, slow.heat, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("model, method", CASES[:1] + CASES[5:8])
def test_summary_grid_and_events_records_agree(model, method):
    kw = dict(t_end=6.0, n_trajectories=200, rng=5, method=method)
    grid = np.linspace(0.0, 6.0, 25)
    summ = ssa.simulate(model, **kw)
    ev = ssa.simulate(model, record="events", **kw)
    gr = ssa.simulate(model, record="grid", t_eval=grid, **kw)
    for name in ("initial_state", "final_state", "n_jumps", "work", "heat"):
        np.testing.assert_array_equal(getattr(summ, name), getattr(ev, name))
        np.testing.assert_array_equal(getattr(summ, name), getattr(gr, name))
    for i in range(kw["n_trajectories"]):
        times, states = ev.events(i)
        path = np.concatenate(([ev.initial_state[i]], states))
        expected = path[np.searchsorted(times, grid, side="right")]
        np.testing.assert_array_equal(gr.states[i], expected)
