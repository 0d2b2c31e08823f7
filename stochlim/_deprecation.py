"""Deprecated spellings kept working for one release, each with a ``DeprecationWarning``.

:func:`renamed_kwarg` maps an old keyword to its new name; :func:`moved_to` gives a module a
``__getattr__`` that forwards names moved to another module; :func:`warn` is the one message format.
"""

from __future__ import annotations

import importlib
import warnings

__all__ = ["warn", "renamed_kwarg", "moved_to"]


def warn(old: str, new: str, *, stacklevel: int = 3) -> None:
    """Warn that ``old`` is deprecated in favour of ``new`` (removed in the next release)."""
    warnings.warn(f"{old} is deprecated and will be removed in the next release: use {new}",
                  DeprecationWarning, stacklevel=stacklevel)


def renamed_kwarg(func: str, old: str, old_value, new: str, new_value, new_default=None):
    """The value of keyword ``new`` of ``func``, which callers may still pass as ``old``.

    ``old_value`` is ``None`` unless the caller passed ``old``; then it warns and returns
    ``old_value``, or raises ``TypeError`` if ``new`` was passed too (``new_value`` is not the
    object ``new_default``). Otherwise returns ``new_value``.
    """
    if old_value is None:
        return new_value
    if new_value is not new_default:
        raise TypeError(f"{func}() got both {old}= (deprecated) and {new}=: pass only {new}=")
    warn(f"{func}({old}=...)", f"{new}=", stacklevel=4)
    return old_value


def moved_to(module: str, target: str, names: dict[str, str]):
    """A module ``__getattr__`` forwarding ``names`` (old -> new) to module ``target``, with a warning."""

    def __getattr__(name):
        if name not in names:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        warn(f"{module}.{name}", f"{target}.{names[name]}")
        return getattr(importlib.import_module(target), names[name])

    return __getattr__
