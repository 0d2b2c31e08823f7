"""Parameter sweeps: study validation, checkpoint/resume, tamper detection, Dask,
progress.

The reference for every fault test is an uninterrupted run of the same study: the faulted run must
end with a ``results.csv`` equal to it byte for byte.
"""

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from stochlim import cli
from stochlim.sweeps import EXAMPLE, SweepInterrupted, load_study, parse_study, sweep
from stochlim.sweeps import dask as sweeps_dask
from stochlim.sweeps import runner as sweep_module

BAD = sorted((Path(__file__).parent / "data" / "bad_studies").glob("*.toml"))

SMALL = """\
seed = 7
trajectories = 2000
chunk_size = 500
[model]
kind = "two_state"
t_end = 5.0
energies = [0.0, 1.0]
x0 = 0
[grid]
barrier = [0.5, 2.0]
drive = [0.0, 1.0]
"""

# ~30 chunks of 200k trajectories each at barrier 3: a few seconds, long enough to kill mid-run
KILLABLE = """\
seed = 11
trajectories = 1000000
chunk_size = 200000
[model]
kind = "ring"
n_states = 4
t_end = 20.0
barriers = 1.0
x0 = 0
[grid]
drive = [0.0, 0.5, 1.0]
energies = [0.0, 0.5]
"""


