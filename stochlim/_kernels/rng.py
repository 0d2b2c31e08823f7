"""xoshiro256** (Blackman & Vigna 2018) seeded through splitmix64: one stream per trajectory.

Stream contract (part of stochlim's reproducibility promise, mirrored by ``stochlim._reference``):

* a 64-bit root key ``root`` is derived once from the user's ``rng`` (see ``stochlim.ssa``);
* trajectory ``i`` starts splitmix64 at ``x = mix(root) XOR (i * 0xD2B74407B1CE6E93 mod 2^64)``;
  its four xoshiro256** state words are the next four splitmix64 outputs
  (``x += 0x9E3779B97F4A7C15; state[k] = mix(x)``);
* a uniform is ``(next() >> 11) * 2^-53`` in [0, 1); an exponential is ``-log1p(-u)``.

A trajectory's stream depends only on the root key and its index, never on threads or chunking.
"""

from __future__ import annotations

import numpy as np

from ._jit import jit

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
INDEX_MIX = np.uint64(0xD2B74407B1CE6E93)
_TWO_M53 = 1.0 / 9007199254740992.0


@jit()
def splitmix64_mix(z):
    """The splitmix64 output function (Steele, Lea & Flood 2014)."""
    z = (z ^ (z >> np.uint64(30))) * MIX1
    z = (z ^ (z >> np.uint64(27))) * MIX2
    return z ^ (z >> np.uint64(31))


@jit()
def seed_stream(root, index, state):
    """Fill ``state`` (4 uint64) with trajectory ``index``'s xoshiro256** state."""
    x = splitmix64_mix(np.uint64(root)) ^ (np.uint64(index) * INDEX_MIX)
    for k in range(4):
        x = x + GOLDEN
        state[k] = splitmix64_mix(x)


@jit()
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@jit()
def next_u64(s):
    """Next 64-bit output of xoshiro256**; advances ``s`` in place."""
    result = _rotl(s[1] * np.uint64(5), 7) * np.uint64(9)
    t = s[1] << np.uint64(17)
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], 45)
    return result


@jit()
def uniform(s):
    """Uniform double in [0, 1) from the top 53 bits."""
    return np.float64(next_u64(s) >> np.uint64(11)) * _TWO_M53


@jit()
def exponential(s):
    """Unit exponential ``-log(1 - u)``; finite because ``1 - u`` lies in (0, 1]."""
    return -np.log1p(-uniform(s))
