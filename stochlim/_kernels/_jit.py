"""The one place that sets numba options for every kernel."""

from __future__ import annotations

import numba

_DEFAULTS = dict(cache=True, nogil=True, error_model="numpy", boundscheck=False, fastmath=False)


def jit(**overrides):
    """``numba.njit`` with stochlim's options (on-disk cache, no GIL, numpy error model).

    ``fastmath`` stays off: the kernels must reproduce the pure-Python reference bit for bit.
    """
    return numba.njit(**{**_DEFAULTS, **overrides})
