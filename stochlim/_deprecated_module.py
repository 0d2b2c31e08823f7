"""Old module paths kept working for one release: attribute access warns and forwards."""

from __future__ import annotations

import importlib
import warnings

__all__ = ["forwarding_getattr"]


def forwarding_getattr(old: str, new: str):
    """A module ``__getattr__`` for the deprecated module ``old`` forwarding to the module ``new``.

    Importing ``old`` is silent (the package imports it so that ``stochlim.<old>`` stays an
    attribute); taking a name from it warns with a ``DeprecationWarning`` naming the new home.
    """

    def __getattr__(name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        target = importlib.import_module(new)
        value = getattr(target, name)  # AttributeError for names neither module has
        warnings.warn(f"{old} is deprecated; use {new}.{name}", DeprecationWarning, stacklevel=2)
        return value

    return __getattr__
