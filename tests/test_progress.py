"""Progress on stderr while compiled kernels run: counted from the outputs, never changing results."""

import time
import warnings

import numpy as np
import pytest

from stochlim import _progress, lim, verify


def test_watch_finished_counts_the_outputs_a_kernel_has_written(monkeypatch, capsys):
    monkeypatch.setattr(_progress, "POLL_SECONDS", 0.01)
    outputs = np.full(4, -1)
    with _progress.watch_finished(outputs, desc="work") as bar:
        outputs[:2] = [3, 0]                      # two trajectories finished (0 hops is finished too)
        deadline = time.monotonic() + 30.0
        while bar.n != 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert bar.n == 2
        outputs[2:] = 1
    assert bar.n == 4                              # the last count is taken when the block ends
    assert "work" in capsys.readouterr().err
    with _progress.watch_finished(outputs, desc="work", show=False) as bar:
        assert bar is None
    assert capsys.readouterr().err == ""


def test_lim_run_shows_finished_trajectories_and_gives_the_same_numbers(capsys):
    q = lim.Quadratic([[1.0]], [2.0], levels=9, quantum=1.0)
    kw = dict(barrier=0.0, scale=1.0, t_end=20.0, n_trajectories=50, rng=4)
    quiet = lim.run(q, **kw)
    assert capsys.readouterr().err == ""
    shown = lim.run(q, progress=True, **kw)
    err = capsys.readouterr().err
    assert "lim.run" in err and "50/50" in err
    for name in ("n_jumps", "heat", "work", "final_state"):
        np.testing.assert_array_equal(getattr(shown, name), getattr(quiet, name))
    with pytest.raises(TypeError, match="progress must be True or False"):
        lim.run(q, progress="yes", **kw)


def test_verification_shows_its_cases(capsys):
    with warnings.catch_warnings():               # 100 trajectories: the exponential averages warn
        warnings.simplefilter("ignore")
        checks = verify.run_verification(n_trajectories=100, rng=0, progress=True)
    err = capsys.readouterr().err
    n_cases = len(verify._CASES)
    assert "verify" in err and f"{n_cases}/{n_cases}" in err and len(checks) == 23
    with pytest.raises(TypeError, match="progress must be True or False"):
        verify.run_verification(n_trajectories=100, progress=1)


def test_every_flag_is_a_bool_refused_by_name(tmp_path):
    """progress (and the sweep's resume and quiet) take True or False, numpy's bools included;
    parse_study and sweep had accepted progress='yes'."""
    from stochlim.control.erasure import erasure_problem
    from stochlim.sweeps import EXAMPLE, parse_study, sweep

    with pytest.raises(TypeError, match="progress must be True or False: got 'yes'"):
        parse_study(EXAMPLE, progress="yes")
    study = parse_study(EXAMPLE)
    for flag in ("progress", "resume", "quiet"):
        with pytest.raises(TypeError, match=f"{flag} must be True or False"):
            sweep(study, out=tmp_path / "out", **{flag: "yes"})
    assert not (tmp_path / "out").exists()
    assert erasure_problem("fixed_rate", eps=0.1, tau=4.0, knots=5, end_jumps=np.False_).end_jumps is False
    with pytest.raises(TypeError, match="end_jumps must be True or False"):
        erasure_problem("fixed_rate", eps=0.1, tau=4.0, knots=5, end_jumps="no")
