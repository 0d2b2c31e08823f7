"""The documentation builds with warnings as errors, and a broken cross-reference fails it.

Both builds skip executing the notebook gallery (``nb_execution_mode=off``; the stored outputs are
rendered): ``tests/test_notebooks.py`` executes the notebooks, and ``.ci/run`` builds the full site
with every notebook executed. Both are marked slow (the build takes about 40 s): the default run
leaves the documentation to ``.ci/run``'s own strict build. Skipped when the ``[docs]`` extra is not
installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

for _name in ("sphinx", "furo", "numpydoc", "myst_nb"):
    pytest.importorskip(_name)

ROOT = Path(__file__).resolve().parent.parent


def build(source: Path, out: Path) -> subprocess.CompletedProcess:
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-D", "nb_execution_mode=off", "-d", str(out / "doctrees"), str(source),
         str(out / "html")],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": path}, timeout=900,
    )


@pytest.mark.slow
def test_docs_build_without_warnings(tmp_path):
    proc = build(ROOT / "docs", tmp_path)
    assert proc.returncode == 0, proc.stderr[-4000:]
    html = tmp_path / "html"
    for page in ("index", "getting_started", "errata", "constants", "theory", "api",
                 "guide/ssa", "gallery/index", "gallery/02_fluctuations"):
        assert (html / f"{page}.html").exists(), page
    api = (html / "api.html").read_text()
    assert "stochlim.simulate" in (html / "_autosummary" / "stochlim.html").read_text()
    assert "stochlim.ssa" in api and "stochlim.thermo" in api
    assert "<img" in (html / "gallery" / "01_paper_bounds.html").read_text()  # stored figures


@pytest.mark.slow
def test_a_broken_reference_fails_the_build(tmp_path):
    src = tmp_path / "repo"
    shutil.copytree(ROOT / "docs", src / "docs",
                    ignore=shutil.ignore_patterns("_build", "_autosummary", "jupyter_execute"))
    shutil.copytree(ROOT / "notebooks", src / "notebooks")
    guide = src / "docs" / "guide" / "ssa.md"
    guide.write_text(guide.read_text() + "\nSee {py:func}`stochlim.no_such_function`.\n")
    proc = build(src / "docs", tmp_path)
    assert proc.returncode != 0
    assert "no_such_function" in proc.stderr
