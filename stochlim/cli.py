"""The ``stochlim`` command line.

Sub-commands: ``bounds`` (energy bounds for a workload), ``figures`` (the paper's figures),
``reproduce`` (figures plus ``report.md``: every printed number against its recomputation, and the
Monte Carlo verification), ``verify`` (SSA against the master equation and closed forms), ``lim``
(run a learning-in-memory array on a problem file), ``coarse`` (fine double wells against the
two-state rates), ``optimize`` (the least-work erasure of a bit against the closed forms), ``sweep``
(a parameter study from a TOML file, checkpointed, local or on Dask) and ``fluctuations`` (exact
cumulants and exact-vs-sampled laws for a study point).

Every failure ends with one line on stderr, never a traceback, and an exit code that says which
kind it was (``EXIT_CHECK_FAILED``, ``EXIT_USAGE``, ``EXIT_RUNTIME``, ``EXIT_INTERRUPTED``)."""

from __future__ import annotations

import argparse
import errno
import json
import math
import sys
import zipfile
from contextlib import contextmanager
from pathlib import Path

from ._version import __version__
from .units import DEFAULT_TEMPERATURE

__all__ = ["main", "build_parser", "EXIT_CHECK_FAILED", "EXIT_USAGE", "EXIT_RUNTIME", "EXIT_INTERRUPTED"]

EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2
EXIT_RUNTIME = 3
EXIT_INTERRUPTED = 130

#: Errors of the input (arguments, files, sizes): exit code 2.
_INPUT_ERRORS = (ValueError, TypeError, OverflowError, RecursionError, MemoryError, EOFError, zipfile.BadZipFile)
#: ``OSError`` numbers of runtime failures of the machine rather than of the input: exit code 3.
_RUNTIME_ERRNOS = {errno.ENOSPC, errno.EIO, errno.EROFS, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (no usage block), exit code 2."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _count(text: str) -> int:
    """An argparse type for counts: an integer, also written as ``1e6`` (an integral float)."""
    try:
        value = float(text) if any(c in text for c in ".eE") else int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}")
    return int(value)


def _out_folder(value: str) -> Path:
    """Check an ``--out`` folder before any work: a non-empty name, not an existing file."""
    if value.strip() == "":
        raise ValueError("--out must name a folder: got an empty string")
    out = Path(value)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} exists and is not a folder")
    return out


@contextmanager
def _output_folder(value: str):
    """Yield the checked ``--out`` folder; remove it again if this command created it and failed
    before writing anything into it."""
    out = _out_folder(value)
    created = not out.exists()
    try:
        yield out
    except BaseException:
        if created and out.is_dir() and not any(out.iterdir()):
            out.rmdir()
        raise


def _add_bounds(sub) -> None:
    p = sub.add_parser(
        "bounds",
        help="LIM, CEB and retention energy bounds for a workload (Eq. 22-24, A.12)",
        description="Energy bounds in joules for training F FLOPs over M parameters at precision "
        "delta (or bits, delta = 2^-bits), for one or more schedule hyper-parameters gamma.",
    )
    p.add_argument("--flops", type=float, required=True, help="training workload #FLOPs (F)")
    p.add_argument("--params", type=float, required=True, help="number of parameters (M)")
    precision = p.add_mutually_exclusive_group(required=True)
    precision.add_argument("--bits", type=float, help="memory precision in bits (delta = 2^-bits)")
    precision.add_argument("--delta", type=float, help="memory precision delta in (0, 1)")
    p.add_argument("--gamma", type=float, nargs="+", required=True, help="schedule decay parameter(s) >= 0")
    p.add_argument("--schedule", choices=("polynomial", "exponential"), default="polynomial",
                   help="r_n = n^-(1+gamma) (Eq. 18-19) or r_n = e^(-gamma n) (A.12); default polynomial")
    p.add_argument("--n-updates", type=_count, default=None,
                   help="truncate the sums at N updates (default: infinite, Eq. 24)")
    p.add_argument("--temperature", type=float, default=DEFAULT_TEMPERATURE,
                   help=f"temperature in K (default {DEFAULT_TEMPERATURE:g})")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=_cmd_bounds)


