"""Scipy-level propagation of ``dv/dt = A(t) v``, the one method chooser and the overflow refusal.

One home for what every exact solver of the package shares:

* :func:`choose_method` - the methods a caller accepts and what ``"auto"`` means for it;
* :func:`refuse_overflow` - the ``MAX_LOG_RATE`` rule of :meth:`LoweredModel.rate_overflow`
  (the rule of :func:`stochlim.simulate`), raised up front as a ``ValueError``;
* the propagators of a (block) matrix ``A`` through sorted offsets ``taus``: :func:`expm_dense`
  (``scipy.linalg.expm``, Al-Mohy & Higham 2009, SIAM J. Matrix Anal. Appl. 31 970),
  :func:`expm_krylov` (``scipy.sparse.linalg.expm_multiply``, Al-Mohy & Higham 2011, SIAM J. Sci.
  Comput. 33 488) and :func:`integrate_linear` (an implicit ``solve_ivp`` method with the exact
  Jacobian ``A(t)``; complex systems in their real form), and for block matrices whose leading
  block is a generator :func:`uniformize_block` (uniformisation, Jensen 1953). Each returns
  ``(states, message)``: a scipy exception, a failed integration or a non-finite value becomes a
  message, never an exception or a NaN.

:func:`stochlim.solve_master` propagates the real, untilted generator on the compiled core
(``stochlim._kernels.master``: dense Pade expm, uniformisation, Magnus) and comes here for its
``"krylov"`` method and for the BDF integration of large ramped models. The other callers build
matrices the compiled :class:`~stochlim._generator.Generator` cannot propagate itself, from the
rates it assembles (the same directed edges, rate law and tilts): the tilted generator at complex
``s`` and its transpose for backward sweeps (:mod:`stochlim.fluctuations`), the moment hierarchy
and the joint (state, count) chain, and the generator with an absorbing target
(:mod:`stochlim.passage`).
"""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg
import scipy.sparse as sp
import scipy.stats
from scipy.integrate import solve_ivp
from scipy.sparse.linalg import expm_multiply

from .models import LoweredModel

#: Every method name (``solve_master`` and ``first_passage`` accept them all).
METHODS = ("auto", "expm", "uniformization", "krylov", "ode")
#: The methods of callers that propagate their own block matrices with scipy.
MATRIX_METHODS = ("auto", "expm", "krylov", "ode")
#: Methods exact only for piecewise-constant inputs.
EXACT_METHODS = ("expm", "uniformization", "krylov")

#: Largest size of a matrix (states + functionals) that ``"auto"`` propagates densely.
DENSE_LIMIT = 400

# What scipy's propagators raise on overflow, singular systems or bad steps.
_SCIPY_FAILURES = (ArithmeticError, ValueError, RuntimeError, np.linalg.LinAlgError)


def choose_method(method, piecewise_constant: bool, *, allowed=MATRIX_METHODS, size: int | None = None) -> str:
    """Validate ``method`` against ``allowed`` and resolve ``"auto"``.

    Parameters
    ----------
    method : str
        The caller's ``method`` argument.
    piecewise_constant : bool
        Whether no input varies within a segment (the exact methods need it).
    allowed : tuple of str, optional
        The caller's methods: :data:`METHODS` or :data:`MATRIX_METHODS`.
    size : int, optional
        Size of the propagated matrix: ``"auto"`` is then ``"expm"`` up to :data:`DENSE_LIMIT` and
        ``"krylov"`` beyond. Without it ``"auto"`` stays ``"auto"`` (chosen per interval).

    Returns
    -------
    str
        ``"ode"`` for ``"auto"`` when an input varies; otherwise as described.

    Raises
    ------
    ValueError
        If ``method`` is not in ``allowed``, or exact for inputs that vary within a segment.
    """
    if not isinstance(method, str) or method not in allowed:
        raise ValueError(f"method must be one of {allowed}: got {method!r}")
    if method == "auto":
        if not piecewise_constant:
            return "ode"
        if size is None:
            return "auto"
        return "expm" if size <= DENSE_LIMIT else "krylov"
    if method in EXACT_METHODS and not piecewise_constant:
        raise ValueError(
            f"method {method!r} is exact only for piecewise-constant protocols; this model has "
            "inputs that vary within an interval: use method='ode' (or 'auto')"
        )
    return method


def refuse_overflow(g) -> None:
    """Raise the ``ValueError`` of :meth:`LoweredModel.rate_overflow` (the rule and message of
    :func:`stochlim.simulate`, which :func:`stochlim.solve_master` reports as ``STATUS_REFUSED``)
    when a rate of the model leaves float64 over the horizon, naming the interval where it peaks.

    Parameters
    ----------
    g : Generator
        The compiled generator of the model on the segments of the solve
        (:meth:`~stochlim._generator.Generator.log_rate_bound` bounds each segment's log-rates).

    Raises
    ------
    ValueError
        When some rate exceeds ``exp(MAX_LOG_RATE)`` or ``2^52`` jumps over the horizon.
    """
    seg = g.segments.seg_times
    tops = np.array([g.log_rate_bound(j) for j in range(seg.size - 1)])
    j = int(np.argmax(tops))
    message = LoweredModel.rate_overflow(tops[j], float(seg[-1]), f"rate on [{seg[j]:g}, {seg[j + 1]:g}]")
    if message is not None:
        raise ValueError(message)


