"""The projection: people and companies as one weighted undirected graph, read through the GraphStore protocol.

Nodes are keyed ``"Person:<id>"`` / ``"Company:<id>"`` (the keys ``store.subgraph`` uses).  An edge joins two
nodes when any of these holds, and its weight is the sum of its parts:

    kin        SPOUSE_OF, PARENT_OF, SIBLING_OF                         1.0 each
    ownership  LEGAL_REP_OF, SHAREHOLDER_OF (person or company → company) 1.0 each
    shared     a phone, address or bank account held by both (different households, at most
               ``max_holders`` households sharing it)                      0.5 each
    approval   approver → recipient / contractor, all records of the pair: min(2, 0.5·log10(1 + yuan/100))
               per record — 600 → 0.42, 3,600 → 0.78, 45,000 → 1.33, 380,000 → 1.79

Scope (``prefix``: a county, township or village code; "" = everything): records of organisations under the
prefix; kin edges with one end registered there; shared identifiers with one holder there; ownership edges
of companies in scope (awarded a contract of the scope, holding shares in such a company, or held by a person
registered there).  Every read is a catalogue query (``cypher/cluster_*.cypher``); rows are sorted before
use, so both stores give the same projection.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

import networkx as nx

from graphaudit.queries.check import run_query
from graphaudit.store.base import GraphStore

__all__ = ["Projection", "Record", "Part", "build_projection", "approval_weight", "WEIGHTS", "key", "split"]

#: weight of one kin, ownership or shared-identifier part of an edge
WEIGHTS = {"kin": 1.0, "ownership": 1.0, "shared": 0.5}
QUERIES = ("cluster_kin", "collusive_cluster", "cluster_ownership", "cluster_shared")


def key(label: str, node_id: str) -> str:
    """The node key: "Person:1401…"."""
    return f"{label}:{node_id}"


def split(node_key: str) -> tuple[str, str]:
    """("Person", "1401…") from a node key."""
    label, _, node_id = node_key.partition(":")
    return label, node_id


def approval_weight(amount: float) -> float:
    """Weight of one approved record: min(2, 0.5·log10(1 + amount/100))."""
    return min(2.0, 0.5 * math.log10(1 + max(0.0, float(amount or 0)) / 100))


@dataclass(frozen=True)
class Record:
    """An approved payment or contract: who approved it, for whom (``party``, a node key), what and when."""

    id: str
    kind: str            # Payment / Contract
    what: str            # programme or contract title
    amount: float
    date: date | None
    org_code: str
    approver: str        # node key
    party: str           # node key


class Part(NamedTuple):
    """One reason two nodes are joined: ``kind`` (kin, ownership, shared, approval), the relationship type
    (identifier label, record kind), the stored direction (``src`` node key), the identifier or record id
    (``detail``) and the part's weight."""

    kind: str
    type: str
    src: str
    detail: str
    weight: float


@dataclass
class Projection:
    """The weighted projection: sorted node keys, edges (i < j) with their weight and parts, the records."""

    prefix: str
    nodes: list[str]
    edges: dict[tuple[int, int], list[Part]]
    weights: dict[tuple[int, int], float]
    records: dict[str, Record]
    owners: dict[str, list[tuple[str, str]]] = field(default_factory=dict)   # company → [(holder, rel)]
    index: dict[str, int] = field(default_factory=dict)                       # node key → position

    def __post_init__(self) -> None:
        self.index = {k: i for i, k in enumerate(self.nodes)}

    def edge_list(self) -> list[tuple[int, int, float]]:
        """(i, j, weight), sorted."""
        return [(i, j, self.weights[(i, j)]) for i, j in sorted(self.edges)]

    def to_networkx(self) -> nx.Graph:
        """The projection as a networkx Graph (the interchange format): node attributes label and id, edge
        attributes weight, kinds and records."""
        g = nx.Graph()
        for k in self.nodes:
            label, node_id = split(k)
            g.add_node(k, label=label, id=node_id)
        for (i, j), parts in sorted(self.edges.items()):
            g.add_edge(self.nodes[i], self.nodes[j], weight=self.weights[(i, j)],
                       kinds=sorted({p.kind for p in parts}),
                       records=sorted({p.detail for p in parts if p.kind == "approval"}))
        return g


