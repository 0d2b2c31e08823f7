"""The benchmarks suite entry point: runs modules, records machine info, regenerates
PERFORMANCE.md."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
suite = pytest.importorskip("benchmarks.suite")
common = pytest.importorskip("benchmarks.common")


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """Results and PERFORMANCE.md go to tmp_path, not into the repository."""
    monkeypatch.setattr(common, "RESULTS", tmp_path)
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
    monkeypatch.setattr(common, "RESULTS", tmp_path)
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


def test_common_records_and_paired_ratios(tmp_path):
    path = common.write_record("x", {"rows": [1], "utc": "kept"}, results=tmp_path)
    record = json.loads(path.read_text())
    assert path.name.startswith("x-") and record["rows"] == [1] and record["utc"] == "kept"
    assert {"platform", "processor", "cpu_count", "python", "versions"} <= set(record["machine"])
    # pairs (2, 1), (4, 4), (9, 3): ratios 2, 1, 3, median 2; the ratio of medians would be 4/3
    assert common.median_paired_ratio([2.0, 4.0, 9.0], [1.0, 4.0, 3.0]) == 2.0
    with pytest.raises(ValueError):
        common.median_paired_ratio([1.0, 2.0], [1.0])
    calls = []
    seconds, out = common.time_median(lambda: calls.append(1) or len(calls), 3)
    assert out == 3 and seconds >= 0.0


def test_master_benchmark_pairs_stochlim_with_scipy(tmp_path, monkeypatch):
    bench = pytest.importorskip("benchmarks.master_equation")
    monkeypatch.setattr(common, "RESULTS", tmp_path)
    assert (
        bench.main(["--levels", "100", "--short-schedule-levels", "120", "--ramped-levels", "150", "--repeats",
                    "2", "--no-previous"])
        == 0
    )
    record = json.loads(next(tmp_path.glob("master-*.json")).read_text())
    rows = {r["case"]: r for r in record["rows"]}
    assert set(rows) == {
        "erasure tau=1",
        "erasure tau=100",
        "driven ring",
        "ladder 100",
        "ladder 120, 100 steps",
        "ramped ladder 150",
    }
    for r in rows.values():
        assert r["success"] and len(r["runs"]["stochlim"]) == len(r["runs"]["reference"]) == 2
        paired = sorted(c / s for c, s in zip(r["runs"]["stochlim"], r["runs"]["reference"]))
        assert r["ratio_to_reference"] == pytest.approx(sum(paired) / 2)
    assert (
        rows["ladder 100"]["method"] == "uniformization"
        and rows["erasure tau=1"]["method"] == "ode"
    )
    assert "| ladder 100 | 100 x 1000 | uniformization |" in record["table"]
    assert "| ladder 120, 100 steps | 120 x 100 | uniformization |" in record["table"]


LIM_TITLE = "Learning-in-memory optimiser (`python -m benchmarks.lim`)"


def test_lim_benchmark_pairs_lim_run_with_the_c_twin_and_names_its_run():
    """``benchmarks.lim`` on a tiny lattice: lim.run and the C twin (built here when a compiler is
    found) make the same events, the ratios are stochlim's wall time over C's, pair by pair, and
    the suite's section names the one run it comes from."""
    bench = pytest.importorskip("benchmarks.lim")
    from benchmarks import c_baseline

    binary, _ = c_baseline.build("lim_direct")
    ising, star = bench.planted_lattice(8, seed=3)
    kw = dict(t_end=2.0, barrier=0.0, scale=0.3)
    row = bench.paired("tiny_constant", ising, kw, 2, 3, binary, optimum=star)
    assert row["hops"] > 100 and len(row["wall_s_runs"]) == len(row["kernel_s_runs"]) == 3
    scaled = bench.scaling_child(6, 0.5, 1, None if binary is None else str(binary))
    assert scaled["n_params"] == 36 and scaled["n_edges"] == 72
    if binary is not None:
        for r in (row, scaled):
            assert r["c"]["same_events"] is True
            pairs = [a / b for a, b in zip(r["wall_s_runs"], r["c"]["wall_s_runs"])]
            assert r["ratio_c"]["paired"] == pytest.approx(pairs)
            assert r["ratio_c"]["median_paired"] == pytest.approx(sorted(pairs)[len(pairs) // 2])
    rec = {"command": "python -m benchmarks.lim --quick", "started": "2000-01-01T00:00:00+00:00",
           "threads": 2, "repeats": 3, "results": [row], "scaling": [scaled], "dwave_samplers": None}
    md = suite._lim_table(rec)
    assert md.startswith("One run of `python -m benchmarks.lim --quick`, started "
                         "2000-01-01T00:00:00+00:00, 2 threads, 3 interleaved stochlim/C pairs")
    assert "stochlim's over C's (below 1: stochlim is faster)" in md
    assert "| tiny_constant | 64 |" in md and "| ising_6x6_constant | 36 | 72 |" in md
    if binary is not None:
        assert f"| {row['ratio_c']['median_paired']:.2f} (" in md and "| yes |" in md


def test_performance_md_lim_section_comes_from_one_named_run():
    """The committed optimiser section says which single run produced it, in the renderer's
    words, and its table headers are the renderer's (the ratio's direction spelled out)."""
    section = suite._sections(suite.PERFORMANCE.read_text())[LIM_TITLE]
    first = section.splitlines()[0]
    assert first.startswith("One run of `python -m benchmarks.lim`, started 20")
    assert "interleaved stochlim/C pairs per case: every number in this section comes from it." in first
    rendered = suite._lim_table({"threads": 2, "repeats": 5, "utc": "x", "results": [
        {"case": "c", "n_params": 1, "hops_per_s": 1.0, "hops_per_s_per_thread": 1.0}],
        "scaling": [{"case": "s", "n_params": 1, "n_edges": 1, "hops_per_s": 1.0}]})
    headers = [line for line in rendered.splitlines() if line.startswith("| case ")
               or line.startswith("| constant case")]
    assert len(headers) == 2 and all(h in section for h in headers)