# --- constant A: exponentials --------------------------------------------------------------------


def steps(step, v, taus, name: str, *, check_finite: bool = True):
    """``v(tau) = step(v(prev), tau - prev)`` through sorted ``taus``: the states, or a message.

    A scipy exception or (with ``check_finite``) a non-finite state ends the walk with
    ``(None, message)``; a caller that validates the states itself passes ``check_finite=False``.
    """
    out, prev, cur = [], 0.0, v
    for tau in taus:
        if tau > prev:
            try:
                with np.errstate(over="raise", invalid="raise"):
                    cur = step(cur, tau - prev)
            except _SCIPY_FAILURES as exc:
                return None, f"{name} failed: {type(exc).__name__}: {exc}"
            if check_finite and not np.all(np.isfinite(cur)):
                return None, f"{name} gave non-finite values"
            prev = tau
        out.append(cur)
    return out, None


def expm_dense(A, v, taus):
    """``expm(A tau) v`` by dense scaling and squaring, through sorted ``taus``.

    Parameters
    ----------
    A : sparse matrix or ndarray
    v : ndarray
        A vector, or a matrix whose columns are propagated together.
    taus : sequence of float
        Sorted offsets from the start.

    Returns
    -------
    (list of ndarray or None, str or None)
        The states at ``taus``, or None and the failure message.
    """
    dense = A.toarray() if sp.issparse(A) else np.asarray(A)
    return steps(lambda cur, h: scipy.linalg.expm(dense * h) @ cur, v, taus, "expm")


def expm_krylov(A, v, taus):
    """``expm(A tau) v`` by ``expm_multiply`` (cost linear in the non-zeros), through sorted ``taus``.

    Parameters and returns as :func:`expm_dense`.
    """
    A = sp.csc_matrix(A)
    return steps(lambda cur, h: expm_multiply(A * h, cur), v, taus, "krylov")


#: Longest uniformisation series :func:`uniformize_block` runs (a Python loop of sparse products:
#: about 10 s for a few dozen states; beyond it ``expm`` or ``krylov`` are faster).
MAX_BLOCK_UNIFORM_TERMS = 1_000_000


def _uniformize_step(L, B, N, v, tau: float):
    """``expm(A tau) v`` for ``A = [[L, 0], [B, N]]``: ``L`` a generator, ``N @ N = 0``."""
    n = L.shape[0]
    p0, c0 = v[:n], v[n:]
    lam = float(np.max(-L.diagonal(), initial=0.0))
    mu = lam * tau
    if mu == 0.0:  # nothing moves: the integrals of p are t p0 and t^2 p0 / 2
        j1, j2 = tau * p0, 0.5 * tau * tau * p0
        return np.concatenate((p0, c0 + tau * (N @ c0) + B @ j1 + N @ (B @ j2)))
    # Bernstein: P(K >= mu + x) <= exp(-x^2 / (2 (mu + x / 3))) < 1e-26 for x = 12 sqrt(mu) + 40,
    # and the tail sums of the integrals left out are as small
    k_max = math.ceil(mu + 12.0 * math.sqrt(mu) + 40.0)
    if k_max > MAX_BLOCK_UNIFORM_TERMS:
        raise ValueError(f"the series needs ~{k_max:.3g} terms (rate {lam:.3g} x interval {tau:.3g}): "
                         "use method='expm' or 'krylov'")
    k = np.arange(k_max + 1)
    pmf = scipy.stats.poisson.pmf(k, mu)  # weights of P^k p0 in p(tau)
    sf = scipy.stats.poisson.sf(k, mu)  # P(N > k): lam int_0^tau of the k-th term
    tail = np.cumsum(sf[::-1])[::-1]  # sum_{j >= k} P(N > j); lam^2 int int of term k is tail[k + 1]
    w2 = np.append(tail[1:], 0.0)
    P = sp.identity(n, format="csr") + sp.csr_matrix(L) / lam
    p, j1, j2 = np.zeros(n), np.zeros(n), np.zeros(n)
    term = p0.copy()
    for i in range(k_max + 1):
        p += pmf[i] * term
        j1 += sf[i] * term
        j2 += w2[i] * term
        term = P @ term
    j1 /= lam
    j2 /= lam * lam
    return np.concatenate((p, c0 + tau * (N @ c0) + B @ j1 + N @ (B @ j2)))


