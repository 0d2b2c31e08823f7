"""Progress shown on stderr while a compiled kernel fills its per-trajectory outputs.

The kernels release the GIL (``nogil=True``), so a thread can watch an output array that starts at
``-1`` and count the entries a finished trajectory has written, without touching the event loop.
"""

from __future__ import annotations

import shutil
import sys
import threading
from contextlib import contextmanager

import numpy as np

#: Seconds between two looks at the outputs.
POLL_SECONDS = 0.5


def bar(total: int, *, desc: str, unit: str, show: bool, iterable=None, **options):
    """A tqdm bar on stderr sized to the terminal (a fresh pty reporting 0 x 0 would hide it).

    ``options`` go to tqdm (``initial``, ``unit_scale``, ``leave``); ``show=False`` disables it.
    """
    from tqdm import tqdm

    size = shutil.get_terminal_size((100, 20))
    return tqdm(iterable, total=total, desc=desc, unit=unit, disable=not show, file=sys.stderr,
                ncols=size.columns, nrows=size.lines, **options)


@contextmanager
def watch_finished(outputs: np.ndarray, *, desc: str, unit: str = "traj", show: bool = True):
    """Show how many entries of ``outputs`` are ``>= 0`` while the block runs (they start at -1).

    The elapsed time keeps moving even while no trajectory finishes (one long trajectory). Yields
    the bar (None when ``show`` is False).
    """
    if not show:
        yield None
        return
    done = threading.Event()
    progress = bar(outputs.size, desc=desc, unit=unit, show=True)

    def poll():
        while not done.wait(POLL_SECONDS):
            progress.n = int(np.count_nonzero(outputs >= 0))
            progress.refresh()

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    try:
        yield progress
    finally:
        done.set()
        watcher.join()
        progress.n = int(np.count_nonzero(outputs >= 0))
        progress.close()
