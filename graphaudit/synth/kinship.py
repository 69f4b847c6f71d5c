"""Kinship as the importer sees it (DOMAIN.md), and distances in hops from cadres.

Edges are derived from the register exactly as DOMAIN.md says: 配偶 is the head's spouse; 子/女 (长子 …) are
children of the head and of the head's (single) spouse; 父亲/母亲 are the head's parents (and each other's
spouse when both are registered); 兄/弟/姐/妹 are the head's siblings and children of the head's registered
parents; 儿媳/女婿 is the spouse of the household's only son/daughter and 孙子/孙女 that couple's children (or
the only child's children when there is no in-law); anything ambiguous is left out. relations.csv adds kin
across households; children of a common parent are siblings. Everything is vectorised over integer person
indices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["ROLE", "derive_edges", "Graph", "Near", "bfs_pairs"]

ROLE = {
    "户主": 0,
    "配偶": 1,
    "子": 2,
    "长子": 2,
    "次子": 2,
    "三子": 2,
    "女": 3,
    "长女": 3,
    "次女": 3,
    "三女": 3,
    "父亲": 4,
    "母亲": 5,
    "兄": 6,
    "弟": 6,
    "姐": 6,
    "妹": 6,
    "孙子": 7,
    "孙女": 7,
    "儿媳": 8,
    "女婿": 9,
    "其他": 10,
}
HEAD, SPOUSE, SON, DAU, FATHER, MOTHER, SIB, GRAND, DIL, SIL, OTHER = range(11)
REL_KIND = {
    "父母": ("parent", False),
    "子女": ("parent", True),
    "配偶": ("spouse", False),
    "兄弟姐妹": ("sibling", False),
}


def derive_edges(
    hh: np.ndarray, relation: np.ndarray, rel_a: np.ndarray, rel_b: np.ndarray, rel_kind: np.ndarray
) -> pd.DataFrame:
    """Kin edges: columns a, b, kind ∈ spouse/parent/sibling; parent edges run parent → child, the others
    have a < b."""
    n = len(hh)
    role = np.array([ROLE.get(r, OTHER) for r in relation])
    nh = int(hh.max()) + 1 if n else 0
    cnt = np.zeros((nh, 11), dtype=np.int64)
    np.add.at(cnt, (hh, role), 1)
    first = np.full((nh, 11), -1, dtype=np.int64)
    idx = np.arange(n)
    first[hh[::-1], role[::-1]] = idx[::-1]
    uniq = np.where(cnt == 1, first, -1)
    valid = cnt[:, HEAD] == 1
    head = np.where(valid, first[:, HEAD], -1)
    spouse = np.where(valid, uniq[:, SPOUSE], -1)
    out: list[tuple[np.ndarray, np.ndarray, str]] = []

    def add(a: np.ndarray, b: np.ndarray, kind: str) -> None:
        m = (a >= 0) & (b >= 0) & (a != b)
        out.append((a[m], b[m], kind))

    add(head, spouse, "spouse")
    pv = valid[hh]
    kids = pv & ((role == SON) | (role == DAU))
    add(head[hh[kids]], idx[kids], "parent")
    add(spouse[hh[kids]], idx[kids], "parent")
    par = pv & ((role == FATHER) | (role == MOTHER))
    add(idx[par], head[hh[par]], "parent")
    add(
        np.where(valid & (cnt[:, FATHER] == 1) & (cnt[:, MOTHER] == 1), uniq[:, FATHER], -1),
        uniq[:, MOTHER],
        "spouse",
    )
    sib = pv & (role == SIB)
    add(head[hh[sib]], idx[sib], "sibling")
    # registered parents of the head are parents of the head's siblings (every father/mother of the household)
    pm = pd.DataFrame({"p": idx[par], "h": hh[par]})
    sm = pd.DataFrame({"s": idx[sib], "h": hh[sib]})
    j = pm.merge(sm, on="h")
    add(j["p"].to_numpy(), j["s"].to_numpy(), "parent")
    # in-laws and grandchildren
    c1 = valid & (cnt[:, DIL] == 1) & (cnt[:, SON] == 1)
    c2 = valid & (cnt[:, SIL] == 1) & (cnt[:, DAU] == 1)
    add(np.where(c1, uniq[:, SON], -1), uniq[:, DIL], "spouse")
    add(np.where(c2, uniq[:, DAU], -1), uniq[:, SIL], "spouse")
    only1 = c1 & ~c2
    only2 = c2 & ~c1
    has_inlaws = (cnt[:, DIL] + cnt[:, SIL]) > 0
    single_child = valid & ~has_inlaws & ((cnt[:, SON] + cnt[:, DAU]) == 1)
    p1 = np.where(only1, uniq[:, SON], np.where(only2, uniq[:, DAU], -1))
    p2 = np.where(only1, uniq[:, DIL], np.where(only2, uniq[:, SIL], -1))
    sc = np.where(cnt[:, SON] == 1, uniq[:, SON], uniq[:, DAU])
    p1 = np.where(single_child, sc, p1)
    g = pv & (role == GRAND)
    add(p1[hh[g]], idx[g], "parent")
    add(p2[hh[g]], idx[g], "parent")
    # relations file
    for word, (kind, flip) in REL_KIND.items():
        m = rel_kind == word
        a, b = rel_a[m], rel_b[m]
        add(b if flip else a, a if flip else b, kind)
    edges = pd.DataFrame(
        {
            "a": np.concatenate([o[0] for o in out]).astype(np.int64),
            "b": np.concatenate([o[1] for o in out]).astype(np.int64),
            "kind": np.concatenate([np.full(len(o[0]), o[2], dtype=object) for o in out]),
        }
    )
    # children of a common parent are siblings
    pe = edges[edges["kind"] == "parent"].drop_duplicates(["a", "b"])
    cc = pe.merge(pe, on="a")
    cc = cc[cc["b_x"] < cc["b_y"]]
    sibs = pd.DataFrame({"a": cc["b_x"].to_numpy(), "b": cc["b_y"].to_numpy(), "kind": "sibling"})
    edges = pd.concat([edges, sibs], ignore_index=True)
    sym = edges["kind"] != "parent"
    lo = np.where(sym, np.minimum(edges["a"], edges["b"]), edges["a"])
    hi = np.where(sym, np.maximum(edges["a"], edges["b"]), edges["b"])
    edges = pd.DataFrame({"a": lo, "b": hi, "kind": edges["kind"].to_numpy()})
    return edges.drop_duplicates().sort_values(["kind", "a", "b"]).reset_index(drop=True)


@dataclass
class Graph:
    """Undirected adjacency (CSR) over person indices."""

    indptr: np.ndarray
    indices: np.ndarray

    @classmethod
    def from_edges(cls, n: int, a: np.ndarray, b: np.ndarray) -> Graph:
        src = np.concatenate([a, b])
        dst = np.concatenate([b, a])
        order = np.lexsort((dst, src))
        src, dst = src[order], dst[order]
        keep = np.ones(len(src), dtype=bool)
        keep[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
        src, dst = src[keep], dst[keep]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.add.at(indptr, src + 1, 1)
        return cls(np.cumsum(indptr), dst.astype(np.int64))

    @property
    def n(self) -> int:
        return len(self.indptr) - 1

    def neighbours(self, v: int) -> np.ndarray:
        return self.indices[self.indptr[v] : self.indptr[v + 1]]

    def path(self, a: int, b: int, limit: int = 6) -> list[int] | None:
        """One shortest path a → b (person indices) within ``limit`` hops, or None."""
        if a == b:
            return [a]
        prev = {a: -1}
        frontier = [a]
        for _ in range(limit):
            nxt = []
            for u in frontier:
                for w in self.neighbours(u).tolist():
                    if w not in prev:
                        prev[w] = u
                        if w == b:
                            out = [b]
                            while prev[out[-1]] != -1:
                                out.append(prev[out[-1]])
                            return out[::-1]
                        nxt.append(w)
            frontier = nxt
        return None


def bfs_pairs(g: Graph, sources: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All (source, node, distance) with distance ≤ depth, for many sources at once."""
    n = g.n
    sources = np.unique(sources.astype(np.int64))
    fs, fn = sources, sources
    codes = [sources * n + sources]
    dists = [np.zeros(len(sources), dtype=np.int64)]
    visited = codes[0].copy()
    for d in range(1, depth + 1):
        deg = g.indptr[fn + 1] - g.indptr[fn]
        total = int(deg.sum())
        if total == 0:
            break
        rep_src = np.repeat(fs, deg)
        offs = np.arange(total) - np.repeat(np.cumsum(deg) - deg, deg)
        nb = g.indices[np.repeat(g.indptr[fn], deg) + offs]
        c = np.unique(rep_src * n + nb)
        pos = np.searchsorted(visited, c)
        pos = np.minimum(pos, len(visited) - 1)
        new = c[visited[pos] != c]
        if not len(new):
            break
        codes.append(new)
        dists.append(np.full(len(new), d, dtype=np.int64))
        visited = np.union1d(visited, new)
        fs, fn = new // n, new % n
    allc = np.concatenate(codes)
    alld = np.concatenate(dists)
    order = np.argsort(allc, kind="stable")
    allc, alld = allc[order], alld[order]
    return allc // n, allc % n, alld


