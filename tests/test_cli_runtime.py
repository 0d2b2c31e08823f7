"""Runtime failures of the machine (disk full) and interruptions: one line, their own exit code,
and never a truncated file."""

import errno

import matplotlib.figure
import pytest

from stochlim import cli


def test_figures_on_a_full_disk_exit_3_and_leave_no_truncated_file(tmp_path, monkeypatch, capsys):
    """Before: a 56-line traceback and a truncated PDF."""
    real = matplotlib.figure.Figure.savefig
    calls = []

    def full_disk(self, fname, *args, **kw):
        calls.append(kw.get("format"))
        if len(calls) == 4:  # the second figure's PDF: write part of it, then the disk is full
            fname.write(b"%PDF-1.4 truncated")
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, fname, *args, **kw)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", full_disk)
    out = tmp_path / "figs"
    code = cli.main(["figures", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == cli.EXIT_RUNTIME, err
    assert err.count("\n") == 1 and "No space left on device" in err and "cannot write" in err
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "fig3.pdf",
        "fig3.png",
        "fig6a.png",
    ]  # whole files only, no .tmp, no partial PDF
    assert (out / "fig3.pdf").read_bytes().startswith(b"%PDF") and (
        out / "fig3.pdf"
    ).stat().st_size > 1000


def test_ctrl_c_in_any_command_is_one_line_and_130(monkeypatch, capsys):
    from stochlim import bounds

    def interrupted(*args, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(bounds, "lim_energy", interrupted)
    code = cli.main(["bounds", "--flops", "1", "--params", "1", "--bits", "16", "--gamma", "1"])
    err = capsys.readouterr().err
    assert code == cli.EXIT_INTERRUPTED and err == "stochlim bounds: interrupted\n"


@pytest.mark.parametrize("exc, code", [
    (OSError(errno.ENOSPC, "No space left on device"), cli.EXIT_RUNTIME),
    (ConnectionError("cannot reach the Dask scheduler"), cli.EXIT_RUNTIME),
    (FileNotFoundError(errno.ENOENT, "No such file or directory"), cli.EXIT_USAGE),
    (RecursionError(), cli.EXIT_USAGE),
    (MemoryError(), cli.EXIT_USAGE),
])
def test_exit_codes_by_kind_of_failure(exc, code, monkeypatch, capsys):
    from stochlim import bounds

    def failing(*args, **kw):
        raise exc

    monkeypatch.setattr(bounds, "lim_energy", failing)
    assert (
        cli.main(["bounds", "--flops", "1", "--params", "1", "--bits", "16", "--gamma", "1"])
        == code
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("stochlim bounds: error: ") and len(err) > 25


def test_optimize_on_a_full_disk_exit_3_and_leave_no_partial_file(tmp_path, monkeypatch, capsys):
    """Before: ``optimize --out`` wrote its CSV and JSON in place, so a full disk left them
    truncated. Now each file is whole or absent: the disk fills while the JSON is flushed."""
    import os

    from stochlim import _files

    real, calls = os.fsync, []

    def full_disk(fd):
        calls.append(fd)
        if len(calls) == 2:  # protocol.csv is on disk, optimum.json is not
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd)

    monkeypatch.setattr(_files.os, "fsync", full_disk)
    out = tmp_path / "opt"
    code = cli.main(["optimize", "--eps", "0.1", "--tau", "5", "--steps", "8", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == cli.EXIT_RUNTIME, err
    assert err.count("\n") == 1 and "cannot write" in err and "optimum.json: No space left on device" in err
    assert sorted(p.name for p in out.iterdir()) == ["protocol.csv"]
    assert (out / "protocol.csv").read_text().count("\n") == 9  # header + 8 steps, whole
