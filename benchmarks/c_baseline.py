"""Build and run the minimal C direct method (``direct.c``) on a stochlim plan's rate tables."""

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


def build() -> tuple[Path | None, str]:
    """Compile ``direct.c``; returns ``(binary, message)``; binary None when impossible."""
    cc = compiler()
    if cc is None:
        return None, "no C compiler found (set CC or install cc/gcc): C baseline skipped"
    BUILD.mkdir(exist_ok=True)
    binary = BUILD / "direct"
    src = str(HERE / "direct.c")
    for extra in (["-fopenmp"], []):
        cmd = [cc, *FLAGS, *extra, "-o", str(binary), src, "-lm"]
        if subprocess.run(cmd, capture_output=True).returncode == 0:
            return binary, " ".join([Path(cc).name, *FLAGS, *extra])
    return None, f"{cc} failed to compile direct.c: C baseline skipped"


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
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    proc = subprocess.Popen([str(binary), str(path)], stdout=subprocess.PIPE, env=env, text=True)
    out, _ = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"C baseline failed with exit code {proc.returncode}")
    return [json.loads(line) for line in out.splitlines() if line.strip()]
