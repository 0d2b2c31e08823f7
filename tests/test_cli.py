"""The ``stochlim`` command line: bounds table/JSON, errors as one line with exit code 2,
reproduce."""

import json
import subprocess
import sys

import pytest

from stochlim import bounds, cli
from stochlim._version import __version__
from stochlim.report import reproduce


def run(*argv):
    return subprocess.run(
        [sys.executable, "-m", "stochlim", *argv], capture_output=True, text=True, timeout=300
    )


def test_version():
    res = run("--version")
    assert res.returncode == 0 and res.stdout.strip() == f"stochlim {__version__}"


@pytest.mark.parametrize("command", [[], ["bounds"], ["figures"], ["reproduce"], ["verify"]])
def test_help_everywhere(command, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main([*command, "--help"])
    assert exc.value.code == 0
    assert "usage: stochlim" in capsys.readouterr().out


def test_bounds_json_matches_api(capsys):
    code = cli.main(["bounds", "--flops", "1e28", "--params", "1e15", "--bits", "16",
                     "--gamma", "0.5", "2", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    expected = bounds.lim_energy(1e28, 1e15, delta=2.0**-16, gamma=[0.5, 2.0])
    assert [row["lim_energy_J"] for row in out["lim"]] == pytest.approx(list(expected), rel=1e-15)
    assert out["ceb_energy_J"] == pytest.approx(bounds.ceb_energy(1e28, 1e15, delta=2.0**-16))


def test_bounds_table_finite_sums(capsys):
    code = cli.main(["bounds", "--flops", "1e28", "--params", "1e15", "--delta", str(2.0**-16),
                     "--gamma", "0", "--n-updates", "100000"])
    assert code == 0
    out = capsys.readouterr().out
    assert "5.812070e+11" in out and "N = 100000 updates" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--delta", "1.5", "--gamma", "1"], "delta must lie in (0, 1): got 1.5"),
        (["--bits", "16", "--gamma", "0"], "diverges"),
        (["--bits", "16", "--gamma", "-1"], "gamma must lie"),
        (["--bits", "0", "--gamma", "1"], "bits must be positive"),
        (["--bits", "16", "--gamma", "nan"], "gamma must not be NaN"),
        (["--bits", "16", "--gamma", "1", "--temperature", "-3"], "temperature must be positive"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, message):
    res = run("bounds", "--flops", "1e28", "--params", "1e15", *argv)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]


def test_missing_precision_is_usage_error():
    res = run("bounds", "--flops", "1e28", "--params", "1e15", "--gamma", "1")
    assert res.returncode == 2 and "one of the arguments --bits --delta is required" in res.stderr


def test_reproduce_writes_report_and_every_figure(tmp_path):
    res = run("reproduce", "--out", str(tmp_path))
    assert res.returncode == 0, res.stderr
    report = (tmp_path / "report.md").read_text()
    for name in ("fig3", "fig6a", "fig6b", "fig6c", "fig6d", "optimal_protocols"):
        for ext in ("png", "pdf"):
            assert (tmp_path / f"{name}.{ext}").stat().st_size > 1000
        assert f"({name}.png)" in report
    # every printed value appears with its status; the known errata are flagged
    rows = [line for line in report.splitlines() if line.startswith("| Fig. 6B")]
    assert len(rows) == 4
    assert "typo" in next(r for r in rows if "gamma = 2)" in r)
    assert sum("| ok |" in r for r in rows) == 3
    assert report.count("**erratum**") == sum(not v.agrees for v in reproduce.paper_values())
    # the Monte Carlo verification table is part of the report, every check passing
    assert "## Monte Carlo verification" in report and "paper protocol" in report
    assert "**FAIL**" not in report
    # the optimal-protocol section: the paper's update against the least work, and the totals
    assert (
        "## The paper's update against the least work" in report
        and "| polynomial gamma=0.5 |" in report
    )


def test_paper_values_agree_or_carry_an_erratum():
    for value in reproduce.paper_values():
        assert value.agrees != bool(value.erratum), value.item
