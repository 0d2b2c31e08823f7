"""The array kernel (``stochlim._kernels.lim``) against trajectories recorded before its rewrite,
and against its hand-written C twin.

``tests/data/lim_kernel_golden.npz`` holds, for each case of :func:`cases`, the start and final
states, hop counts, work, heat, energies and hitting times that the array kernel produced at
commit 8df39f3 (the kernel before it was rewritten for speed: generator state in an array, both
rates of every memory re-derived in log-space), stored under the result's present field names;
``chain_staggered_steps`` was added later, recorded with the kernel of commit df258f9 (before a
segment start recomputed only the memories whose inputs changed there).
The draw order is unchanged since, so the same seed must give the same events: states, hop counts
and hitting times are compared exactly, the energetics to a relative 1e-9 (the rewrite evaluates
the rate law in an algebraically equal form, which can differ in the last bits; a different draw
or event changes them at O(1)). Regenerate only after a deliberate change of the stream contract,
with ``python tests/test_lim_kernel.py``. ``benchmarks/lim_direct.c`` (the C baseline of the
benchmarks) must make the same events from the kernel's inputs. The compiled event loop itself is
checked for what the speed rests on: no allocation, reference counting or Python API in it, and no
grid recording when none is asked for.
"""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

import numba
import numpy as np
import pytest
import scipy.sparse as sp

from stochlim import lim
from stochlim._kernels import lim as kernel
from stochlim._kernels._jit import _DEFAULTS
from stochlim._kernels.ssa import stream_state
from stochlim.protocols import PiecewiseConstant, PiecewiseLinear

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks import c_baseline  # noqa: E402
from benchmarks.lim import KernelTap, planted_lattice  # noqa: E402  (the benchmark's instance)

GOLDEN = Path(__file__).resolve().parent / "data" / "lim_kernel_golden.npz"
FIELDS = ("initial_state", "final_state", "n_jumps", "time_to_hit", "work", "heat",
          "initial_loss", "final_loss", "initial_energy", "final_energy")
EXACT = ("initial_state", "final_state", "n_jumps", "time_to_hit")


def _chain(m: int, levels: int = 9) -> lim.Quadratic:
    rng = np.random.default_rng(2)
    off = np.full(m - 1, -1.0)
    a = sp.diags([off, np.full(m, 2.1), off], [-1, 0, 1], format="csr")
    return lim.Quadratic(a, rng.normal(0.0, 0.5, m), levels=levels, quantum=0.25)


def cases() -> dict:
    """name -> (problem, keyword arguments of ``lim.run``): every path of the kernel."""
    ising, star = planted_lattice(12, seed=1)
    chain = _chain(40)
    m = chain.n_params
    steps = dict(barrier=PiecewiseConstant([0.0, 2.0, 4.0], [0.0, 0.7, 1.5]),
                 scale=PiecewiseConstant([0.0, 3.0], [0.5, 1.5]),
                 leak=PiecewiseConstant([0.0, 1.0], [0.0, 0.3]))
    return {
        "ising_constant": (ising, dict(barrier=0.0, scale=0.3, t_end=5.0, optimum=star)),
        "ising_anneal": (ising, dict(barrier=PiecewiseLinear([0.0, 6.0], [0.0, 3.0]),
                                     scale=PiecewiseLinear([0.0, 6.0], [0.1, 3.0]), t_end=6.0,
                                     optimum=star)),
        "ising_arrhenius_grid": (ising, dict(barrier=0.5,
                                             scale=PiecewiseLinear([0.0, 3.0], [0.2, 1.0]),
                                             t_end=3.0, rate_law="arrhenius", record="grid",
                                             t_eval=np.linspace(0.0, 3.0, 7))),
        "chain_steps": (chain, dict(t_end=6.0, **steps)),
        "chain_ramps_per_memory": (chain, dict(
            barrier=[PiecewiseLinear([0.0, 5.0], [0.1 * (d % 3), 2.0]) for d in range(m)],
            scale=PiecewiseLinear([0.0, 2.0, 5.0], [0.2, 1.0, 1.0]),
            leak=PiecewiseLinear([0.0, 5.0], [0.5, 0.0]), t_end=5.0,
            initial_state=np.linspace(-1.0, 1.0, m).round(0))),
        "chain_arrhenius": (chain, dict(barrier=1.0, scale=1.0, leak=0.2, t_end=4.0,
                                        rate_law="arrhenius")),
        # each memory's barrier steps at its own time (one segment per step, most of them changing
        # one memory's rates), with one step of the shared scale among them
        "chain_staggered_steps": (chain, dict(
            barrier=[PiecewiseConstant([0.0, 0.1 * (d + 1)], [0.2, 1.5 + 0.01 * d]) for d in range(m)],
            scale=PiecewiseConstant([0.0, 2.05], [1.0, 0.6]), t_end=5.0)),
    }


def _run(problem, kw, n_trajectories=6, rng=2026):
    return lim.run(problem, n_trajectories=n_trajectories, rng=rng, **kw)


def _record(res) -> dict:
    out = {f: np.asarray(getattr(res, f)) for f in FIELDS}
    if res.grid_loss is not None:
        out["grid_loss"] = res.grid_loss
        out["grid_state"] = res.grid_state
    return out


