"""The Neo4j store: a Neo4j 5 server or cluster over bolt:// or neo4j:// (routing).

The normalised source tables (the ground truth the graph is built from) live in the database itself, as
Parquet bytes on ``GraphauditTable`` nodes, so any workstation can add next month's data.  A load writes only
the difference between the graph built from the old tables and the one built from the new tables, in
batched ``UNWIND`` statements inside managed write transactions (the driver retries transient errors).
If writing fails part-way, the reverse difference is applied; if even that fails, the store is marked dirty
and the next load rebuilds it in full.  Reads run in read transactions; every query is parameterised —
labels and types in query text come from model.yaml, never from user input.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, TypeVar

import networkx as nx
import pandas as pd
from neo4j import Driver, GraphDatabase, ManagedTransaction
from neo4j import exceptions as nx4j
from neo4j.graph import Node, Path, Relationship

from graphaudit.errors import StoreError
from graphaudit.model import KEY, MODEL, GraphFrames
from graphaudit.queries.catalog import load_query
from graphaudit.store.base import walk_subgraph

T = TypeVar("T")

__all__ = ["Neo4jStore"]

BATCH = 5000
TABLE_LABEL = "GraphauditTable"
STATE_ID = "_state"
MIN_VERSION = (5, 0)


def check_version(version: str, uri: str) -> str:
    """``version`` if it is Neo4j 5 or later (MIN_VERSION), else StoreError with one line a user can act on."""
    parts = tuple(int(p) for p in version.split(".")[:2] if p.isdigit())
    if parts < MIN_VERSION:
        raise StoreError(f"Neo4j at {uri} is version {version}; graphaudit needs Neo4j 5 or later")
    return version


class Neo4jStore:
    """GraphStore on Neo4j.  ``database`` None means the user's home database."""

    dialect = "neo4j"

    def __init__(self, uri: str, user: str = "neo4j", password: str = "", database: str | None = None,
                 batch_size: int = BATCH) -> None:
        self.uri, self.user, self.database, self.batch_size = uri, user, database, batch_size
        if not uri.split("://", 1)[0] in ("bolt", "neo4j", "bolt+s", "neo4j+s", "bolt+ssc", "neo4j+ssc"):
            raise StoreError(f"not a Neo4j URI: {uri!r} (use bolt://host:7687 or neo4j://host:7687 for a cluster)")
        try:
            self._driver: Driver = GraphDatabase.driver(uri, auth=(user, password), user_agent="graphaudit")
            self._driver.verify_connectivity()
            rows = self._read("CALL dbms.components() YIELD name, versions RETURN versions[0] AS v")
        except nx4j.AuthError as e:
            raise StoreError(f"Neo4j at {uri} refused user {user!r}: wrong user or password "
                             "(set NEO4J_USER and NEO4J_PASSWORD)") from e
        except nx4j.ServiceUnavailable as e:
            raise StoreError(f"cannot reach Neo4j at {uri}: is the server running and the port right? ({e})") from e
        except nx4j.ClientError as e:
            if "DatabaseNotFound" in (e.code or ""):
                raise StoreError(f"Neo4j at {uri} has no database {database!r}") from e
            raise StoreError(f"Neo4j at {uri}: {e.message}") from e
        try:
            self.version = check_version(str(rows[0]["v"]) if rows else "0", uri)
        except StoreError:
            self._driver.close()
            raise

    # -- sessions ----------------------------------------------------------------------------------------
    def _read(self, cypher: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        def work(tx: ManagedTransaction) -> list[dict[str, Any]]:
            res = tx.run(cypher, params or {})
            return [{k: _plain(v) for k, v in rec.items()} for rec in res]

        return self._session(work)

    def _session(self, work: Callable[[ManagedTransaction], T]) -> T:
        """``work`` in a managed read transaction (the driver retries it), with the store's errors."""
        try:
            with self._driver.session(database=self.database) as s:
                return s.execute_read(work)
        except nx4j.ClientError as e:
            if "DatabaseNotFound" in (e.code or ""):
                raise StoreError(f"Neo4j at {self.uri} has no database {self.database!r}") from e
            raise StoreError(f"query failed: {e.message}") from e

    def _write(self, cypher: str, rows: list[dict[str, Any]] | None = None, **params: Any) -> None:
        def work(tx: ManagedTransaction) -> None:
            tx.run(cypher, {"rows": rows, **params}).consume()

        with self._driver.session(database=self.database) as s:
            s.execute_write(work)

    def _write_batches(self, cypher: str, rows: list[dict[str, Any]]) -> None:
        for i in range(0, len(rows), self.batch_size):
            self._write(cypher, rows[i:i + self.batch_size])

    # -- GraphStore --------------------------------------------------------------------------------------
    def read_tables(self) -> dict[str, pd.DataFrame]:
        rows = self._read(f"MATCH (t:{TABLE_LABEL}) WHERE t.name <> $state RETURN t.name AS name, t.parquet AS data "
                          "ORDER BY name", {"state": STATE_ID})
        return {r["name"]: pd.read_parquet(io.BytesIO(bytes(r["data"]))) for r in rows}

    def _dirty(self) -> bool:
        rows = self._read(f"MATCH (t:{TABLE_LABEL} {{name: $state}}) RETURN t.dirty AS dirty", {"state": STATE_ID})
        return bool(rows and rows[0]["dirty"])

    def _set_dirty(self, dirty: bool) -> None:
        self._write(f"MERGE (t:{TABLE_LABEL} {{name: $state}}) SET t.dirty = $dirty", state=STATE_ID, dirty=dirty)

    def ensure_schema(self) -> None:
        """Constraints and indexes derived from the model (idempotent)."""
        for stmt in [*MODEL.neo4j_schema(),
                     f"CREATE CONSTRAINT graphaudit_table IF NOT EXISTS FOR (t:{TABLE_LABEL}) REQUIRE t.name IS UNIQUE"]:
            self._write(stmt)
        self._write("CALL db.awaitIndexes(300)")

    def replace(self, tables: dict[str, pd.DataFrame], graph: GraphFrames) -> None:
        from graphaudit.ingest.build import build_graph

        graph.validate()
        self.ensure_schema()
        if self._dirty():
            old_graph = GraphFrames()
            self._wipe()
        else:
            old_tables = self.read_tables()
            old_graph = build_graph(old_tables)[0] if old_tables else GraphFrames()
        self._set_dirty(True)
        try:
            self._apply(old_graph, graph)
        except Exception as first:
            try:
                self._apply(graph, old_graph)
                self._set_dirty(False)
            except Exception:
                pass  # left dirty: the next load rebuilds in full
            raise StoreError(f"load into Neo4j at {self.uri} failed and was undone: {first}") from first
        for name, df in tables.items():
            buf = io.BytesIO()
            df.to_parquet(buf, index=False)
            self._write(f"MERGE (t:{TABLE_LABEL} {{name: $name}}) SET t.parquet = $data, t.rows = $n",
                        name=name, data=buf.getvalue(), n=len(df))
        self._set_dirty(False)

    def _wipe(self) -> None:
        """Delete every node of the model, in bounded transactions."""
        for label in MODEL.nodes:
            while self._read(f"MATCH (n:{label}) RETURN count(n) AS c")[0]["c"]:
                self._write(f"MATCH (n:{label}) WITH n LIMIT 10000 DETACH DELETE n")

    def _apply(self, old: GraphFrames, new: GraphFrames) -> None:
        """Write the difference old → new: removed relationships, removed nodes, new or changed nodes,
        new relationships."""
        rel_changes = {k: _row_diff(old.rels.get(k), new.rels.get(k))
                       for k in sorted(set(old.rels) | set(new.rels))}
        for (rtype, a, b), (gone, _) in rel_changes.items():
            if gone:
                props = list(MODEL.rels[rtype].properties)
                same = "".join(f" AND (r.{p} = row.{p} OR (r.{p} IS NULL AND row.{p} IS NULL))" for p in props)
                self._write_batches(f"UNWIND $rows AS row MATCH (x:{a} {{id: row.`from`}})-[r:{rtype}]->"
                                    f"(y:{b} {{id: row.`to`}}) WHERE true{same} DELETE r", gone)
        for label in MODEL.nodes:
            gone_ids, upserts = _node_diff(old.nodes.get(label), new.nodes.get(label))
            if gone_ids:
                self._write_batches(f"UNWIND $rows AS row MATCH (n:{label} {{id: row.id}}) DETACH DELETE n",
                                    [{"id": i} for i in gone_ids])
            if upserts:
                self._write_batches(f"UNWIND $rows AS row MERGE (n:{label} {{id: row.id}}) SET n = row", upserts)
        for (rtype, a, b), (_, added) in rel_changes.items():
            if added:
                props = ", ".join(f"{p}: row.{p}" for p in MODEL.rels[rtype].properties)
                self._write_batches(f"UNWIND $rows AS row MATCH (x:{a} {{id: row.`from`}}) "
                                    f"MATCH (y:{b} {{id: row.`to`}}) CREATE (x)-[:{rtype} {{{props}}}]->(y)", added)

    def run(self, cypher: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return self._read(cypher, params)

    def run_columns(self, cypher: str, params: dict[str, Any] | None = None) -> dict[str, list[Any]]:
        def work(tx: ManagedTransaction) -> dict[str, list[Any]]:
            res = tx.run(cypher, params or {})
            keys = list(res.keys())
            cols: list[list[Any]] = [[] for _ in keys]
            for values in res.values():
                for col, v in zip(cols, values):
                    col.append(_plain(v))
            return dict(zip(keys, cols))

        return self._session(work)

    def run_named(self, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return self._read(load_query(name, self.dialect), params)

    def subgraph(self, node_ids: list[str], hops: int = 1, rel_types: list[str] | None = None,
                 limit: int = 5000) -> nx.MultiDiGraph:
        # one indexed look-up per label instead of a scan of every node
        by_label = " UNION ".join(f"MATCH (n:{label}) WHERE n.id IN $ids RETURN n" for label in MODEL.nodes)
        around = " UNION ".join(f"MATCH (a:{label})-[r]-(b) WHERE a.id IN $ids RETURN a, r, b"
                                for label in MODEL.nodes)
        return walk_subgraph(self._read, by_label, around, node_ids, hops, rel_types, limit)

    def stats(self) -> dict[str, int]:
        out = {}
        for label in MODEL.nodes:
            out[label] = self._read(f"MATCH (n:{label}) RETURN count(n) AS c")[0]["c"]
        for rtype in MODEL.rels:
            out[rtype] = self._read(f"MATCH ()-[r:{rtype}]->() RETURN count(r) AS c")[0]["c"]
        return out

    def close(self) -> None:
        self._driver.close()

    def __enter__(self) -> "Neo4jStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _records(df: pd.DataFrame | None) -> list[dict[str, Any]]:
    if df is None or not len(df):
        return []
    return [{k: (None if _isna(v) else v) for k, v in r.items()} for r in df.to_dict("records")]


def _isna(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v)


def _row_diff(old: pd.DataFrame | None, new: pd.DataFrame | None
              ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows only in old (to delete) and only in new (to create); a relationship is its whole row."""
    o, n = _records(old), _records(new)
    ok = {_freeze(r) for r in o}
    nk = {_freeze(r) for r in n}
    return [r for r in o if _freeze(r) not in nk], [r for r in n if _freeze(r) not in ok]


def _node_diff(old: pd.DataFrame | None, new: pd.DataFrame | None) -> tuple[list[str], list[dict[str, Any]]]:
    """Ids only in old (to delete) and rows new or changed (to upsert)."""
    o = {r[KEY]: _freeze(r) for r in _records(old)}
    n = _records(new)
    nids = {r[KEY] for r in n}
    return [i for i in o if i not in nids], [r for r in n if o.get(r[KEY]) != _freeze(r)]


def _freeze(r: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted(r.items()))


def _plain(v: Any) -> Any:
    """Driver values in the shape both stores return: nodes and relationships as property dicts with _LABEL,
    _ID (and _SRC/_DST), paths as {_NODES, _RELS}, temporal values as Python dates and datetimes."""
    if isinstance(v, Node):
        labels = sorted(v.labels)
        return {"_ID": v.element_id, "_LABEL": labels[0] if labels else "", **{k: _plain(x) for k, x in v.items()}}
    if isinstance(v, Relationship):
        return {"_ID": v.element_id, "_LABEL": v.type, "_SRC": v.start_node.element_id if v.start_node else None,
                "_DST": v.end_node.element_id if v.end_node else None, **{k: _plain(x) for k, x in v.items()}}
    if isinstance(v, Path):
        return {"_NODES": [_plain(n) for n in v.nodes], "_RELS": [_plain(r) for r in v.relationships]}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if hasattr(v, "to_native"):
        return v.to_native()
    return v