class Near:
    """Distances (≤ depth) between cadres and everyone near them, with fast lookups both ways."""

    def __init__(self, g: Graph, cadres: np.ndarray, depth: int = 4) -> None:
        self.n = g.n
        self.src, self.node, self.dist = bfs_pairs(g, cadres, depth)
        self.codes = self.src * self.n + self.node  # sorted
        self.cadres = np.unique(cadres)
        by_node = np.lexsort((self.src, self.node))
        self.n_node, self.n_src, self.n_dist = self.node[by_node], self.src[by_node], self.dist[by_node]
        self._node_ptr = np.searchsorted(self.n_node, np.arange(self.n + 1))

    def dist_of(self, src: np.ndarray, node: np.ndarray, missing: int = 99) -> np.ndarray:
        """Hops between cadre ``src`` and person ``node`` (vectorised), ``missing`` when farther than
        depth."""
        src = np.asarray(src, dtype=np.int64)
        node = np.asarray(node, dtype=np.int64)
        c = src * self.n + node
        pos = np.minimum(np.searchsorted(self.codes, c), max(len(self.codes) - 1, 0))
        hit = (self.codes[pos] == c) & (src >= 0) & (node >= 0)
        return np.where(hit, self.dist[pos], missing)

    def cadres_near(self, node: int) -> tuple[np.ndarray, np.ndarray]:
        """Cadres near a person and their distances."""
        a, b = self._node_ptr[node], self._node_ptr[node + 1]
        return self.n_src[a:b], self.n_dist[a:b]

    def count_within(self, k: int) -> np.ndarray:
        """Per person: how many cadres are within k hops."""
        return np.bincount(self.node[self.dist <= k], minlength=self.n)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({"cadre": self.src, "node": self.node, "dist": self.dist})
