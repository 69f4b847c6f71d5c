"""Clusters and their score.

A *cluster* is a Leiden community of the projection, or several joined by conflict links
(:mod:`graphaudit.clusters.conflicts`): a link joins the communities of its approver or cadre, its party, the
party's relative and (reciprocal links) the other approver.  Communities without a conflict link are ordinary
kin groups and are never scored.  The cluster's *core* is the people and companies of its links.

Severity (0–100) is a sum of documented factors, capped at 100; the share of the money reaching relatives
dominates, so a cluster where 4 % of the money reaches kin never outranks one where all of it does::

    severity = min(100, round(base + share + 0.3 × (money + cadres + links + reciprocity + density)))

    base         30
    share        40 × the share of the cluster's approved money that reaches kin of its approvers or cadres
                 (conflicted money / money approved by members for members, conflicted records included)
    money        conflicted yuan on findings.py's log scale: min(20, 5·log10(1 + amount/100))
    cadres       4 per distinct approver or cadre with a conflict link, at most 12
    links        2 per distinct conflict link (approver or cadre, party), at most 10
    reciprocity  10 per pair of approvers favouring each other's kin, at most 20
    density      how much denser the cluster's communities are than the county's (scope's) communities:
                 min(8, 4·log2(density / median community density)), 0 when not denser

The last five together give at most 0.3 × 70 = 21 points, so a share higher by more than 21/40 (53
percentage points) always ranks higher; the factors are stored already weighted (they sum to the severity).
Equal severities are ordered by money (graphaudit.cases).

A cluster becomes a finding when it has at least ``min_parties`` (3) distinct receiving parties (recipients,
contractors) and ``min_records`` (3) conflicted records, and its severity reaches ``min_severity`` (50): an
ordinary kin group, a cadre with one relative on 低保, or one approver paying another's relative once is not
a finding.  *Brokers* are the approvers whose approvals inside the cluster reach the most distinct kin groups
(communities), ties broken by betweenness centrality in the cluster's core.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from statistics import median

import networkx as nx
import numpy as np

from graphaudit.clusters.conflicts import Conflict
from graphaudit.clusters.projection import Projection
from graphaudit.findings import money_points
from graphaudit.unionfind import UnionFind

__all__ = [
    "Cluster",
    "build_clusters",
    "score",
    "baseline_density",
    "cluster_edges",
    "approved_within",
    "BASE_POINTS",
]

BASE_POINTS = 30.0
SHARE_POINTS = 40.0
OTHER_WEIGHT = 0.3


@dataclass
class Cluster:
    """Communities joined by conflict links, with what the score needs."""

    communities: list[int]
    members: list[int]
    conflicts: list[Conflict]
    core: list[int] = field(default_factory=list)
    records: list[str] = field(default_factory=list)
    conflicted: float = 0.0
    approved: float = 0.0
    parties: list[int] = field(default_factory=list)
    deciders: list[int] = field(default_factory=list)
    pairs: list[tuple[int, int]] = field(default_factory=list)
    density: float = 0.0
    brokers: list[dict[str, object]] = field(default_factory=list)
    factors: dict[str, float] = field(default_factory=dict)

    @property
    def severity(self) -> int:
        return int(min(100, round(sum(self.factors.values()))))


def _pairs(n: int) -> float:
    return n * (n - 1) / 2


def baseline_density(proj: Projection, membership: list[int]) -> float:
    """Median weighted density (internal weight / node pairs) of the communities of 3 or more nodes."""
    member = np.asarray(membership, dtype=np.int64)
    if not len(member):
        return 0.0
    size = np.bincount(member)
    ci, cj = member[proj.pairs[:, 0]], member[proj.pairs[:, 1]]
    inside = ci == cj
    weight = np.bincount(ci[inside], weights=proj.weight[inside], minlength=len(size))
    dens = [w / _pairs(n) for w, n in zip(weight.tolist(), size.tolist()) if n >= 3]
    return median(dens) if dens else 0.0


def cluster_edges(proj: Projection, clusters: list[Cluster]) -> list[list[tuple[int, int, float]]]:
    """Each cluster's internal edges (i, j, weight), sorted."""
    where = _where(len(proj.nodes), clusters)
    ki, kj = where[proj.pairs[:, 0]], where[proj.pairs[:, 1]]
    inside = np.flatnonzero((ki >= 0) & (ki == kj))
    out: list[list[tuple[int, int, float]]] = [[] for _ in clusters]
    for k, i, j, w in zip(
        ki[inside].tolist(),
        proj.pairs[inside, 0].tolist(),
        proj.pairs[inside, 1].tolist(),
        proj.weight[inside].tolist(),
    ):
        out[k].append((i, j, w))
    return out


