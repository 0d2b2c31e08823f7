"""Problem types of the learning-in-memory optimiser: quadratic programs and Ising models.

Energies in kT. :class:`Quadratic` is ``E(w) = 1/2 w^T A w - b^T w`` over quantised values
``w_d = quantum * k``; :class:`Ising` is ``E(s) = -sum_{i<j} J_ij s_i s_j - sum_i h_i s_i`` over
spins. Both lower to ``v = lo + step * k`` and ``P = v.A v / 2 - b.v`` (the form the kernel takes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .._validation import as_float_array, check_int, check_positive
from ..protocols import Protocol, as_protocol

__all__ = ["Quadratic", "Ising", "enumerate_states", "MAX_ENUMERATED_STATES"]

#: Largest number of states :func:`to_hop_model` / brute-force optimisation will enumerate.
MAX_ENUMERATED_STATES = 1 << 20

#: Most levels a quadratic problem's memory may have (level indices are 32-bit on output grids).
MAX_LEVELS = 2**31 - 1

#: Largest problem energy (kT) accepted: leaves room within float64 (1.8e308) for the scale and for
#: the sums of many updates that make work and heat.
MAX_PROBLEM_ENERGY = 1e200


def _symmetric(name: str, matrix, n: int | None = None) -> sp.csr_matrix:
    """``matrix`` (dense or sparse) as a symmetric float64 CSR matrix, checked."""
    if sp.issparse(matrix):
        m = sp.csr_matrix(matrix, dtype=np.float64)
        m.sum_duplicates()
        as_float_array(name, m.data if m.nnz else np.zeros(1))
    else:
        dense = as_float_array(name, matrix)
        if dense.ndim != 2:
            raise ValueError(f"{name} must be a square matrix: got shape {dense.shape}")
        m = sp.csr_matrix(dense)
    if m.shape[0] != m.shape[1]:
        raise ValueError(f"{name} must be a square matrix: got shape {m.shape}")
    if n is not None and m.shape[0] != n:
        raise ValueError(f"{name} must be {n} x {n} to match the other arguments: got {m.shape}")
    asym = abs(m - m.T)
    scale = max(abs(m).max() if m.nnz else 0.0, 1.0)
    if asym.nnz and asym.max() > 1e-12 * scale:
        r, c = (asym > 1e-12 * scale).nonzero()
        raise ValueError(
            f"{name} must be symmetric: {name}[{r[0]}, {c[0]}] = {m[r[0], c[0]]!r} but "
            f"{name}[{c[0]}, {r[0]}] = {m[c[0], r[0]]!r}"
        )
    m = ((m + m.T) * 0.5).tocsr()
    m.eliminate_zeros()
    m.sort_indices()
    return m


def _vector(name: str, value, n: int) -> np.ndarray:
    v = np.broadcast_to(as_float_array(name, value), (n,)) if np.ndim(value) == 0 else as_float_array(name, value)
    if v.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},) to match the matrix: got {v.shape}")
    out = np.array(v, dtype=np.float64)
    out.flags.writeable = False
    return out


def _check_psd(a: sp.csr_matrix) -> None:
    """Raise unless ``a`` is positive semidefinite (Gershgorin first, eigenvalues otherwise)."""
    diag = a.diagonal()
    off = np.asarray(abs(a).sum(axis=1)).ravel() - np.abs(diag)
    if np.all(diag - off >= 0):
        return
    tol = 1e-10 * max(abs(a).max(), 1.0)
    if a.shape[0] <= 2000:
        lam = float(np.linalg.eigvalsh(a.toarray())[0])
    else:
        from scipy.sparse.linalg import eigsh

        lam = float(eigsh(a, k=1, which="SA", tol=1e-8, return_eigenvectors=False)[0])
    if lam < -tol:
        raise ValueError(
            f"A must be positive semidefinite: its smallest eigenvalue is {lam:.6g} "
            "(the quadratic loss would have no minimum over a large enough range)"
        )


def _frozen(matrix: sp.csr_matrix) -> sp.csr_matrix:
    for arr in (matrix.data, matrix.indices, matrix.indptr):
        arr.flags.writeable = False
    return matrix


class _Problem:
    """Shared lowering of the two problem classes to ``v = lo + step * k`` and ``P = v.A v/2 - b.v``."""

    @property
    def n_params(self) -> int:
        """Number of memories ``M`` (parameters or spins).

        Examples
        --------
        >>> Ising([[0.0, 1.0], [1.0, 0.0]], [0.0, 0.5]).n_params
        2
        >>> Quadratic(np.eye(3), [1.0, 2.0, 3.0], levels=5, quantum=1.0).n_params
        3
        """
        return self.b.size

    def _coupling(self) -> sp.csr_matrix:
        raise NotImplementedError

    def energy(self, state) -> np.ndarray:
        """Problem energy (kT, unscaled) of state values ``state``.

        Parameters
        ----------
        state : array_like, shape (..., M)
            Parameter values ``w`` (Quadratic) or spins ``+-1`` (Ising), one row per state.

        Returns
        -------
        ndarray, shape (...)
            ``1/2 w^T A w - b^T w`` (Quadratic) or ``-sum_{i<j} J_ij s_i s_j - sum_i h_i s_i`` (Ising).

        Examples
        --------
        >>> from stochlim.lim import Quadratic
        >>> q = Quadratic([[2.0, 0.0], [0.0, 1.0]], [1.0, 0.0], levels=3, quantum=1.0)
        >>> q.energy([[1.0, 0.0], [0.0, 1.0]]).tolist()
        [0.0, 0.5]
        """
        v = np.asarray(state, dtype=np.float64)
        av = np.asarray(self._coupling() @ v.reshape(-1, self.n_params).T).T.reshape(v.shape)
        return 0.5 * np.sum(v * av, axis=-1) - v @ self.b

    def _check_energy_scale(self, coupling_name: str) -> None:
        """Refuse problems whose energies leave float64's range (|P| <= |v|max^2 sum|A|/2 + |v|max sum|b|)."""
        vmax = max(abs(self._lo), abs(self._lo + self._step * (self.n_levels - 1)))
        with np.errstate(over="ignore", invalid="ignore"):
            bound = 0.5 * vmax * vmax * float(abs(self._coupling()).sum()) + vmax * float(np.abs(self.b).sum())
        if not bound <= MAX_PROBLEM_ENERGY:
            raise ValueError(f"{coupling_name}: the problem's energies reach about {bound:.3g} kT, beyond the "
                             f"{MAX_PROBLEM_ENERGY:.0e} kT accepted (room for the scale and for sums of updates "
                             "within float64); rescale the problem")

    def values_of(self, levels) -> np.ndarray:
        """State values of level indices ``0 .. L-1``.

        Parameters
        ----------
        levels : array_like of int
            Level indices, ``0`` the lowest value.

        Returns
        -------
        ndarray
            ``lo + step * levels``: ``quantum * (k - (levels-1)/2)`` (Quadratic) or ``2 k - 1`` (Ising).

        Examples
        --------
        >>> from stochlim.lim import Quadratic
        >>> Quadratic([[1.0]], [0.0], levels=5, quantum=0.5).values_of([0, 2, 4]).tolist()
        [-1.0, 0.0, 1.0]
        """
        return self._lo + self._step * np.asarray(levels, dtype=np.float64)

    def ground_state(self, *, max_states: int = MAX_ENUMERATED_STATES):
        """``(energy, state)`` of a global minimum, by brute force over all ``levels^M`` states.

        Parameters
        ----------
        max_states : int, optional
            Most states to enumerate (:func:`enumerate_states`).

        Returns
        -------
        (float, ndarray of shape (M,))
            The minimum problem energy in kT and a state attaining it (the first in enumeration order).

        Raises
        ------
        ValueError
            If the problem has more than ``max_states`` states.

        Examples
        --------
        >>> from stochlim.lim import Ising
        >>> e, s = Ising([[0.0, 1.0], [1.0, 0.0]], [0.5, 0.5]).ground_state()
        >>> print(f"{e:.6g}", s.tolist())
        -2 [1.0, 1.0]
        """
        values = enumerate_states(self, max_states=max_states)
        e = self.energy(values)
        i = int(np.argmin(e))
        return float(e[i]), values[i]


