"""Build and run the hand-written C baselines: the direct method (``direct.c``) on a stochlim
plan's rate tables, and the learning-in-memory array loop (``lim_direct.c``) on the inputs of
``lim.run``'s kernel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
BUILD = HERE / "_build"
FLAGS = ["-O3", "-march=native"]


def compiler() -> str | None:
    """The system C compiler (``$CC``, ``cc`` or ``gcc``), or None."""
    for name in (os.environ.get("CC"), "cc", "gcc"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def build(name: str = "direct") -> tuple[Path | None, str]:
    """Compile ``<name>.c``; returns ``(binary, message)``; binary None when impossible."""
    cc = compiler()
    if cc is None:
        return None, "no C compiler found (set CC or install cc/gcc): C baseline skipped"
    BUILD.mkdir(exist_ok=True)
    binary = BUILD / name
    src = str(HERE / f"{name}.c")
    for extra in (["-fopenmp"], []):
        cmd = [cc, *FLAGS, *extra, "-o", str(binary), src, "-lm"]
        if subprocess.run(cmd, capture_output=True).returncode == 0:
            return binary, " ".join([Path(cc).name, *FLAGS, *extra])
    return None, f"{cc} failed to compile {name}.c: C baseline skipped"


def _execute(binary: Path, path: Path, threads: int) -> list[dict]:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    proc = subprocess.Popen([str(binary), str(path)], stdout=subprocess.PIPE, env=env, text=True)
    out, _ = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"C baseline failed with exit code {proc.returncode}")
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def run(binary: Path, plan, x0: np.ndarray, repeats: int, threads: int) -> list[dict]:
    """Run the C direct method on ``plan``'s tables ``repeats`` times; one dict per run."""
    lo = plan.lowered
    nseg, n_states, n_dir = lo.n_segments, lo.out_ptr.size - 1, lo.out_dst.size
    path = BUILD / "input.bin"
    with open(path, "wb") as f:
        np.array([nseg, n_states, n_dir, x0.size, repeats], dtype=np.int64).tofile(f)
        np.array([plan.root], dtype=np.uint64).tofile(f)
        for arr in (lo.seg_times, plan.rate_a, plan.total):
            np.ascontiguousarray(arr, dtype=np.float64).tofile(f)
        for arr in (lo.out_ptr, lo.out_dst, x0):
            np.ascontiguousarray(arr, dtype=np.int64).tofile(f)
    return _execute(binary, path, threads)


def run_lim(binary: Path, args: dict, repeats: int, threads: int) -> list[dict]:
    """Run ``lim_direct`` ``repeats`` times on the inputs ``args`` of one
    ``stochlim._kernels.lim.run_array`` call (by parameter name); one dict per run."""
    if args.get("stop"):
        raise ValueError("lim_direct runs to t_end: it has no stop at the optimum (stop_at_optimum)")
    m = args["diag"].size
    nseg = args["seg_t"].size - 1
    ncol = args["bar0"].shape[1]
    ntraj = args["init_out"].shape[0]
    path = BUILD / f"lim_input-{os.getpid()}.bin"  # one per process: runs may overlap
    i64 = lambda x: np.ascontiguousarray(x, dtype=np.int64).tofile(f)  # noqa: E731
    f64 = lambda x: np.ascontiguousarray(x, dtype=np.float64).tofile(f)  # noqa: E731
    with open(path, "wb") as f:
        i64([m, args["indices"].size, nseg, ncol, ntraj, repeats, bool(args["random_start"]),
             args["law"], args["n_levels"]])
        f64([args["lo"], args["step"], args["log_prefactor"]])
        np.array([args["root"]], dtype=np.uint64).tofile(f)
        i64(args["indptr"])
        i64(args["indices"])
        for name in ("data", "diag", "b", "seg_t"):
            f64(args[name])
        i64(args["linear"])
        for name in ("sc0", "sc1", "lk0", "lk1", "bar0", "bar1"):
            f64(args[name])
        if not args["random_start"]:
            i64(args["k0"])
    try:
        return _execute(binary, path, threads)
    finally:
        path.unlink()
