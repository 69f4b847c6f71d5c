"""Disjoint sets: the grouping, and its root, do not depend on the order items are joined in."""

from __future__ import annotations

import random

from graphaudit.unionfind import UnionFind


def test_sets_and_smallest_root_whatever_the_order() -> None:
    pairs = [(5, 3), (9, 8), (3, 1), (8, 7), (2, 2), (11, 4)]
    for seed in range(5):
        order = pairs[:]
        random.Random(seed).shuffle(order)
        uf: UnionFind[int] = UnionFind()
        for p in order:
            uf.union(p)
        assert {x: uf.find(x) for x in (1, 3, 5)} == {1: 1, 3: 1, 5: 1}
        assert {uf.find(x) for x in (7, 8, 9)} == {7}
        assert uf.find(2) == 2 and uf.find(11) == 4 and uf.find(42) == 42
        assert set(uf) == {1, 2, 3, 4, 5, 7, 8, 9, 11, 42}


def test_union_of_many_and_of_nothing() -> None:
    uf: UnionFind[str] = UnionFind()
    uf.union([])
    uf.union(["pC", "r2", "r1"])
    uf.union(["pA"])
    assert uf.find("pC") == uf.find("r2") == "pC" and uf.find("pA") == "pA"
    assert list(uf) == ["pC", "r2", "r1", "pA"]