@dataclass(frozen=True, eq=False)
class Quadratic(_Problem):
    """Quadratic program over quantised parameters: ``E(w) = 1/2 w^T A w - b^T w`` in kT.

    Parameters
    ----------
    A : array_like or scipy.sparse matrix, shape (M, M)
        Symmetric positive semidefinite curvature, in kT per unit value squared.
    b : array_like, shape (M,)
        Linear term in kT per unit value (a number broadcasts).
    levels : int
        Levels per memory, odd and >= 3 (a memory is symmetric about 0; 1 and even values raise).
    quantum : float
        Value step between levels, > 0: ``w = quantum * k``, ``k = -(levels-1)/2 .. (levels-1)/2``.

    Raises
    ------
    ValueError
        If ``A`` is not square, not symmetric, or not positive semidefinite; if ``b`` does not have
        shape ``(M,)``; if ``levels`` is even or < 2; if ``quantum`` is not a single positive number;
        if any of them is NaN or infinite; if the problem's energies would exceed ``1e200`` kT.
    TypeError
        If ``levels`` is not an integer, or ``A``, ``b``, ``quantum`` are not real numbers.

    Examples
    --------
    >>> from stochlim.lim import Quadratic
    >>> q = Quadratic([[1.0]], [2.0], levels=9, quantum=1.0)
    >>> q.n_params, q.n_levels
    (1, 9)
    >>> e, w = q.ground_state()
    >>> print(f"{e:.6g}", w.tolist())
    -2 [2.0]
    """

    A: sp.csr_matrix
    b: np.ndarray
    levels: int
    quantum: float

    def __post_init__(self):
        a = _symmetric("A", self.A)
        levels = check_int("levels", self.levels, minimum=2, maximum=MAX_LEVELS)
        if levels % 2 == 0:
            raise ValueError(f"levels must be odd (levels symmetric about w = 0): got {levels}")
        quantum = check_positive("quantum", self.quantum)
        if quantum.ndim:
            raise ValueError("quantum must be a single number")
        _check_psd(a)
        object.__setattr__(self, "A", _frozen(a))
        object.__setattr__(self, "b", _vector("b", self.b, a.shape[0]))
        object.__setattr__(self, "levels", levels)
        object.__setattr__(self, "quantum", float(quantum))
        self._check_energy_scale("A")

    def _coupling(self):
        return self.A

    @property
    def _lo(self) -> float:
        return -self.quantum * ((self.levels - 1) // 2)

    @property
    def _step(self) -> float:
        return self.quantum

    @property
    def n_levels(self) -> int:
        """Number of levels each parameter takes (``levels``; 2 for spins).

        Examples
        --------
        >>> Quadratic([[1.0]], [2.0], levels=9, quantum=1.0).n_levels, Ising([[0.0]], [1.0]).n_levels
        (9, 2)
        """
        return self.levels


@dataclass(frozen=True, eq=False)
class Ising(_Problem):
    """Ising problem ``E(s) = -sum_{i<j} J_ij s_i s_j - sum_i h_i s_i`` in kT over spins ``+-1``.

    Parameters
    ----------
    J : array_like or scipy.sparse matrix, shape (n, n)
        Symmetric couplings with zero diagonal (``J_ij`` and ``J_ji`` both hold the one coupling).
    h : array_like, shape (n,), optional
        Fields (default 0; a number broadcasts).

    Raises
    ------
    ValueError
        If ``J`` is not square, not symmetric, or has a non-zero diagonal; if ``h`` does not have
        shape ``(n,)``; if any entry is NaN or infinite; if the energies would exceed ``1e200`` kT.
    TypeError
        If ``J`` or ``h`` are not real numbers.

    Examples
    --------
    >>> from stochlim.lim import Ising
    >>> ferro = Ising([[0.0, 1.0], [1.0, 0.0]])   # E = -s0 s1
    >>> ferro.energy([[1, 1], [1, -1]]).tolist()
    [-1.0, 1.0]
    """

    J: sp.csr_matrix
    h: np.ndarray = 0.0

    def __post_init__(self):
        j = _symmetric("J", self.J)
        if np.any(j.diagonal() != 0):
            i = int(np.flatnonzero(j.diagonal())[0])
            raise ValueError(f"J must have a zero diagonal (s_i^2 = 1 is a constant): J[{i}, {i}] = {j[i, i]!r}")
        object.__setattr__(self, "J", _frozen(j))
        object.__setattr__(self, "h", _vector("h", self.h, j.shape[0]))
        self._check_energy_scale("J")

    @classmethod
    def from_bqm(cls, bqm) -> "Ising":
        """From a ``dimod.BinaryQuadraticModel`` (SPIN or BINARY; variables in ``bqm.variables`` order).

        dimod's energy is ``offset + sum h_i s_i + sum_{i<j} J_ij s_i s_j``; the offset is dropped
        and the signs flipped to this class's convention.

        Parameters
        ----------
        bqm : dimod.BinaryQuadraticModel
            The model (needs the optional ``dimod`` package); BINARY models are converted to SPIN.

        Returns
        -------
        Ising

        Raises
        ------
        ValueError
            If the converted couplings or fields are not finite, or the energies exceed ``1e200`` kT.

        Examples
        --------
        >>> import dimod
        >>> from stochlim.lim import Ising
        >>> bqm = dimod.BinaryQuadraticModel({"a": 0.5}, {("a", "b"): -1.0}, 0.0, "SPIN")
        >>> model = Ising.from_bqm(bqm)
        >>> model.J.toarray().tolist(), model.h.tolist()
        ([[0.0, 1.0], [1.0, 0.0]], [-0.5, -0.0])
        """
        spin = bqm.spin
        labels = list(spin.variables)
        index = {v: i for i, v in enumerate(labels)}
        n = len(labels)
        h = -np.array([spin.get_linear(v) for v in labels], dtype=np.float64)
        rows, cols, vals = [], [], []
        for (u, v), bias in spin.quadratic.items():
            rows += [index[u], index[v]]
            cols += [index[v], index[u]]
            vals += [-bias, -bias]
        return cls(sp.csr_matrix((vals, (rows, cols)), shape=(n, n)), h)

    @property
    def b(self) -> np.ndarray:
        """The linear term of the problem energy: the fields ``h`` (shared name with
        :class:`Quadratic`'s ``b``).

        Examples
        --------
        >>> Ising([[0.0, 1.0], [1.0, 0.0]], [0.3, -0.3]).b.tolist()
        [0.3, -0.3]
        """
        return self.h

    def _coupling(self):
        return -self.J

    _lo = -1.0
    _step = 2.0
    n_levels = 2


def _as_problem(problem) -> _Problem:
    if isinstance(problem, _Problem):
        return problem
    if type(problem).__name__ == "BinaryQuadraticModel":
        return Ising.from_bqm(problem)
    raise TypeError("problem must be a Quadratic, an Ising or a dimod.BinaryQuadraticModel: "
                    f"got {type(problem).__name__}")


def enumerate_states(problem, *, max_states: int = MAX_ENUMERATED_STATES) -> np.ndarray:
    """All state values, shape ``(levels^M, M)``; memory 0 varies fastest (index ``sum k_d L^d``).

    Parameters
    ----------
    problem : Quadratic, Ising or dimod.BinaryQuadraticModel
    max_states : int, optional
        Most states to enumerate.

    Returns
    -------
    ndarray, shape (levels^M, M)
        Row ``x`` holds the values of state ``x`` (the state order of :func:`to_hop_model`).

    Raises
    ------
    ValueError
        If the problem has more than ``max_states`` states.
    TypeError
        If ``problem`` is none of the accepted types.

    Examples
    --------
    >>> from stochlim.lim import Ising, enumerate_states
    >>> enumerate_states(Ising([[0.0, 1.0], [1.0, 0.0]])).tolist()
    [[-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]]
    """
    pr = _as_problem(problem)
    count = pr.n_levels ** pr.n_params
    if count > max_states:
        raise ValueError(f"problem has {pr.n_levels}^{pr.n_params} = {count} states, "
                         f"more than max_states = {max_states}")
    levels = (np.arange(count)[:, None] // pr.n_levels ** np.arange(pr.n_params)) % pr.n_levels
    return pr.values_of(levels)


def _barriers(barrier, m: int) -> tuple[Protocol, ...]:
    if isinstance(barrier, Protocol) or np.ndim(barrier) == 0 and not isinstance(barrier, (list, tuple)):
        return (as_protocol("barrier", barrier),) * m
    items = list(barrier)
    if len(items) != m:
        raise ValueError(f"barrier must be one number/protocol or one per memory ({m}): got {len(items)}")
    return tuple(as_protocol(f"barrier[{i}]", v) for i, v in enumerate(items))


def _inputs(pr: _Problem, scale, leak) -> tuple[Protocol, Protocol]:
    s_p = as_protocol("scale", scale)
    if leak is not None and isinstance(pr, Ising):
        raise ValueError("leak applies to Quadratic problems only (s^2 = 1 for every spin)")
    l_p = as_protocol("leak", 0.0 if leak is None else leak)
    return s_p, l_p