def cli_run(*argv, **kw):
    return subprocess.run([sys.executable, "-m", "stochlim", *argv], capture_output=True, text=True,
                          timeout=300, **kw)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted run of SMALL: its folder and results.csv bytes."""
    out = tmp_path_factory.mktemp("ref") / "out"
    sweep(parse_study(SMALL, "small.toml"), out=out, quiet=True)
    return out, (out / "results.csv").read_bytes()


# --- study files ----------------------------------------------------------------------------------


def test_corpus_is_large_enough():
    assert len(BAD) >= 15


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_study_one_line_error_exit_2_nothing_written(path, tmp_path, capsys):
    expected = path.read_text().splitlines()[0].removeprefix("# expect: ")
    out = tmp_path / "out"
    code = cli.main(["sweep", str(path), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert expected in err, err
    assert not out.exists()


def test_bad_study_subprocess_has_no_traceback(tmp_path):
    res = cli_run("sweep", str(BAD[0]), "--out", str(tmp_path / "out"))
    assert res.returncode == 2 and "Traceback" not in res.stderr and res.stderr.count("\n") == 1


def test_example_is_valid_and_prints(capsys):
    assert cli.main(["sweep", "--example"]) == 0
    assert capsys.readouterr().out == EXAMPLE
    study = parse_study(EXAMPLE)
    assert len(study.points) == 6 and study.chunk_sizes() == [5000] * 4


def test_study_hash_ignores_name_and_scheduler_but_not_seed():
    a = parse_study(SMALL)
    assert parse_study('name = "x"\nscheduler = "tcp://h:1"\n' + SMALL).hash == a.hash
    assert parse_study(SMALL.replace("seed = 7", "seed = 8")).hash != a.hash


def test_points_are_the_cartesian_product_in_file_order():
    pts = parse_study(SMALL).points
    assert pts == [{"barrier": 0.5, "drive": 0.0}, {"barrier": 0.5, "drive": 1.0},
                   {"barrier": 2.0, "drive": 0.0}, {"barrier": 2.0, "drive": 1.0}]


# --- local sweep ----------------------------------------------------------------------------------


def test_table_matches_the_chunk_arrays(reference):
    out, text = reference
    lines = text.decode().splitlines()
    header = lines[0].split(",")
    assert header[:5] == ["point", "barrier", "drive", "n_trajectories", "n_chunks"]
    assert len(lines) == 5
    with np.load(out / "points" / "p00003.npz") as f:
        heat = f["heat"]
    row = dict(zip(header, lines[4].split(",")))
    assert heat.size == 2000 and int(row["n_trajectories"]) == 2000
    assert float(row["heat_mean"]) == float(np.mean(heat))
    assert float(row["heat_se"]) == pytest.approx(np.std(heat, ddof=1) / np.sqrt(2000), rel=1e-12)
    prov = json.loads((out / "provenance.json").read_text())
    assert (
        prov["study_hash"] == parse_study(SMALL).hash
        and prov["versions"]["numpy"] == np.__version__
    )


def test_parquet_table_when_pyarrow_is_installed(reference):
    pq = pytest.importorskip("pyarrow.parquet")
    out, text = reference
    table = pq.read_table(out / "results.parquet").to_pydict()
    header = text.decode().splitlines()[0].split(",")
    assert list(table) == header
    assert table["heat_mean"] == [float(line.split(",")[header.index("heat_mean")])
                                  for line in text.decode().splitlines()[1:]]


def test_chunk_equals_a_direct_simulation(reference):
    """Chunk c of point p draws from SeedSequence([seed, p, c]) and nothing else."""
    import stochlim

    out, _ = reference
    model = stochlim.two_state(2.0, energies=(0.0, 1.0), drive=1.0)
    ens = stochlim.simulate(
        model, t_end=5.0, n_trajectories=500, x0=0, rng=np.random.SeedSequence([7, 3, 2])
    )
    with np.load(out / "chunks" / "p00003_c00002.npz") as f:
        np.testing.assert_array_equal(f["work"], ens.work)


def test_rerun_without_resume_refuses_and_other_study_refused(reference, capsys):
    out, text = reference
    assert cli.main(["sweep", str(BAD[0].parent / "missing.toml"), "--out", str(out)]) == 2
    other = out.parent / "other.toml"
    other.write_text(SMALL.replace("seed = 7", "seed = 9"))
    assert cli.main(["sweep", str(other), "--out", str(out), "--quiet"]) == 2
    assert "holds another study" in capsys.readouterr().err
    same = out.parent / "same.toml"
    same.write_text(SMALL)
    assert cli.main(["sweep", str(same), "--out", str(out), "--quiet"]) == 2
    assert "pass --resume" in capsys.readouterr().err
    assert (out / "results.csv").read_bytes() == text


def test_tampered_corrupt_and_foreign_chunks_are_recomputed(reference, tmp_path):
    import shutil

    src, text = reference
    out = tmp_path / "out"
    shutil.copytree(src, out)
    chunks = out / "chunks"
    with np.load(chunks / "p00001_c00000.npz") as f:  # same layout, one value changed, old checksum
        arrays = {k: f[k] for k in f.files}
    arrays["heat"] = arrays["heat"].copy()
    arrays["heat"][0] += 1.0
    np.savez(chunks / "p00001_c00000.npz", **arrays)
    (chunks / "p00002_c00001.npz").write_bytes((chunks / "p00002_c00001.npz").read_bytes()[:100])
    shutil.copy(chunks / "p00000_c00000.npz", chunks / "p00000_c00003.npz")  # foreign: wrong index
    (chunks / "p00003_c00003.npz").unlink()
    sweep(parse_study(SMALL), out=out, resume=True, quiet=True)
    assert (out / "results.csv").read_bytes() == text
    assert (
        json.loads((out / "provenance.json").read_text())["chunks_recomputed_as_corrupt_or_foreign"]
        == 3
    )


def test_ctrl_c_keeps_finished_chunks_then_resume(reference, tmp_path, monkeypatch):
    _, text = reference
    real, calls = sweep_module.run_chunk, []

    def interrupted(study, point, chunk):
        calls.append((point, chunk))
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real(study, point, chunk)

    monkeypatch.setattr(sweep_module, "run_chunk", interrupted)
    with pytest.raises(SweepInterrupted) as exc:
        sweep(parse_study(SMALL), out=tmp_path / "out", quiet=True)
    assert exc.value.done == 3 and len(list((tmp_path / "out" / "chunks").iterdir())) == 3
    monkeypatch.setattr(sweep_module, "run_chunk", real)
    sweep(parse_study(SMALL), out=tmp_path / "out", resume=True, quiet=True)
    assert (tmp_path / "out" / "results.csv").read_bytes() == text


def test_write_failure_is_clear_and_keeps_finished_chunks(reference, tmp_path, monkeypatch):
    import errno

    _, text = reference
    real, calls = np.savez, []

    def disk_full(file, *args, **kw):
        calls.append(1)
        if len(calls) == 6:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(file, *args, **kw)

    monkeypatch.setattr(sweep_module.np, "savez", disk_full)
    with pytest.raises(OSError, match="No space left on device.*finished chunks are intact"):
        sweep(parse_study(SMALL), out=tmp_path / "out", quiet=True)
    monkeypatch.setattr(sweep_module.np, "savez", real)
    chunk_files = sorted(p.name for p in (tmp_path / "out" / "chunks").iterdir())
    assert len(chunk_files) == 5 and all(n.endswith(".npz") for n in chunk_files)
    sweep(parse_study(SMALL), out=tmp_path / "out", resume=True, quiet=True)
    assert (tmp_path / "out" / "results.csv").read_bytes() == text


def test_sigkill_at_random_moments_then_resume_is_byte_identical(tmp_path):
    study = tmp_path / "killable.toml"
    study.write_text(KILLABLE)
    t0 = time.perf_counter()
    sweep(load_study(study), out=tmp_path / "ref", quiet=True)
    full = time.perf_counter() - t0
    expected = (tmp_path / "ref" / "results.csv").read_bytes()
    out = tmp_path / "out"
    rng = np.random.default_rng(20261129)
    killed_mid_run = 0
    for attempt in range(4):
        args = [sys.executable, "-m", "stochlim", "sweep", str(study), "--out", str(out), "--quiet"]
        proc = subprocess.Popen(args + (["--resume"] if attempt else []), stderr=subprocess.PIPE)
        time.sleep(float(rng.uniform(0.8, 1.0 + full)))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed_mid_run += 1
        proc.wait(timeout=60)
    assert killed_mid_run >= 2
    res = cli_run("sweep", str(study), "--out", str(out), "--resume", "--quiet")
    assert res.returncode == 0, res.stderr
    assert (out / "results.csv").read_bytes() == expected


def test_sigint_stops_cleanly_after_finished_chunks(tmp_path):
    study = tmp_path / "killable.toml"
    study.write_text(KILLABLE)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "stochlim", "sweep", str(study), "--out", str(out), "--quiet"],
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while (
        not list((out / "chunks").glob("*.npz"))
        and time.monotonic() < deadline
        and proc.poll() is None
    ):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the study finished before the signal arrived")
    assert proc.returncode == 130, err
    assert "rerun with --resume" in err and "Traceback" not in err and err.count("\n") == 1
    assert not (out / "results.csv").exists() and list((out / "chunks").glob("*.npz"))
    assert not list((out / "chunks").glob("*.tmp"))


# --- kinds ----------------------------------------------------------------------------------------


def test_lim_and_master_studies(tmp_path):
    lim = parse_study("""seed = 3
