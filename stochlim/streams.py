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

    Parameters
    ----------
    rng : None, int, numpy.random.SeedSequence or numpy.random.Generator
        The public ``rng`` argument of stochlim's simulators. A ``SeedSequence`` is returned as is.

    Returns
    -------
    numpy.random.SeedSequence
        The seed sequence; the same ``int`` always gives the same sequence.

    Raises
    ------
    ValueError
        If ``rng`` is a negative integer.
    TypeError
        If ``rng`` is none of the accepted types (a ``bool`` is refused too).

    Examples
    --------
    >>> from stochlim.streams import seed_sequence
    >>> seq = seed_sequence(42)
    >>> seq.entropy
    42
    >>> bool((seq.generate_state(2) == seed_sequence(42).generate_state(2)).all())
    True
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

    Parameters
    ----------
    rng : None, int, numpy.random.SeedSequence or numpy.random.Generator
        The public ``rng`` argument of stochlim's simulators.

    Returns
    -------
    root : int
        The root key, in ``[0, 2**64)``.
    entropy : int or str
        What to record as the seed in the provenance: the ``SeedSequence``'s entropy (the seed
        itself for an ``int``), or ``"Generator"``.

    Raises
    ------
    ValueError
        If ``rng`` is a negative integer.
    TypeError
        If ``rng`` is none of the accepted types (see :func:`seed_sequence`).

    Examples
    --------
    >>> import numpy as np
    >>> from stochlim.streams import root_key, seed_sequence
    >>> root, entropy = root_key(7)
    >>> entropy
    7
    >>> root == int(seed_sequence(7).generate_state(1, dtype=np.uint64)[0]) == root_key(7)[0]
    True
    >>> 0 <= root < 2**64
    True
    """
    if isinstance(rng, np.random.Generator):
        return int(rng.bit_generator.random_raw()), "Generator"
    seq = seed_sequence(rng)
    return int(seq.generate_state(1, dtype=np.uint64)[0]), seq.entropy


def provenance(root: int, entropy, **fields) -> dict:
    """The provenance record of a run: root key, seed entropy, :data:`STREAM`, ``fields``, version.

    Parameters
    ----------
    root : int
        The root key of the run's streams, from :func:`root_key`.
    entropy : object
        The seed entropy to record, from :func:`root_key`.
    **fields
        Further entries (method, number of trajectories, ...), recorded as given.

    Returns
    -------
    dict
        ``root_key``, ``seed_entropy``, ``stream`` (:data:`STREAM`), then ``fields``, then the
        ``stochlim`` version.

    Examples
    --------
    >>> from stochlim.streams import STREAM, provenance, root_key
    >>> record = provenance(*root_key(3), method="direct")
    >>> list(record)
    ['root_key', 'seed_entropy', 'stream', 'method', 'stochlim']
    >>> record["seed_entropy"], record["stream"] == STREAM
    (3, True)
    """
    return {"root_key": root, "seed_entropy": entropy, "stream": STREAM, **fields, "stochlim": __version__}
