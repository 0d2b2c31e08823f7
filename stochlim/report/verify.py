"""The Monte Carlo verification as a markdown table and a report section (``stochlim verify``)."""

from __future__ import annotations

import time

from ..verify import Z_MAX, run_verification
from .tables import markdown_table

__all__ = ["format_table", "section"]


def format_table(checks) -> str:
    """Markdown table of checks with z-scores and pass/fail.

    Parameters
    ----------
    checks : iterable of stochlim.verify.Check
        The checks, one row each.

    Returns
    -------
    str
        The markdown table (no trailing newline).

    Examples
    --------
    >>> from stochlim.verify import Check
    >>> print(format_table([Check("two-state", "mean heat", 0.51, 0.01, 0.5, 1.0, True)]).splitlines()[-1])
    | two-state | mean heat | 0.51 | 0.01 | 0.5 | +1.00 | pass |
    """
    return markdown_table(
        ["case", "quantity", "Monte Carlo", "SE", "reference", "z", "result"],
        [(c.case, c.quantity, c.value, c.stderr, c.reference, c.z, "pass" if c.passed else "**FAIL**")
         for c in checks],
        formats={2: lambda x: f"{x:.6g}", 3: lambda x: f"{x:.2g}", 4: lambda x: f"{x:.6g}",
                 5: lambda x: f"{x:+.2f}"},
    )


def section(n_trajectories: int = 20_000, rng=20261129) -> str:
    """The verification table as a section of ``stochlim reproduce``'s report.

    Parameters are those of :func:`stochlim.verify.run_verification`.

    Parameters
    ----------
    n_trajectories : int, optional
        Trajectories per case.
    rng : None, int, SeedSequence or Generator, optional
        Root of the streams.

    Returns
    -------
    str
        A markdown section: how many checks pass, then :func:`format_table` of them.

    Raises
    ------
    ValueError
        As :func:`stochlim.verify.run_verification`, for a bad ``n_trajectories`` or ``rng``.

    Examples
    --------
    >>> text = section(n_trajectories=500)
    >>> print(text.splitlines()[0])
    ## Monte Carlo verification (`stochlim verify`)
    >>> "**FAIL**" in text, text.count("| pass |") > 20
    (False, True)
    """
    start = time.perf_counter()
    checks = run_verification(n_trajectories=n_trajectories, rng=rng)
    n_pass = sum(c.passed for c in checks)
    return (
        "## Monte Carlo verification (`stochlim verify`)\n\n"
        f"SSA ensemble means ({n_trajectories} trajectories per case, rng {rng}) against the master "
        f"equation and closed forms; pass = within {Z_MAX:g} standard errors. "
        f"{n_pass} of {len(checks)} checks pass ({time.perf_counter() - start:.1f} s).\n\n"
        + format_table(checks)
        + "\n"
    )
