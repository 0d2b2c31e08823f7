"""Writing output files atomically: a reader (or a crash) never sees half a file.

Every file stochlim writes (sweep chunks and tables, figures, reports, CSV tables) goes through
:func:`atomic_write`: the bytes go to a temporary file beside the target, are flushed and fsync-ed,
and the temporary file is renamed over the target (``os.replace`` is atomic on POSIX and Windows).
A failed write (disk full, read-only folder) removes the temporary file and raises one ``OSError``
whose message names the target.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["atomic_write", "atomic_write_text"]


def atomic_write(path, write, *, hint: str = "") -> Path:
    """Write ``path`` through ``write(fileobj)`` (binary) into a temporary file renamed into place.

    Parameters
    ----------
    path : str or path
        The target file.
    write : callable
        ``write(f)`` writes the content into the open binary file ``f``.
    hint : str, optional
        Appended to the message of a failed write (e.g. what the user can do about it).

    Returns
    -------
    Path
        The target.

    Raises
    ------
    OSError
        The write failed; the target is unchanged and no temporary file is left.
    """
    path = Path(path)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OSError(exc.errno, f"cannot write {path}: {exc.strerror or exc}" + (f"; {hint}" if hint else "")) \
            from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path, text: str, *, hint: str = "") -> Path:
    """:func:`atomic_write` of a UTF-8 text."""
    return atomic_write(path, lambda f: f.write(text.encode("utf-8")), hint=hint)
