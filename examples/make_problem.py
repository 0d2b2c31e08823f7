"""Write ``examples/problem.npz``: the 8-spin Ising problem of the README's ``stochlim lim`` line.

Couplings ``J_ij = +-1`` drawn with ``numpy.random.default_rng(0)`` (the same instance as the
README's Python example), no fields. Run from the repository root:
``python examples/make_problem.py``.
"""

from pathlib import Path

import numpy as np

J = np.triu(np.random.default_rng(0).choice([-1.0, 1.0], size=(8, 8)), 1)
np.savez(Path(__file__).resolve().parent / "problem.npz", J=J + J.T, h=np.zeros(8))
