"""Parameter studies: a TOML study validated before anything runs, run in checkpointed chunks.

Modules, in import order (each imports only those before it):

``schema``
    The keys a study file may hold, with their types, for each model kind.
``build``
    One point's parameters -> a function computing a chunk (``run_chunk``).
``points``
    The grid, enumerated lazily: ``len`` and ``params(i)`` in O(1) whatever its size.
``study``
    Parsing and validation of TOML studies (:class:`Study`, :func:`load_study`).
``store``
    The output folder: chunk files with checksums, its lock.
``table``
    The results table (``results.csv``) and provenance.
``dask``
    Running chunks on a Dask cluster.
``runner``
    :func:`sweep`: chunks, checkpoint, resume, assembly.
"""

from .build import METRICS, build, run_chunk
from .runner import SweepInterrupted, sweep
from .study import EXAMPLE, HOP_KINDS, KINDS, Study, load_study, parse_study

__all__ = ["Study", "load_study", "parse_study", "EXAMPLE", "HOP_KINDS", "KINDS", "sweep", "SweepInterrupted",
           "build", "run_chunk", "METRICS"]