class _Builder:
    def __init__(self) -> None:
        self.parts: dict[tuple[str, str], list[Part]] = defaultdict(list)

    def add(self, a: str, b: str, part: Part) -> None:
        if a != b:
            self.parts[(a, b) if a < b else (b, a)].append(part)


def build_projection(store: GraphStore, prefix: str = "", max_holders: int = 10) -> Projection:
    """The projection of ``store`` within ``prefix`` (module docstring), identical on every store."""
    b = _Builder()
    records: dict[str, Record] = {}
    contractors: set[str] = set()
    for r in sorted(run_query(store, "collusive_cluster", {"prefix": prefix}), key=lambda r: (r["record"], r["party"])):
        if r["record"] in records:
            continue
        rec = Record(str(r["record"]), r["kind"], r["what"] or "", float(r["amount"] or 0), r["date"],
                     r["org_code"] or "", key("Person", r["approver"]), key(r["party_label"], r["party"]))
        records[rec.id] = rec
        if rec.kind == "Contract" and r["party_label"] == "Company":
            contractors.add(r["party"])
        b.add(rec.approver, rec.party, Part("approval", rec.kind, rec.approver, rec.id, approval_weight(rec.amount)))
    kin_w = WEIGHTS["kin"]
    for r in run_query(store, "cluster_kin", {"prefix": prefix}):   # order-free: parts are sorted below
        a, c = "Person:" + r["a"], "Person:" + r["b"]
        b.add(a, c, Part("kin", r["rel"], a, "", kin_w))
    own_rows = sorted(run_query(store, "cluster_ownership"),
                      key=lambda r: (r["company"], r["holder_label"], r["holder"], r["rel"]))
    in_scope = _companies_in_scope(own_rows, contractors, prefix)
    owners: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for r in own_rows:
        if r["company"] not in in_scope:
            continue
        holder, company = key(r["holder_label"], r["holder"]), key("Company", r["company"])
        owners[company].append((holder, r["rel"]))
        b.add(holder, company, Part("ownership", r["rel"], holder, "", WEIGHTS["ownership"]))
    _shared(b, run_query(store, "cluster_shared", {"max_holders": max_holders}), prefix, in_scope)
    # every approver and party is a node, even one whose only record is a self-approval (no edge)
    nodes = sorted({x for pair in b.parts for x in pair} | {k for r in records.values() for k in (r.approver, r.party)})
    idx = {k: i for i, k in enumerate(nodes)}
    edges: dict[tuple[int, int], list[Part]] = {}
    weights: dict[tuple[int, int], float] = {}
    for (x, y), parts in b.parts.items():
        i, j = idx[x], idx[y]          # x < y, so i < j
        if len(parts) > 1:
            parts.sort()
        edges[(i, j)] = parts
        weights[(i, j)] = round(math.fsum(p.weight for p in parts), 9)
    return Projection(prefix, nodes, edges, weights, records, dict(owners))


def _companies_in_scope(rows: list[dict[str, Any]], contractors: set[str], prefix: str) -> set[str]:
    every = {r["company"] for r in rows} | contractors
    if not prefix:
        return every
    scope = set(contractors) | {r["company"] for r in rows
                                if r["holder_label"] == "Person" and str(r["village_code"]).startswith(prefix)}
    for _ in range(2):   # companies holding shares in companies of the scope, two levels up
        scope |= {r["holder"] for r in rows if r["holder_label"] == "Company" and r["company"] in scope}
    return scope


def _shared(b: _Builder, rows: list[dict[str, Any]], prefix: str, companies: set[str]) -> None:
    groups: dict[tuple[str, str], list[tuple[str, str, bool]]] = defaultdict(list)
    for r in rows:
        inside = (str(r["village_code"]).startswith(prefix) if r["label"] == "Person" else r["id"] in companies)
        groups[(r["kind"], r["ident"])].append((key(r["label"], r["id"]), str(r["household"]), inside))
    for (kind, ident), holders in sorted(groups.items()):
        holders = sorted(set(holders))
        for i, (x, hx, ix) in enumerate(holders):
            for y, hy, iy in holders[i + 1:]:
                if hx != hy and (ix or iy):
                    b.add(x, y, Part("shared", kind, x, ident, WEIGHTS["shared"]))
