"""The benchmarks suite entry point: runs modules, records machine info, regenerates PERFORMANCE.md."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
suite = pytest.importorskip("benchmarks.suite")
bench_sweep = pytest.importorskip("benchmarks.sweep")


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """Results and PERFORMANCE.md go to tmp_path, not into the repository."""
    monkeypatch.setattr(suite, "RESULTS", tmp_path)
    monkeypatch.setattr(bench_sweep, "RESULTS", tmp_path)
    monkeypatch.setattr(suite, "PERFORMANCE", tmp_path / "PERFORMANCE.md")
    return tmp_path


def test_suite_runs_the_sweep_benchmark_and_writes_the_table(sandbox):
    assert suite.main(["--quick", "--only", "sweep"]) == 0
    record = json.loads(next(sandbox.glob("suite-*.json")).read_text())
    assert record["machine"]["cpu_count"] >= 1 and "numba" in record["machine"]["versions"]
    entry = record["modules"]["sweep"]
    assert entry["status"] == "ok" and entry["record"]["overhead"]["sweep_traj_per_s"] > 0
    md = (sandbox / "PERFORMANCE.md").read_text()
    assert "## Sweeps" in md and "| local sweep | 1 numba thread(s) |" in md
    assert "cayenne" in md


def test_missing_module_is_skipped_with_a_message(sandbox):
    entry = suite.run_module("no_such_benchmark", "none", [])
    assert entry["status"] == "skipped" and "no_such_benchmark" in entry["message"]
    md = suite.performance_md({"utc": "now", "quick": True, "machine": suite.machine(), "peers": {},
                               "modules": {"lim": entry}})
    assert "skipped: benchmarks.no_such_benchmark not importable" in md
