"""``stochlim fluctuations``: exact cumulants and exact-vs-sampled figures for a study point."""



from stochlim import fluctuations as fl
from stochlim import two_state
from stochlim.cli import main
from stochlim.protocols import PiecewiseLinear

STUDY = """
name = "driven bit"
seed = 7
trajectories = 20000
chunk_size = 20000

[model]
kind = "two_state"
t_end = 1.0
energies = [0.0, {kind = "linear", times = [0.0, 1.0], values = [0.0, 2.0]}]
p0 = [0.5, 0.5]

[grid]
barrier = [0.5, 1.0]
"""


def test_cli_prints_exact_cumulants_and_writes_figures(tmp_path, capsys):
    study = tmp_path / "study.toml"
    study.write_text(STUDY)
    assert main(["fluctuations", str(study), "--out", str(tmp_path / "out"), "--point", "1"]) == 0
    text = capsys.readouterr().out
    model = two_state(1.0, energies=(0.0, PiecewiseLinear([0.0, 1.0], [0.0, 2.0])))
    c = fl.cumulants(model, ["work", "heat"], p0=[0.5, 0.5], t_end=1.0)
    assert f"| work | {c.mean[-1, 0]:.6g} | {c.variance[-1, 0]:.6g} |" in text
    assert f"| heat | {c.mean[-1, 1]:.6g} | {c.variance[-1, 1]:.6g} |" in text
    for name in ("n_jumps", "work", "heat"):
        assert (tmp_path / "out" / f"fluctuations_{name}.png").stat().st_size > 1000
    p_values = [
        float(line.split("|")[3])
        for line in text.splitlines()
        if "fluctuations_" in line and "|" in line
    ]
    assert len(p_values) == 3 and min(p_values) > 1e-3


def test_cli_bad_point(tmp_path, capsys):
    study = tmp_path / "study.toml"
    study.write_text(STUDY)
    assert main(["fluctuations", str(study), "--out", str(tmp_path), "--point", "5"]) == 2
    assert "point must lie in 0..1" in capsys.readouterr().err
