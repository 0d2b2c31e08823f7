"""Random streams and provenance: the one place a root seed becomes per-trajectory streams.

Stream contract (every compiled simulator: :func:`stochlim.simulate`, :func:`stochlim.lim.run`):
trajectory ``i`` draws from its own xoshiro256** generator seeded through splitmix64 from
``(root_key, i)``, so results depend only on the root and the index, never on the thread count,
chunking or scheduling, and any trajectory can be re-run alone. :func:`root_key` turns the public
``rng`` argument (SPEC 7: ``None | int | SeedSequence | Generator``) into that root;
:func:`seed_sequence` turns it into a numpy ``SeedSequence`` for code that spawns numpy generators;
:func:`provenance` is the record every result carries.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

from ._version import __version__

__all__ = ["STREAM", "root_key", "seed_sequence", "provenance"]

#: The per-trajectory stream contract, as recorded in every result's provenance.
STREAM = "xoshiro256** per trajectory, seeded by splitmix64 from (root_key, index)"


def seed_sequence(rng) -> np.random.SeedSequence:
    """``rng`` (``None``, a non-negative ``int``, a ``SeedSequence`` or a ``Generator``) as a ``SeedSequence``.

    ``None``: fresh OS entropy; ``Generator``: seeded by one raw 64-bit draw (the generator advances).
    """
    if isinstance(rng, np.random.SeedSequence):
        return rng
    if isinstance(rng, np.random.Generator):
        return np.random.SeedSequence(int(rng.bit_generator.random_raw()))
    if rng is None or (isinstance(rng, Integral) and not isinstance(rng, bool)):
        if rng is not None and rng < 0:
            raise ValueError(f"rng must be a non-negative integer seed: got {rng}")
        return np.random.SeedSequence(None if rng is None else int(rng))
    raise TypeError(f"rng must be None, an int, a numpy SeedSequence or a numpy Generator: got {rng!r}")


def root_key(rng) -> tuple[int, object]:
    """The 64-bit root key of the per-trajectory streams, and its provenance.

    ``None``: fresh OS entropy; ``int`` or ``SeedSequence``: its first 64-bit state word;
    ``Generator``: one raw 64-bit draw (so the generator advances, and two calls differ).
    """
    if isinstance(rng, np.random.Generator):
        return int(rng.bit_generator.random_raw()), "Generator"
    seq = seed_sequence(rng)
    return int(seq.generate_state(1, dtype=np.uint64)[0]), seq.entropy


def provenance(root: int, entropy, **fields) -> dict:
    """The provenance record of a run: root key, seed entropy, :data:`STREAM`, ``fields``, version."""
    return {"root_key": root, "seed_entropy": entropy, "stream": STREAM, **fields, "stochlim": __version__}
