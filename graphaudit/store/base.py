"""The GraphStore protocol: everything the checks, the API and the exports may ask of a store.

Implementations (embedded.LadybugStore, neo4j_store.Neo4jStore) say little beyond this contract.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import networkx as nx
import pandas as pd

from graphaudit.model import GraphFrames

__all__ = ["GraphStore", "open_store", "walk_subgraph", "DEFAULT_DB"]

DEFAULT_DB = Path("graphaudit.db")


@runtime_checkable
class GraphStore(Protocol):
    """A property graph of the model in ``model.yaml`` plus the normalised source tables it was built from."""

    #: "ladybug" or "neo4j": selects the Cypher dialect of a named query.
    dialect: str

    def read_tables(self) -> dict[str, pd.DataFrame]:
        """The normalised source tables the graph was built from (empty dict for a new store)."""

    def replace(self, tables: dict[str, pd.DataFrame], graph: GraphFrames) -> None:
        """Make ``tables`` and ``graph`` the store's whole content, atomically: on any failure the store
        keeps its previous content."""

    def run(self, cypher: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run one read-only, parameterised Cypher query; rows as dicts keyed by the RETURN names."""

    def run_columns(self, cypher: str, params: dict[str, Any] | None = None) -> dict[str, list[Any]]:
        """Like :meth:`run` for a query that returns plain values (no nodes, relationships or paths), as
        columns: each RETURN name → its values in row order.  For bulk reads (a county's kinship edges)
        it skips building one dict per row."""

    def run_named(self, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run a query of the ``graphaudit/cypher/`` catalogue by name, in this store's dialect."""

    def subgraph(
        self, node_ids: list[str], hops: int = 1, rel_types: list[str] | None = None, limit: int = 5000
    ) -> nx.MultiDiGraph:
        """Nodes within ``hops`` of the given node ids (any label), with their relationships.
        Node keys are "Label:id"; node attributes are the properties plus ``label``; edge keys are types."""

    def stats(self) -> dict[str, int]:
        """Node count per label and relationship count per type, zeros included."""

    def close(self) -> None:
        """Release files, connections and locks."""


def open_store(
    db: str | Path | None = None,
    neo4j: str | None = None,
    database: str | None = None,
    read_only: bool = False,
    query_threads: int = 0,
) -> GraphStore:
    """The store a CLI user named: ``--neo4j URI`` (credentials from NEO4J_USER / NEO4J_PASSWORD) or the
    embedded store at ``--db`` (default ./graphaudit.db; ``query_threads`` as for LadybugStore)."""
    if neo4j:
        from graphaudit.store.neo4j_store import Neo4jStore

        return Neo4jStore(
            neo4j,
            user=os.environ.get("NEO4J_USER", "neo4j"),
            password=os.environ.get("NEO4J_PASSWORD", ""),
            database=database,
        )
    from graphaudit.store.embedded import LadybugStore

    return LadybugStore(Path(db) if db else DEFAULT_DB, read_only=read_only, query_threads=query_threads)


# -- shared by the stores --------------------------------------------------------------------------------
# Both stores return nodes and relationships from queries as dicts: the properties plus _LABEL and _ID,
# and for relationships _SRC and _DST (the _ID of the start and end node).
INTERNAL = ("_ID", "_LABEL", "_SRC", "_DST")


def _props(d: dict[str, Any]) -> dict[str, Any]:
    """Properties without internals and without nulls (Neo4j stores no nulls; both stores must agree)."""
    return {p: v for p, v in d.items() if p not in INTERNAL and v is not None}


def _node_key(d: dict[str, Any]) -> str:
    return f"{d['_LABEL']}:{d['id']}"


def _add_node(g: nx.MultiDiGraph, d: dict[str, Any]) -> str:
    k = _node_key(d)
    if k not in g:
        g.add_node(k, label=d["_LABEL"], **_props(d))
    return k


def _add_edge(g: nx.MultiDiGraph, r: dict[str, Any], a: dict[str, Any], b: dict[str, Any]) -> None:
    # the pattern is undirected: orient the edge as stored
    src, dst = (a, b) if r["_SRC"] == a["_ID"] else (b, a)
    u, v, t = _node_key(src), _node_key(dst), r["_LABEL"]
    if not g.has_edge(u, v, key=t):
        g.add_edge(u, v, key=t, type=t, **_props(r))


def walk_subgraph(
    run: Callable[[str, dict[str, Any]], list[dict[str, Any]]],
    node_query: str,
    neighbour_query: str,
    node_ids: list[str],
    hops: int,
    rel_types: list[str] | None,
    limit: int,
) -> nx.MultiDiGraph:
    """Breadth-first walk out of ``node_ids``, one query per hop, stopping at ``limit`` nodes.
    ``node_query`` returns ``n`` for ids in $ids; ``neighbour_query`` returns ``a, r, b`` for a.id in $ids."""
    from graphaudit.model import MODEL

    g = nx.MultiDiGraph()
    frontier = {_add_node(g, r["n"]) for r in run(node_query, {"ids": list(node_ids)})}
    seen = set(frontier)
    types = set(rel_types or MODEL.rels)
    for _ in range(hops):
        if not frontier or g.number_of_nodes() >= limit:
            break
        ids = sorted({g.nodes[k]["id"] for k in frontier})
        nxt: set[str] = set()
        rows = sorted(
            run(neighbour_query, {"ids": ids}),
            key=lambda row: (_node_key(row["a"]), row["r"]["_LABEL"], _node_key(row["b"])),
        )
        for row in rows:
            if row["r"]["_LABEL"] not in types:
                continue
            if _node_key(row["a"]) not in frontier:
                continue
            if _node_key(row["b"]) not in g and g.number_of_nodes() >= limit:
                continue
            kb = _add_node(g, row["b"])
            _add_edge(g, row["r"], row["a"], row["b"])
            if kb not in seen:
                seen.add(kb)
                nxt.add(kb)
        frontier = nxt
    return g
