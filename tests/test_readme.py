"""Every ``bash`` block of README.md runs as written, from a fresh copy of ``examples/``.

The command lines of a block run in order in one scratch folder per block (so a ``--resume``
line finds the run before it), through bash, with ``stochlim`` on the PATH meaning this checkout
(``python -m stochlim`` with this repository first on PYTHONPATH). Two things are not repeated:
``pip install ... &&`` prefixes (the package is importable already) and ``python -m pytest`` (this
suite). Lines that take more than ~10 s (figures, the report, the coarse-graining tables, the
optimal protocols) are marked slow; ``.ci/run`` runs them in a step of their own
(``python -m pytest -m slow tests/test_readme.py``). Every file or folder a command creates must be
ignored by git.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SLOW = ("stochlim reproduce", "stochlim figures", "stochlim coarse", "stochlim optimize")


def bash_blocks(text: str) -> list[list[str]]:
    """The command lines of each ``bash`` block of a markdown text, in order."""
    return [[ln for ln in block.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
            for block in re.findall(r"^```bash\n(.*?)^```", text, flags=re.S | re.M)]


def _runnable(line: str) -> str | None:
    """The line without ``pip install ... &&`` prefixes; None for the test suite itself."""
    parts = [p.strip() for p in line.split("&&")]
    parts = [p for p in parts if not p.startswith("pip install")]
    if any(p.startswith("python -m pytest") for p in parts):
        return None
    return " && ".join(parts)


def _params():
    out = []
    for i, block in enumerate(bash_blocks((ROOT / "README.md").read_text())):
        for line in block:
            marks = [pytest.mark.slow] if any(s in line for s in SLOW) else []
            out.append(pytest.param(i, line, marks=marks, id=line.split("#")[0].strip()[:60]))
    return out


def test_the_readme_has_bash_blocks_and_no_optional_brackets():
    lines = sum(bash_blocks((ROOT / "README.md").read_text()), [])
    assert any("stochlim lim examples/problem.npz" in ln for ln in lines)
    assert any("stochlim sweep examples/study.toml" in ln for ln in lines)
    assert not [ln for ln in lines if re.search(r"\[--", ln)], "optional-argument brackets"


@pytest.fixture(scope="module")
def workdirs(tmp_path_factory):
    """Per block, a scratch folder with ``examples/``; and an environment whose ``stochlim``
    command is this checkout."""
    bin_dir = tmp_path_factory.mktemp("bin")
    shim = bin_dir / "stochlim"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m stochlim "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    dirs = {}

    def get(block: int) -> Path:
        if block not in dirs:
            dirs[block] = tmp_path_factory.mktemp(f"readme-block-{block}")
            shutil.copytree(ROOT / "examples", dirs[block] / "examples")
        return dirs[block]

    return get, env


@pytest.mark.parametrize("block, line", _params())
def test_readme_bash_line_runs(block, line, workdirs):
    get, env = workdirs
    work = get(block)
    command = _runnable(line)
    if command is None:
        pytest.skip("the test suite itself")
    before = set(os.listdir(work))
    proc = subprocess.run(["bash", "-e", "-c", command], cwd=work, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, f"{command}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    for name in sorted(set(os.listdir(work)) - before):
        kind = "/" if (work / name).is_dir() else ""
        ignored = subprocess.run(["git", "check-ignore", "-q", "--no-index", name + kind],
                                 cwd=ROOT).returncode == 0
        assert ignored, f"{command!r} creates {name}{kind}, which .gitignore does not cover"