def approved_within(proj: Projection, clusters: list[Cluster]) -> list[set[str]]:
    """Each cluster's records approved by a member for a member."""
    where = _where(len(proj.nodes), clusters)
    recs = proj.records.frame
    ka, kp = where[recs["approver"].to_numpy()], where[recs["party"].to_numpy()]
    inside = np.flatnonzero((ka >= 0) & (ka == kp))
    out: list[set[str]] = [set() for _ in clusters]
    for k, rid in zip(ka[inside].tolist(), recs["id"].to_numpy()[inside].tolist()):
        out[k].add(rid)
    return out


def _where(n: int, clusters: list[Cluster]) -> np.ndarray:
    """Each node's cluster (position in ``clusters``), -1 for none."""
    where = np.full(n, -1, dtype=np.int64)
    for k, cl in enumerate(clusters):
        where[cl.members] = k
    return where


def build_clusters(proj: Projection, membership: list[int], conflicts: list[Conflict]) -> list[Cluster]:
    """Group conflict links by the communities they join (union-find), sorted by first member."""
    sets: UnionFind[int] = UnionFind()
    for c in conflicts:
        sets.union(membership[n] for n in (c.actor, c.kin_of, c.party, c.person))
    find = sets.find
    groups: dict[int, list[Conflict]] = defaultdict(list)
    for c in conflicts:
        groups[find(membership[c.actor])].append(c)
    comms_of: dict[int, set[int]] = defaultdict(set)
    for m in list(sets):
        comms_of[find(m)].add(m)
    member = np.asarray(membership, dtype=np.int64)
    root = np.full(int(member.max()) + 1 if len(member) else 0, -1, dtype=np.int64)
    for m in list(sets):
        root[m] = find(m)
    of_node = root[member] if len(member) else member
    nodes = np.flatnonzero(of_node >= 0)
    nodes = nodes[np.argsort(of_node[nodes], kind="stable")]
    roots, starts = np.unique(of_node[nodes], return_index=True)
    by_comm = dict(zip(roots.tolist(), (x.tolist() for x in np.split(nodes, starts[1:]))))
    return [Cluster(sorted(comms_of[r]), by_comm[r], links) for r, links in sorted(groups.items())]


def score(
    proj: Projection,
    cl: Cluster,
    membership: list[int],
    baseline: float,
    edges: list[tuple[int, int, float]],
    approved_ids: set[str],
) -> Cluster:
    """Fill in the cluster's facts and severity factors (module docstring); ``approved_ids`` are the records
    approved by members for members."""
    recs = proj.records
    conflicted = sorted({r for c in cl.conflicts for r in c.records})
    cl.records = conflicted
    cl.conflicted = round(sum(recs[r].amount for r in conflicted), 2)
    cl.approved = round(sum(recs[r].amount for r in approved_ids | set(conflicted)), 2)
    cl.parties = sorted({c.party for c in cl.conflicts})
    cl.deciders = sorted({c.actor for c in cl.conflicts})
    cl.pairs = sorted(
        {(min(c.actor, c.kin_of), max(c.actor, c.kin_of)) for c in cl.conflicts if c.kind == "reciprocal"}
    )
    n = len(cl.members)
    cl.density = sum(w for _, _, w in edges) / _pairs(n) if n > 1 else 0.0
    links = {(c.actor, c.party) for c in cl.conflicts}
    ratio = cl.density / baseline if baseline > 0 else 1.0
    cl.factors = {
        "base": BASE_POINTS,
        "share": round(SHARE_POINTS * (cl.conflicted / cl.approved if cl.approved else 0.0), 2),
        "money": round(OTHER_WEIGHT * money_points(cl.conflicted), 2),
        "cadres": round(OTHER_WEIGHT * min(12, 4 * len(cl.deciders)), 2),
        "links": round(OTHER_WEIGHT * min(10, 2 * len(links)), 2),
        "reciprocity": round(OTHER_WEIGHT * min(20, 10 * len(cl.pairs)), 2),
        "density": round(OTHER_WEIGHT * min(8.0, 4 * math.log2(ratio)), 2) if ratio > 1 else 0.0,
    }
    cl.brokers = _brokers(proj, cl, membership, approved_ids | set(conflicted), edges)
    return cl


def _brokers(
    proj: Projection,
    cl: Cluster,
    membership: list[int],
    record_ids: set[str],
    edges: list[tuple[int, int, float]],
) -> list[dict[str, object]]:
    reach: dict[int, set[int]] = defaultdict(set)
    for rid in sorted(record_ids):
        a, party = proj.records.ends(rid)
        reach[a].add(membership[party])
    core = nx.Graph()
    core.add_nodes_from(cl.core or cl.members)
    keep = set(core)
    core.add_edges_from((i, j) for i, j, _ in edges if i in keep and j in keep)
    between = nx.betweenness_centrality(core, normalized=True) if core.number_of_nodes() <= 2000 else {}
    out = [
        {"node": a, "kin_groups": len(g), "betweenness": round(between.get(a, 0.0), 4)}
        for a, g in reach.items()
    ]
    out.sort(key=lambda b: (-int(b["kin_groups"]), -float(b["betweenness"]), int(b["node"])))
    return out[:3]
