"""Build one study point: from its parameters to a function computing a chunk."""

from __future__ import annotations

import numpy as np

from .._budget import log_events_per_trajectory
from .schema import HOP_KINDS

__all__ = ["METRICS", "build_value", "build", "run_chunk"]

#: Per-trajectory quantities summarised in the table, by model kind.
METRICS = {"hop": ("work", "heat", "n_jumps", "final_energy"),
           "lim": ("work", "heat", "n_jumps", "final_energy", "final_loss"),
           "master": ("work", "heat", "entropy_production", "activity")}


def build_value(value):
    """Turn a study value (number, list, protocol table) into what the constructors take.

    Parameters
    ----------
    value : number, list or dict
        A number (returned as is), a list (converted element by element) or a protocol table
        with ``kind`` ``"constant"`` (``value``), ``"linear"`` or ``"steps"`` (``times``,
        ``values``) or ``"schedule"`` (``schedule``, ``gamma``, ``delta``, ``n_updates``,
        ``dt``, ``part``).

    Returns
    -------
    object
        The number, list, or :mod:`stochlim.protocols` protocol.

    Raises
    ------
    ValueError
        If a schedule table's ``schedule`` is not ``'polynomial'`` or ``'exponential'``, or its
        ``part`` not ``'bias'`` or ``'barrier'``; the protocols' own ``ValueError`` for bad times
        or values.

    Examples
    --------
    >>> build_value(2.5)
    2.5
    >>> p = build_value({"kind": "linear", "times": [0.0, 1.0], "values": [0.0, 2.0]})
    >>> type(p).__name__, float(p(0.25))
    ('PiecewiseLinear', 0.5)
    """
    from .. import schedules
    from ..protocols import (
        Constant,
        PiecewiseConstant,
        PiecewiseLinear,
        schedule_protocols,
    )

    if isinstance(value, list):
        return [build_value(v) for v in value]
    if not isinstance(value, dict):
        return value
    kind = value["kind"]
    if kind == "constant":
        return Constant(value["value"])
    if kind == "linear":
        return PiecewiseLinear(value["times"], value["values"])
    if kind == "steps":
        return PiecewiseConstant(value["times"], value["values"])
    cls = {"polynomial": schedules.PolynomialSchedule, "exponential": schedules.ExponentialSchedule}
    if value["schedule"] not in cls:
        raise ValueError(f"schedule must be 'polynomial' or 'exponential': got {value['schedule']!r}")
    if value["part"] not in ("bias", "barrier"):
        raise ValueError(f"part must be 'bias' or 'barrier': got {value['part']!r}")
    bias, barrier = schedule_protocols(cls[value["schedule"]](value["gamma"]), delta=value["delta"],
                                       n_updates=value["n_updates"], dt=value["dt"])
    return bias if value["part"] == "bias" else barrier



def family(kind: str) -> str:
    return "hop" if kind in HOP_KINDS else kind


def _built(params: dict, keys) -> dict:
    """``build_value`` of each of ``keys`` present in ``params``; errors name the key."""
    out = {}
    for key in keys:
        if key in params:
            try:
                out[key] = build_value(params[key])
            except (ValueError, TypeError) as exc:
                raise type(exc)(f"{key}: {exc}") from None
    return out


def _hop_model(ctor: str, params: dict):
    from .. import models

    args = _built(params, HOP_KINDS[ctor])
    for key in ("energies", "energy", "barriers", "drive"):
        if isinstance(args.get(key), list):
            args[key] = tuple(args[key])
    return getattr(models, ctor)(**args)


def _initial_law(model, params: dict) -> np.ndarray:
    """The start law of a hopping-model point: ``x0`` (one state), ``p0`` (a law), else Boltzmann at 0.

    Checked as ``simulate`` and ``solve_master`` check them, so that a bad start fails while the
    study is validated, not mid-sweep.
    """
    from ..master import _check_p0

    n = model.n_states
    if "x0" in params:
        x0 = params["x0"]
        if isinstance(x0, (bool, np.bool_)) or not isinstance(x0, (int, np.integer)) or not 0 <= x0 < n:
            raise ValueError(f"x0 must name states 0..{n - 1}: got {x0!r}")
        p0 = np.zeros(n)
        p0[x0] = 1.0
        return p0
    if "p0" in params:
        return _check_p0(params["p0"], n)
    return model.equilibrium(0.0)


