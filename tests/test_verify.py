"""``stochlim verify``: every standard case passes, the table is sized to catch real bugs."""

import json
import subprocess
import sys

import pytest

from stochlim import physics, verify
from stochlim.report.verify import format_table


@pytest.fixture(scope="module")
def checks():
    return verify.run_verification()


def test_every_case_is_present_and_passes(checks):
    cases = {c.case.split(",")[0].split(" E0")[0] for c in checks}
    assert {"differential memory", "driven two-level system (E_1: 0 -> 2 kT)",
            "21-level ladder", "driven ring", "paper protocol"} <= cases
    failed = [c for c in checks if not c.passed]
    assert not failed, format_table(failed)
    assert len(checks) >= 20


def test_paper_protocol_checks_the_dissipation_term(checks):
    paper = [c for c in checks if c.case.startswith("paper protocol")]
    assert {c.case.split("delta = ")[1] for c in paper} == {"2^-4", "2^-6", "2^-8"}
    heat = [c for c in paper if c.quantity.startswith("heat")]
    # heat per parameter grows as 1/delta (dE_n = eps_n / delta): 4x per two bits
    assert heat[1].reference / heat[0].reference == pytest.approx(4.0, rel=1e-12)


def test_a_five_percent_error_in_eq7_is_caught(monkeypatch):
    """With 20000 trajectories the SE of the net rate is ~0.6%: a 5% bug moves z by ~8."""
    right = physics.net_rate
    monkeypatch.setattr(verify.physics, "net_rate", lambda E0, dE, **kw: 1.05 * right(E0, dE, **kw))
    checks = verify._differential_memory(20_000, 1)
    assert not any(c.passed for c in checks if "Eq. 7" in c.quantity)


def test_cli_verify_json_and_exit_code():
    res = subprocess.run(
        [sys.executable, "-m", "stochlim", "verify", "--trajectories", "2000", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)
    assert rows and all(r["passed"] for r in rows)


def test_bad_trajectory_count():
    with pytest.raises(ValueError, match="n_trajectories must be >= 100"):
        verify.run_verification(n_trajectories=10)
