"""Reading TOML input files (studies, optimal-control problems) with one-line errors."""

from __future__ import annotations

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["loads", "read_text"]


def loads(text: str, source: str) -> dict:
    """Parse TOML text; a syntax error is a ``ValueError`` naming ``source``."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{source}: invalid TOML: {exc}") from None
    except RecursionError:
        raise ValueError(f"{source}: invalid TOML: arrays or tables nested too deeply") from None


def read_text(path, what: str) -> tuple[str, str]:
    """The UTF-8 text of the ``what`` file (e.g. "study") at ``path``, and ``path`` as a string."""
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8"), str(path)
    except (FileNotFoundError, NotADirectoryError):
        raise ValueError(f"{path}: no such {what} file") from None
    except IsADirectoryError:
        raise ValueError(f"{path}: is a folder, not a {what} file") from None
    except PermissionError:
        raise ValueError(f"{path}: cannot read the {what} file (permission denied)") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not a UTF-8 text file ({exc.reason})") from None
