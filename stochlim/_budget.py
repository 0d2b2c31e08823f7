"""Sizing a request before doing it: memory it would hold and events it would simulate.

Every public entry point that allocates per-trajectory arrays or simulates events checks the size
of the request here first, so that an impossible request ends at once with a message naming the
argument and the size, instead of a ``MemoryError`` traceback after minutes or a run that never
ends.
"""

from __future__ import annotations

import math
import os

__all__ = ["MAX_EVENTS", "memory_bytes", "format_bytes", "check_memory", "check_events"]

#: Expected events (an upper bound: rate bound x time x trajectories) beyond which a request is
#: refused as astronomically large: about three CPU-years at 1e7 events per second.
MAX_EVENTS = 1e15


def memory_bytes() -> int:
    """Physical memory of this machine in bytes (``2**40`` where the OS does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, OSError, ValueError):  # pragma: no cover - non-POSIX systems
        return 2**40


def format_bytes(n: float) -> str:
    """``n`` bytes in the largest binary unit that keeps the number >= 1 (``"74.5 GiB"``)."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.3g} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def check_memory(name: str, value, nbytes: float, what: str) -> None:
    """Raise ``MemoryError`` when ``nbytes`` (held at once) exceeds this machine's memory.

    Parameters
    ----------
    name, value : str, object
        The argument that sets the size and its value, for the message.
    nbytes : float
        Bytes the request would hold.
    what : str
        What those bytes are (``"per-trajectory arrays"``).
    """
    limit = memory_bytes()
    if not nbytes <= limit:
        raise MemoryError(f"{name} = {value}: the {what} would need {format_bytes(nbytes)}, more than "
                          f"this machine's {format_bytes(limit)} of memory; ask for less")


def check_events(request: str, log_events: float, what: str = "events") -> None:
    """Raise ``ValueError`` when ``exp(log_events)`` exceeds :data:`MAX_EVENTS`.

    Parameters
    ----------
    request : str
        The arguments that set the size, for the message (``"t_end = 1e+308, n_trajectories = 10"``).
    log_events : float
        Natural logarithm of an upper bound of the events (or integration steps) the request
        would take, so that bounds beyond float64 compare without overflow.
    what : str
        What is counted.
    """
    if not log_events <= math.log(MAX_EVENTS):
        shown = f"1e{log_events / math.log(10):.0f}" if math.isfinite(log_events) else "infinitely many"
        raise ValueError(f"{request}: up to {shown} {what} (rate bound x time x trajectories), beyond "
                         f"the {MAX_EVENTS:.0e} this library will start; shorten the run or use fewer trajectories")


def log_events_per_trajectory(lowered) -> float:
    """Log of an upper bound of the jumps one trajectory of a lowered model makes.

    On each segment no state leaves faster than (its out-degree) x (the largest directed rate
    bound), so the bound is ``log sum_j max_deg max_d k_jd dt_j`` (see
    :meth:`stochlim.models.LoweredModel.log_rate_bound`), computed in log-space.
    """
    import numpy as np

    bound = lowered.log_rate_bound()
    if bound.size == 0:
        return -math.inf
    max_degree = int(np.max(np.diff(lowered.out_ptr)))
    with np.errstate(divide="ignore"):
        log_dt = np.log(np.diff(lowered.seg_times))
    per_segment = bound.max(axis=1) + math.log(max(max_degree, 1)) + log_dt
    return float(np.logaddexp.reduce(per_segment))
