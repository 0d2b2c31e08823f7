"""Report section of the learning-in-memory optimiser: a planted Ising instance against its master equation."""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from ..lim import Ising, enumerate_states, run, to_hop_model
from ..master import solve_master
from ..protocols import PiecewiseConstant, PiecewiseLinear
from ..stats import Z_MAX
from .tables import markdown_table

__all__ = ["section", "planted_ising"]


def planted_ising(n: int, rng=None) -> tuple[Ising, np.ndarray]:
    """A planted instance: ``J_ij = c_ij s*_i s*_j`` on a ring with next-nearest chords and
    ``h = 0.3 s*``; every term is satisfied by ``s*``, so ``s*`` is the unique ground state.

    Parameters
    ----------
    n : int
        Number of spins.
    rng : None, int, SeedSequence or Generator, optional
        Source of the planted state and the couplings' magnitudes.

    Returns
    -------
    problem : stochlim.lim.Ising
        The instance (sparse couplings).
    star : numpy.ndarray
        The planted ground state, entries +-1.

    Examples
    --------
    >>> import numpy as np
    >>> from stochlim.lim import enumerate_states
    >>> problem, star = planted_ising(4, rng=1)
    >>> states = enumerate_states(problem)
    >>> energies = [problem.energy(s) for s in states]
    >>> bool(np.array_equal(states[int(np.argmin(energies))], star))  # the planted state is the ground state
    True
    """
    rng = np.random.default_rng(rng)
    star = rng.choice([-1.0, 1.0], n)
    j = np.zeros((n, n))
    for i in range(n):
        for k in (i + 1, i + 2):
            c = rng.uniform(0.5, 1.5)
            j[i, k % n] = j[k % n, i] = c * star[i] * star[k % n]
    return Ising(sp.csr_matrix(j), 0.3 * star), star


def section(n_trajectories: int = 4000, rng=20261129) -> str:
    """Markdown for ``stochlim reproduce``: an annealed planted Ising instance against its master
    equation (success probability within 5 SE), the first law, and the run's energy ledgers.

    Parameters
    ----------
    n_trajectories : int, optional
        Trajectories of the array.
    rng : None, int, SeedSequence or Generator, optional
        Root of the trajectories' streams (:func:`stochlim.lim.run`).

    Returns
    -------
    str
        A markdown section: the checks' table and whether the LIM check passed.

    Raises
    ------
    ValueError
        As :func:`stochlim.lim.run`, for a bad ``n_trajectories`` or ``rng``.

    Examples
    --------
    >>> text = section(n_trajectories=400)
    >>> print(text.splitlines()[0])
    ## Learning-in-memory array (stochlim.lim)
    >>> print(text.strip().splitlines()[-1])   # the SSA success rate within 5 SE of the master equation
    LIM check: passed.
    """
    ising, star = planted_ising(6, rng=4)
    kw = dict(barrier=PiecewiseConstant([0.0, 2.0, 4.0, 6.0], [0.0, 1.0, 2.0, 4.0]),
              scale=PiecewiseLinear([0.0, 6.0], [0.2, 3.0]))
    res = run(ising, t_end=6.0, n_trajectories=n_trajectories, rng=rng, **kw)
    sol = solve_master(to_hop_model(ising, **kw), p0=np.full(64, 1 / 64), t_end=6.0)
    exact = float(sol.p[-1][np.flatnonzero(np.all(enumerate_states(ising) == star, axis=1))[0]])
    s = res.summary()
    z = (s.success_probability - exact) / math.sqrt(exact * (1 - exact) / res.n_trajectories)
    law = float(np.max(np.abs(res.final_energy - res.initial_energy - res.work + res.heat)))
    ok = abs(z) < Z_MAX and law < 1e-9
    rows = [
        ("P(ground state), SSA vs master equation",
         f"{s.success_probability:.4f} vs {exact:.4f} (z = {z:+.2f})", "ok" if abs(z) < Z_MAX else "FAIL"),
        ("first law, max per-trajectory residual (kT)", f"{law:.2e}", "ok" if law < 1e-9 else "FAIL"),
        ("mean heat per run (kT)", f"{res.heat.mean():.4f}", "-"),
        ("energy to solution, heat / paper ledger (J)",
         f"{s.energy_to_solution_heat:.3e} / {s.energy_to_solution_paper:.3e}", "-"),
        ("ceb_energy for the same updates, M, delta (J)", f"{s.ceb_bound:.3e}", "-"),
    ]
    return (
        "## Learning-in-memory array (stochlim.lim)\n\n"
        "Planted 6-spin Ising instance, scale ramped 0.2 -> 3, barrier stepped 0 -> 4 kT over t = 6 / J_max, "
        f"{res.n_trajectories} trajectories, against the master equation over all 64 states.\n\n"
        + markdown_table(["check", "value", "status"], rows)
        + f"\n\nLIM check: {'passed' if ok else 'FAILED'}.\n"
    )