@pytest.mark.parametrize("name", sorted(cases()))
def test_kernel_reproduces_the_recorded_trajectories(name):
    golden = np.load(GOLDEN)
    problem, kw = cases()[name]
    got = _record(_run(problem, kw))
    keys = [k[len(name) + 1:] for k in golden.files if k.startswith(name + "/")]
    assert set(keys) == set(got), (sorted(keys), sorted(got))
    assert golden[f"{name}/n_jumps"].sum() > 100  # the case exercises the event loop
    for key in keys:
        want = golden[f"{name}/{key}"]
        if key in EXACT or key == "grid_state":
            np.testing.assert_array_equal(got[key], want, err_msg=f"{name}: {key}")
        else:
            np.testing.assert_allclose(got[key], want, rtol=1e-9, atol=1e-9,
                                       err_msg=f"{name}: {key}")


@pytest.mark.parametrize("name", ["ising_constant", "chain_ramps_per_memory", "chain_staggered_steps"])
def test_kernel_is_thread_independent(name):
    problem, kw = cases()[name]
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = _record(_run(problem, kw, n_trajectories=5))
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = _record(_run(problem, kw, n_trajectories=5))
    finally:
        numba.set_num_threads(before)
    for key in one:
        np.testing.assert_array_equal(one[key], two[key], err_msg=key)


@pytest.fixture(scope="module")
def c_twin():
    binary, message = c_baseline.build("lim_direct")
    if binary is None:
        pytest.skip(message)
    return binary


@pytest.mark.parametrize("name", sorted(cases()))
def test_hand_written_c_twin_makes_the_same_events(name, c_twin):
    """``benchmarks/lim_direct.c``, written apart from the kernel in C, fed the kernel's own
    inputs: the same total hops, final levels and heat (to 1e-9 relative) on every path."""
    problem, kw = cases()[name]
    with KernelTap() as tap:
        res = _run(problem, kw)
    c = c_baseline.run_lim(c_twin, tap.args, 1, 2)[0]
    levels = np.rint((res.final_state - problem._lo) / problem._step).astype(np.int64)
    assert c["hops"] == int(res.n_jumps.sum()) > 100
    assert c["checksum"] == int(levels.sum())
    assert c["heat"] == pytest.approx(float(res.heat.sum()), rel=1e-9, abs=1e-9)
    assert c["work"] == pytest.approx(float(res.work.sum()), rel=1e-9, abs=1e-9)


def _event_loop_ir(name: str) -> str:
    """LLVM IR of the body of ``_trajectory`` (one trajectory's event loop), compiled afresh (not
    loaded from numba's on-disk cache, which keeps no IR) for the arguments ``run_array`` would
    pass it on case ``name``."""
    problem, kw = cases()[name]
    with KernelTap() as tap:
        _run(problem, kw, n_trajectories=1)
    a = tap.args
    m, ncol = a["init_out"].shape[1], a["bar0"].shape[1]
    leaves = 1
    while leaves < m:
        leaves *= 2
    head = (0, tuple(np.uint64(x) for x in stream_state(a["root"], 0)), np.zeros(m, np.int64),
            np.empty(m), np.zeros(2 * m), np.zeros(2 * leaves), leaves, np.empty(ncol), np.empty(ncol))
    names = list(inspect.signature(kernel._trajectory.py_func).parameters)
    types = tuple(numba.typeof(x) for x in head + tuple(a[n] for n in names[len(head):]))
    fresh = numba.njit(**{**_DEFAULTS, "cache": False})(kernel._trajectory.py_func)
    fresh.compile(types)
    ir = fresh.inspect_llvm(types)
    body = re.search(r'^define [^\n]*@"?_ZN[^\n]*_trajectory[^\n]*\{\n(.*?)^\}', ir, flags=re.S | re.M)
    assert body is not None, "no compiled _trajectory in the IR"
    return body.group(1)


def test_event_loop_allocates_nothing_and_compiles_the_grid_away():
    """The compiled loop calls no allocator, no reference count and no Python API (only LLVM
    intrinsics such as exp and log), and without ``record="grid"`` the recording is compiled away:
    the grid's levels are the only int32 array, and nothing stores an int32 then."""
    plain, grid = _event_loop_ir("ising_constant"), _event_loop_ir("ising_arrhenius_grid")
    for body in (plain, grid):
        calls = set(re.findall(r'(?:call|invoke) [^@]*@"?([A-Za-z_][\w.$]*)', body))
        assert calls and all(c.startswith("llvm.") for c in calls), sorted(calls)
        assert "NRT_" not in body and "@Py" not in body
    assert "store i32" not in plain and "store i32" in grid


def write_golden(path: Path = GOLDEN) -> None:
    """Record every case with the kernel as it is now (only after a deliberate contract change)."""
    arrays = {f"{name}/{k}": v for name, (problem, kw) in cases().items()
              for k, v in _record(_run(problem, kw)).items()}
    path.parent.mkdir(exist_ok=True)
    np.savez_compressed(path, **arrays)


if __name__ == "__main__":
    write_golden()
    print(f"wrote {GOLDEN}")
