"""Sweeps under hostile conditions: sizes checked before work, two runs on one folder, a linked
``chunks/``, assembly in bounded memory, Ctrl-C while assembling, non-finite results refused.

Each test first states the behaviour it guards against (observed before the fix), then checks the
fixed behaviour exactly.
"""

import json
import os
import re
import subprocess
import sys
import time
import tracemalloc

import numpy as np
import pytest

from stochlim import cli
from stochlim.sweeps import SweepInterrupted, load_study, parse_study, sweep
from stochlim.sweeps import runner as sweep_runner
from stochlim.sweeps.sizing import DEFAULT_LIMITS

TINY = """\
seed = 3
trajectories = 400
chunk_size = 100
[model]
kind = "two_state"
t_end = 2.0
energies = [0.0, 1.0]
x0 = 0
[grid]
barrier = [0.5, 1.5]
"""


def _values(n: int) -> str:
    return "[" + ",".join(repr(0.5 + i * 1e-3) for i in range(n)) + "]"


HUGE_GRID = f"""\
seed = 1
trajectories = 100
[model]
kind = "ring"
n_states = 3
t_end = 1.0
[grid]
barriers = {_values(1000)}
drive = {_values(1000)}
energies = {_values(1000)}
J_max = [1.0, 2.0]
"""


# --- sizing before work ---------------------------------------------------------------------------


