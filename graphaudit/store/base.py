"""The GraphStore protocol: everything the checks, the API and the exports may ask of a store.

Implementations (embedded.LadybugStore, neo4j_store.Neo4jStore) say little beyond this contract.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import networkx as nx
import pandas as pd
import pyarrow as pa

from graphaudit.errors import StoreError
from graphaudit.model import MODEL, GraphFrames

if TYPE_CHECKING:
    from graphaudit.ingest.build import Previous

__all__ = ["GraphStore", "Capabilities", "open_store", "read_only", "walk_subgraph", "DEFAULT_DB"]

DEFAULT_DB = Path("graphaudit.db")


@dataclass(frozen=True)
class Capabilities:
    """What a store's :meth:`GraphStore.replace` can take beyond a whole, validated :class:`GraphFrames`.  The
    defaults are the least a store must do; a store declares what it does beyond them."""

    #: ``replace`` also takes a graph another thread is still building (a
    #: :class:`graphaudit.ingest.stream.GraphStream`) and writes each frame as it arrives; ``ingest`` then
    #: builds and writes at once.  Otherwise it is given the whole graph once it is built.
    graph_stream: bool = False
    #: ``replace`` wants frames with plain object columns (Neo4j diffs them against the last load's frames)
    #: rather than the Arrow-backed columns the builder makes by default.
    plain_frames: bool = False


@runtime_checkable
class GraphStore(Protocol):
    """A property graph of the model in ``model.yaml`` plus the normalised source tables it was built from.

    Everything outside :mod:`graphaudit.store` talks to a store only through these members.  Both stores are
    safe to query from many threads at once.  Query results carry nodes and relationships as dicts: their
    properties plus ``_LABEL`` and ``_ID`` (and for a relationship ``_SRC``/``_DST``, the ``_ID`` of its
    ends)."""

    #: Which text of a catalogue query the store runs ("neo4j" or "ladybug").  For the stores alone: code
    #: outside graphaudit.store names queries (:meth:`run_named`) and never branches on this.
    dialect: str
    #: True when :meth:`replace` is refused (StoreError): a store opened for reading, or :func:`read_only`.
    read_only: bool
    #: What :meth:`replace` can take (see :class:`Capabilities`).
    capabilities: Capabilities

    def data_version(self) -> str | None:
        """A value that changes with every load that changed the data, cheap enough to ask every few seconds
        (a server asks it to know when to reload what it derived from the data); None for an empty store."""
        ...

    def live_graph(self) -> Previous | None:
        """What a load needs to build only the frames whose sources changed and hand the store the rest as
        kept (graphaudit.ingest.build.Previous: the live graph's frames and their rows); None when the store
        takes only whole graphs."""
        ...

    def last_check(self) -> dict[str, Any] | None:
        """What the store checked of the graph its last :meth:`replace` in this process wrote against what it
        was handed (graphaudit.store.verify: rows per frame, values by fingerprint), as the load report
        shows it; None when nothing was checked (no load yet, or a store that does not check)."""
        ...

    def read_tables(self) -> dict[str, pd.DataFrame]:
        """The normalised source tables the graph was built from (empty dict for a new store)."""
        ...

    def replace(self, tables: dict[str, pd.DataFrame], graph: GraphFrames) -> None:
        """Make ``tables`` and ``graph`` the store's whole content, atomically: on any failure the store
        keeps its previous content.  The graph is validated before anything is written.  StoreError when
        :attr:`read_only`."""
        ...

    def run(self, cypher: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run one read-only, parameterised Cypher query; rows as dicts keyed by the RETURN names.  For text
        both engines accept; a query that needs the engine's own syntax belongs in the catalogue."""
        ...

    def run_columns(self, cypher: str, params: dict[str, Any] | None = None) -> dict[str, list[Any]]:
        """Like :meth:`run` for a query that returns plain values (no nodes, relationships or paths), as
        columns: each RETURN name → its values in row order.  For bulk reads (a county's kinship edges)
        it skips building one dict per row.  A query without rows may return no columns."""
        ...

    def run_named(
        self, name: str, params: dict[str, Any] | None = None, *, bounds: Mapping[str, int] | None = None
    ) -> list[dict[str, Any]]:
        """Run query ``name`` of the ``graphaudit/cypher/`` catalogue in this store's dialect, as :meth:`run`.
        ``bounds`` fills the variable-length bounds marked ``/*key*/`` in its text (ints from 0 to 10,
        :func:`graphaudit.store.catalog.query_text`); CatalogError for an unknown name or a bad bound."""
        ...

    def run_named_columns(
        self, name: str, params: dict[str, Any] | None = None, *, bounds: Mapping[str, int] | None = None
    ) -> dict[str, list[Any]]:
        """Catalogue query ``name`` as :meth:`run_named`, its result as columns as :meth:`run_columns`."""
        ...

    def run_named_table(
        self, name: str, params: dict[str, Any] | None = None, *, bounds: Mapping[str, int] | None = None
    ) -> pa.Table:
        """Catalogue query ``name`` as :meth:`run_named_columns`, its result as an Arrow table: for reads of
        millions of rows (a prefecture's kinship edges) without a Python object per value.  A query without
        rows may return no columns."""
        ...

    def subgraph(
        self, node_ids: list[str], hops: int = 1, rel_types: list[str] | None = None, limit: int = 5000
    ) -> nx.MultiDiGraph:
        """Nodes within ``hops`` of the given node ids (any label), with their relationships.
        Node keys are "Label:id"; node attributes are the properties plus ``label``; edge keys are types."""
        ...

    def neighbours(
        self, label: str, node_id: str, types: list[str] | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """The relationships of node ``label``/``node_id`` (one primary-key lookup) with the node at their
        other end: rows ``r`` (relationship), ``b`` (node) and ``outgoing`` (``r`` starts at the node).  Only
        relationships of ``types`` if given.  With ``limit``, the first ``limit`` rows ordered by the type of
        ``r``, the label of ``b`` and ``b.id``; without, every row in no fixed order.  ValueError for a label
        the model does not have."""
        ...

    def stats(self) -> dict[str, int]:
        """Node count per label and relationship count per type, zeros included."""
        ...

    def close(self) -> None:
        """Release files, connections and locks."""
        ...


class _ReadOnly:
    """A store with :meth:`GraphStore.replace` refused; every other member is the store's own."""

    read_only = True

    def __init__(self, store: GraphStore) -> None:
        self.inner = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def replace(self, tables: dict[str, pd.DataFrame], graph: GraphFrames) -> None:
        raise StoreError("this store is open read-only here; load data with `graphaudit ingest`")


def read_only(store: GraphStore) -> GraphStore:
    """``store`` itself if it is read-only, else a view of it that refuses :meth:`GraphStore.replace` and
    passes everything else through (the API server holds one, whoever opened the store)."""
    return store if store.read_only else _ReadOnly(store)


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
            read_only=read_only,
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


def model_label(label: str) -> str:
    """``label`` if it is a node label of the model (so it may go into query text), else ValueError."""
    if label not in MODEL.nodes:
        raise ValueError(f"unknown label {label!r}")
    return label


def neighbours(
    run: Callable[[str, dict[str, Any]], list[dict[str, Any]]],
    engine: tuple[str, str, str],
    label: str,
    node_id: str,
    types: list[str] | None,
    limit: int | None,
) -> list[dict[str, Any]]:
    """:meth:`GraphStore.neighbours` given the engine's Cypher for the type of ``r``, the label of ``b`` and
    what identifies ``a`` the way ``r``'s ``_SRC`` does (read in the same transaction as ``r``).  The limit
    is an int written into the text: LadybugDB plans ``LIMIT $param`` three times slower."""
    rtype, btype, aid = engine
    where = f" WHERE {rtype} IN $types" if types else ""
    tail = f" ORDER BY {rtype}, {btype}, b.id LIMIT {int(limit)}" if limit is not None else ""
    params: dict[str, Any] = {"id": node_id, **({"types": list(types)} if types else {})}
    rows = run(
        f"MATCH (a:{model_label(label)} {{id: $id}})-[r]-(b){where} RETURN r, b, {aid} AS aid{tail}", params
    )
    out = []
    for row in rows:
        a = row["aid"]
        if isinstance(a, dict) and "_ID" in a and "_LABEL" in a:  # a node, not an internal id
            a = a["_ID"]
        out.append({"r": row["r"], "b": row["b"], "outgoing": row["r"]["_SRC"] == a})
    return out
