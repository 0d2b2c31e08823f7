"""Learning-in-memory optimiser: arrays of thermally activated memories solving quadratic and Ising problems.

The paper's ideal neuromorphic optimiser (Chen et al. 2026, Fig. 1E-F and Fig. 4): every parameter
is a quantised memory whose value is the occupied level; the problem's loss tilts the wells, the
barriers are modulated in time so that updates follow the optimisation and then freeze, and a leak
(the stored-energy term of Fig. 4) pulls every memory toward the trivial state. Energy of the array
in kT::

    H(t, w) = scale(t) * E_problem(w) + leak(t) * sum_d w_d^2 / 2

* :class:`Quadratic` - ``E(w) = 1/2 w^T A w - b^T w`` with ``A`` symmetric positive semidefinite,
  ``w_d = quantum * k``, ``k = -(levels-1)/2 .. (levels-1)/2``;
* :class:`Ising` - ``E(s) = -sum_{i<j} J_ij s_i s_j - sum_i h_i s_i``, ``s_i = +-1`` (no leak).

A hop moves one memory by one level (flips one spin) over that memory's barrier ``E0_d(t)`` with the
rate law of :mod:`stochlim.physics` applied to the hop's energy change, exactly as in a
:class:`~stochlim.models.HopModel` (Eq. 5-7 corrected; local detailed balance). :func:`run`
simulates it with an exact continuous-time SSA (``stochlim._kernels.lim``: direct method with
restarts at protocol steps, thinning where an input changes linearly; O(degree) local-field updates
per hop), parallel over trajectories with per-trajectory random streams, so results do not depend
on the thread count. Energetics per trajectory follow ``stochlim.ssa``: work from the time-dependent
``scale`` and ``leak``, heat ``-Delta H`` released at each hop, first law to rounding.
:meth:`LimResult.summary` sets success probability, precision, time- and energy-to-solution beside
the paper's bounds (:func:`stochlim.bounds.lim_energy`, :func:`stochlim.bounds.ceb_energy`).
For small instances :func:`to_hop_model` builds the equivalent hopping model over all states, the
exact reference for :func:`stochlim.solve_master`.

Modules: :mod:`~stochlim.lim.problems` (problem types), :mod:`~stochlim.lim.runner` (:func:`run`),
:mod:`~stochlim.lim.results` (:class:`LimResult`, :class:`LimSummary`),
:mod:`~stochlim.lim.reference` (:func:`to_hop_model`), :mod:`~stochlim.lim.io` (:func:`load_problem`).
"""

from .io import load_problem
from .problems import MAX_ENUMERATED_STATES, Ising, Quadratic, enumerate_states
from .reference import to_hop_model
from .results import LimResult, LimSummary
from .runner import run

__all__ = [
    "Quadratic",
    "Ising",
    "LimResult",
    "LimSummary",
    "run",
    "to_hop_model",
    "enumerate_states",
    "load_problem",
    "MAX_ENUMERATED_STATES",
]
