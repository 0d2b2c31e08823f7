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


def test_cli_draws_the_work_and_heat_laws_of_a_driven_model(tmp_path, capsys):
    """A ring driven by 0.8 kT per jump: its work and heat laws (a lattice of drive sums) are drawn
    against SSA like those of an undriven model."""
    study = tmp_path / "study.toml"
    study.write_text(STUDY.replace('kind = "two_state"', 'kind = "ring"\nn_states = 3\ndrive = 0.8')
                     .replace("energies = [0.0, {kind = \"linear\", times = [0.0, 1.0], values = [0.0, 2.0]}]",
                              "energies = [0.0, 0.5, -0.3]")
                     .replace("p0 = [0.5, 0.5]", "p0 = [0.5, 0.3, 0.2]").replace("barrier = [0.5, 1.0]",
                                                                                 "barriers = [0.3]"))
    assert main(["fluctuations", str(study), "--out", str(tmp_path / "out"), "--point", "0"]) == 0
    text = capsys.readouterr().out
    p_values = {line.split("|")[1].strip(): float(line.split("|")[3])
                for line in text.splitlines() if "fluctuations_" in line and "|" in line}
    assert set(p_values) == {"n_jumps", "work", "heat"} and min(p_values.values()) > 1e-3, p_values
