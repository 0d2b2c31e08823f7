"""Ready-made erasure problems for a two-state bit.

:func:`erasure_problem` builds the two device models of :mod:`stochlim.finite_time` as
:class:`~stochlim.control.Problem` instances, so that the optimiser can be held against the closed
forms (:func:`closed_form`). Writing an optimum to files (protocol table, summary, figure) is the
report layer's job: :mod:`stochlim.report.control`.
"""

from __future__ import annotations

import math

from .. import finite_time as ft
from .._deprecation import moved_to
from .._validation import check_positive
from ..models import two_state
from .problem import MaxError, Problem, barrier, energy

__all__ = ["closed_form", "erasure_problem"]

# moved to the report layer (kept for one release, with a DeprecationWarning)
__getattr__ = moved_to("stochlim.control.erasure", "stochlim.report.control",
                       {"plot_optimum": "plot_optimum", "write_optimum": "write_optimum"})

#: Bounds on the gap and the barrier (kT) of the ready-made problems: wide enough not to bind.
GAP_BOUND = 40.0


def erasure_problem(device="fixed_rate", *, eps, tau, n_steps=32, rate=1.0, objective="work",
                    knots=None, end_jumps=True) -> Problem:
    """Erase a bit from ``p = 1/2`` to ``P(state 1) <= eps`` in ``tau``, gap ``E_1 - E_0`` free.

    ``"fixed_rate"``: the paper law with the barrier held so that ``k_01 + k_10 = rate``
    (``E0 = ln(2 / rate)`` with ``J_max = 1``); ``"rate_cap"``: the Arrhenius law with gap and barrier
    free and every rate ``<= rate`` (``J_max = rate``). Times in the unit of ``1 / J_max``.
    ``knots``: piecewise-linear controls through that many knots (see :class:`Problem`);
    ``end_jumps=False`` then makes them continuous, from 0 at ``t = 0`` back to 0 at ``tau``.

    Parameters
    ----------
    device : {"fixed_rate", "rate_cap"}, optional
        Device model (:data:`stochlim.finite_time.DEVICES`).
    eps : float
        Largest final error ``P(state 1)``, in (0, 1).
    tau : float
        Duration (> 0) in ``1 / J_max``.
    n_steps : int, optional
        Steps (or sub-steps with ``knots``) of the propagation.
    rate : float, optional
        Total rate (fixed rate) or rate cap ``J_max`` (> 0).
    objective : {"work", "heat", "entropy_production"}, optional
        What is minimised.
    knots : int, optional
        Number of knots of piecewise-linear controls (None: piecewise constant).
    end_jumps : bool, optional
        Whether the controls may jump at ``0`` and ``tau`` (False needs ``knots >= 3``).

    Returns
    -------
    Problem
        One control (the gap) for the fixed rate; the gap and the barrier, capped at ``rate``,
        for the rate cap.

    Raises
    ------
    ValueError
        If ``device`` is unknown, ``rate`` is not positive, or :class:`Problem` rejects
        ``eps``, ``tau``, ``n_steps``, ``objective``, ``knots`` or ``end_jumps``.

    Examples
    --------
    >>> from stochlim.control.erasure import erasure_problem
    >>> prob = erasure_problem("rate_cap", eps=0.1, tau=5.0, n_steps=8)
    >>> [c.name for c in prob.controls], prob.max_rate
    (['energy[1]', 'barrier[0]'], 1.0)
    """
    r = float(check_positive("rate", rate))
    if device == "fixed_rate":
        bit = two_state(math.log(2.0 / r))
        ctrls = [energy(1, 2, lower=-GAP_BOUND, upper=GAP_BOUND)]
        cap = None
    elif device == "rate_cap":
        bit = two_state(0.0, rate_law="arrhenius", J_max=r)
        ctrls = [energy(1, 2, lower=-GAP_BOUND, upper=GAP_BOUND), barrier(0, 1, lower=-GAP_BOUND, upper=GAP_BOUND)]
        cap = r
    else:
        raise ValueError(f"device must be one of {ft.DEVICES}: got {device!r}")
    return Problem(bit, ctrls, tau, [0.5, 0.5], MaxError([1], eps), objective, n_steps, cap, knots, end_jumps)


def closed_form(device, *, eps, tau, rate=1.0) -> ft.ErasureOptimum:
    """The exact optimum of :func:`erasure_problem`'s problem (its ``rate`` sets the time unit).

    Parameters
    ----------
    device : {"fixed_rate", "rate_cap"}
        Device model.
    eps, tau : float
        Final error in (0, 1/2) and duration (> 0).
    rate : float, optional
        Total rate or rate cap (> 0).

    Returns
    -------
    stochlim.finite_time.ErasureOptimum
        From :func:`stochlim.finite_time.erasure_optimum`.

    Raises
    ------
    ValueError
        If ``device`` is unknown, an input is out of range, or ``tau`` is below the least feasible
        time.

    Examples
    --------
    >>> from stochlim.control import optimize
    >>> from stochlim.control.erasure import closed_form, erasure_problem
    >>> exact = closed_form("rate_cap", eps=0.1, tau=5.0)
    >>> res = optimize(erasure_problem("rate_cap", eps=0.1, tau=5.0, n_steps=8))
    >>> bool(exact.work <= res.work < exact.work + 0.02)
    True
    """
    return ft.erasure_optimum(eps, tau, device, rate=rate)