def build(params: dict):
    """Build one point: return ``run(n, seed_sequence) -> dict of arrays`` for its parameters.

    Builds the model (and, for the SSA, validates the run arguments) without simulating, so that
    impossible values raise ``ValueError``/``TypeError`` here. For hop models the returned function
    carries ``log_events``, the log of an upper bound of the jumps of one trajectory.

    Parameters
    ----------
    params : dict
        The parameters of one point (``Study.params(point)``):
        ``kind`` and that kind's keys.

    Returns
    -------
    callable
        ``run(n, seed_sequence)`` returning a dict of per-trajectory arrays, one per metric of
        ``METRICS`` (for ``kind = "master"``: arrays of length 1, ``n`` ignored).

    Raises
    ------
    ValueError
        If a parameter value is impossible for the model or the run (the message names the key).
    TypeError
        If a parameter has the wrong type for its constructor.

    Examples
    --------
    >>> import numpy as np
    >>> from stochlim.sweeps import parse_study, EXAMPLE
    >>> run = build(parse_study(EXAMPLE).params(0))
    >>> arrays = run(50, np.random.SeedSequence(1))
    >>> sorted(arrays), arrays["heat"].shape
    (['final_energy', 'heat', 'n_jumps', 'work'], (50,))
    """
    kind = params["kind"]
    if kind == "lim":
        return _build_lim(params)
    model = _hop_model(params.get("model", kind), params)
    start = {k: params[k] for k in ("p0", "x0") if k in params}
    t_end = params["t_end"]
    if kind == "master":
        from ..master import solve_master
        from ..models import LoweredModel

        bound = model.lower(t_end).log_rate_bound()  # refused now, as the SSA's plan does, not mid-sweep
        refused = LoweredModel.rate_overflow(bound, t_end) if bound.size else None
        if refused is not None:
            raise ValueError(refused)
        p0 = _initial_law(model, params)

        def run_master(n, seed_sequence):
            sol = solve_master(model, p0=p0, t_end=t_end)
            if not sol.success:
                raise RuntimeError(f"master equation failed: {sol.message}")
            return {"work": sol.mean_work[-1:], "heat": sol.mean_heat[-1:],
                    "entropy_production": sol.entropy_production[-1:], "activity": sol.activity[-1:]}

        return run_master

    from ..ssa import plan, simulate

    method = params.get("method", "auto")
    planned = plan(model, t_end=t_end, n_trajectories=1, method=method, **start)

    def run_ssa(n, seed_sequence):
        ens = simulate(model, t_end=t_end, n_trajectories=n, rng=seed_sequence, method=method, **start)
        return {m: np.asarray(getattr(ens, m)) for m in METRICS["hop"]}

    run_ssa.log_events = log_events_per_trajectory(planned.lowered)  # bound, for the study's max_events
    return run_ssa


def _build_lim(params: dict):
    from .. import lim

    if params["problem"] == "ising":
        problem = lim.Ising(np.asarray(params["J"], dtype=float), np.asarray(params.get("h", 0.0), dtype=float))
    else:
        problem = lim.Quadratic(np.asarray(params["A"], dtype=float), np.asarray(params["b"], dtype=float),
                                levels=params["levels"], quantum=params["quantum"])
    args = _built(params, ("barrier", "scale", "leak"))
    args.update({k: params[k] for k in ("t_end", "J_max", "rate_law") if k in params})
    if "x0" in params or "p0" in params:
        raise ValueError("x0/p0 are not parameters of kind = 'lim'")

    def run_lim(n, seed_sequence):
        res = lim.run(problem, n_trajectories=n, rng=seed_sequence, **args)
        return {m: np.asarray(getattr(res, m)) for m in METRICS["lim"]}

    return run_lim


def run_chunk(study, point: int, chunk: int) -> dict:
    """Compute chunk ``chunk`` of point ``point``: arrays depending only on the study and indices.

    This is the unit of work sent to Dask workers; it writes nothing.

    Parameters
    ----------
    study : Study
        The study.
    point, chunk : int
        Grid point and chunk indices; the chunk draws from ``SeedSequence([study.seed, point, chunk])``.

    Returns
    -------
    dict of str to numpy.ndarray
        Per-trajectory arrays (``Study.chunk_trajectories(chunk)`` of them), one per metric of ``METRICS``.

    Raises
    ------
    ValueError
        As for :func:`build`, if the point's parameters do not build.

    Examples
    --------
    >>> import numpy as np
    >>> from stochlim.sweeps import parse_study, EXAMPLE
    >>> study = parse_study(EXAMPLE.replace("chunk_size = 5000", "chunk_size = 100"))
    >>> a, b = run_chunk(study, 1, 0), run_chunk(study, 1, 0)
    >>> a["n_jumps"].shape, bool(np.array_equal(a["heat"], b["heat"]))  # same indices, same numbers
    ((100,), True)
    """
    import numpy.random as npr

    size = study.chunk_trajectories(chunk)
    return build(study.params(point))(size, npr.SeedSequence([study.seed, point, chunk]))


