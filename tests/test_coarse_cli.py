"""``stochlim coarse``: table and figure files, bad input as one line with exit code 2; the report
line."""

import csv

from stochlim import cli, coarse
from stochlim.report import coarse as report_coarse
from stochlim.report import reproduce


def test_coarse_writes_tables_and_figure(tmp_path, capsys):
    code = cli.main(["coarse", "--out", str(tmp_path), "--E0", "2", "8", "--dE", "0", "1",
                     "--K", "101", "--durations", "1", "10"])
    assert code == 0
    names = {p.name for p in tmp_path.iterdir()}
    assert {"coarse_rates.csv", "coarse_ramp.csv", "coarse.md", "coarse.png", "coarse.pdf"} <= names
    with (tmp_path / "coarse_rates.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 4
    row = next(r for r in rows if float(r["E0"]) == 8 and float(r["dE"]) == 0)
    xr = coarse.default_x_range(8.0)
    k = coarse.effective_rates(coarse.quartic_double_well(8.0), x_range=xr, K=101)[0]
    assert float(row["k_lr"]) == k
    with (tmp_path / "coarse_ramp.csv").open() as fh:
        ramp = list(csv.DictReader(fh))
    assert abs(float(ramp[1]["heat"])) < abs(float(ramp[0]["heat"]))
    assert "| E0 | dE | K |" in (tmp_path / "coarse.md").read_text()
    assert str(tmp_path / "coarse.png") in capsys.readouterr().out


def test_coarse_bad_input_is_one_line(tmp_path, capsys):
    code = cli.main(
        ["coarse", "--out", str(tmp_path), "--E0", "8", "--K", "11", "--durations", "1"]
    )
    err = capsys.readouterr().err
    assert code == cli.EXIT_USAGE
    assert err.startswith("stochlim coarse: error:") and "resolved double well" in err
    assert cli.main(["coarse", "--out", str(tmp_path), "--E0", "8", "--K", "101",
                     "--durations", "-1"]) == cli.EXIT_USAGE
    assert "durations must be positive" in capsys.readouterr().err


def test_reproduce_has_the_coarse_line():
    assert report_coarse.section in reproduce.SECTIONS
    text = report_coarse.section()
    assert text.startswith("## Two-state rates against a fine double well") and "E0 = 8 kT" in text
