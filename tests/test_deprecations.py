"""Moved and renamed names keep working for one release, each with a DeprecationWarning."""

import importlib
import sys

import numpy as np
import pytest

from stochlim import coarse, verify
from stochlim.control import erasure
from stochlim.fluctuations import study_report
from stochlim.report import coarse as report_coarse
from stochlim.report import control as report_control
from stochlim.report import fluctuations as report_fluctuations
from stochlim.report import reproduce
from stochlim.report import verify as report_verify


@pytest.mark.parametrize("module, old, new", [
    (coarse, "rate_table", report_coarse.rate_table),
    (coarse, "ramp_scan", report_coarse.ramp_scan),
    (coarse, "plot_coarse", report_coarse.plot_coarse),
    (coarse, "write_coarse", report_coarse.write_coarse),
    (coarse, "report_section", report_coarse.section),
    (verify, "format_table", report_verify.format_table),
    (verify, "report_section", report_verify.section),
    (erasure, "plot_optimum", report_control.plot_optimum),
    (erasure, "write_optimum", report_control.write_optimum),
    (study_report, "fluctuation_report", report_fluctuations.fluctuation_report),
])
def test_moved_functions_are_forwarded_with_a_warning(module, old, new):
    with pytest.warns(DeprecationWarning, match=f"{module.__name__}.{old} is deprecated"):
        assert getattr(module, old) is new


def test_unknown_attributes_still_raise():
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        coarse.nothing  # noqa: B018


def test_old_reproduce_module_warns_and_reexports():
    sys.modules.pop("stochlim.reproduce", None)
    with pytest.warns(DeprecationWarning, match="stochlim.report.reproduce"):
        old = importlib.import_module("stochlim.reproduce")
    assert old.paper_values is reproduce.paper_values and old.SECTIONS is reproduce.SECTIONS


def test_verification_seed_is_a_deprecated_spelling_of_rng(monkeypatch):
    seen = []
    monkeypatch.setattr(
        verify, "_CASES", (lambda n, seq: seen.append(seq.generate_state(2).tolist()) or [],)
    )
    verify.run_verification(n_trajectories=100, rng=11)
    with pytest.warns(DeprecationWarning, match="rng="):
        verify.run_verification(n_trajectories=100, seed=11)
    verify.run_verification(n_trajectories=100, rng=np.random.SeedSequence(11))
    assert seen[0] == seen[1] == seen[2]
    with pytest.raises(TypeError, match="pass only rng="):
        verify.run_verification(n_trajectories=100, seed=1, rng=2)