trajectories = 300
chunk_size = 100
[model]
kind = "lim"
problem = "ising"
J = [[0.0, 1.0], [1.0, 0.0]]
barrier = { kind = "linear", times = [0.0, 20.0], values = [0.0, 2.0] }
t_end = 20.0
[grid]
scale = [0.5, 2.0]
""")
    table = sweep(lim, out=tmp_path / "lim", quiet=True)
    assert table["n_trajectories"] == [300, 300] and table["n_chunks"] == [3, 3]
    assert table["final_loss_mean"][1] < table["final_loss_mean"][0]  # stronger drive, lower loss
    master = parse_study("""seed = 0
[model]
kind = "master"
model = "two_state"
energies = [0.0, 1.0]
x0 = 0
t_end = 5.0
[grid]
barrier = [0.5, 2.0]
""")
    table = sweep(master, out=tmp_path / "master", quiet=True)
    assert table["n_trajectories"] == [0, 0] and table["heat_se"] == [0.0, 0.0]
    assert all(ep > 0 for ep in table["entropy_production_mean"])


@pytest.mark.parametrize("start, message", [
    ("x0 = -1", "x0 must name states 0..1: got -1"),
    ("x0 = 5", "x0 must name states 0..1: got 5"),
    ("p0 = [1.0]", "p0 must have one entry per state"),
    ("p0 = [0.7, 0.7]", "p0 must sum to 1"),
])
def test_master_study_start_is_checked_while_validating(start, message):
    """A master-equation point's start law is checked as simulate checks it: a negative state had
    silently started in the last state, a state past the end was an IndexError traceback, and a
    short p0 failed mid-sweep."""
    text = f"""seed = 0
