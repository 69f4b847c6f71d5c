"""Conflict links inside the projection: approved money that reaches the kin of the people deciding on it.

Kinship distances are walked on the projection's kin edges only (igraph breadth-first, at most 3 hops).  The
people of a party are the recipient, or for a company its legal representative and person shareholders, and
those of the companies holding shares in it (two company levels).  Three kinds of link:

    self        the approver is within 3 hops of a person of the party (0 = the approver's own money)
    cadre       a cadre holding a post in the record's organisation on the record's date is within 3 hops
                (contracts) or 2 hops (payments) of a person of the party — whoever approved it
    reciprocal  approver A approved money for a person within 2 hops of approver B, and B for a person
                within 2 hops of A: both directions are links (one-way favours are not)

Distances are computed for all sources at once, breadth-first on integer arrays, into one table of
(source, person, hops); the records are joined to it as tables, so Python runs only per conflict found.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

import numpy as np
import pandas as pd

from graphaudit.checks.check import Post
from graphaudit.clusters.projection import Projection

__all__ = ["Conflict", "KinIndex", "find_conflicts", "party_people"]

MAX_HOPS = 3


@dataclass(frozen=True)
class Conflict:
    """A conflict link: ``actor`` (the approver or cadre whose conflict it is) and ``records`` approved for
    ``party``, whose person ``person`` is ``hops`` kin hops from ``kin_of`` (the actor, or for reciprocal
    links the other approver).  Nodes are projection indices."""

    kind: str
    actor: int
    kin_of: int
    party: int
    person: int
    hops: int
    records: tuple[str, ...]


class KinIndex:
    """Kin distances (≤ 3 hops) from the approvers and cadres, and shortest kin paths, on the projection.

    ``reach`` is a table (source, person, hops) of every person within 3 kin hops of a source (the source
    itself at 0), sorted by source and person."""

    def __init__(self, proj: Projection, sources: list[int]) -> None:
        n = len(proj.nodes)
        kin = proj.pairs[proj.has_kind("kin")]
        ends = np.concatenate([kin[:, 0], kin[:, 1]])
        order = np.argsort(ends, kind="stable")
        self._adj = np.concatenate([kin[:, 1], kin[:, 0]])[order]
        self._ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(ends, minlength=n), out=self._ptr[1:])
        self.reach = _breadth_first(n, self._adj, self._ptr, np.asarray(sorted(sources), dtype=np.int64))
        self._dist: dict[int, dict[int, int]] = {}

    def neighbors(self, v: int) -> list[int]:
        """v's kin."""
        return self._adj[self._ptr[v] : self._ptr[v + 1]].tolist()

    def dist(self, source: int) -> dict[int, int]:
        """Person → kin hops from ``source`` (≤ 3); {} when ``source`` is no source."""
        if source not in self._dist:
            col = self.reach["source"].to_numpy()
            lo, hi = np.searchsorted(col, source, "left"), np.searchsorted(col, source, "right")
            rows = self.reach.iloc[lo:hi]
            self._dist[source] = dict(zip(rows["person"].tolist(), rows["hops"].tolist()))
        return self._dist[source]

    def hops(self, source: int, person: int) -> int | None:
        return self.dist(source).get(person)

    def path(self, a: int, b: int) -> list[int]:
        """A shortest kin path a → b (node indices; the same on every run for the same projection)."""
        dist = self.dist(a)
        if b not in dist:
            return [a, b]
        path = [b]
        while path[-1] != a:  # step back to the lowest-numbered neighbour one hop closer to a
            here = dist[path[-1]]
            path.append(min(v for v in self.neighbors(path[-1]) if dist.get(v) == here - 1))
        return path[::-1]


