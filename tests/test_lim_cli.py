"""``stochlim lim PROBLEM_FILE``: summary table, JSON, ramps, and one-line errors with exit code
2."""

import json

import numpy as np
import pytest

from stochlim.cli import main


@pytest.fixture
def quadratic_file(tmp_path):
    path = tmp_path / "q.npz"
    np.savez(path, A=np.eye(2), b=[1.0, 0.5], levels=5, quantum=0.5)
    return path


@pytest.fixture
def ising_file(tmp_path):
    path = tmp_path / "i.json"
    path.write_text(json.dumps({"J": [[0, 1], [1, 0]], "h": [0.2, 0.0]}))
    return path


def test_table_for_a_quadratic_problem_with_ramps(quadratic_file, capsys):
    code = main(
        [
            "lim",
            str(quadratic_file),
            "--barrier",
            "0",
            "3",
            "--leak",
            "0.1",
            "--gamma",
            "0.5",
            "--trajectories",
            "200",
            "--t-end",
            "5",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    for row in (
        "success probability",
        "achieved precision delta",
        "energy to solution, paper ledger",
        "lim_energy, same F, M, delta",
        "ceb_energy, same F, M, delta",
    ):
        assert row in out
    assert "200 x 2" in out


def test_json_for_an_ising_problem(ising_file, capsys):
    assert main(["lim", str(ising_file), "--json", "--trajectories", "100", "--seed", "3"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["n_params"] == 2 and data["optimum_energy"] == pytest.approx(-1.2)
    assert 0.0 <= data["success_probability"] <= 1.0


def test_same_seed_same_numbers(ising_file, capsys):
    main(["lim", str(ising_file), "--json", "--trajectories", "50", "--seed", "9"])
    first = capsys.readouterr().out
    main(["lim", str(ising_file), "--json", "--trajectories", "50", "--seed", "9"])
    assert capsys.readouterr().out == first


@pytest.mark.parametrize(
    "extra, match",
    [
        (["--leak", "1"], "leak applies to Quadratic problems only"),
        (["--barrier", "0", "1", "2"], "--barrier takes one value or START END"),
        (["--t-end", "0"], "t_end must be positive"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(ising_file, extra, match, capsys):
    assert main(["lim", str(ising_file), *extra]) == 2
    err = capsys.readouterr().err
    assert match in err and err.count("\n") == 1


def test_bad_problem_files(tmp_path, capsys):
    bad = tmp_path / "p.txt"
    bad.write_text("x")
    assert main(["lim", str(bad)]) == 2
    assert "must be .npz or .json" in capsys.readouterr().err
    asym = tmp_path / "a.json"
    asym.write_text(json.dumps({"A": [[1, 0.5], [0, 1]], "b": [0, 0], "levels": 3, "quantum": 1}))
    assert main(["lim", str(asym)]) == 2
    assert "A must be symmetric" in capsys.readouterr().err
    missing = tmp_path / "m.json"
    missing.write_text(json.dumps({"A": [[1]], "b": [0]}))
    assert main(["lim", str(missing)]) == 2
    assert "needs the keys ['levels', 'quantum']" in capsys.readouterr().err
    assert (
        main(["lim", str(tmp_path / "none.npz")]) == 2
    )  # a missing input file is bad input (was 1)


def test_large_problem_needs_the_optimum(tmp_path, capsys):
    path = tmp_path / "big.npz"
    np.savez(path, J=np.zeros((21, 21)))
    assert main(["lim", str(path), "--trajectories", "2", "--t-end", "0.1"]) == 2
    assert "--optimum" in capsys.readouterr().err
    assert main(["lim", str(path), "--trajectories", "2", "--t-end", "0.1", "--optimum", "0"]) == 0