[model]
kind = "master"
model = "two_state"
energies = [0.0, 1.0]
{start}
t_end = 5.0
[grid]
barrier = [0.5, 2.0]
"""
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace(".", r"\.")):
        parse_study(text)


# --- progress -------------------------------------------------------------------------------------


def _run_on_pty(argv, timeout=120.0) -> tuple[int, str]:
    main, secondary = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "stochlim", *argv],
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        close_fds=True,
    )
    os.close(secondary)
    chunks, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 0.2)
        if ready:
            try:
                data = os.read(main, 4096)
            except OSError:  # the secondary side closed: the process is gone
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    os.close(main)
    return proc.wait(timeout=10), b"".join(chunks).decode(errors="replace")


@pytest.fixture
def small_file(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    return path


def test_progress_on_a_terminal(small_file, tmp_path):
    code, text = _run_on_pty(["sweep", str(small_file), "--out", str(tmp_path / "a")])
    assert code == 0, text
    assert "traj/s" in text and "points 4/4" in text


def test_quiet_on_a_terminal_and_silent_off_it(small_file, tmp_path):
    code, text = _run_on_pty(["sweep", str(small_file), "--out", str(tmp_path / "a"), "--quiet"])
    assert code == 0 and "sweep" not in text and "traj/s" not in text, text
    res = cli_run("sweep", str(small_file), "--out", str(tmp_path / "b"))
    assert res.returncode == 0 and res.stderr == ""


# --- Dask -----------------------------------------------------------------------------------------


def test_unreachable_scheduler_is_a_clear_error_and_writes_nothing(
    small_file, tmp_path, monkeypatch, capsys
):
    pytest.importorskip("distributed")
    monkeypatch.setattr(sweeps_dask, "CONNECT_TIMEOUT", "1s")
    out = tmp_path / "out"
    code = cli.main(["sweep", str(small_file), "--out", str(out), "--scheduler", "tcp://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert (
        code == cli.EXIT_RUNTIME
        and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err
        and err.count("\n") == 1
    )
    assert not out.exists()


def test_dask_local_cluster_equals_local(reference, tmp_path):
    distributed = pytest.importorskip("distributed")
    _, text = reference
    with distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    ) as cluster:
        sweep(
            parse_study(SMALL),
            out=tmp_path / "out",
            scheduler=cluster.scheduler_address,
            quiet=True,
        )
    assert (tmp_path / "out" / "results.csv").read_bytes() == text
    assert json.loads((tmp_path / "out" / "provenance.json").read_text())["distributed"] is True


@pytest.mark.slow  # 18 s; the default run keeps the local SIGKILL-and-resume test
def test_worker_killed_mid_run_chunks_rerun_same_table(tmp_path):
    """SIGKILL one Dask worker process while chunks are running: Dask reruns them elsewhere."""
    import threading

    distributed = pytest.importorskip("distributed")
    study = load_study_text(KILLABLE, tmp_path)
    sweep(study, out=tmp_path / "ref", quiet=True)
    with distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    ) as cluster:
        with distributed.Client(cluster) as client:
            pids = list(client.run(os.getpid).values())
        out = tmp_path / "out"
        errors = []
        runner = threading.Thread(
            target=lambda: _catching(
                errors, sweep, study, out=out, quiet=True, scheduler=cluster.scheduler_address
            )
        )
        runner.start()
        deadline = time.monotonic() + 120
        while not list((out / "chunks").glob("*.npz")) and time.monotonic() < deadline:
            time.sleep(0.05)
        killed_mid_run = runner.is_alive()
        os.kill(pids[0], signal.SIGKILL)
        runner.join(timeout=300)
    assert killed_mid_run and not errors, errors
    assert (out / "results.csv").read_bytes() == (tmp_path / "ref" / "results.csv").read_bytes()


def load_study_text(text, folder):
    path = folder / "study.toml"
    path.write_text(text)
    return load_study(path)


def _catching(errors, fn, *args, **kw):
    try:
        fn(*args, **kw)
    except BaseException as exc:  # reported by the test thread
        errors.append(exc)