def _breadth_first(n: int, adj: np.ndarray, ptr: np.ndarray, sources: np.ndarray) -> pd.DataFrame:
    """(source, person, hops) for every person within MAX_HOPS of a source, all sources at once: each
    ring is the unseen (source, neighbour) pairs of the last ring, pairs encoded as source · n + person."""
    found = [sources * n + sources]
    hops = [np.zeros(len(sources), dtype=np.int64)]
    seen = found[0]
    ring = found[0]
    for h in range(1, MAX_HOPS + 1):
        s, v = ring // n, ring % n
        deg = ptr[v + 1] - ptr[v]
        first = np.repeat(ptr[v] - (np.cumsum(deg) - deg), deg)  # adj index = first + running position
        nxt = np.repeat(s, deg) * n + adj[first + np.arange(int(deg.sum()))]
        ring = np.setdiff1d(nxt, seen, assume_unique=False)
        seen = np.concatenate([seen, ring])
        found.append(ring)
        hops.append(np.full(len(ring), h, dtype=np.int64))
    pairs, h_all = np.concatenate(found), np.concatenate(hops)
    order = np.argsort(pairs, kind="stable")
    pairs, h_all = pairs[order], h_all[order]
    return pd.DataFrame({"source": pairs // n, "person": pairs % n, "hops": h_all})


def party_people(proj: Projection, party: int) -> list[int]:
    """The people of a party: itself if a person, else the company's owners through two company levels."""
    k = proj.nodes[party]
    if k.startswith("Person:"):
        return [party]
    out: list[int] = []
    for holder, _rel in proj.owners.get(k, []):
        if holder.startswith("Person:"):
            out.append(_pos(proj, holder))
        else:
            out += [_pos(proj, h) for h, _ in proj.owners.get(holder, []) if h.startswith("Person:")]
    return sorted(set(out))


def _pos(proj: Projection, node_key: str) -> int:
    k = proj.position(node_key)
    if k is None:
        raise KeyError(f"{node_key} is not a node of the projection")
    return k


def _in_office(posts: list[Post], org: str, day: date | None) -> bool:
    return any(p.org_id == org and (day is None or p.on(day)) for p in posts)


LINK_COLUMNS = ["kind", "actor", "kin_of", "party", "person", "hops", "rec"]


def find_conflicts(proj: Projection, posts: Mapping[str, list[Post]]) -> tuple[list[Conflict], KinIndex]:
    """Every conflict link of the projection (module docstring), sorted; ``posts`` by person id."""
    recs = proj.records.frame
    approvers = np.unique(recs["approver"].to_numpy())
    cadre_of = {k: pid for pid in posts if (k := proj.position(f"Person:{pid}")) is not None}
    kin = KinIndex(proj, sorted(set(approvers.tolist()) | set(cadre_of)))
    people = _record_people(proj, recs)
    reach = kin.reach
    own = people.merge(reach, left_on=["a", "p"], right_on=["source", "person"])
    near = people.merge(reach, left_on="p", right_on="person")
    near = near[near["source"] != near["a"]]
    links = [
        own.assign(kind="self", actor=own["a"], kin_of=own["a"])[LINK_COLUMNS],
        _cadre_links(near, recs, cadre_of, posts),
        _reciprocal_links(near[near["hops"] <= 2], approvers),
    ]
    table = pd.concat(links, ignore_index=True)
    table["record"] = recs["id"].to_numpy()[table["rec"].to_numpy(dtype=np.int64)]
    return _closest(table), kin


def _record_people(proj: Projection, recs: pd.DataFrame) -> pd.DataFrame:
    """(rec, a, party, p): each record (row of ``recs``) with its approver and each person of its party."""
    party = recs["party"].to_numpy()
    rows = np.arange(len(recs))
    person = (recs["party_label"] == "Person").to_numpy()
    rec, p = [rows[person]], [party[person]]
    of = {c: party_people(proj, c) for c in set(party[~person].tolist())}
    extra = [(r, q) for r in rows[~person].tolist() for q in of[int(party[r])]]
    rec.append(np.array([r for r, _ in extra], dtype=np.int64))
    p.append(np.array([q for _, q in extra], dtype=np.int64))
    rec_all = np.concatenate(rec)
    return pd.DataFrame(
        {
            "rec": rec_all,
            "a": recs["approver"].to_numpy()[rec_all],
            "party": party[rec_all],
            "p": np.concatenate(p),
        }
    )


def _cadre_links(
    near: pd.DataFrame, recs: pd.DataFrame, cadre_of: Mapping[int, str], posts: Mapping[str, list[Post]]
) -> pd.DataFrame:
    """A cadre of the record's organisation, in office on its date, within 3 (contracts) or 2 (payments) kin
    hops of a person of the party — whoever approved it."""
    rec = near["rec"].to_numpy()
    contract = (recs["kind"] == "Contract").to_numpy()[rec]
    near = near[(near["hops"] <= np.where(contract, 3, 2)) & near["source"].isin(list(cadre_of))]
    org, day = recs["org_code"].tolist(), recs["date"].tolist()
    orgs = {c: {p.org_id for p in posts[pid]} for c, pid in cadre_of.items()}
    keep = [
        org[r] in orgs[c] and _in_office(posts[cadre_of[c]], org[r], day[r])
        for r, c in zip(near["rec"].tolist(), near["source"].tolist())
    ]
    near = near[np.asarray(keep, dtype=bool)]
    return near.assign(kind="cadre", actor=near["source"], kin_of=near["source"])[LINK_COLUMNS]


def _reciprocal_links(near: pd.DataFrame, approvers: np.ndarray) -> pd.DataFrame:
    """Approver a paid a person within 2 hops of approver b, and b one within 2 hops of a: both directions."""
    fav = near[near["source"].isin(approvers)]
    pairs = set(zip(fav["a"].tolist(), fav["source"].tolist()))
    back = np.array([(b, a) in pairs for a, b in zip(fav["a"].tolist(), fav["source"].tolist())], dtype=bool)
    fav = fav[back]
    return fav.assign(kind="reciprocal", actor=fav["a"], kin_of=fav["source"])[LINK_COLUMNS]


def _closest(links: pd.DataFrame) -> list[Conflict]:
    """One link per (kind, actor, kin_of, party): the closest person (fewest hops, then lowest index), with
    the records of all its persons."""
    group = ["kind", "actor", "kin_of", "party"]
    links = links.sort_values([*group, "hops", "person"], kind="stable")
    out: list[Conflict] = []
    for k, rows in links.groupby(group, sort=True):
        kind, actor, kin_of, party = cast(tuple[str, int, int, int], k)
        first: Any = rows.iloc[0]
        out.append(
            Conflict(
                str(kind),
                int(actor),
                int(kin_of),
                int(party),
                int(first["person"]),
                int(first["hops"]),
                tuple(sorted(set(rows["record"].tolist()))),
            )
        )
    return out
