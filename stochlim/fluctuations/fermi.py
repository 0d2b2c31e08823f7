"""Exact averages of Fermi functions of the work, ``<f(z + W)>`` and ``<f(z + W)^2>``.

``f(x) = 1 / (1 + e^x)`` is the weight of Bennett's acceptance ratio (Bennett 1976, J. Comput.
Phys. 22 245), whose asymptotic variance needs these averages for the forward and the reverse work
laws. They follow from the exact generating function ``G(s) = <exp(-s W)>`` of the tilted master
equation by the two-sided Laplace inversion

    <f(z + W)>   = (1 / 2 pi) int F1(c + i y) exp(-(c + i y) z) G(c + i y) dy,
    <f(z + W)^2> = (1 / 2 pi) int F2(c + i y) exp(-(c + i y) z) G(c + i y) dy,

with ``F1(s) = int e^{s x} f(x) dx = pi / sin(pi s)`` (``0 < Re s < 1``) and ``F2(s) = (1 - s)
pi / sin(pi s)`` (``0 < Re s < 2``), on the line ``c = 1/2``. ``|F(c + i y)|`` decays like
``exp(-pi |y|)`` whatever the law of ``W`` (atoms, drives, any width), so the trapezoidal rule with
step ``h`` on ``|y| <= Y`` converges exponentially and its error has a **proven bound**
(Trefethen & Weideman 2014, SIAM Rev. 56 385, Thm 5.1): the integrand is analytic in the strip
``|Im y| < a`` (``Re s`` in ``[c - a, c + a]``, inside ``(0, 1)``), where ``|G(s)| <= G(Re s)`` and
``exp(-sigma z) G(sigma)`` is log-convex in ``sigma`` (Hoelder), so its largest value there is at an
edge of the strip - two more real tilts. The discretisation error is then at most
``2 M / (exp(2 pi a / h) - 1)`` with ``M = max_edge exp(-sigma z) G(sigma) int |F(sigma + i y)| dy /
(2 pi)``, and the truncation at ``Y`` at most ``exp(-c z) G(c) int_Y^inf |F(c + i y)| dy / pi``.
The bound covers the quadrature; the propagation of ``G`` (``expm_multiply`` on constant segments,
DOP853 at ``rtol``/``atol`` on ramps, as for :func:`~stochlim.fluctuations.cdf`) adds its own error,
not bounded, of about ``rtol`` times the integrand's scale ``exp(-c z) G(c)``. For Bennett's
averages that scale is the Bhattacharyya overlap ``BC = int sqrt(P_F(W) P_R(-W)) dW`` of the two
work laws (times ``exp(-m / 2)``), and ``<f> >= BC^2 / 2`` (at ``m = 0``, Cauchy-Schwarz), so the
relative error stays near ``rtol / BC``: 1e-10 for a good overlap, 1e-5 when the dissipation makes
``BC`` 1e-5. All nodes are propagated at once (one block-diagonal solve).
:func:`stochlim.fluctuations.crooks_reference` is the public entry point.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate

from .continuous import _characteristic_batch

__all__ = ["LINE", "STRIP"]

#: Abscissa ``c`` of the inversion line ``s = c + i y``.
LINE = 0.5
#: Half-width ``a`` of the strip of analyticity used in the error bound (``Re s`` in ``[1/4, 3/4]``).
STRIP = 0.25
_STEP = 2.0 * math.pi * STRIP / 36.0  # the discretisation term falls as exp(-2 pi a / h) = e^-36
_Y_MAX = 12.0  # the truncated tail falls as exp(-pi Y) = 4e-17
_Y = np.arange(int(math.ceil(_Y_MAX / _STEP)) + 1) * _STEP


def _strip_integrals():
    """``int |F1|`` and ``int |F2|`` over a whole line ``Re s = sigma`` in the strip, bounded from
    above by their values at ``sin(pi sigma) = sin(pi (c - a))`` and ``|1 - s| <= sqrt((1 - c + a)^2
    + y^2)`` (quadrature to 1e-13 on ``[0, 40]``, beyond which they hold less than 1e-50; enlarged by
    1 % to make the bound safe)."""
    low = math.sin(math.pi * (LINE - STRIP)) ** 2
    far = (1.0 - LINE + STRIP) ** 2
    one = integrate.quad(lambda y: math.pi / math.sqrt(low + math.sinh(math.pi * y) ** 2), 0, 40.0,
                         epsabs=1e-13, limit=200)[0]
    two = integrate.quad(lambda y: math.pi * math.sqrt(far + y * y) / math.sqrt(low + math.sinh(math.pi * y) ** 2),
                         0, 40.0, epsabs=1e-13, limit=200)[0]
    return 2.02 * one, 2.02 * two


def _tail_integrals(y0: float):
    """``int_y0^inf |F1(c + i y)| dy`` and the same for ``F2``, bounded with ``|sin| >= sinh(pi y)``,
    ``|1 - s| <= (1 - c) + y`` and ``1 / sinh(x) <= 2 e^-x / (1 - e^-2 y0 pi)``."""
    q = math.exp(-math.pi * y0)
    scale = 2.0 / (1.0 - q * q)
    one = scale * q
    two = scale * q * ((1.0 - LINE) + y0 + 1.0 / math.pi)
    return one, two


_STRIP_INTEGRALS = _strip_integrals()
_TAIL_INTEGRALS = _tail_integrals(float(_Y[-1]))


def _laplace_nodes(model, lowered, obs, p0, rtol, atol):
    """``G`` at the quadrature nodes ``c + i y_k`` and at the strip edges ``c -+ a`` (real).

    Returns ``(nodes, edges, error)``: complex ``(N,)``, real ``(2,)`` and a failure message (or None).
    """
    s = np.concatenate((LINE + 1j * _Y, [LINE - STRIP, LINE + STRIP]))
    g, err = _characteristic_batch(model, lowered, obs, p0, 1j * s, rtol, atol)  # exp(i (i s) W) = exp(-s W)
    if err is not None:
        return None, None, err
    return g[:-2], g[-2:].real, None


def _fermi_moments(nodes, edges, z):
    """``<f(z + W)>``, ``<f(z + W)^2>`` and a proven bound on the quadrature error of either.

    Parameters
    ----------
    nodes, edges : ndarray
        From :func:`_laplace_nodes`.
    z : float
        The shift.

    Returns
    -------
    (float, float, float)
    """
    s = LINE + 1j * _Y
    f1 = np.pi / np.sin(np.pi * s)
    with np.errstate(over="ignore", invalid="ignore"):
        kernel = np.exp(-s * z) * nodes
    weight = np.full(_Y.size, _STEP)
    weight[0] *= 0.5
    m1 = float(np.sum(weight * (f1 * kernel).real) / math.pi)
    m2 = float(np.sum(weight * ((1.0 - s) * f1 * kernel).real) / math.pi)
    sigma = np.array([LINE - STRIP, LINE + STRIP])
    height = float(np.max(np.exp(-sigma * z) * edges)) / (2.0 * math.pi)
    discretisation = 2.0 / math.expm1(2.0 * math.pi * STRIP / _STEP) * height * max(_STRIP_INTEGRALS)
    centre = math.exp(-LINE * z) * float(nodes[0].real)
    truncation = centre / math.pi * max(_TAIL_INTEGRALS)
    bound = discretisation + truncation
    if not (math.isfinite(m1) and math.isfinite(m2) and math.isfinite(bound)):
        raise ValueError(f"the shift {z:g} lies too far from the work law for the Laplace inversion "
                         "(exp(-z / 2) G(1/2) overflows)")
    return m1, m2, bound
