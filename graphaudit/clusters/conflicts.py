"""Conflict links inside the projection: approved money that reaches the kin of the people deciding on it.

Kinship distances are walked on the projection's kin edges only (igraph breadth-first, at most 3 hops).  The
people of a party are the recipient, or for a company its legal representative and person shareholders, and
those of the companies holding shares in it (two company levels).  Three kinds of link:

    self        the approver is within 3 hops of a person of the party (0 = the approver's own money)
    cadre       a cadre holding a post in the record's organisation on the record's date is within 3 hops
                (contracts) or 2 hops (payments) of a person of the party — whoever approved it
    reciprocal  approver A approved money for a person within 2 hops of approver B, and B for a person
                within 2 hops of A: both directions are links (one-way favours are not)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import igraph as ig

from graphaudit.clusters.projection import Projection, Record
from graphaudit.queries.check import Post

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
    """Kin distances (≤ 3 hops) from the approvers and cadres, and shortest kin paths, on the projection."""

    def __init__(self, proj: Projection, sources: list[int]) -> None:
        kin = sorted(e for e, parts in proj.edges.items() if any(p.kind == "kin" for p in parts))
        self.graph = ig.Graph(n=len(proj.nodes), edges=kin)
        self.dist: dict[int, dict[int, int]] = {s: {s: 0} for s in sources}
        for h in range(1, MAX_HOPS + 1):
            for s, ring in zip(sources, self.graph.neighborhood(sources, order=h, mindist=h)):
                for v in ring:
                    self.dist[s].setdefault(v, h)
        self.near: dict[int, list[tuple[int, int]]] = defaultdict(list)   # person → [(source, hops ≤ 2)]
        for s in sources:
            for v, h in self.dist[s].items():
                if h <= 2:
                    self.near[v].append((s, h))

    def hops(self, source: int, person: int) -> int | None:
        return self.dist.get(source, {}).get(person)

    def path(self, a: int, b: int) -> list[int]:
        """A shortest kin path a → b (node indices; the same on every run for the same projection)."""
        dist = self.dist[a]
        if b not in dist:
            return [a, b]
        path = [b]
        while path[-1] != a:   # step back to the lowest-numbered neighbour one hop closer to a
            here = dist[path[-1]]
            path.append(min(v for v in self.graph.neighbors(path[-1]) if dist.get(v) == here - 1))
        return path[::-1]


def party_people(proj: Projection, idx: Mapping[str, int], party: int) -> list[int]:
    """The people of a party: itself if a person, else the company's owners through two company levels."""
    k = proj.nodes[party]
    if k.startswith("Person:"):
        return [party]
    out: list[int] = []
    for holder, _rel in proj.owners.get(k, []):
        if holder.startswith("Person:"):
            out.append(idx[holder])
        else:
            out += [idx[h] for h, _ in proj.owners.get(holder, []) if h.startswith("Person:")]
    return sorted(set(out))


def _in_office(posts: list[Post], org: str, day: date | None) -> bool:
    return any(p.org_id == org and (day is None or p.on(day)) for p in posts)


def find_conflicts(proj: Projection, posts: Mapping[str, list[Post]]) -> tuple[list[Conflict], KinIndex]:
    """Every conflict link of the projection (module docstring), sorted; ``posts`` by person id."""
    idx = proj.index
    approvers = sorted({idx[r.approver] for r in proj.records.values() if r.approver in idx})
    cadres = sorted({idx[k] for pid in posts if (k := f"Person:{pid}") in idx})
    by_org: dict[str, list[int]] = defaultdict(list)
    for c in cadres:
        for org in sorted({p.org_id for p in posts[proj.nodes[c].split(":", 1)[1]]}):
            by_org[org].append(c)
    kin = KinIndex(proj, sorted(set(approvers) | set(cadres)))
    approving = set(approvers)
    found: dict[tuple[str, int, int, int, int, int], list[str]] = defaultdict(list)
    favours: dict[tuple[int, int], list[tuple[int, int, int, str]]] = defaultdict(list)
    for rec in sorted(proj.records.values(), key=lambda r: r.id):
        a, party = idx[rec.approver], idx[rec.party]
        people = party_people(proj, idx, party)
        _self_and_cadre(rec, a, party, people, kin, by_org, posts, proj, found)
        for p in people:
            for b, h in kin.near.get(p, []):
                if b != a and b in approving:
                    favours[(a, b)].append((party, p, h, rec.id))
    for (a, b), items in sorted(favours.items()):
        if (b, a) not in favours:
            continue
        for party, p, h, rid in items:
            found[("reciprocal", a, b, party, p, h)].append(rid)
    out = [Conflict(kind, actor, kin_of, party, person, hops, tuple(sorted(set(rids))))
           for (kind, actor, kin_of, party, person, hops), rids in found.items()]
    return _closest(out), kin


def _self_and_cadre(rec: Record, a: int, party: int, people: list[int], kin: KinIndex,
                    by_org: Mapping[str, list[int]], posts: Mapping[str, list[Post]], proj: Projection,
                    found: dict[tuple[str, int, int, int, int, int], list[str]]) -> None:
    for p in people:
        h = kin.hops(a, p)
        if h is not None:
            found[("self", a, a, party, p, h)].append(rec.id)
    limit = MAX_HOPS if rec.kind == "Contract" else 2
    for c in by_org.get(rec.org_code, []):
        if c == a or not _in_office(posts[proj.nodes[c].split(":", 1)[1]], rec.org_code, rec.date):
            continue
        for p in people:
            h = kin.hops(c, p)
            if h is not None and h <= limit:
                found[("cadre", c, c, party, p, h)].append(rec.id)


def _closest(links: list[Conflict]) -> list[Conflict]:
    """For each (kind, actor, kin_of, party) only the closest person (fewest hops, then lowest index)."""
    best: dict[tuple[str, int, int, int], Conflict] = {}
    merged: dict[tuple[str, int, int, int], set[str]] = defaultdict(set)
    for c in sorted(links, key=lambda c: (c.kind, c.actor, c.kin_of, c.party, c.hops, c.person)):
        k = (c.kind, c.actor, c.kin_of, c.party)
        best.setdefault(k, c)
        merged[k] |= set(c.records)
    return sorted((Conflict(c.kind, c.actor, c.kin_of, c.party, c.person, c.hops, tuple(sorted(merged[k])))
                   for k, c in best.items()), key=lambda c: (c.kind, c.actor, c.kin_of, c.party))
