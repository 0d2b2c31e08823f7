"""Exact laws of integer observables by a joint master equation over (state, count).

For the number of jumps or a net edge current ``N``, ``P(x, n, t)`` obeys the master equation of
the pair: a jump ``x -> y`` along directed edge ``d`` moves ``(x, n)`` to ``(y, n + a_d)``
(``a_d`` = 1 for the jumps, +1 / -1 / 0 for a current). Counts beyond ``max_count`` (in modulus)
are cut off: the probability that left the window is reported as ``tail_mass``, and a solve that
loses more than ``tail`` is reported as a failure (``status = -1``), never hidden. The same
propagators as :func:`stochlim.solve_master` are used (``"auto"`` picks ``"krylov"`` when the
pair space exceeds :data:`stochlim.master.DENSE_LIMIT`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .._master_scipy import _choose_method
from ._observables import edge_log_rates
from ._sweep import sweep
from .cumulants import cumulants
from .tilted import _inputs, _setup

__all__ = ["CountDistribution", "count_distribution"]


@dataclass(frozen=True)
class CountDistribution:
    """Result of :func:`count_distribution`.

    Attributes
    ----------
    t : ndarray, shape (T,)
    values : ndarray of int, shape (K,)
        The counts ``0 .. max_count`` (jumps) or ``-max_count .. max_count`` (currents).
    pmf : ndarray, shape (T, K)
        ``P(N(t) = value)``.
    tail_mass : ndarray, shape (T,)
        Probability beyond ``max_count`` (``1 - pmf.sum(axis=1)``, clipped at 0).
    observable : str
    method : str
    success : bool
    status : int
    message : str

    Made by :func:`count_distribution`.

    Examples
    --------
    Jumps at unit rate are Poisson: ``P(N(1) = k) = e^-1 / k!``.

    >>> import math
    >>> import numpy as np
    >>> import stochlim as sl
    >>> from stochlim.fluctuations import count_distribution
    >>> d = count_distribution(sl.two_state(0.0), p0=[1.0, 0.0], t_end=1.0)
    >>> d.values[:4].tolist(), bool(d.tail_mass[-1] < 1e-12)
    ([0, 1, 2, 3], True)
    >>> bool(np.allclose(d.pmf[-1, :4], [math.exp(-1) / math.factorial(k) for k in range(4)]))
    True
    """

    t: np.ndarray
    values: np.ndarray
    pmf: np.ndarray
    tail_mass: np.ndarray
    observable: str
    method: str
    success: bool
    status: int
    message: str

    def cdf(self) -> np.ndarray:
        """``P(N(t) <= value)`` (within the window), shape (T, K).

        Returns
        -------
        numpy.ndarray
            Cumulative sums of ``pmf`` along the values.

        Examples
        --------
        >>> import stochlim as sl
        >>> from stochlim.fluctuations import count_distribution
        >>> d = count_distribution(sl.two_state(0.0), p0=[1.0, 0.0], t_end=1.0)
        >>> print(f"{d.cdf()[-1, 1]:.6f}")  # Poisson(1): P(N <= 1) = 2 / e
        0.735759
        """
        return np.cumsum(self.pmf, axis=1)


def count_distribution(model, observable="n_jumps", *, p0, t_end=None, t_eval=None, max_count=None,
                       tail=1e-10, method="auto", rtol=1e-10, atol=1e-14) -> CountDistribution:
    """Exact distribution of the number of jumps or of a net edge current.

    Parameters
    ----------
    model : HopModel
    observable : {"n_jumps"} or Current
    p0, t_end, t_eval, method, rtol, atol
        As for :func:`stochlim.solve_master`.
    max_count : int, optional
        Largest count kept (in modulus). Default: ``|mean| + 12 sd + 20`` from the exact
        cumulants, rounded up.
    tail : float, optional
        Largest truncated probability accepted, in (0, 1); more is reported as a failure.

    Returns
    -------
    CountDistribution
        With ``success`` False (and ``status = -1``) when the window lost more than ``tail``.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`~stochlim.models.HopModel`.
    ValueError
        If ``observable`` is not ``"n_jumps"`` or a :class:`Current`, ``tail`` lies outside
        (0, 1), ``max_count`` is not a positive integer, or ``p0``, ``t_end``, ``t_eval`` or
        ``method`` is invalid.

    Examples
    --------
    Unit rates both ways: the jumps are a Poisson process of rate 1.

    >>> import math
    >>> import numpy as np
    >>> import stochlim as sl
    >>> d = count_distribution(sl.two_state(0.0), p0=[1.0, 0.0], t_end=1.0)
    >>> bool(abs(d.pmf[-1].sum() - 1.0) < 1e-10)
    True
    >>> poisson = [math.exp(-1.0) / math.factorial(n) for n in range(5)]
    >>> bool(np.allclose(d.pmf[-1, :5], poisson, atol=1e-9))
    True
    """
    obs, _, p_init, lowered, _, t_eval = _setup(model, observable, None, p0, t_end, t_eval, "auto")
    if obs.n != 1 or obs.kinds[0] not in ("n_jumps", "current"):
        raise ValueError(f"observable must be 'n_jumps' or a Current: got {observable!r}")
    tail = float(tail)
    if not 0.0 < tail < 1.0:
        raise ValueError(f"tail must lie in (0, 1): got {tail!r}")
    if max_count is None:
        c = cumulants(model, observable, p0=p_init, t_eval=t_eval, t_end=float(lowered.seg_times[-1]), order=2)
        spread = np.abs(c.mean[:, 0]) + 12.0 * np.sqrt(np.clip(c.variance[:, 0], 0.0, None))
        max_count = math.ceil(float(spread.max())) + 20
    elif isinstance(max_count, bool) or not isinstance(max_count, (int, np.integer)) or max_count < 1:
        raise ValueError(f"max_count must be a positive integer: got {max_count!r}")
    jumps = obs.kinds[0] == "n_jumps"
    values = np.arange(0 if jumps else -max_count, max_count + 1)
    n_s, n_v = model.n_states, values.size
    method = _choose_method(method, lowered, n_s * n_v)
    st = obs.st
    inc = np.ones(st.src.size, dtype=np.int64) if jumps else obs.masks[0].astype(np.int64)
    level = np.arange(n_v)[:, None]
    target = level + inc[None, :]
    keep = (target >= 0) & (target < n_v)
    rows = np.concatenate(((target * n_s + st.dst)[keep], (level * n_s + st.src).ravel()))
    cols = np.concatenate(((level * n_s + st.src)[keep], (level * n_s + st.src).ravel()))
    size = n_s * n_v

    def block(j, t):
        energy, _, barrier = _inputs(lowered, j, t)
        k = np.exp(edge_log_rates(model, st, energy, barrier)[0])
        full = np.broadcast_to(k, keep.shape)
        vals = np.concatenate((full[keep], -full.ravel()))
        return sp.csr_matrix((vals, (rows, cols)), shape=(size, size)), 0.0

    v0 = np.zeros(size)
    v0[(values == 0).argmax() * n_s:(values == 0).argmax() * n_s + n_s] = p_init
    out, _, err = sweep(lowered, t_eval, method, v0, block, rtol=rtol, atol=atol)
    pmf = out.reshape(out.shape[0], n_v, n_s).sum(axis=2)
    worst = float(pmf.min()) if pmf.size else 0.0
    pmf = np.clip(pmf, 0.0, None)
    lost = np.clip(1.0 - pmf.sum(axis=1), 0.0, None)
    name = obs.names[0]
    if err is not None:
        return CountDistribution(t_eval[: out.shape[0]], values, pmf, lost, name, method, False, -1, err)
    if worst < -1e-9:
        return CountDistribution(t_eval, values, pmf, lost, name, method, False, -1,
                                 f"probabilities left tolerance: min = {worst:.3e}")
    if lost.size and lost.max() > tail:
        return CountDistribution(t_eval, values, pmf, lost, name, method, False, -1,
                                 f"the window |{name}| <= {max_count} lost {lost.max():.3e} > tail = {tail:g}: "
                                 "raise max_count")
    return CountDistribution(t_eval, values, pmf, lost, name, method, True, 0,
                             "The solver successfully reached t_end.")
