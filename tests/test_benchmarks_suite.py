"""The benchmarks suite entry point: runs modules, records machine info, regenerates
PERFORMANCE.md."""

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


def test_ssa_benchmark_pairs_stochlim_with_the_c_baseline(tmp_path, monkeypatch):
    run = pytest.importorskip("benchmarks.run")
    monkeypatch.setattr(run, "RESULTS", tmp_path)
    monkeypatch.setattr(run.peers, "available", lambda: (False, "peer disabled in this test"))
    assert run.main(["--scale", "1e-4", "--repeats", "3", "--no-compile-time"]) == 0
    record = json.loads(next(tmp_path.glob("bench-*.json")).read_text())
    for name in ("a", "b", "c"):
        case = record["cases"][name]
        st = case["stochlim"]
        assert len(st["ns_per_event_runs"]) == 3 and st["ns_per_event_min"] <= st["ns_per_event"]
        if "c" in case:  # a C compiler was found: one C run per stochlim run, ratios from the pairs
            c = case["c"]
            assert len(c["ns_per_event_runs"]) == 3
            paired = sorted(a / b for a, b in zip(st["ns_per_event_runs"], c["ns_per_event_runs"]))
            assert case["ratio_c"]["median_paired"] == pytest.approx(paired[1])
            assert f"| {case['ratio_c']['median_paired']:.2f} |" in record["table"]
        assert "gillespy2" not in case
