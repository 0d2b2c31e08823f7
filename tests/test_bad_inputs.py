"""The hostile-input corpus (``tests/data/bad_inputs/``) through the command line.

Every case must end with its documented exit code (2 unless the case says otherwise), exactly one
line on stderr naming the problem, no traceback, and nothing written: the working directory (where
``--out`` would go) stays empty and the corpus folder unchanged.
"""

import sys
from pathlib import Path

import pytest

from stochlim import cli

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DATA = Path(__file__).parent / "data" / "bad_inputs"
CASES = tomllib.loads((DATA / "cases.toml").read_text())["case"]


def test_corpus_covers_every_sub_command():
    commands = {case["argv"][0] for case in CASES}
    every = {"bounds", "verify", "figures", "reproduce", "sweep", "lim", "coarse", "optimize", "fluctuations"}
    assert every <= commands
    assert len({case["id"] for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_bad_input(case, tmp_path, monkeypatch, capsys):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    argv = [
        a.replace("{data}", str(DATA)).replace("{out}", str(work / "out")) for a in case["argv"]
    ]
    corpus_before = {p.name: p.stat().st_mtime_ns for p in DATA.iterdir()}
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    captured = capsys.readouterr()
    err = captured.err
    assert code == case.get("code", 2), err
    assert captured.out == "", captured.out  # refused before any work that prints a result
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err
    assert case["message"] in err, err
    assert list(work.iterdir()) == []
    assert {p.name: p.stat().st_mtime_ns for p in DATA.iterdir()} == corpus_before


#: Cases also run in a fresh interpreter, where warnings reach stderr (``coarse --E0 1e308`` printed
#: two lines of numpy ``RuntimeWarning`` before its message).
FRESH = ["sweep-toml-nested-5000-deep", "coarse-E0-1e308"]


@pytest.mark.parametrize("case", [c for c in CASES if c["id"] in FRESH], ids=lambda c: c["id"])
def test_a_case_in_a_fresh_interpreter_has_no_traceback(case, tmp_path):
    """The same contract from a real process (warnings and ``Exception ignored`` noise included)."""
    import subprocess

    argv = [a.replace("{data}", str(DATA)).replace("{out}", str(tmp_path / "out")) for a in case["argv"]]
    res = subprocess.run([sys.executable, "-m", "stochlim", *argv], capture_output=True, text=True, timeout=300,
                         cwd=tmp_path)
    assert res.returncode == 2 and res.stderr.count("\n") == 1 and "Traceback" not in res.stderr, res.stderr
    assert case["message"] in res.stderr, res.stderr
    assert list(tmp_path.iterdir()) == []