def _add_figures(sub) -> None:
    p = sub.add_parser("figures", help="write the paper's Fig. 3 and Fig. 6A-D as PNG and PDF",
                       description="Render Fig. 3 and Fig. 6A-D (corrected equations) into DIR.")
    p.add_argument("--out", required=True, help="output folder (created if missing)")
    p.set_defaults(func=_cmd_figures)


def _add_reproduce(sub) -> None:
    p = sub.add_parser(
        "reproduce",
        help="the main job: all figures plus report.md comparing every printed number",
        description="Write every figure and report.md: each number the paper prints, the "
        "recomputed value, the relative difference and the erratum where they differ.",
    )
    p.add_argument("--out", required=True, help="output folder (created if missing)")
    p.set_defaults(func=_cmd_reproduce)


def _add_verify(sub) -> None:
    p = sub.add_parser(
        "verify",
        help="Monte Carlo (SSA) against the master equation, Eq. 7 and the paper's protocol",
        description="Run the standard verification cases and print z-scores with pass/fail; "
        "exit code 1 when any check fails.",
    )
    p.add_argument("--trajectories", type=_count, default=20_000, help="trajectories per case (default 20000)")
    p.add_argument("--seed", type=int, default=20261129, help="root seed (default 20261129)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=_cmd_verify)


def _add_lim(sub) -> None:
    p = sub.add_parser(
        "lim",
        help="run a learning-in-memory array on a quadratic or Ising problem and print the summary",
        description="Simulate the array (exact SSA) on the problem in PROBLEM_FILE (.npz or .json "
        "with A, b, levels, quantum or J, h; see stochlim.lim.load_problem) and print success, "
        "precision, time- and energy-to-solution next to the LIM and CEB bounds. Inputs given as "
        "two numbers ramp linearly from the first to the second over the run.",
    )
    p.add_argument("problem_file", metavar="PROBLEM_FILE", help=".npz or .json problem file")
    p.add_argument("--barrier", type=float, nargs="+", default=[0.0], metavar="E0",
                   help="barrier in kT: one value, or START END for a ramp (default 0)")
    p.add_argument("--scale", type=float, nargs="+", default=[1.0], metavar="S",
                   help="problem-energy scale: one value, or START END (default 1)")
    p.add_argument("--leak", type=float, nargs="+", default=None, metavar="L",
                   help="leak (quadratic problems): one value, or START END (default none)")
    p.add_argument("--t-end", type=float, default=10.0, help="run time in 1/J_max (default 10)")
    p.add_argument("--trajectories", type=_count, default=1000, help="independent runs (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    p.add_argument("--rate-law", choices=("paper", "arrhenius"), default="paper")
    p.add_argument("--temperature", type=float, default=DEFAULT_TEMPERATURE,
                   help=f"temperature in K (default {DEFAULT_TEMPERATURE:g})")
    p.add_argument("--gamma", type=float, default=None,
                   help="schedule gamma for the lim_energy bound (default: not shown)")
    p.add_argument("--optimum", type=float, default=None, metavar="E",
                   help="optimum energy in kT (default: brute force; needed for large problems)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=_cmd_lim)


def _add_coarse(sub) -> None:
    p = sub.add_parser(
        "coarse",
        help="fine-grained double wells against the two-state rates of Eq. 3 and Eq. 7",
        description="Write coarse_rates.csv, coarse_ramp.csv, coarse.md and the coarse.png/.pdf "
        "figure into DIR: effective rates of a discretised quartic double well against Kramers, "
        "Arrhenius and Eq. 7 for several E0, biases and K, and the two-state heat error against "
        "the duration of a driven ramp (see stochlim.coarse).",
    )
    p.add_argument("--out", required=True, help="output folder (created if missing)")
    p.add_argument("--E0", type=float, nargs="+", default=[1, 1.5, 2, 3, 4, 6, 8, 10, 12, 14, 16],
                   help="barriers in kT (default 1 ... 16)")
    p.add_argument("--dE", type=float, nargs="+", default=[0.0, 1.0, 2.0], help="biases in kT (default 0 1 2)")
    p.add_argument("--K", type=_count, nargs="+", default=[51, 101, 401], help="numbers of sites (default 51 101 401)")
    p.add_argument("--durations", type=float, nargs="+", default=[0.03, 0.1, 0.3, 1, 3, 10, 30, 100],
                   help="ramp durations in 1/D (default 0.03 ... 100)")
    p.set_defaults(func=_cmd_coarse)


#: Options of ``stochlim optimize`` that set the erasure problem, with their defaults.
_ERASURE_DEFAULTS = {"eps": None, "tau": None, "device": "fixed_rate", "rate": 1.0, "steps": 32, "knots": None,
                     "end_jumps": True, "objective": "work"}


def _flag(option: str) -> str:
    return "--no-end-jumps" if option == "end_jumps" else f"--{option}"


def _add_optimize(sub) -> None:
    p = sub.add_parser(
        "optimize",
        help="least-work protocol in a given time: a problem file, or a bit's erasure against the closed forms",
        description="Optimise a protocol (exact master-equation gradients, SLSQP): the problem in "
        "PROBLEM.toml (model, controls, target, tau, constraints; --example prints one), or with "
        "--eps/--tau the erasure of a bit from p = 1/2 to error EPS in time TAU, printed beside the "
        "closed-form optimum and the bounds. With --out write protocol.csv, optimum.json and "
        "protocol.png (stochlim.control).",
    )
    p.add_argument("problem", nargs="?", metavar="PROBLEM.toml", help="a problem file (instead of --eps/--tau)")
    p.add_argument("--example", action="store_true", help="print a small valid problem file and exit")
    p.add_argument("--device", choices=("fixed_rate", "rate_cap"),
                   help="fixed total rate (paper law, barrier held) or every rate <= J_max (default fixed_rate)")
    p.add_argument("--eps", type=float, help="final error, in (0, 1/2)")
    p.add_argument("--tau", type=float, help="duration in units of 1 / rate")
    p.add_argument("--rate", type=float, help="Gamma (fixed_rate) or J_max (rate_cap); default 1")
    p.add_argument("--steps", type=int, help="piecewise-constant steps or linear sub-steps (default 32)")
    p.add_argument("--knots", type=int, help="piecewise-linear controls through this many knots")
    p.add_argument("--no-end-jumps", dest="end_jumps", action="store_false",
                   help="continuous protocols: the gap starts and ends at 0 (needs --knots >= 3)")
    p.add_argument("--objective", choices=("work", "heat", "entropy_production"),
                   help="what to minimise (default work)")
    p.add_argument("--out", metavar="DIR", help="write protocol.csv, optimum.json and protocol.png here")
    p.set_defaults(func=_cmd_optimize, **_ERASURE_DEFAULTS)


def _add_sweep(sub) -> None:
    p = sub.add_parser(
        "sweep",
        help="run a parameter study from a TOML file in checkpointed chunks (locally or on Dask)",
        description="Run every grid point of STUDY.toml in chunks written atomically into DIR, then "
        "write DIR/results.csv (one row per point), per-point arrays and provenance.json. A killed "
        "run finishes with --resume, identically. See stochlim.sweeps for the file format.",
    )
    p.add_argument("study", nargs="?", metavar="STUDY.toml", help="the study file")
    p.add_argument("--out", metavar="DIR", help="output folder (new, empty, or this study's with --resume)")
    p.add_argument("--resume", action="store_true", help="keep verified chunks in DIR and finish the study")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler, e.g. tcp://host:8786 "
                   "(needs stochlim[distributed]); overrides the study's scheduler")
    p.add_argument("--example", action="store_true", help="print a small valid study and exit")
    p.add_argument("--max-points", type=float, metavar="N", help="refuse studies of more grid points "
                   "(default: the study's max_points, else 1e6)")
    p.add_argument("--max-bytes", type=float, metavar="B", help="refuse studies writing more bytes "
                   "(default: the study's max_bytes, else 100 GiB)")
    p.add_argument("--max-events", type=float, metavar="E", help="refuse studies of more jumps, bounded "
                   "by rate x t_end x trajectories (default: the study's max_events, else 1e13)")
    p.set_defaults(func=_cmd_sweep)


def _add_fluctuations(sub) -> None:
    p = sub.add_parser(
        "fluctuations",
        help="exact cumulants and exact-vs-sampled laws of work, heat and jumps for a study point",
        description="For one grid point of a study file: the exact mean, variance, skewness and "
        "kurtosis of the work, heat, entropy production and jump count at t_end (tilted master "
        "equation), and figures of the sampled laws against the exact ones with p-values.",
    )
    p.add_argument("study", help="study TOML file (see stochlim sweep --example)")
    p.add_argument("--out", required=True, help="output folder for the figures (created if missing)")
    p.add_argument("--point", type=int, default=0, help="grid point index (default 0)")
    p.add_argument("--trajectories", type=int, default=None, help="SSA trajectories (default: the study's)")
    p.set_defaults(func=_cmd_fluctuations)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``stochlim`` command.

    Returns
    -------
    argparse.ArgumentParser
        The parser with one sub-command per job (``bounds``, ``figures``, ``reproduce``, ``verify``,
        ``lim``, ``coarse``, ``optimize``, ``sweep``, ``fluctuations``); each parsed namespace carries
        ``command`` and ``func``, the function :func:`main` calls.

    Raises
    ------
    SystemExit
        From ``parse_args``: code 2 with a one-line message on stderr for bad arguments, code 0
        after ``--help`` or ``--version``.

    Examples
    --------
    >>> args = build_parser().parse_args(
    ...     ["bounds", "--flops", "1e18", "--params", "1e9", "--bits", "8", "--gamma", "0.5"])
    >>> args.command, args.flops, args.gamma
    ('bounds', 1e+18, [0.5])
    """
    parser = _Parser(
        prog="stochlim",
        description="Stochastic-thermodynamics Monte Carlo and energy bounds for learning-in-memory "
        "hardware (Chen et al. 2026).",
    )
    parser.add_argument("--version", action="version", version=f"stochlim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_bounds(sub)
    _add_figures(sub)
    _add_reproduce(sub)
    _add_verify(sub)
    _add_lim(sub)
    _add_coarse(sub)
    _add_optimize(sub)
    _add_sweep(sub)
    _add_fluctuations(sub)
    return parser


def _cmd_bounds(args) -> int:
    from . import bounds, units

    delta = bounds.delta_from_bits(args.bits) if args.bits is not None else args.delta
    common = dict(delta=delta, temperature=args.temperature)
    lim = bounds.lim_energy(args.flops, args.params, gamma=args.gamma, schedule=args.schedule,
                            n_updates=args.n_updates, **common)
    lim = [float(x) for x in (lim if hasattr(lim, "__len__") else [lim])]
    ceb = bounds.ceb_energy(args.flops, args.params, **common)
    static = bounds.retention_energy(args.params, **common)
    result = {
        "inputs": {"flops": args.flops, "params": args.params, "delta": delta,
                   "schedule": args.schedule, "n_updates": args.n_updates,
                   "temperature_K": args.temperature},
        "ceb_energy_J": ceb,
        "retention_energy_J": static,
        "lim": [{"gamma": g, "lim_energy_J": e, "lim_over_ceb": e / ceb}
                for g, e in zip(args.gamma, lim)],
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    sums = "infinite sums" if args.n_updates is None else f"N = {args.n_updates} updates"
    print(f"F = {args.flops:.4g} FLOPs, M = {args.params:.4g} parameters, delta = {delta:.4g}, "
          f"T = {args.temperature:g} K, {args.schedule} schedule, {sums}")
    print(f"{'gamma':>10}  {'LIM energy [J]':>15}  {'LIM [MWh]':>12}  {'LIM / CEB':>10}")
    for row in result["lim"]:
        print(f"{row['gamma']:>10.4g}  {row['lim_energy_J']:>15.6e}  "
              f"{units.joules_to_mwh(row['lim_energy_J']):>12.4e}  {row['lim_over_ceb']:>10.4g}")
    print(f"CEB (F + M) kT ln(1/delta): {ceb:.6e} J;  retention M kT ln(1/delta): {static:.6e} J")
    return 0


def _headless() -> None:
    """Select matplotlib's non-interactive Agg backend: the command line only writes files."""
    import matplotlib

    matplotlib.use("Agg")


def _cmd_figures(args) -> int:
    from .report.reproduce import save_figures

    _headless()
    with _output_folder(args.out) as out:
        for path in save_figures(out):
            print(path)
    return 0


def _cmd_reproduce(args) -> int:
    from .report.reproduce import write_report

    _headless()
    with _output_folder(args.out) as out:
        path = write_report(out)
    print(f"wrote {path} and the figures beside it")
    return 0


def _cmd_verify(args) -> int:
    from . import verify
    from .report.verify import format_table

    checks = verify.run_verification(n_trajectories=args.trajectories, rng=args.seed, progress=sys.stderr.isatty())
    if args.json:
        print(json.dumps(verify.as_dicts(checks), indent=2))
    else:
        print(format_table(checks))
        print(f"{sum(c.passed for c in checks)} passed, {sum(not c.passed for c in checks)} failed")
    return 0 if all(c.passed for c in checks) else 1


def _cmd_lim(args) -> int:
    from dataclasses import asdict

    from . import lim
    from .protocols import PiecewiseLinear

    def protocol(name, values):
        if values is None or len(values) == 1:
            return None if values is None else values[0]
        if len(values) != 2:
            raise ValueError(f"--{name} takes one value or START END: got {len(values)} values")
        return PiecewiseLinear([0.0, args.t_end], values)

    problem = lim.load_problem(args.problem_file)
    res = lim.run(problem, barrier=protocol("barrier", args.barrier), scale=protocol("scale", args.scale),
                  leak=protocol("leak", args.leak), t_end=args.t_end, n_trajectories=args.trajectories,
                  rate_law=args.rate_law, rng=args.seed, optimum=args.optimum, progress=sys.stderr.isatty())
    summary = res.summary(temperature=args.temperature, gamma=args.gamma)
    if args.json:
        print(json.dumps(asdict(summary), indent=2))
    else:
        print(summary.table())
    return 0


def _cmd_coarse(args) -> int:
    from .report.coarse import write_coarse

    _headless()
    with _output_folder(args.out) as out:
        for path in write_coarse(out, E0_values=args.E0, dE_values=args.dE, K_values=args.K,
                                 durations=args.durations):
            print(path)
    return 0


def _cmd_optimize(args) -> int:
    from . import finite_time as ft
    from .control import optimize
    from .control.erasure import closed_form, erasure_problem
    from .control.spec import EXAMPLE, load_problem
    from .report.control import write_optimum

    if args.example:
        print(EXAMPLE, end="")
        return 0
    if args.out is not None:
        _out_folder(args.out)  # a bad --out is refused before the optimisation, not after it
    if args.problem is not None:
        given = [_flag(k) for k, default in _ERASURE_DEFAULTS.items() if getattr(args, k) != default]
        if given:
            raise ValueError(f"{', '.join(given)} set the erasure problem: give them or a problem file, not both "
                             "(the file says the model, controls, objective and tau)")
        res = optimize(load_problem(args.problem))
        print(res.table())
        exact = None
    else:
        if args.eps is None or args.tau is None:
            raise ValueError("give a problem file, or --eps and --tau (--example prints a problem file)")
        ft.erasure_optimum(args.eps, args.tau, args.device, rate=args.rate)  # infeasible: a clear error
        prob = erasure_problem(args.device, eps=args.eps, tau=args.tau, n_steps=args.steps, rate=args.rate,
                               objective=args.objective, knots=args.knots, end_jumps=args.end_jumps)
        res = optimize(prob)
        exact = closed_form(args.device, eps=args.eps, tau=args.tau, rate=args.rate)
        print(res.table())
        print(f"closed form: least work {exact.work:.6g} kT; Landauer term {ft.landauer_term(args.eps):.6g} kT; "
              f"slow driving {ft.slow_driving_work(args.eps, args.rate * args.tau, args.device):.6g} kT")
    if args.out is not None:
        _headless()
        with _output_folder(args.out) as out:
            for path in write_optimum(res, out, reference=exact):
                print(path)
    return 0 if res.success else 1


def _cmd_sweep(args) -> int:
    from .sweeps import EXAMPLE, SweepInterrupted, sweep

    if args.example:
        print(EXAMPLE, end="")
        return 0
    if args.study is None or args.out is None:
        raise ValueError("give a study file and --out DIR (or --example for a study to start from)")
    limits = {"max_points": args.max_points, "max_bytes": args.max_bytes, "max_events": args.max_events}
    try:
        table = sweep(args.study, out=_out_folder(args.out), resume=args.resume, scheduler=args.scheduler,
                      quiet=args.quiet, limits=limits)
    except SweepInterrupted as exc:
        print(f"stochlim sweep: {exc}", file=sys.stderr)
        return EXIT_INTERRUPTED
    if not args.quiet:
        print(f"{len(table['point'])} points -> {args.out}/results.csv")
    return 0


def _cmd_fluctuations(args) -> int:
    from .report.fluctuations import fluctuation_report

    _headless()
    with _output_folder(args.out) as out:
        text, paths = fluctuation_report(args.study, out=out, point=args.point, trajectories=args.trajectories)
    print(text, end="")
    for path in paths:
        print(path)
    return 0


def main(argv=None) -> int:
    """Entry point of the ``stochlim`` console script; returns the exit code.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after ``stochlim`` (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, ``EXIT_CHECK_FAILED`` (1) when a check fails, ``EXIT_USAGE`` (2) for bad
        input (a ``ValueError``/``TypeError`` of the library, reported on stderr in one line),
        ``EXIT_RUNTIME`` (3) for a failure of the machine (disk, network, a solver),
        ``EXIT_INTERRUPTED`` (130) after Ctrl-C.

    Raises
    ------
    SystemExit
        Code 2 when ``argv`` does not parse (unknown command or option, missing argument).

    Examples
    --------
    >>> import contextlib, io, json
    >>> buf = io.StringIO()
    >>> with contextlib.redirect_stdout(buf):
    ...     code = main(["bounds", "--flops", "1e18", "--params", "1e9", "--bits", "8", "--gamma", "0.5",
    ...                  "--json"])
    >>> code, f"{json.loads(buf.getvalue())['ceb_energy_J']:.6g}"
    (0, '0.0228147')
    >>> main(["bounds", "--flops", "-1", "--params", "1e9", "--bits", "8", "--gamma", "0.5"]) == EXIT_USAGE
    True
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print(f"stochlim {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except NotImplementedError:
        raise
    except (*_INPUT_ERRORS, OSError, RuntimeError) as exc:  # RuntimeError: a solver that did not converge
        print(f"stochlim {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return _exit_code(exc)


def _exit_code(exc: BaseException) -> int:
    """2 for bad input, 3 for a failure of the machine (disk, network); see the module docstring."""
    if isinstance(exc, _INPUT_ERRORS):
        return EXIT_USAGE
    if isinstance(exc, OSError) and not isinstance(exc, (ConnectionError, TimeoutError)) \
            and exc.errno is not None and exc.errno not in _RUNTIME_ERRNOS:
        return EXIT_USAGE  # a path the user gave: missing, a folder, not permitted
    return EXIT_RUNTIME


def _one_line(exc: BaseException) -> str:
    """The message of ``exc`` on one line (a plain phrase when it has none)."""
    text = " ".join(str(exc).split())
    return text or {RecursionError: "input nested too deeply", MemoryError: "out of memory"}.get(
        type(exc), type(exc).__name__)