def uniformize_block(A, v, taus, n_states: int):
    """``expm(A tau) v`` by uniformisation (Jensen 1953) for ``A = [[L, 0], [B, N]]``, through
    sorted ``taus``.

    ``L`` (the leading ``n_states`` block) is a generator (off-diagonal entries >= 0; an absorbing
    state has a zero column), ``B`` reads functionals of ``p`` and ``N`` is nilpotent of order 2
    (``N @ N = 0``: a functional that integrates another). With ``P = I + L / lam``,
    ``lam = max(-diag L)``, and ``K ~ Poisson(lam tau)``:
    ``p(tau) = sum_k P(K = k) P^k p0``, ``int_0^tau p = sum_k P(K > k) P^k p0 / lam`` and
    ``int_0^tau (tau - s) p(s) ds = sum_k E[(K - k - 1)^+] P^k p0 / lam^2``, all with non-negative
    terms; the series stops where the Poisson tail left out is below ``1e-26``.

    Parameters
    ----------
    A : sparse matrix or ndarray
        The block matrix.
    v : ndarray
        The start vector.
    taus : sequence of float
        Sorted offsets from the start.
    n_states : int
        Size of the generator block ``L``.

    Returns
    -------
    (list of ndarray or None, str or None)
        As for :func:`expm_dense`; a series longer than :data:`MAX_BLOCK_UNIFORM_TERMS` is a
        failure message.

    Raises
    ------
    ValueError
        If ``A`` is not of this form (a negative off-diagonal entry of ``L``, a column of ``L``
        with a positive sum, an entry above the diagonal block, or ``N @ N != 0``).
    """
    A = sp.csr_matrix(A)
    L, N = A[:n_states, :n_states], A[n_states:, n_states:]
    off = L - sp.diags(L.diagonal())
    outflow = np.asarray(L.sum(axis=0)).ravel()  # a (sub-)generator loses probability, never gains it
    scale = max(1.0, float(np.max(np.abs(L.diagonal()), initial=0.0)))
    if (off.nnz and off.data.min() < 0 or np.any(outflow > 1e-12 * scale) or A[:n_states, n_states:].count_nonzero()
            or (N @ N).count_nonzero()):
        raise ValueError("uniformize_block needs A = [[L, 0], [B, N]] with L a generator (off-diagonal entries "
                         ">= 0, columns summing to <= 0) and N @ N = 0")
    B = A[n_states:, :n_states]
    return steps(lambda cur, h: _uniformize_step(L, B, N, cur, h), v, taus, "uniformization")


# --- varying A: stiff integration ----------------------------------------------------------------


def integrate(fun, jac, v, a: float, b: float, taus, rtol: float, atol: float, *, solver: str = "Radau"):
    """``solve_ivp(fun, (a, b), v, method=solver, jac=jac)`` at ``a + taus``: states or a message.

    Parameters
    ----------
    fun, jac : callable
        ``fun(t, y)`` and ``jac(t, y)`` as for ``scipy.integrate.solve_ivp`` (``jac`` None for an
        explicit ``solver``).
    v : ndarray
        State at ``a``.
    a, b : float
        The interval.
    taus : sequence of float
        Sorted output offsets from ``a`` (clipped to ``[0, b - a]``).
    rtol, atol : float
        Tolerances.
    solver : str, optional
        A ``solve_ivp`` method.

    Returns
    -------
    (list of ndarray or None, str or None)
        The states at the outputs, or None and a message naming ``solver`` and the interval.
    """
    if b <= a:
        return [v for _ in taus], None
    t_eval = np.clip(a + np.asarray(taus, dtype=np.float64), a, b)
    where = f"{solver} failed on [{a:g}, {b:g}]"
    options = {} if jac is None else {"jac": jac}
    try:
        sol = solve_ivp(fun, (a, b), v, method=solver, t_eval=t_eval, rtol=rtol, atol=atol, **options)
    except _SCIPY_FAILURES as exc:
        return None, f"{where}: {type(exc).__name__}: {exc}"
    if not sol.success:
        return None, f"{where}: {sol.message}"
    if not np.all(np.isfinite(sol.y)):
        return None, f"{where}: non-finite values"
    return list(sol.y.T), None


def integrate_linear(matrix_at, v, a: float, b: float, taus, rtol: float, atol: float, *,
                     solver: str = "Radau"):
    """``dv/dt = A(t) v`` over ``[a, b]`` with the exact Jacobian ``A(t) = matrix_at(t)``.

    A complex ``v`` is integrated as ``[Re v, Im v]`` under ``[[Re A, -Im A], [Im A, Re A]]``
    (scipy's implicit methods are real). Parameters and returns as :func:`integrate`.
    """
    if np.iscomplexobj(v):
        n = v.size
        states, err = integrate_linear(lambda t: _realify(matrix_at(t)), np.concatenate((v.real, v.imag)),
                                       a, b, taus, rtol, atol, solver=solver)
        return (None if states is None else [y[:n] + 1j * y[n:] for y in states]), err
    return integrate(lambda t, y: matrix_at(t) @ y, lambda t, y: matrix_at(t), v, a, b, taus, rtol, atol,
                     solver=solver)


def _realify(A):
    """The real form ``[[Re A, -Im A], [Im A, Re A]]`` of a complex matrix."""
    re, im = sp.csr_matrix(A.real), sp.csr_matrix(A.imag)
    return sp.bmat([[re, -im], [im, re]], format="csr")
