"""Disjoint sets (union-find) over ordered, hashable items; each set's root is its smallest item, so the
grouping does not depend on the order in which items are joined."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Generic, TypeVar

__all__ = ["UnionFind"]

T = TypeVar("T", bound=Any)


class UnionFind(Generic[T]):
    """``union(items)`` puts items in one set; ``find(x)`` is the smallest item of x's set."""

    def __init__(self) -> None:
        self._parent: dict[T, T] = {}

    def find(self, x: T) -> T:
        """The root (smallest item) of ``x``'s set; ``x`` joins as a set of its own if new."""
        parent = self._parent
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, items: Iterable[T]) -> None:
        """Put all ``items`` in one set."""
        it = iter(items)
        first = next(it, None)
        if first is None:
            return
        for x in it:
            ra, rb = self.find(first), self.find(x)
            if ra != rb:
                self._parent[max(ra, rb)] = min(ra, rb)

    def __iter__(self) -> Iterator[T]:
        """Every item seen, in the order first seen."""
        return iter(self._parent)
