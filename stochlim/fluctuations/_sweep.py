"""Propagation of a linear system ``dv/dt = A(t) v`` through a model's time segments.

One block exponential per interval where the inputs are constant (dense ``expm`` or Krylov
``expm_multiply``), Radau with the exact Jacobian where they vary: the shared propagators of
``stochlim._propagate``, whose failures come back as messages. Forward sweeps carry a vector from
``t = 0`` to ``t_end``; backward sweeps carry the transposed system from ``t_end`` back to 0 (the
backward equation ``-dr/dt = A(t)^T r``). Between segments an optional ``knot`` map applies a jump
(energies that change discontinuously at a protocol knot). With ``normalise`` each output is
rescaled to unit maximum modulus and its logarithmic scale returned apart, so tilted generators
whose solutions grow or decay like ``exp(lambda t)`` never overflow or underflow.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .._propagate import expm_dense, expm_krylov, integrate_linear

__all__ = ["sweep"]


def sweep(segments, t_eval, method, v0, block, *, knot=None, reverse=False, normalise=False,
          rtol=1e-10, atol=1e-12):
    """Carry ``v0`` through the segments of ``segments`` and return it at every ``t_eval``.

    Parameters
    ----------
    segments : Segments
        The model on the segments of ``[0, t_end]`` (``seg_times``, ``n_segments``, ``varies``).
    t_eval : ndarray
        Sorted output times in ``[0, t_end]``.
    method : {"expm", "krylov", "ode"}
    v0 : ndarray
        Vector at ``t = 0`` (forward) or ``t = t_end`` (``reverse``).
    block : callable
        ``block(j, t) -> (A, shift)``: the (sparse) system matrix on segment ``j`` at time ``t``
        (already transposed for a backward sweep) and a real ``shift`` ``c`` such that ``A - c I``
        does not grow (an upper bound of its spectral abscissa, or 0).
    knot : callable, optional
        ``knot(j, v) -> v`` applied where segment ``j > 0`` starts (after it going forward, before
        it going back).
    reverse : bool
        Backward sweep.
    normalise : bool
        Rescale every output to unit maximum modulus, returning the log-scale apart.

    Returns
    -------
    out : ndarray, shape (len(t_eval), len(v0))
    log_scale : ndarray, shape (len(t_eval),)
        ``log`` of the factor that multiplies ``out`` (zeros without ``normalise``).
    message : str or None
        The propagator's failure message (outputs then hold only the finished times), or None.

    Examples
    --------
    The master equation of two wells with unit rates, from well 0: ``p_1(t) = (1 - e^-2t) / 2``.

    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> import stochlim as sl
    >>> from stochlim._segments import Segments
    >>> from stochlim.fluctuations._sweep import sweep
    >>> L = sp.csr_matrix([[-1.0, 1.0], [1.0, -1.0]])
    >>> t = np.array([0.0, 0.5, 2.0])
    >>> out, _, msg = sweep(Segments(sl.two_state(0.0), 2.0), t, "expm", np.array([1.0, 0.0]),
    ...                     lambda j, s: (L, 0.0))
    >>> bool(np.allclose(out[:, 1], (1 - np.exp(-2 * t)) / 2)), msg
    (True, None)
    """
    seg = segments.seg_times
    n_seg = segments.n_segments
    out = np.zeros((t_eval.size, v0.size), dtype=np.result_type(v0, np.float64))
    log_scale = np.zeros(t_eval.size)
    done = np.zeros(t_eval.size, dtype=bool)
    v, base = v0.astype(out.dtype), 0.0
    order = range(n_seg - 1, -1, -1) if reverse else range(n_seg)
    for j in order:
        a, b = seg[j], seg[j + 1]
        if not reverse and j > 0 and knot is not None:
            v = knot(j, v)
        mask = (t_eval >= a) & ((t_eval <= b) if j == n_seg - 1 else (t_eval < b))
        idx = np.flatnonzero(mask)
        if reverse:
            idx = idx[::-1]
            taus = list(b - t_eval[idx])
        else:
            taus = list(t_eval[idx] - a)
        taus.append(b - a)  # carry the vector across the whole segment
        uniq = sorted(set(taus))
        where = [uniq.index(tau) for tau in taus]
        start = b if reverse else a
        if method == "ode":
            sign = -1.0 if reverse else 1.0
            _, c = block(j, a + 0.5 * (b - a))
            c = max(c, block(j, a)[1], block(j, b)[1])

            def shifted(t, j=j, c=c, start=start, sign=sign):
                return _shift(block(j, start + sign * (t - start))[0], c)

            if not segments.varies(j):
                fixed = shifted(start)

                def shifted(t, fixed=fixed):
                    return fixed

            states, err = integrate_linear(shifted, v, start, start + (b - a), uniq, rtol, atol)
        else:
            A, c = block(j, a)
            states, err = (expm_dense if method == "expm" else expm_krylov)(_shift(A, c), v, uniq)
        if err is not None:
            return out[done], log_scale[done], err
        states = [states[w] for w in where]
        for k, i in enumerate(idx):
            out[i], log_scale[i] = _rescale(states[k], base + c * taus[k], normalise)
            done[i] = True
        v, base = _rescale(states[-1], base + c * (b - a), normalise)
        if reverse and j > 0 and knot is not None:
            v = knot(j, v)
    return out, log_scale, None


def _shift(A, c):
    if c == 0.0:
        return A
    return A - c * sp.identity(A.shape[0], format="csr", dtype=A.dtype)


def _rescale(v, log_factor, normalise):
    if not normalise:
        return v, log_factor
    peak = float(np.max(np.abs(v))) if v.size else 0.0
    if peak == 0.0 or not np.isfinite(peak):
        return v, log_factor
    return v / peak, log_factor + np.log(peak)
