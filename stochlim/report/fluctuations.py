"""``stochlim fluctuations``: exact cumulants and exact-vs-sampled laws for one point of a study file.

The model of the study's point (a ``HopModel`` kind: ``two_state``, ``ladder``, ``ring``,
``differential_memory``, or ``master`` with its ``model``) is solved exactly for the cumulants of
the work, heat, entropy production and number of jumps at ``t_end``, simulated with the study's
seed, and each sampled law is drawn against the exact one (jump counts by the joint master
equation; work and heat by :func:`~stochlim.fluctuations.cdf`), with the
chi-square / KS p-values.
"""

from __future__ import annotations

from pathlib import Path

from ..ensemble_stats import compare
from ..fluctuations import cdf, count_distribution, cumulants
from ..plots import save_figure
from ..ssa import simulate
from ..sweeps import HOP_KINDS, load_study
from ..sweeps.build import _hop_model, _initial_law
from .tables import markdown_table

__all__ = ["fluctuation_report"]

OBSERVABLES = ("work", "heat", "entropy_production", "n_jumps")


def fluctuation_report(study_path, *, out, point=0, trajectories=None):
    """Compute the report; returns ``(text, [figure paths])``.

    Parameters
    ----------
    study_path : path
        A study TOML file (:func:`stochlim.sweeps.load_study`).
    out : path
        Folder for the figures (created).
    point : int
        Index of the grid point.
    trajectories : int, optional
        SSA trajectories (default: the study's ``trajectories``).

    Returns
    -------
    text : str
        Markdown: the exact cumulants at ``t_end`` and the chi-square / KS p-values of the sampled
        laws against the exact ones.
    paths : list of pathlib.Path
        The figures written into ``out``.

    Raises
    ------
    ValueError
        If the study is invalid (as :func:`stochlim.sweeps.load_study` raises), its kind is
        ``lim`` or not a hopping model, ``point`` is out of range, or ``trajectories < 2``.
    RuntimeError
        If the moment hierarchy fails.

    Examples
    --------
    The first point of the example study (a relaxing bit, undriven), with 1000 trajectories:

    >>> import tempfile
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from stochlim.sweeps import EXAMPLE
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     study = Path(tmp) / "study.toml"
    ...     _ = study.write_text(EXAMPLE)
    ...     text, paths = fluctuation_report(study, out=Path(tmp) / "figs", trajectories=1000)
    >>> [p.name for p in paths]
    ['fluctuations_n_jumps.png', 'fluctuations_work.png', 'fluctuations_heat.png']
    >>> print(next(line for line in text.splitlines() if line.startswith("| n_jumps | 4")))
    | n_jumps | 4.64576 | 5.76047 | 0.4066 | 0.1321 |
    >>> rows = [line.split(" | ") for line in text.splitlines() if "chi-square" in line]
    >>> all(float(row[2]) > 1e-3 for row in rows)   # every sampled law fits the exact one
    True
    """
    study = load_study(study_path)
    if study.kind == "lim":
        raise ValueError("stochlim fluctuations needs a hopping model (not kind = 'lim')")
    if not 0 <= point < len(study.points):
        raise ValueError(f"point must lie in 0..{len(study.points) - 1}: got {point}")
    params = study.params(point)
    ctor = params.get("model", params["kind"])
    if ctor not in HOP_KINDS:
        raise ValueError(f"model kind {ctor!r} is not a hopping model")
    model = _hop_model(ctor, params)
    t_end = float(params["t_end"])
    p0 = _initial_law(model, params)
    n = int(trajectories if trajectories is not None else study.trajectories)
    if n < 2:
        raise ValueError(f"trajectories must be >= 2: got {n}")
    c = cumulants(model, list(OBSERVABLES), p0=p0, t_end=t_end)
    if not c.success:
        raise RuntimeError(f"moment hierarchy failed: {c.message}")
    six, four = "{:.6g}".format, "{:.4g}".format
    lines = [f"# exact fluctuations: {study.name}, point {point} {study.points[point]}, t_end = {t_end:g}", "",
             markdown_table(["observable", "mean", "variance", "skewness", "excess kurtosis"],
                            [[name, c.mean[-1, i], c.variance[-1, i], c.skewness[-1, i], c.kurtosis[-1, i]]
                             for i, name in enumerate(OBSERVABLES)], {1: six, 2: six, 3: four, 4: four})]
    ens = simulate(model, t_end=t_end, n_trajectories=n, p0=p0, rng=study.seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    laws = {"n_jumps": count_distribution(model, p0=p0, t_end=t_end)}
    for name in ("work", "heat"):
        laws[name] = cdf(model, name, [0.0], p0=p0, t_end=t_end)
    rows, paths = [], []
    for name, law in laws.items():
        result = compare(ens, name, law)
        (path,) = save_figure(result.figure, out, f"fluctuations_{name}", formats=("png",))
        paths.append(path)
        rows.append([name, result.test, result.p_value, path.name])
    lines += ["", f"SSA, {n} trajectories (seed {study.seed}) against the exact laws:", "",
              markdown_table(["observable", "test", "p-value", "figure"], rows, {2: "{:.3g}".format})]
    return "\n".join(lines) + "\n", paths
