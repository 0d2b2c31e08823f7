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
