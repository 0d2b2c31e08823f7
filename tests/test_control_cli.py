"""``stochlim optimize``: the optimum beside the closed form, files written, infeasible input
refused."""

import json

import pytest

from stochlim import cli
from stochlim import finite_time as ft


def test_optimize_prints_and_writes(tmp_path, capsys):
    assert (
        cli.main(
            ["optimize", "--eps", "0.05", "--tau", "3", "--steps", "12", "--out", str(tmp_path)]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "status 0" in out and "closed form: least work" in out
    summary = json.loads((tmp_path / "optimum.json").read_text())
    exact = ft.erasure_fixed_rate(0.05, 3.0).work
    assert summary["success"] and summary["closed_form_work"] == pytest.approx(exact)
    assert exact <= summary["work"] < exact * 1.01
    lines = (tmp_path / "protocol.csv").read_text().splitlines()
    assert lines[0] == "t_start,t_end,energy[1]" and len(lines) == 13
    assert (tmp_path / "protocol.png").stat().st_size > 1000


def test_optimize_rate_cap_infeasible_is_one_line(capsys):
    assert cli.main(["optimize", "--device", "rate_cap", "--eps", "0.01", "--tau", "3"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "least feasible time" in err and "3.912" in err


def test_optimize_problem_file_example(tmp_path, capsys):
    """The printed example (rate-capped erasure, 9 linear knots) optimised from its file: the
    least work within 0.5 % of the closed form, and the knots written one per row."""
    assert cli.main(["optimize", "--example"]) == 0
    problem = tmp_path / "problem.toml"
    problem.write_text(capsys.readouterr().out)
    assert cli.main(["optimize", str(problem), "--out", str(tmp_path / "out")]) == 0
    assert "linear knots = 9" in capsys.readouterr().out
    summary = json.loads((tmp_path / "out" / "optimum.json").read_text())
    exact = ft.erasure_rate_cap(0.01, 4.0).work
    assert summary["success"] and exact <= summary["work"] < exact * 1.005
    lines = (tmp_path / "out" / "protocol.csv").read_text().splitlines()
    assert lines[0] == "t,energy[1],barrier[0]" and len(lines) == 10


@pytest.mark.parametrize("edit, message", [
    (("tau = 4.0", "tau = -1.0"), "tau must be positive"),
    (("tau = 4.0", "tua = 4.0"), "unknown key 'tua'"),
    (('kind = "barrier"', 'kind = "barier"'), "[[control]] 2: kind must be one of"),
    (("index = 1", "index = 2"), "index must be an integer in 0..1"),
    (("eps = 0.01", "eps = 0.01\ndistribution = [0.9, 0.1]"), "not both"),
    (("p0 = [0.5, 0.5]", ""), "missing key 'p0'"),
    (("edges = [[0, 1]]", "edges = [[0, 2]]"), "[model]"),
    (("[target]", "[target"), "invalid TOML"),
])
def test_optimize_problem_file_errors_are_one_line(tmp_path, capsys, edit, message):
    from stochlim.control.spec import EXAMPLE

    assert edit[0] in EXAMPLE
    problem = tmp_path / "bad.toml"
    problem.write_text(EXAMPLE.replace(edit[0], edit[1], 1))
    assert cli.main(["optimize", str(problem)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "bad.toml" in err, err


def test_optimize_file_or_flags(tmp_path, capsys):
    assert cli.main(["optimize", str(tmp_path / "none.toml")]) == 2
    assert "no such problem file" in capsys.readouterr().err
    assert cli.main(["optimize", str(tmp_path / "none.toml"), "--eps", "0.1"]) == 2
    assert "not both" in capsys.readouterr().err
    from stochlim.control.spec import EXAMPLE

    problem = tmp_path / "problem.toml"
    problem.write_text(EXAMPLE)
    for flags in (["--no-end-jumps"], ["--knots", "5"], ["--steps", "8"], ["--objective", "heat"],
                  ["--device", "rate_cap", "--rate", "2"]):
        # erasure options beside a problem file were silently ignored
        assert cli.main(["optimize", str(problem), *flags]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and flags[0] in err and "not both" in err, err
    assert cli.main(["optimize", "--tau", "3"]) == 2
    assert "--eps and --tau" in capsys.readouterr().err


def test_optimize_without_end_jumps(tmp_path, capsys):
    """--no-end-jumps (flags) and end_jumps = false (file): continuous protocols, end knots at 0."""
    argv = ["optimize", "--device", "rate_cap", "--eps", "0.1", "--tau", "6", "--knots", "5", "--no-end-jumps"]
    assert cli.main(argv + ["--out", str(tmp_path / "flags")]) == 0
    assert "no end jumps" in capsys.readouterr().out
    rows = (tmp_path / "flags" / "protocol.csv").read_text().splitlines()
    assert rows[1] == "0.0,0.0,0.0" and rows[-1] == "6.0,0.0,0.0"
    assert cli.main(["optimize", "--eps", "0.1", "--tau", "6", "--no-end-jumps"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "end_jumps=False needs piecewise-linear controls" in err

    from stochlim.control.spec import EXAMPLE

    problem = tmp_path / "smooth.toml"
    problem.write_text(EXAMPLE.replace("end_jumps = true", "end_jumps = false").replace("tau = 4.0", "tau = 6.0"))
    assert cli.main(["optimize", str(problem)]) == 0
    assert "no end jumps" in capsys.readouterr().out
    problem.write_text(EXAMPLE.replace("end_jumps = true", 'end_jumps = "no"'))
    assert cli.main(["optimize", str(problem)]) == 2
    err = capsys.readouterr().err
    assert "smooth.toml" in err and "end_jumps must be True or False" in err