def test_a_grid_of_two_billion_points_is_refused_without_enumerating_it(tmp_path):
    """Before: the list of 2e9 points ran 14.5 s into a MemoryError. Now: sized lazily, in O(1)
    memory (a list of the points would take hundreds of GB; the refusal allocates under 1 MB)."""
    path = tmp_path / "huge.toml"
    path.write_text(HUGE_GRID)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"2,000,000,000 points .* over max_points = 1e\+06"):
            load_study(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20
    assert not (tmp_path / "out").exists()


def test_the_command_line_refuses_a_huge_grid_before_loading_the_engines(tmp_path):
    """``stochlim sweep`` on the 2e9-point grid answers from the study file alone: the package
    imports its engines on first use, so neither numba, scipy nor matplotlib is loaded (measured:
    0.3 s for the whole command, against 2-3 s when ``import stochlim`` loaded every engine)."""
    path = tmp_path / "huge.toml"
    path.write_text(HUGE_GRID)
    code = (
        "import sys\n"
        "from stochlim.cli import main\n"
        f"rc = main(['sweep', {str(path)!r}, '--out', {str(tmp_path / 'out')!r}])\n"
        "heavy = [m for m in ('numba', 'scipy', 'matplotlib') if m in sys.modules]\n"
        "print(rc, heavy)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == "2 []", proc.stdout + proc.stderr
    assert "over max_points" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_points_are_lazy_and_params_is_constant_time():
    """Before: ``params(i)`` rebuilt the list of every point (validating 1e4 points took 33 s)."""
    from stochlim.sweeps.points import Points

    grid = {"a": list(range(1000)), "b": list(range(1000)), "c": list(range(1000)), "d": [0, 1]}
    pts = Points(grid)
    assert len(pts) == 2_000_000_000
    tracemalloc.start()
    try:
        last = pts[len(pts) - 1]
        middle = pts[1_234_567_891]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 << 10  # one point's values, no list of points
    assert last == {"a": 999, "b": 999, "c": 999, "d": 1}
    # mixed radix, last key fastest: 1_234_567_891 = ((617 * 1000 + 283) * 1000 + 945) * 2 + 1
    assert middle == {"a": 617, "b": 283, "c": 945, "d": 1}


@pytest.mark.parametrize(
    "text, message",
    [
        (
            TINY.replace("trajectories = 400", "trajectories = 9223372036854775807").replace(
                "chunk_size = 100", "chunk_size = 1"
            ),
            "over max_bytes = 100 GiB",
        ),
        (
            TINY.replace("t_end = 2.0", "t_end = 1e308"),
            "jumps over 1e\\+308 time units: beyond float64's resolution",
        ),
        (
            TINY.replace("t_end = 2.0", "t_end = 1e12"),
            "jumps over all points .* over max_events = 1e\\+13",
        ),
        (
            TINY.replace("chunk_size = 100", "chunk_size = 100\nmax_points = 1"),
            "2 points .* over max_points = 1 ",
        ),
        (
            TINY.replace("chunk_size = 100", "chunk_size = 100\nmax_bytes = -1"),
            "max_bytes: must be a positive",
        ),
        (TINY.replace("trajectories = 400", "trajectories = 1"), "trajectories: must be >= 2"),
    ],
    ids=[
        "2**63 trajectories",
        "t_end 1e308",
        "1e14 jumps",
        "max_points key",
        "bad limit",
        "one trajectory",
    ],
)
def test_oversized_studies_stop_before_any_work(text, message, tmp_path, capsys):
    path = tmp_path / "study.toml"
    path.write_text(text)
    code = cli.main(["sweep", str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert re.search(message, err), err
    assert not (tmp_path / "out").exists()


def test_command_line_limits_override_the_study(tmp_path, capsys):
    path = tmp_path / "study.toml"
    path.write_text(TINY)
    assert cli.main(["sweep", str(path), "--out", str(tmp_path / "a"), "--max-points", "1"]) == 2
    assert "over max_points = 1 " in capsys.readouterr().err
    assert cli.main(["sweep", str(path), "--out", str(tmp_path / "b"), "--max-bytes", "1000"]) == 2
    assert "over max_bytes = 1000 B" in capsys.readouterr().err
    assert (
        cli.main(["sweep", str(path), "--out", str(tmp_path / "c"), "--quiet", "--max-points", "2"])
        == 0
    )
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    assert DEFAULT_LIMITS["max_points"] == 1_000_000


def test_disk_too_small_is_refused_before_work(tmp_path, monkeypatch, capsys):
    """A study that cannot fit on the disk stops at once (exit 3), not after filling it."""
    path = tmp_path / "study.toml"
    path.write_text(TINY)
    free = type("Usage", (), {"free": 1000, "total": 10**9, "used": 0})()
    monkeypatch.setattr(sweep_runner.shutil, "disk_usage", lambda p: free)
    assert cli.main(["sweep", str(path), "--out", str(tmp_path / "out")]) == cli.EXIT_RUNTIME
    err = capsys.readouterr().err
    assert "which has 1000 B free" in err and err.count("\n") == 1
    assert not list((tmp_path / "out" / "chunks").glob("*.npz"))


# --- two runs, one folder -------------------------------------------------------------------------


LOCKED = """\
seed = 5
trajectories = 60000
chunk_size = 10000
[model]
kind = "ring"
n_states = 4
t_end = 5.0
barriers = 1.0
x0 = 0
[grid]
drive = [0.0, 1.0]
"""


def _two_runs_together(tmp_path, tries: int) -> int:
    """Start two ``--resume`` runs of one study on one folder ``tries`` times; check each try and
    return how many runs the lock refused."""
    path = tmp_path / "study.toml"
    path.write_text(LOCKED)
    sweep(load_study(path), out=tmp_path / "ref", quiet=True)
    expected = (tmp_path / "ref" / "results.csv").read_bytes()
    total = 2 * 6
    args = [sys.executable, "-m", "stochlim", "sweep", str(path), "--quiet", "--resume"]
    env = {**os.environ, "NUMBA_NUM_THREADS": "1"}
    refused = 0
    for attempt in range(tries):
        out = tmp_path / f"out{attempt}"
        procs = [
            subprocess.Popen(args + ["--out", str(out)], stderr=subprocess.PIPE, text=True, env=env)
            for _ in range(2)
        ]
        results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
        for code, err in results:
            assert code in (0, 2), err
            assert "Traceback" not in err
            if code == 2:
                assert (
                    err.count("\n") == 1 and "is in use by another stochlim sweep (pid " in err
                ), err
                refused += 1
        assert sorted(c for c, _ in results)[0] == 0
        computed = json.loads((out / "provenance.json").read_text())["chunks_computed_by_this_run"]
        assert computed in (0, total)
        assert len(list((out / "chunks").glob("*.npz"))) == total
        assert (out / "results.csv").read_bytes() == expected
    return refused


def test_two_runs_on_one_folder(tmp_path):
    """Three tries of :func:`test_two_runs_on_one_folder_twenty_times`, for the default run."""
    _two_runs_together(tmp_path, 3)


@pytest.mark.slow
def test_two_runs_on_one_folder_twenty_times(tmp_path):
    """Before: in 5 of 10 tries one run failed, in the others both computed every chunk. Now: the
    folder lock lets one compute; the other exits 2 naming the holder, or (if it starts after the
    first finished) resumes with nothing to do. Never a failure, never a chunk computed twice."""
    assert _two_runs_together(tmp_path, 20) >= 1  # the runs overlapped, so the lock was exercised


def test_run_refused_by_the_lock_leaves_a_folder_it_saw_missing_to_the_holder(tmp_path, monkeypatch):
    """Before: two runs that both saw ``--out`` missing each thought it had created it; the one
    the lock refused then removed the holder's lock file and its (still empty) folder, and the
    holder failed with ``No such file or directory`` (seen once in CI). Now the refused run touches
    nothing. The race is staged exactly: the other run creates and locks the folder between this
    run's ``mkdir`` and its lock."""
    import fcntl

    from stochlim.sweeps import store

    out = tmp_path / "out"
    real_lock = store._lock
    holder = []

    def other_run_locks_first(folder):
        fd = os.open(folder / store.LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, b"4242\n")
        holder.append(fd)
        return real_lock(folder)

    monkeypatch.setattr(store, "_lock", other_run_locks_first)
    try:
        with pytest.raises(ValueError, match=r"is in use by another stochlim sweep \(pid 4242\)"):
            with store.claimed(out, parse_study(TINY), resume=False):
                pass
        assert out.is_dir() and (out / store.LOCK_NAME).exists()
        assert os.fstat(holder[0]).st_ino == os.stat(out / store.LOCK_NAME).st_ino  # still the holder's
    finally:
        for fd in holder:
            os.close(fd)


def test_lock_names_the_holder_and_dies_with_it(tmp_path, capsys):
    path = tmp_path / "study.toml"
    path.write_text(TINY)
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import fcntl, os, sys, time; os.makedirs(sys.argv[1]); "
                "fd = os.open(os.path.join(sys.argv[1], '.lock'), os.O_RDWR | os.O_CREAT); "
                "fcntl.flock(fd, fcntl.LOCK_EX); os.write(fd, b'4242\\n'); print('held', flush=True); time.sleep(60)"
            ),
            str(out),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    try:
        assert cli.main(["sweep", str(path), "--out", str(out), "--quiet"]) == 2
        err = capsys.readouterr().err
        assert f"--out {out} is in use by another stochlim sweep (pid 4242)" in err
        assert sorted(p.name for p in out.iterdir()) == [".lock"]  # nothing written
    finally:
        holder.kill()
        holder.wait()
    # SIGKILL released the lock: no stale lock to clean up by hand
    assert cli.main(["sweep", str(path), "--out", str(out), "--quiet"]) == 0


@pytest.mark.parametrize("folder", ["chunks", "points"])
def test_a_linked_folder_is_refused(folder, tmp_path, capsys):
    """A ``chunks/`` or ``points/`` linked into another study must not let one study overwrite the
    other's files (before, a linked ``points/`` had the second study's arrays replace the first's)."""
    import shutil

    first, second = tmp_path / "first", tmp_path / "second"
    path = tmp_path / "study.toml"
    path.write_text(TINY)
    assert cli.main(["sweep", str(path), "--out", str(first), "--quiet"]) == 0
    before = {p.name: p.read_bytes() for p in (first / folder).iterdir()}
    other = tmp_path / "other.toml"
    other.write_text(TINY.replace("seed = 3", "seed = 4"))
    assert cli.main(["sweep", str(other), "--out", str(second), "--quiet"]) == 0
    shutil.rmtree(second / folder)
    (second / folder).symlink_to(first / folder)
    assert cli.main(["sweep", str(other), "--out", str(second), "--quiet", "--resume"]) == 2
    assert f"{folder} must be a plain folder" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in (first / folder).iterdir()} == before


# --- assembly -------------------------------------------------------------------------------------


def test_assembly_holds_one_chunk_not_the_point(tmp_path):
    """A point's chunks are reduced one at a time: the assembly's peak memory stays near one chunk
    (here 1/20 of the point), and the per-point arrays equal the chunks concatenated."""
    text = TINY.replace("trajectories = 400", "trajectories = 200000").replace(
        "chunk_size = 100", "chunk_size = 10000"
    )
    study = parse_study(text.replace("barrier = [0.5, 1.5]", "barrier = [1.0]"))
    out = tmp_path / "out"
    sweep(study, out=out, quiet=True)
    point_bytes = 200_000 * 4 * 8
    tracemalloc.start()
    sweep_runner._assemble(study, out, 0, 0, time.time(), False, False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < point_bytes / 4, (peak, point_bytes)
    with np.load(out / "points" / "p00000.npz") as f:
        stored = {k: f[k] for k in f.files}
    chunks = [np.load(out / "chunks" / f"p00000_c{c:05d}.npz") for c in range(20)]
    for key in ("work", "heat", "n_jumps", "final_energy"):
        assert np.array_equal(stored[key], np.concatenate([c[key] for c in chunks]))
        assert stored[key].dtype == chunks[0][key].dtype
    row = (out / "results.csv").read_text().splitlines()[1].split(",")
    header = (out / "results.csv").read_text().splitlines()[0].split(",")
    heat = stored["heat"]
    assert float(row[header.index("heat_mean")]) == pytest.approx(heat.mean(), rel=1e-12, abs=1e-15)
    assert float(row[header.index("heat_se")]) == pytest.approx(
        heat.std(ddof=1) / np.sqrt(heat.size), rel=1e-9
    )


def test_ctrl_c_while_assembling_is_an_interruption(tmp_path, monkeypatch):
    study = parse_study(TINY)
    real = sweep_runner._point_moments

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(sweep_runner, "_point_moments", interrupted)
    with pytest.raises(SweepInterrupted, match="while assembling the table with 8 of 8 chunks"):
        sweep(study, out=tmp_path / "out", quiet=True)
    monkeypatch.setattr(sweep_runner, "_point_moments", real)
    assert not (tmp_path / "out" / "results.csv").exists()
    sweep(study, out=tmp_path / "out", resume=True, quiet=True)
    assert (tmp_path / "out" / "results.csv").exists()


def test_non_finite_results_are_never_written(tmp_path, monkeypatch):
    """A chunk holding NaN stops the table with the point and the metric named."""
    real = sweep_runner.run_chunk

    def poisoned(study, point, chunk):
        arrays = real(study, point, chunk)
        if point == 1:
            arrays["heat"] = np.full_like(arrays["heat"], np.nan)
        return arrays

    monkeypatch.setattr(sweep_runner, "run_chunk", poisoned)
    with pytest.raises(ValueError, match="point 1: heat_mean is nan, not a finite number"):
        sweep(parse_study(TINY), out=tmp_path / "out", quiet=True)
    assert not (tmp_path / "out" / "results.csv").exists()


def test_malformed_scheduler_address_is_refused_at_once(tmp_path, capsys, monkeypatch):
    """Before: a 20 s hang, then an "Exception ignored ... TimeoutError" traceback. Now the address
    is parsed and refused before any connection is attempted."""
    pytest.importorskip("distributed")
    path = tmp_path / "study.toml"
    path.write_text(TINY)
    import distributed

    def no_connection(*args, **kwargs):
        raise AssertionError("a malformed address must be refused before any connection attempt")

    monkeypatch.setattr(distributed, "Client", no_connection)
    for address in ("tcp://", "tcp://host:notaport", "tcp://127.0.0.1:99999"):
        assert (
            cli.main(["sweep", str(path), "--out", str(tmp_path / "out"), "--scheduler", address])
            == 2
        )
        err = capsys.readouterr().err
        assert (
            err.count("\n") == 1
            and "is not a Dask scheduler address such as tcp://host:8786" in err
        )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("value", ["", "file"])
def test_bad_out_is_refused(value, tmp_path, capsys, monkeypatch):
    """Before: ``--out ""`` wrote into the current folder and an ``--out`` naming a file exited
    1."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "study.toml"
    path.write_text(TINY)
    (tmp_path / "file").write_text("x")
    before = sorted(p.name for p in tmp_path.iterdir())
    assert cli.main(["sweep", str(path), "--out", value]) == 2
    assert "--out" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize(
    "model, message",
    [
        (
            'kind = "ladder"\nn_levels = 100000000\nenergy = 1.0',
            r"study\.toml:6: \[model\] n_levels: n_levels = 100000000: the model's wells, edges and "
            r"protocols would need 95\.4 GiB, more than this machine's 16 GiB",
        ),
        (
            'kind = "two_state"\n[model.barrier]\nkind = "schedule"\nschedule = "polynomial"\ngamma = 1.0\n'
            'delta = 0.01\nn_updates = 100000000000\ndt = 1.0\npart = "barrier"',
            r"\[model\] barrier: n_updates = 100000000000: the schedule's knots .* would need 11\.6 TiB",
        ),
    ],
    ids=["ladder 1e8 levels", "schedule 1e11 updates"],
)
def test_models_too_big_for_memory_stop_before_any_work(model, message, tmp_path, monkeypatch, capsys):
    """Before: a ladder of 1e8 levels built for over a minute (hours: ~35 us and ~1 kB per level)
    with no output, and a schedule of 1e11 updates ended in "_ArrayMemoryError.__init__() missing 1
    required positional argument". Now both are refused by name from their size, whatever the
    machine (its memory is fixed at 16 GiB here)."""
    from stochlim import _budget

    monkeypatch.setattr(_budget, "memory_bytes", lambda: 16 * 2**30)
    path = tmp_path / "study.toml"
    path.write_text(f"seed = 1\ntrajectories = 100\n[model]\nt_end = 1.0\n{model}\n")
    code = cli.main(["sweep", str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert re.search(message, err), err
    assert not (tmp_path / "out").exists()


def test_a_numpy_memory_error_while_building_a_point_keeps_its_message(tmp_path, monkeypatch):
    """numpy's ``MemoryError`` subclass takes other arguments: re-raising it by its own type with
    the study's location lost the message ("__init__() missing 1 required positional argument")."""
    from stochlim.sweeps import study as study_module

    class ArrayMemoryError(MemoryError):  # numpy's own takes (shape, dtype), as here
        def __init__(self, shape, dtype):
            super().__init__(f"Unable to allocate an array with shape {shape} and data type {dtype}")

    def huge(params):
        raise ArrayMemoryError((2**62,), "float64")

    monkeypatch.setattr(study_module, "build", huge)
    with pytest.raises(MemoryError, match=r"<study>:4: \[model\]: Unable to allocate an array with shape") as info:
        parse_study(TINY)
    assert type(info.value) is MemoryError


def test_validating_the_points_shows_progress(tmp_path, capsys):
    """Each point's model is built once before any chunk (about 2 ms a point: a million points take
    half an hour), so a sweep on a terminal shows that phase moving too; nothing when not asked."""
    parse_study(TINY)
    assert capsys.readouterr().err == ""
    parse_study(TINY, progress=True)
    err = capsys.readouterr().err
    assert "validate:" in err and "0/2 [" in err, err  # a bar over the 2 points (left off when done)
    path = tmp_path / "study.toml"
    path.write_text(TINY)
    sweep(path, out=tmp_path / "out", progress=True)
    err = capsys.readouterr().err
    assert "validate" in err and "sweep" in err, err
    sweep(path, out=tmp_path / "quiet", quiet=True)
    assert capsys.readouterr().err == ""
