"""Layout and parallelism of the compiled master-equation core.

* the augmented generator, whose functionals the kernels apply edge by edge without writing them
  out, equals the one written out term by term here, as a dense matrix, as CSR and as a product
  ``A v``;
* the parallel kernels (``prange`` over fixed blocks) give the same bits as the serial ones and
  for every thread count.
"""

import numba
import numpy as np
import pytest

import stochlim
from stochlim import _generator
from stochlim._generator import CURRENTS, DRIVE_WORK, Generator
from stochlim._kernels import master as km
from stochlim._segments import Segments
from stochlim.models import HopModel, ladder
from stochlim.protocols import PiecewiseConstant, PiecewiseLinear


def _branched_model():
    """Six states on a graph with a cycle, a leaf and a drive; energies ramped, barriers stepped."""
    energies = (0.0, PiecewiseLinear([0.0, 2.0], [0.5, -1.0]), 1.0, 0.2, PiecewiseLinear([0.0, 2.0], [2.0, 0.0]), 0.7)
    edges = [(0, 1), (1, 2), (2, 0), (2, 3), (3, 4), (1, 5)]
    barriers = [PiecewiseConstant([0.0, 1.0], [1.0, 0.2]), 2.0, 0.5, 1.5, 0.0, 0.8]
    return HopModel(energies, edges, barriers, drives=[0.9, 0.0, 0.0, -0.4, 0.0, 0.0])


def _by_hand(model, g, t):
    """``A`` at time ``t`` term by term from ``HopModel.rates``: rows p, Q, W_drive, W_slope,
    activity, currents (edge as written: +k forward, -k backward)."""
    s = model.n_states
    k = model.rates(t)
    e = model.energy(t)
    de_dt = np.array([0.0, -0.75, 0.0, 0.0, -1.0, 0.0])  # the two ramps of _branched_model
    a = np.zeros((g.size, g.size))
    for i, (x, y) in enumerate(model.edges):
        for src, dst, sign, f in ((x, y, 1.0, model.drives[i]), (y, x, -1.0, -model.drives[i])):
            rate = k[src, dst]
            a[dst, src] += rate
            a[src, src] -= rate
            a[s + _generator.HEAT, src] += rate * (e[src] - e[dst] + f)
            a[s + DRIVE_WORK, src] += rate * f
            a[s + _generator.ACTIVITY, src] += rate
            a[s + CURRENTS + i, src] += sign * rate
    a[s + _generator.SLOPE_WORK, :s] += de_dt
    return a


def test_assembled_generator_equals_the_one_written_term_by_term():
    model = _branched_model()
    segments = Segments(model, 2.0)
    g = Generator(model, segments)
    for j, dt in ((0, 0.3), (1, 0.4)):
        g.at(j, dt)
        want = _by_hand(model, g, segments.seg_times[j] + dt)
        np.testing.assert_allclose(g.dense(), want, rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(g.sparse().toarray(), want, rtol=1e-12, atol=1e-9)
        v = np.random.default_rng(j).random(g.size)
        np.testing.assert_allclose(g.apply(v), want @ v, rtol=1e-12, atol=1e-9)


def _large_model():
    """A 20 000-level ladder under a 30-step barrier schedule, with energies that jump at t = 0.5
    (so that the cached log-rates are recomputed)."""
    n = 20_000
    width = n / 4.0
    well = [0.5 * ((i - n / 2) / width) ** 2 for i in range(n)]
    energies = [PiecewiseConstant([0.0, 0.5], [w, w + 1e-4 * i]) if i % 7 == 0 else w for i, w in enumerate(well)]
    barrier = PiecewiseConstant(np.linspace(0.0, 1.0, 30, endpoint=False), np.linspace(0.0, 3.0, 30))
    return ladder(n, energies, barriers=barrier)


def test_parallel_kernels_give_the_serial_numbers_for_every_thread_count(monkeypatch):
    model = _large_model()
    p0 = np.full(model.n_states, 1.0 / model.n_states)
    monkeypatch.setattr(_generator, "PARALLEL_MIN", 1000)  # the parallel kernels
    assert Generator(model, Segments(model, 1.0))._uniformize is km.uniformize_parallel

    def solve():
        sol = stochlim.solve_master(model, p0=p0, t_eval=[0.0, 0.5, 1.0], method="uniformization")
        assert sol.success, sol.message
        return np.concatenate((sol.p.ravel(), sol.mean_heat, sol.mean_work, sol.activity, sol.currents.ravel()))

    threads = numba.get_num_threads()
    try:
        runs = []
        for n in sorted({1, numba.config.NUMBA_NUM_THREADS}):
            numba.set_num_threads(n)
            runs.append(solve())
    finally:
        numba.set_num_threads(threads)
    monkeypatch.setattr(_generator, "PARALLEL_MIN", 10**12)  # the serial kernels
    runs.append(solve())
    for other in runs[1:]:
        assert np.array_equal(other, runs[0])


@pytest.mark.parametrize("n_states", [1, 2, 3, 130])
def test_blocks_cover_small_and_uneven_sizes(n_states):
    """Fewer states than blocks, and sizes that do not divide: the slot layout and block loops still
    visit every entry once (the result equals the dense exponential)."""
    import scipy.linalg

    if n_states == 1:
        model = HopModel([0.3], [], [])
    else:
        model = ladder(n_states, lambda i: 0.01 * i * i, barriers=0.5)
    g = Generator(model, Segments(model, 1.0))
    g.at(0, 0.0)
    v = np.concatenate((np.eye(n_states)[0], np.zeros(g.size - n_states)))
    want = scipy.linalg.expm(g.dense() * 0.7) @ v
    np.testing.assert_allclose(g.uniformize(v, 0.7), want, rtol=1e-10, atol=1e-13)
