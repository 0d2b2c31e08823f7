"""The grid of a study, enumerated lazily: its size and any point in O(number of keys).

A grid of ``1000 x 1000 x 1000 x 2`` values has ``2e9`` points; :class:`Points` never lists
them. Point ``i`` is the mixed-radix decoding of ``i`` with the last key varying fastest, the order
of ``itertools.product`` over the grid's values in file order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["Points"]


class Points(Sequence):
    """The cartesian product of a grid's values, as a read-only sequence of dicts.

    Parameters
    ----------
    grid : dict of str to list
        Swept parameters in file order (an empty grid has one point, the empty dict).

    Raises
    ------
    TypeError
        When indexed with a point index that is not an integer.
    IndexError
        When indexed with a point index out of range.

    Examples
    --------
    >>> pts = Points({"a": [1, 2], "b": [10, 20, 30]})
    >>> len(pts), pts[4]
    (6, {'a': 2, 'b': 20})
    """

    __slots__ = ("_keys", "_values", "_size")

    def __init__(self, grid: dict):
        self._keys = tuple(grid)
        self._values = tuple(tuple(v) for v in grid.values())
        self._size = math.prod(len(v) for v in self._values)

    @property
    def size(self) -> int:
        """Number of points (a Python int, however large).

        Examples
        --------
        >>> Points({"a": list(range(1000)), "b": list(range(1000)), "c": list(range(1000))}).size
        1000000000
        >>> Points({}).size   # an empty grid is one point
        1
        """
        return self._size

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, index: int) -> dict:
        if not isinstance(index, int):
            raise TypeError(f"point index must be an integer: got {index!r}")
        i = index + self._size if index < 0 else index
        if not 0 <= i < self._size:
            raise IndexError(f"point index {index} out of range for {self._size} points")
        combo = []
        for values in reversed(self._values):
            i, digit = divmod(i, len(values))
            combo.append(values[digit])
        return dict(zip(self._keys, reversed(combo)))

    def __eq__(self, other) -> bool:
        """Equal to another grid's points, or to a list of the same dicts in the same order."""
        if isinstance(other, Points):
            return (self._keys, self._values) == (other._keys, other._values)
        if isinstance(other, (list, tuple)):
            return len(other) == self._size and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None

    def __repr__(self) -> str:
        return f"Points({self._size} points over {list(self._keys)})"
