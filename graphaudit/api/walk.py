"""Neighbourhood walks that stay fast on a county: one primary-key lookup per node, hubs not walked through.

``GraphStore.subgraph`` starts from ``n.id IN $ids`` over every label, which LadybugDB answers by scanning
every node table (over a second per hop on a county).  The API knows each node's label, so it walks with
one labelled lookup per node — ``GraphStore.neighbours``, ``MATCH (a:Label {id: $id})-[r]-(b)``, a few
milliseconds — and builds the same kind of graph (keys "Label:id", node attributes = properties + ``label``,
edge keys = types).

Hubs: a node with more than :data:`HUB` relationships (a village, a subsidy programme, a busy approver) is
shown, but a walk does not go *through* it to further hops; expanded as the centre, its relationships are
taken in a stable order (type, label, id) up to the walk's cap and paged.  Whether a node is a hub costs
a count per node; the server instead computes the set of hubs once per data version (:func:`hub_set`, one
grouped count per label) and passes it to :func:`walk`.  Labels in the query text come from ``MODEL``
only; every value is a parameter.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from graphaudit.model import MODEL
from graphaudit.store.base import GraphStore, model_label

__all__ = ["walk", "HUB", "Walk", "hub_set"]

#: Relationship count above which a node is a hub (not walked through).
HUB = 500

_INTERNAL = ("_ID", "_LABEL", "_SRC", "_DST")


def hub_set(store: GraphStore, hub: int | None = None) -> frozenset[tuple[str, str]]:
    """(label, id) of every node with more than ``hub`` (default :data:`HUB`) relationships."""
    limit = HUB if hub is None else hub
    out: set[tuple[str, str]] = set()
    for label in MODEL.nodes:
        for r in store.run(
            f"MATCH (a:{label})-[r]-() WITH a, count(r) AS c WHERE c > $hub RETURN a.id AS id", {"hub": limit}
        ):
            out.add((label, str(r["id"])))
    return frozenset(out)


def _degree(store: GraphStore, label: str, node_id: str) -> int:
    return int(
        store.run(f"MATCH (a:{model_label(label)} {{id: $id}})-[r]-() RETURN count(r) AS c", {"id": node_id})[
            0
        ]["c"]
    )


def _key(d: dict[str, Any]) -> str:
    return f"{d['_LABEL']}:{d['id']}"


def _props(d: dict[str, Any]) -> dict[str, Any]:
    return {p: v for p, v in d.items() if p not in _INTERNAL and v is not None}


class Walk:
    """The result of :func:`walk`: the graph, whether the cap cut it, and the hubs met."""

    def __init__(self) -> None:
        self.graph = nx.MultiDiGraph()
        self.truncated = False
        self.hubs: set[str] = set()

    def add_node(self, d: dict[str, Any]) -> str:
        k = _key(d)
        if k not in self.graph:
            self.graph.add_node(k, label=d["_LABEL"], **_props(d))
        return k

    def add_edge(self, r: dict[str, Any], ka: str, kb: str, outgoing: bool) -> None:
        """Relationship ``r`` between nodes ``ka`` and ``kb``, from ``ka`` if ``outgoing``."""
        u, v = (ka, kb) if outgoing else (kb, ka)
        t = r["_LABEL"]
        if not self.graph.has_edge(u, v, key=t):
            self.graph.add_edge(u, v, key=t, type=t, **_props(r))


def neighbours(
    store: GraphStore,
    label: str,
    node_id: str,
    types: list[str] | None,
    cap: int,
    centre: bool,
    hubs: frozenset[tuple[str, str]] | None = None,
) -> tuple[list[dict[str, Any]], bool]:
    """(rows r, b, outgoing sorted by type, label, id; whether the node is a hub).  A hub's rows are fetched
    in order up to ``cap`` when it is the centre, and not at all otherwise.  ``hubs``: the known hubs (else a
    count)."""
    is_hub = (label, node_id) in hubs if hubs is not None else _degree(store, label, node_id) > HUB
    if not is_hub:
        rows = store.neighbours(label, node_id)
        if types:
            rows = [r for r in rows if r["r"]["_LABEL"] in types]
        return sorted(rows, key=lambda x: (x["r"]["_LABEL"], x["b"]["_LABEL"], str(x["b"]["id"]))), False
    if not centre:
        return [], True
    return store.neighbours(label, node_id, types, cap), True


def walk(
    store: GraphStore,
    starts: list[tuple[str, str]],
    hops: int,
    types: list[str] | None = None,
    cap: int = 3000,
    through_hubs: bool = False,
    hubs: frozenset[tuple[str, str]] | None = None,
) -> Walk:
    """Nodes within ``hops`` of the start nodes (label, id), along ``types`` (all by default), at most ``cap``
    nodes (then ``truncated``).  A single start that is a hub is expanded in a stable order up to ``cap``;
    with several starts, hubs among them are only expanded when ``through_hubs`` (evidence graphs: there
    they are context, their links are found from the other side).  ``hubs``: :func:`hub_set` of the same
    data, to save a count per node."""
    w = Walk()
    frontier: list[str] = []
    for label, node_id in starts:
        if label in MODEL.nodes:
            frontier += [
                w.add_node(r["n"])
                for r in store.run(f"MATCH (n:{label} {{id: $id}}) RETURN n", {"id": node_id})
            ]
    frontier = sorted(set(frontier))
    seen = set(frontier)
    for hop in range(hops):
        nxt: list[str] = []
        for k in frontier:
            label, node_id = w.graph.nodes[k]["label"], str(w.graph.nodes[k]["id"])
            centre = hop == 0 and (through_hubs or len(starts) == 1)
            rows, hub = neighbours(store, label, node_id, types, cap, centre, hubs)
            if hub:
                w.hubs.add(k)
            for row in rows:
                kb = _key(row["b"])
                if kb not in w.graph and w.graph.number_of_nodes() >= cap:
                    w.truncated = True
                    continue
                w.add_node(row["b"])
                w.add_edge(row["r"], k, kb, row["outgoing"])
                if kb not in seen:
                    seen.add(kb)
                    nxt.append(kb)
        frontier = sorted(nxt)
        if not frontier:
            break
    return w
