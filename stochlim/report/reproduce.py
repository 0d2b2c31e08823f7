"""``stochlim reproduce``: every analytic number the paper prints, recomputed, with its errata.

The report compares each value printed in Chen et al. (2026) with the value stochlim computes
from the corrected equations (``docs/errata.md``; constants in ``docs/constants.md``) and names the
erratum wherever the two differ by more than the paper's three printed figures. The Monte Carlo
verification, the optimiser and the coarse-graining check add their sections through
:data:`SECTIONS`. Library code here never selects a matplotlib backend: the command line does.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .. import bounds, physics, schedules, units
from .._files import atomic_write_text
from .._version import __version__
from ..constants import (
    BITS,
    BRAIN_FLOPS,
    BRAIN_PARAMS,
    DELTA,
    N_UPDATES,
    PAPER_GAMMAS,
    PRINTED_FIG6B,
)
from . import coarse as _coarse
from . import lim as _lim
from . import optimal as _optimal
from . import verify as _verify
from .tables import markdown_table

__all__ = [
    "PRINTED_RTOL",
    "PaperValue",
    "paper_values",
    "claims",
    "SECTIONS",
    "save_figures",
    "write_report",
]

#: Agreement expected between a printed value and its recomputation: three printed figures.
PRINTED_RTOL = 3e-3

#: The paper's brain-scale workload (:mod:`stochlim.constants`).
BRAIN = dict(flops=BRAIN_FLOPS, n_params=BRAIN_PARAMS, delta=DELTA)


@dataclass(frozen=True)
class PaperValue:
    """One number printed in the paper next to its recomputation.

    Attributes
    ----------
    item : str
        What the number is and where it is printed.
    equation : str
        The (corrected) equation used to recompute it.
    printed : float
        The value as printed.
    recomputed : float
        stochlim's value.
    unit : str
        Unit of both values.
    erratum : str
        Explanation when the printed value is wrong (empty when it agrees).

    Parameters
    ----------
    item, equation, printed, recomputed, unit, erratum
        The attributes above.

    Examples
    --------
    >>> v = PaperValue("a number", "Eq. 1", printed=1.001, recomputed=1.0, unit="J")
    >>> round(v.relative_difference, 6), v.agrees
    (0.001, True)
    """

    item: str
    equation: str
    printed: float
    recomputed: float
    unit: str
    erratum: str = ""

    @property
    def relative_difference(self) -> float:
        """``(printed - recomputed) / recomputed``.

        Examples
        --------
        >>> PaperValue("a number", "Eq. 1", printed=2.2, recomputed=2.0, unit="J").relative_difference
        0.10000000000000009
        """
        return (self.printed - self.recomputed) / self.recomputed

    @property
    def agrees(self) -> bool:
        """Whether the printed value matches to its printed precision (``PRINTED_RTOL``).

        Examples
        --------
        >>> PaperValue("a", "Eq. 1", printed=1.001, recomputed=1.0, unit="J").agrees
        True
        >>> PaperValue("b", "Eq. 1", printed=1.1, recomputed=1.0, unit="J").agrees
        False
        """
        return abs(self.relative_difference) <= PRINTED_RTOL


def paper_values() -> list[PaperValue]:
    """All printed numbers of the paper's analytic results with their recomputation (T = 298 K).

    Returns
    -------
    list of PaperValue
        One entry per printed number (Fig. 6B-D, text), erratum filled where the print is wrong.

    Examples
    --------
    >>> values = paper_values()
    >>> first = values[0]
    >>> first.item, first.printed, f"{first.recomputed:.4g}", first.agrees
    ('Fig. 6B, E_total1 (gamma = 0.5)', 1700000000000.0, '1.698e+12', True)
    >>> all(v.agrees or v.erratum for v in values)  # every disagreement is explained
    True
    """
    lim = lambda g, n=None: bounds.lim_energy(**BRAIN, gamma=g, n_updates=n)  # noqa: E731
    rows = [
        PaperValue(f"Fig. 6B, E_total{i + 1} (gamma = {g:g})", "Eq. 24", printed, lim(g), "J",
                   "typo: the printed exponent 9 should be 12 (2.53e12 J)" if printed < 1e11 else "")
        for i, (g, printed) in enumerate(zip(PAPER_GAMMAS, PRINTED_FIG6B))
    ]
    rows += [
        PaperValue(
            "Fig. 6C, lower envelope (N = 1e5, gamma = 0)", "Eq. 23, truncated",
            5.81e11, lim(0.0, N_UPDATES), "J",
        ),
        PaperValue(
            "Fig. 6C, upper envelope (N = 1e5, gamma = 10)", "Eq. 23, truncated",
            2.70e12, lim(10.0, N_UPDATES), "J",
        ),
        PaperValue(
            "Brain-scale conventional training energy 1e17 J", "1 MWh = 3.6e9 J",
            2.78e7, units.joules_to_mwh(1e17), "MWh",
        ),
        PaperValue(
            "Eq. 8 limit r -> 1, dE -> inf", "Eq. 8 (sign corrected)",
            math.log(2.0), physics.barrier_for_rate(1.0, 1e3), "kT",
        ),
        PaperValue(
            "A.1 brain scale, 16 bits, E_bit = 1 fJ", "Eq. A.1", 1e14,
            bounds.hardware_energy(BRAIN["flops"], BRAIN["n_params"], bits=BITS, e_bit=1e-15), "J",
            "printed as an order of magnitude (10^2 TJ); A.1 gives 1.6e2 TJ",
        ),
        PaperValue(
            "A.1 brain scale, 16 bits, E_bit = 1 pJ", "Eq. A.1", 1e17,
            bounds.hardware_energy(BRAIN["flops"], BRAIN["n_params"], bits=BITS, e_bit=1e-12), "J",
            "printed as an order of magnitude (10^5 TJ); A.1 gives 1.6e5 TJ",
        ),
        PaperValue(
            "A.1 text: kT log(1/delta) ~ 1 fJ (16 bits)", "kT ln 2^16", 1e-15,
            units.kT() * BITS * math.log(2.0), "J",
            "1 fJ .. 1 pJ is a device switching energy, not kT ln(1/delta) = 4.56e-20 J",
        ),
        PaperValue(
            "Reported vs LIM, brain scale: '7 orders of magnitude'", "log10(1e17 J / Eq. 23 at N = 1e5)",
            7.0, math.log10(1e17 / lim(0.0, N_UPDATES)), "decades",
            "the printed 5.81e11 J gives 5.2 decades at brain scale (4.9-5.4 per workload)",
        ),
        PaperValue(
            "Eq. 7 at E0 = 0, dE = 1 kT (net rate / J_max)", "Eq. 7 (sign corrected)",
            2.0 * (math.exp(-1.0) - 1.0) / (math.exp(-1.0) + 1.0), physics.net_rate(0.0, 1.0), "1",
            "printed bracket is -tanh(dE/2): the net rate down the bias comes out negative",
        ),
    ]
    for g in (0.5, 1.0, 2.0):
        printed = (1.0 - math.exp(-g)) * math.log(math.exp(g) / math.expm1(g))
        rows.append(
            PaperValue(
                f"A.12 ratio, exponential schedule (gamma = {g:g})", "A.12 (corrected)", printed,
                schedules.ExponentialSchedule(g).dissipation_ratio(), "1",
                "printed prefactor (1 - e^-gamma) should be (e^gamma - 1): off by e^gamma",
            )
        )
    return rows


def claims() -> list[tuple[str, str, bool]]:
    """Qualitative statements of the paper, each with the numbers behind it and whether it holds.

    Returns
    -------
    list of tuple of (str, str, bool)
        ``(statement, numbers, holds)`` for each statement.

    Examples
    --------
    >>> rows = claims()
    >>> rows[0][0], rows[0][2]
    ('T5: LIM above CEB; reported within 1 decade of A.1 at 1 pJ/bit', True)
    """
    out = []
    for w in bounds.load_workloads():
        lim = bounds.lim_energy(w.train_flops, w.params, delta=BRAIN["delta"], gamma=0.0, n_updates=N_UPDATES)
        ceb = bounds.ceb_energy(w.train_flops, w.params, delta=BRAIN["delta"])
        a1 = bounds.hardware_energy(w.train_flops, w.params, bits=BITS, e_bit=1e-12)
        out.append(
            (
                f"{w.model}: LIM above CEB; reported within 1 decade of A.1 at 1 pJ/bit",
                f"LIM {lim:.3e} J, CEB {ceb:.3e} J, A.1 {a1:.3e} J, reported {w.reported_energy_j:.3e} J; "
                f"reported/LIM = 10^{math.log10(w.reported_energy_j / lim):.2f}",
                bool(lim > ceb and abs(math.log10(w.reported_energy_j / a1)) < 1.0),
            )
        )
    return out


def _fmt(x: float) -> str:
    return f"{x:.6g}" if 1e-3 <= abs(x) < 1e4 else f"{x:.4e}"


def _power(x: float) -> str:
    """``1e28`` rather than ``1e+28`` for the round constants of the text."""
    mantissa, exponent = f"{x:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def _paper_section() -> str:
    values = markdown_table(
        ["item", "equation", "printed", "recomputed", "unit", "rel. diff", "status"],
        [(v.item, v.equation, v.printed, v.recomputed, v.unit, v.relative_difference,
          "ok" if v.agrees else f"**erratum**: {v.erratum or 'disagrees'}") for v in paper_values()],
        formats={2: _fmt, 3: _fmt, 5: lambda x: f"{x:+.2e}"},
    )
    claim_table = markdown_table(["claim", "numbers", "holds"],
                                 [(c, n, "yes" if ok else "no") for c, n, ok in claims()])
    return (
        "## Printed values against the corrected equations\n\n"
        f"Temperature {units.DEFAULT_TEMPERATURE:g} K (kT = {units.kT():.6e} J); brain scale "
        f"F = {_power(BRAIN_FLOPS)}, M = {_power(BRAIN_PARAMS)}, delta = 2^-{BITS}; "
        f"finite sums N = {_power(N_UPDATES)}. "
        f"'ok' means agreement within {PRINTED_RTOL:g} (three printed figures).\n\n"
        + values
        + "\n\n## Claims of the paper's Fig. 6D discussion\n\n"
        + claim_table
        + "\n"
    )


#: Report sections, in order: each is a callable returning markdown.
SECTIONS: list[Callable[[], str]] = [_paper_section, _verify.section, _lim.section, _coarse.section,
                                     _optimal.section]

#: Figures beyond the paper's, drawn by :func:`save_figures` after those of :mod:`stochlim.plots`.
EXTRA_FIGURES: dict[str, Callable] = {"optimal_protocols": _optimal.plot_dissipation_vs_time}


def save_figures(out_dir, formats=("png", "pdf")) -> list[Path]:
    """Render every figure of :mod:`stochlim.plots` into ``out_dir`` and return the file paths.

    Parameters
    ----------
    out_dir : str or path-like
        Folder to write into (created when missing).
    formats : sequence of str, optional
        Matplotlib output formats.

    Returns
    -------
    list of pathlib.Path
        The files written: each figure of :data:`stochlim.plots.FIGURES` and ``EXTRA_FIGURES``
        in each format.

    Raises
    ------
    OSError
        If the folder cannot be created or a file cannot be written.

    Examples
    --------
    >>> import tempfile
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     names = sorted(p.name for p in save_figures(tmp, formats=("png",)))
    >>> names
    ['fig3.png', 'fig6a.png', 'fig6b.png', 'fig6c.png', 'fig6d.png', 'optimal_protocols.png']
    """
    from .. import plots

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (fig, _ax) in plots.all_figures().items():
        written += plots.save_figure(fig, out, name, formats)
    for name, draw in EXTRA_FIGURES.items():
        fig, _ax = draw()
        written += plots.save_figure(fig, out, name, formats)
    return written


def write_report(out_dir, *, figures: bool = True) -> Path:
    """Write ``report.md`` (and, by default, every figure) into ``out_dir``; return the report path.

    Parameters
    ----------
    out_dir : str or path-like
        Folder to write into (created when missing).
    figures : bool, optional
        Also render every figure (:func:`save_figures`, PNG and PDF).

    Returns
    -------
    pathlib.Path
        The path of ``report.md``: every section of :data:`SECTIONS` (printed values, Monte Carlo
        verification, learning-in-memory array, coarse-graining, optimal protocols), which runs the
        simulations behind them (about a second once numba's compiled kernels are cached).

    Raises
    ------
    OSError
        If the folder cannot be created or a file cannot be written.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     report = write_report(tmp, figures=False)
    ...     text = report.read_text()
    >>> report.name, text.splitlines()[0].split(":")[1]
    ('report.md', ' reproduction of Chen et al. (2026)')
    >>> for line in text.splitlines():
    ...     if line.startswith("## "):
    ...         print(line)
    ## Printed values against the corrected equations
    ## Claims of the paper's Fig. 6D discussion
    ## Monte Carlo verification (`stochlim verify`)
    ## Learning-in-memory array (stochlim.lim)
    ## Two-state rates against a fine double well (`stochlim coarse`)
    ## The paper's update against the least work for the same time and error
    >>> "**FAIL**" in text   # every Monte Carlo check of the report passes
    False
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    written = save_figures(out) if figures else []
    body = "\n".join(section() for section in SECTIONS)
    figure_lines = "".join(f"- [{p.name}]({p.name})\n" for p in written if p.suffix == ".png")
    text = (
        f"# stochlim {__version__}: reproduction of Chen et al. (2026)\n\n"
        "Chen, Ahsan, Chakrabartty, Leugering, Cauwenberghs, \"Estimation of Energy-dissipation "
        "Lower-bounds for Neuromorphic Learning-in-memory\" (2026). The corrections and their "
        "derivations are in the stochlim repository's `docs/errata.md`, the constants in "
        "`docs/constants.md`.\n\n"
        + body
        + ("\n## Figures\n\n" + figure_lines if figure_lines else "")
        + f"\n_Generated in {time.perf_counter() - start:.1f} s; numpy {np.__version__}._\n"
    )
    return atomic_write_text(out / "report.md", text)
