"""The tilted master equation: exact generating functions ``G(s, t) = <exp(-s.X(t))>``.

For an additive observable ``X`` (see ``stochlim.fluctuations._observables``) the vector
``g_x(s, t) = <exp(-s . X(t)); x(t) = x>`` obeys the tilted master equation (Lebowitz & Spohn
1999, J. Stat. Phys. 95 333; Touchette 2009, Phys. Rep. 478 1; Esposito, Harbola & Mukamel 2009,
Rev. Mod. Phys. 81 1665)

    dg/dt = L_s(t) g,   L_s[y, x] = k_xy exp(-s . a_xy),   L_s[x, x] = -sum_y k_xy - s . b_x,

with ``g(0) = p0 exp(-s . c0)``, a factor ``exp(-s . DE)`` at every knot where the energies jump,
and ``G = sum_x g_x exp(-s . c1_x)``. Real ``s`` gives exponential moments and tilted averages,
``s = -i u`` the characteristic function ``<exp(i u X)>``. The backward solution
``r_x(t) = <exp(-s . (X(t_end) - X(t)) - s . c1); x(t) = x>`` obeys ``-dr/dt = L_s(t)^T r`` and is
what the Doob-transformed dynamics ``k_xy exp(-s . a_xy) r_y / r_x`` needs (Chetrite & Touchette
2015, Ann. Henri Poincare 16 2005).

Solutions are kept in log-scale (each output normalised to unit maximum, its logarithm apart), so
they neither overflow nor underflow for any ``s`` at which the tilted rates themselves are finite.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .._master_scipy import _choose_method
from ..master import _check_p0, _check_times, solve_master
from ..models import MAX_LOG_RATE, HopModel
from ._observables import Observables, edge_log_rates, resolve
from ._sweep import sweep

__all__ = [
    "TiltedSolution",
    "BackwardTiltedSolution",
    "TiltedGenerator",
    "generating_function",
    "characteristic_function",
    "backward_tilted",
    "tilted_generator",
]


@dataclass(frozen=True)
class TiltedSolution:
    """Result of :func:`generating_function` (``solve_ivp``-style status fields).

    Attributes
    ----------
    t : ndarray, shape (T,)
        Output times.
    s : ndarray, shape (n,)
        The tilt, one entry per observable.
    observables : tuple of str
    log_G : ndarray, shape (T,)
        ``ln G(s, t)``; complex (principal argument in the imaginary part) for complex ``s``.
    method : str
    success : bool
    status : int
        0 on success, -1 when the integrator failed (``t`` then holds the finished times).
    message : str

    Examples
    --------
    Jumps of a Poisson process of rate 1: ``G(s, t) = exp(t (e^-s - 1))``.

    >>> import numpy as np
    >>> import stochlim as sl
    >>> from stochlim.fluctuations import generating_function
    >>> sol = generating_function(sl.two_state(0.0), "n_jumps", 0.5, p0=[1.0, 0.0], t_end=2.0)
    >>> bool(np.isclose(sol.G[-1], np.exp(2.0 * (np.exp(-0.5) - 1.0))))
    True
    """

    t: np.ndarray
    s: np.ndarray
    observables: tuple
    log_G: np.ndarray
    method: str
    success: bool
    status: int
    message: str

    @property
    def G(self) -> np.ndarray:
        """``G(s, t) = <exp(-s.X(t))>`` (may overflow to inf where ``log_G`` does not).

        Returns
        -------
        numpy.ndarray, shape (T,)
            ``exp(log_G)``.

        Examples
        --------
        >>> import stochlim as sl
        >>> from stochlim.fluctuations import generating_function
        >>> sol = generating_function(sl.two_state(0.0), "n_jumps", 0.0, p0=[1.0, 0.0], t_eval=[0.0, 1.0])
        >>> sol.G.tolist()   # s = 0: the normalisation <1> = 1
        [1.0, 1.0]
        """
        with np.errstate(over="ignore"):
            return np.exp(self.log_G)


@dataclass(frozen=True)
class BackwardTiltedSolution:
    """Result of :func:`backward_tilted`: ``r(t)`` as ``r_scaled * exp(log_scale)``.

    Attributes
    ----------
    t : ndarray, shape (T,)
        Output times (increasing).
    r : ndarray, shape (T, S)
        ``r(t)`` divided by its maximum over states at each time (entries in [0, 1] for real ``s``).
    log_scale : ndarray, shape (T,)
        ``ln max_x r_x(t)``.
    s, observables, method, success, status, message
        As in :class:`TiltedSolution`.

    Made by :func:`backward_tilted`.

    Examples
    --------
    >>> import stochlim as sl
    >>> from stochlim.fluctuations import backward_tilted
    >>> back = backward_tilted(sl.two_state(0.0), "n_jumps", 0.5, t_eval=[0.0, 2.0])
    >>> back.r.shape, back.r.max(axis=1).tolist()   # scaled to a maximum of 1 at each time
    ((2, 2), [1.0, 1.0])
    """

    t: np.ndarray
    r: np.ndarray
    log_scale: np.ndarray
    s: np.ndarray
    observables: tuple
    method: str
    success: bool
    status: int
    message: str

    @property
    def log_r(self) -> np.ndarray:
        """``ln r_x(t)``, shape (T, S) (``-inf`` where ``r`` vanishes).

        Returns
        -------
        numpy.ndarray, shape (T, S)
            ``ln r + log_scale``.

        Examples
        --------
        Jumps of a Poisson process of rate 1: ``ln r_x(t) = (t_end - t) (e^-s - 1)`` from either well.

        >>> import numpy as np
        >>> import stochlim as sl
        >>> from stochlim.fluctuations import backward_tilted
        >>> back = backward_tilted(sl.two_state(0.0), "n_jumps", 1.0, t_eval=[0.0, 1.0])
        >>> bool(np.allclose(back.log_r[0], np.exp(-1.0) - 1.0) and np.allclose(back.log_r[1], 0.0))
        True
        """
        with np.errstate(divide="ignore"):
            return np.log(self.r) + self.log_scale[:, None]


@dataclass(frozen=True)
class TiltedGenerator:
    """The tilted generator ``L_s(t)`` edge by edge (see the module docstring).

    Attributes
    ----------
    src, dst, edge : ndarray of int, shape (D,)
        Directed edge ``d`` jumps ``src[d] -> dst[d]`` over undirected edge ``edge[d]``;
        ``d < n_edges`` as written, ``d >= n_edges`` reversed.
    log_rate : ndarray, shape (D,)
        ``ln k_d``, the untilted log-rates.
    log_tilted_rate : ndarray, shape (D,)
        ``ln k_d - s . a_d``: the off-diagonal entries of ``L_s`` in log form.
    escape : ndarray, shape (S,)
        ``sum_y k_xy + s . b_x``: minus the diagonal of ``L_s``.

    Notes
    -----
    Where the energies jump at a knot ``t_k`` the work adds ``DE_x``: a tilt of the work then also
    multiplies the weight of state ``x`` by ``exp(-s DE_x)`` at ``t_k``.

    Made by :func:`tilted_generator`.

    Examples
    --------
    Tilting the heat of a bit whose well 1 lies 1 kT up: the jump ``0 -> 1`` releases -1 kT, so its
    rate is multiplied by ``e^{-s q} = e^{s}``.

    >>> import numpy as np
    >>> import stochlim as sl
    >>> from stochlim.fluctuations import tilted_generator
    >>> gen = tilted_generator(sl.two_state(1.0, energies=(0.0, 1.0)), "heat", 0.5, 0.0)
    >>> gen.src.tolist(), gen.dst.tolist()
    ([0, 1], [1, 0])
    >>> np.round(gen.log_tilted_rate - gen.log_rate, 6).tolist()   # -s q per directed edge
    [0.5, -0.5]
    """

    src: np.ndarray
    dst: np.ndarray
    edge: np.ndarray
    log_rate: np.ndarray
    log_tilted_rate: np.ndarray
    escape: np.ndarray


# --- validation ------------------------------------------------------------------------------------


def check_s(s, n: int, *, allow_complex: bool = False) -> np.ndarray:
    """``s`` as an array of shape ``(n,)``: finite, real unless ``allow_complex``."""
    arr = np.asarray(s)
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"s must be a number or an array of numbers: got {s!r}")
    if arr.dtype.kind == "c":
        if not allow_complex and np.any(arr.imag != 0):
            raise ValueError(f"s must be real here: got {s!r} (use characteristic_function for imaginary tilts)")
        if not allow_complex:
            arr = arr.real
    arr = arr.astype(np.complex128 if arr.dtype.kind == "c" else np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"s must be finite: got {s!r}")
    arr = np.atleast_1d(arr)
    if arr.shape != (n,):
        raise ValueError(f"s must hold one entry per observable ({n}): got shape {arr.shape}")
    return arr


# --- the tilted matrix ------------------------------------------------------------------------------


def _inputs(lowered, j, t):
    """Energy, energy slope and barrier on segment ``j`` at time ``t``."""
    dt = t - lowered.seg_times[j]
    return (lowered.energy[j] + lowered.energy_slope[j] * dt, lowered.energy_slope[j],
            lowered.barrier[j] + lowered.barrier_slope[j] * dt)


def _tilted_entries(model, obs: Observables, energy, slope, barrier, s):
    """``(log k, log k - s.a, escape)`` for frozen inputs, refusing a tilt whose rates overflow."""
    log_k, bias = edge_log_rates(model, obs.st, energy, barrier)
    a, b = obs.increments(bias, slope)
    log_tilted = log_k - s @ a
    if log_tilted.size and np.max(log_tilted.real) > MAX_LOG_RATE:
        raise ValueError(
            f"s = {s.tolist()} makes a tilted rate reach exp({np.max(log_tilted.real):.1f}): beyond "
            f"exp({MAX_LOG_RATE:g}); use a smaller |s|"
        )
    escape = np.bincount(obs.st.src, np.exp(log_k), minlength=obs.st.n_states) + s @ b
    return log_k, log_tilted, escape


def _tilted_matrix(model, obs, energy, slope, barrier, s, *, transpose, exact_shift):
    """Sparse ``L_s`` (or its transpose) and a growth bound ``c`` (see :func:`._sweep.sweep`)."""
    st = obs.st
    _, log_tilted, escape = _tilted_entries(model, obs, energy, slope, barrier, s)
    off = np.exp(log_tilted)
    n = st.n_states
    rows = np.concatenate((st.dst, np.arange(n)))
    cols = np.concatenate((st.src, np.arange(n)))
    if transpose:
        rows, cols = cols, rows
    A = sp.csr_matrix((np.concatenate((off, -escape)), (rows, cols)), shape=(n, n))
    if exact_shift:  # the spectral abscissa: the solution then neither grows nor decays exponentially
        c = float(np.max(np.linalg.eigvals(A.toarray()).real))
    else:  # the 1-norm logarithmic norm bounds the growth of ||exp(A t)||_1
        along = np.bincount(cols, np.abs(np.concatenate((off, np.zeros(n)))), minlength=n)
        c = float(np.max(along - escape.real))
    return A, c


def _knot(model, obs, lowered, s):
    """The map applied where segment ``j`` starts: ``v * exp(-s . DE)`` for jumping energies."""
    if obs.index("work") is None:
        return None
    end = lowered.energy_end()

    def apply(j, v):
        expo = -(s @ obs.knot_jump(lowered.energy[j] - end[j - 1]))
        if np.max(expo.real) > MAX_LOG_RATE:
            raise ValueError(f"s = {s.tolist()} makes the weight of an energy jump overflow")
        return v * np.exp(expo)

    return apply


def _setup(model, observables, s, p0, t_end, t_eval, method, *, allow_complex=False, need_p0=True):
    if not isinstance(model, HopModel):
        raise TypeError(f"model must be a HopModel: got {type(model).__name__}")
    obs = resolve(model, observables)
    s = None if s is None else check_s(s, obs.n, allow_complex=allow_complex)
    p_init = _check_p0(p0, model.n_states) if (need_p0 or p0 is not None) else None
    if p_init is None and obs.needs_solution:
        raise ValueError("p0 is needed for the entropy production (its boundary terms use p(t))")
    t_end, t_eval = _check_times(t_end, t_eval)
    lowered = model.lower(t_end)
    method = _choose_method(method, lowered, model.n_states)
    if t_eval is None:
        t_eval = lowered.seg_times.copy()
    return obs, s, p_init, lowered, method, t_eval


def final_weights(model, obs, p_init, t_end, t_eval, method, rtol, atol):
    """``c1`` at every output time, shape ``(T, n, S)`` (needs ``p(t)`` for the entropy production).

    Returns the weights and a failure message of the master equation (or None).
    """
    c1 = np.zeros((t_eval.size, obs.n, model.n_states))
    if not obs.needs_solution:
        return c1, None
    sol = solve_master(model, p0=p_init, t_end=t_end, t_eval=t_eval, method=method, rtol=rtol, atol=atol)
    if not sol.success:
        return c1, sol.message
    return np.stack([obs.boundary(p, -1.0) for p in sol.p]), None


# --- public functions --------------------------------------------------------------------------------


def generating_function(model, observables, s, *, p0, t_end=None, t_eval=None, method="auto",
                        rtol=1e-10, atol=1e-12, _allow_complex=False) -> TiltedSolution:
    """Exact generating function ``G(s, t) = <exp(-s.X(t))>`` by the tilted master equation.

    Parameters
    ----------
    model : HopModel
    observables : str, Current or sequence of them
        ``"work"``, ``"heat"``, ``"entropy_production"``, ``"n_jumps"`` or a
        :class:`~stochlim.fluctuations.Current`; several give the joint generating function.
    s : float or array_like, shape (n,)
        Real tilt, one per observable.
    p0, t_end, t_eval, method, rtol, atol
        As for :func:`stochlim.solve_master` (``method="expm"`` is exact for piecewise-constant
        inputs, ``"krylov"`` for large models, ``"ode"`` (Radau) for ramps).

    Returns
    -------
    TiltedSolution
        ``log_G`` at every output time; integrator failures are reported in ``status``.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`~stochlim.models.HopModel`, ``observables`` is not a name, a
        :class:`~stochlim.fluctuations.Current` or a sequence of them, or ``s`` is not numeric.
    ValueError
        If an observable is unknown or repeated, a current names a missing edge, ``s`` is not
        finite or has not one entry per observable, ``p0`` is missing for the entropy production
        or is not a distribution, or ``t_end``/``t_eval``/``method`` is invalid.

    Examples
    --------
    >>> import stochlim as sl
    >>> m = sl.two_state(0.5, energies=(0.0, sl.PiecewiseLinear([0.0, 1.0], [0.0, 2.0])))
    >>> sol = generating_function(m, "entropy_production", 1.0, p0=[0.5, 0.5], t_end=1.0)
    >>> bool(abs(sol.G[-1] - 1.0) < 1e-8)    # the integral fluctuation theorem
    True

    Jumps of a Poisson process of rate 1, in log space even where ``G`` underflows:

    >>> sol = generating_function(sl.two_state(0.0), "n_jumps", 800.0, p0=[1.0, 0.0], t_end=2.0)
    >>> print(f"{sol.log_G[-1]:.6f}")  # 2 (e^-800 - 1)
    -2.000000
    """
    obs, s, p_init, lowered, method, t_eval = _setup(model, observables, s, p0, t_end, t_eval, method,
                                                     allow_complex=_allow_complex)
    c1, err = final_weights(model, obs, p_init, float(lowered.seg_times[-1]), t_eval, method, rtol, atol)
    if err is not None:
        return TiltedSolution(t_eval[:0], s, obs.names, np.zeros(0), method, False, -1, err)
    log_g0 = np.full(model.n_states, -np.inf, dtype=s.dtype)
    alive = p_init > 0
    log_g0[alive] = np.log(p_init[alive]) - (s @ obs.boundary(p_init, 1.0))[alive]
    offset = float(np.max(log_g0.real))
    g0 = np.exp(log_g0 - offset)

    def block(j, t):
        return _tilted_matrix(model, obs, *_inputs(lowered, j, t), s, transpose=False,
                              exact_shift=method == "expm")

    out, log_scale, err = sweep(lowered, t_eval, method, g0, block, knot=_knot(model, obs, lowered, s),
                                normalise=True, rtol=rtol, atol=atol)
    n_done = out.shape[0]
    log_w = -np.einsum("i,tix->tx", s, c1[:n_done])
    peak = np.max(log_w.real, axis=1, keepdims=True) if n_done else np.zeros((0, 1))
    with np.errstate(divide="ignore"):
        total = np.log(np.sum(out * np.exp(log_w - peak), axis=1).astype(out.dtype))
    log_G = total + peak[:, 0] + log_scale + offset
    if s.dtype.kind != "c":
        log_G = log_G.real
    status, message = (0, "The solver successfully reached t_end.") if err is None else (-1, err)
    return TiltedSolution(t_eval[:n_done], s, obs.names, log_G, method, err is None, status, message)


def characteristic_function(model, observables, u, *, p0, t_end=None, t_eval=None, method="auto",
                            rtol=1e-10, atol=1e-12) -> TiltedSolution:
    """Characteristic function ``phi(u, t) = <exp(i u.X(t))>``: :func:`generating_function` at ``s = -i u``.

    ``u`` is real (one entry per observable); ``G`` of the result is ``phi``.

    Parameters
    ----------
    model, observables
        As for :func:`generating_function`.
    u : float or array_like, shape (n,)
        Real argument, one per observable.
    p0, t_end, t_eval, method, rtol, atol
        As for :func:`generating_function`.

    Returns
    -------
    TiltedSolution
        With complex ``log_G`` (principal argument in the imaginary part).

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`~stochlim.models.HopModel`, ``observables`` is not a name, a
        :class:`~stochlim.fluctuations.Current` or a sequence of them, or ``u`` is not numeric.
    ValueError
        If an observable is unknown or repeated, a current names a missing edge, ``u`` is not
        finite or has not one entry per observable, ``p0`` is missing for the entropy production
        or is not a distribution, or ``t_end``/``t_eval``/``method`` is invalid.

    Examples
    --------
    Jumps of a Poisson process of rate 1: ``phi(u, t) = exp(t (e^(i u) - 1))``.

    >>> import numpy as np
    >>> import stochlim as sl
    >>> from stochlim.fluctuations import characteristic_function
    >>> sol = characteristic_function(sl.two_state(0.0), "n_jumps", 0.7, p0=[1.0, 0.0], t_end=2.0)
    >>> bool(np.isclose(sol.G[-1], np.exp(2.0 * (np.exp(0.7j) - 1.0))))
    True
    """
    obs = resolve(model, observables) if isinstance(model, HopModel) else None
    n = obs.n if obs is not None else 1
    u = check_s(u, n)
    return generating_function(model, observables, -1j * u, p0=p0, t_end=t_end, t_eval=t_eval,
                               method=method, rtol=rtol, atol=atol, _allow_complex=True)


def backward_tilted(model, observables, s, *, t_eval, t_end=None, p0=None, method="auto",
                    rtol=1e-10, atol=1e-12) -> BackwardTiltedSolution:
    """Backward solution ``r(t)`` of the tilted equation, for Doob-transformed sampling.

    ``r_x(t) = <exp(-s . (X(t_end) - X(t)) - s . c1); x(t) = x>`` solves ``-dr/dt = L_s(t)^T r``
    with ``r(t_end) = exp(-s . c1)`` (``c1 = -ln p(t_end)`` for the entropy production, 0
    otherwise). The Doob-transformed rates are ``k_xy exp(-s . a_xy) r_y(t) / r_x(t)``
    (:func:`tilted_generator` gives ``k_xy exp(-s . a_xy)``), and ``G(s) = sum_x p0_x
    exp(-s . c0_x) r_x(0)``.

    Parameters
    ----------
    model, observables, s
        As for :func:`generating_function`.
    t_eval : array_like
        Output times (increasing, within ``[0, t_end]``).
    t_end : float, optional
        End of the horizon; default ``t_eval[-1]``.
    p0 : array_like, optional
        Initial law; needed only for the entropy production (its final term uses ``p(t_end)``).
    method, rtol, atol
        As for :func:`stochlim.solve_master`.

    Returns
    -------
    BackwardTiltedSolution
        ``r`` normalised per time with its ``log_scale`` apart (shape ``(len(t_eval), S)``).

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`~stochlim.models.HopModel`, ``observables`` is not a name, a
        :class:`~stochlim.fluctuations.Current` or a sequence of them, or ``s`` is not numeric.
    ValueError
        If an observable is unknown or repeated, a current names a missing edge, ``s`` is not
        finite or has not one entry per observable, ``p0`` is missing for the entropy production
        or is not a distribution, ``t_eval`` is not increasing, or ``t_end``/``t_eval``/``method`` is invalid.

    Examples
    --------
    Jumps of a Poisson process of rate 1 seen from either well: ``r_x(t) = exp((t_end - t)
    (e^-s - 1))``.

    >>> import numpy as np
    >>> import stochlim as sl
    >>> from stochlim.fluctuations import backward_tilted
    >>> back = backward_tilted(sl.two_state(0.0), "n_jumps", 0.5, t_eval=[0.0, 1.0, 2.0])
    >>> expected = np.outer([2.0, 1.0, 0.0], [1.0, 1.0]) * (np.exp(-0.5) - 1.0)
    >>> bool(np.allclose(back.log_r, expected))
    True
    """
    obs, s, p_init, lowered, method, t_eval = _setup(model, observables, s, p0, t_end, t_eval, method,
                                                     need_p0=False)
    t_end = float(lowered.seg_times[-1])
    c1_end, err = final_weights(model, obs, p_init, t_end, np.array([0.0, t_end]), method, rtol, atol)
    if err is not None:
        return BackwardTiltedSolution(t_eval[:0], np.zeros((0, model.n_states)), np.zeros(0), s,
                                      obs.names, method, False, -1, err)
    log_r_end = -(s @ c1_end[-1])
    offset = float(np.max(log_r_end))
    r_end = np.exp(log_r_end - offset)

    def block(j, t):
        return _tilted_matrix(model, obs, *_inputs(lowered, j, t), s, transpose=True,
                              exact_shift=method == "expm")

    out, log_scale, err = sweep(lowered, t_eval, method, r_end, block, knot=_knot(model, obs, lowered, s),
                                reverse=True, normalise=True, rtol=rtol, atol=atol)
    status, message = (0, "The solver successfully reached t = 0.") if err is None else (-1, err)
    if err is not None:  # only the later times finished
        keep = np.flatnonzero(np.any(out != 0, axis=1))
        return BackwardTiltedSolution(t_eval[keep], out[keep], log_scale[keep] + offset, s, obs.names,
                                      method, False, status, message)
    return BackwardTiltedSolution(t_eval, out, log_scale + offset, s, obs.names, method, True, status,
                                  message)


def tilted_generator(model, observables, s, t) -> TiltedGenerator:
    """The tilted generator ``L_s(t)`` per directed edge at time ``t`` (inputs right-continuous).

    Parameters
    ----------
    model : HopModel
    observables, s
        As for :func:`generating_function`.
    t : float
        Time, >= 0.

    Returns
    -------
    TiltedGenerator
        Log-rates, tilted log-rates and escape rates at ``t``.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`~stochlim.models.HopModel` or ``s`` is not numeric.
    ValueError
        If an observable is unknown, ``s`` is not finite or has not one entry per observable, or
        ``t`` is negative or not finite.

    Examples
    --------
    Unit rates both ways, jumps tilted by ``s = 1``: every off-diagonal entry is ``e^-1``.

    >>> import numpy as np
    >>> import stochlim as sl
    >>> from stochlim.fluctuations import tilted_generator
    >>> gen = tilted_generator(sl.two_state(0.0), "n_jumps", 1.0, 0.0)
    >>> gen.log_tilted_rate.tolist(), gen.escape.tolist()
    ([-1.0, -1.0], [1.0, 1.0])
    """
    if not isinstance(model, HopModel):
        raise TypeError(f"model must be a HopModel: got {type(model).__name__}")
    obs = resolve(model, observables)
    s = check_s(s, obs.n)
    t = float(np.asarray(t, dtype=np.float64))
    if not (np.isfinite(t) and t >= 0):
        raise ValueError(f"t must be finite and >= 0: got {t!r}")
    energy = np.asarray(model.energy(t), dtype=np.float64)
    slope = np.array([float(p.slope(t)) for p in model.energies])
    barrier = np.array([float(p(t)) for p in model.barriers])
    log_k, log_tilted, escape = _tilted_entries(model, obs, energy, slope, barrier, s)
    st = obs.st
    return TiltedGenerator(st.src.copy(), st.dst.copy(), st.edge.copy(), log_k, log_tilted, escape)
