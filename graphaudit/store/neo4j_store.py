"""The Neo4j store: a Neo4j 5 server or cluster over bolt:// or neo4j:// (routing).

The normalised source tables (the ground truth the graph is built from) live in the database itself, as
Parquet bytes on ``GraphauditTable`` nodes, so any workstation can add next month's data.  A load writes only
the difference between the graph built from the old tables and the one built from the new tables (computed
on whole frames with pandas), in batched ``UNWIND`` statements inside managed write transactions (the driver
retries transient errors).  Each batch travels as columns, one list parameter per property, not as a map per
row; a label the database holds no nodes of yet (a first load, a rebuild) is written with ``CREATE`` instead
of ``MERGE``.
If writing fails part-way, the reverse difference is applied; if even that fails, the store is marked dirty
and the next load rebuilds it in full.  Reads run in read transactions; every query is parameterised —
labels and types in query text come from model.yaml, never from user input.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
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
WRITERS = 2  # write transactions at once during a load (a server runs each on one core)
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
                 batch_size: int = BATCH, writers: int = WRITERS) -> None:
        self.uri, self.user, self.database, self.batch_size = uri, user, database, batch_size
        self.writers = max(1, writers)
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

    def _write(self, cypher: str, **params: Any) -> None:
        def work(tx: ManagedTransaction) -> None:
            tx.run(cypher, params).consume()

        with self._driver.session(database=self.database) as s:
            s.execute_write(work)

    def _write_batches(self, cypher: str, frame: pd.DataFrame) -> None:
        """``cypher`` (written with :func:`_unwind` and :func:`_col`) over the rows of ``frame``, ``batch_size``
        rows per write transaction, all in one session.  Each column goes as one list parameter."""
        cols = _columns(frame)
        n = len(frame)

        def work(tx: ManagedTransaction, batch: dict[str, list[Any]]) -> None:
            tx.run(cypher, batch).consume()

        with self._driver.session(database=self.database) as s:
            for i in range(0, n, self.batch_size):
                s.execute_write(work, {p: v[i:i + self.batch_size] for p, v in cols.items()})

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
        new relationships.  ``old`` is what the database holds: a label without old nodes is created outright,
        and a relationship frame without old rows needs no diff."""
        rel_changes = {k: _row_diff(old.rels.get(k), new.rels.get(k))
                       for k in sorted(set(old.rels) | set(new.rels))}
        for (rtype, a, b), (gone, _) in rel_changes.items():
            if len(gone):
                same = "".join(f" AND (r.{p} = {_col(p)} OR (r.{p} IS NULL AND {_col(p)} IS NULL))"
                               for p in MODEL.rels[rtype].properties)
                self._write_batches(f"{_unwind()} MATCH (x:{a} {{id: {_col('from')}}})-[r:{rtype}]->"
                                    f"(y:{b} {{id: {_col('to')}}}) WHERE true{same} DELETE r", gone)
        upserts: list[_Job] = []
        for label in MODEL.nodes:
            gone_ids, changed = _node_diff(old.nodes.get(label), new.nodes.get(label))
            if len(gone_ids):
                self._write_batches(f"{_unwind(KEY)} MATCH (n:{label} {{id: {_col(KEY)}}}) DETACH DELETE n",
                                    gone_ids)
            if len(changed):
                props = _props(changed.columns)
                if _is_empty(old.nodes.get(label)):  # no node of this label in the database: nothing to merge
                    upserts.append((f"{_unwind(KEY)} CREATE (n:{label} {props})", changed, {label}))
                else:
                    upserts.append((f"{_unwind(KEY)} MERGE (n:{label} {{id: {_col(KEY)}}}) SET n = {props}",
                                    changed, {label}))
        self._write_apart(upserts)
        creates: list[_Job] = []
        for (rtype, a, b), (_, added) in rel_changes.items():
            if len(added):
                props = _props(MODEL.rels[rtype].properties)
                cypher = (f"{_unwind()} MATCH (x:{a} {{id: {_col('from')}}}) "
                          f"MATCH (y:{b} {{id: {_col('to')}}}) CREATE (x)-[:{rtype} {props}]->(y)")
                creates.append((cypher, added, {a, b}))
        self._write_apart(creates)

    def _write_apart(self, jobs: list[_Job]) -> None:
        """Each job's statement over its frame (:meth:`_write_batches`), up to ``writers`` jobs at once, but
        never two at once that touch a common label: their transactions then lock no common node or index
        entry, so they neither wait for nor deadlock with each other.  The largest jobs start first.  The
        first failure is raised once the jobs already running have ended; no further job starts."""
        pending = sorted(jobs, key=lambda j: -len(j[1]))
        running: dict[Future[None], set[str]] = {}
        failed: BaseException | None = None
        with ThreadPoolExecutor(self.writers, thread_name_prefix="neo4j-write") as pool:
            while running or (pending and failed is None):
                busy = set().union(*running.values())
                while failed is None and len(running) < self.writers:
                    job = next((j for j in pending if not j[2] & busy), None)
                    if job is None:
                        break
                    pending.remove(job)
                    running[pool.submit(self._write_batches, job[0], job[1])] = job[2]
                    busy |= job[2]
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for f in done:
                    del running[f]
                    if f.exception() is not None and failed is None:
                        failed = f.exception()
        if failed is not None:
            raise failed

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


#: a write job: a statement, the frame it runs over, and the labels of the nodes it locks
_Job = tuple[str, pd.DataFrame, set[str]]


def _param(column: str) -> str:
    """The query parameter that carries ``column`` (``from`` and ``to`` are Cypher keywords)."""
    return f"c_{column}"


def _col(column: str) -> str:
    """Cypher for the current row's value of ``column`` inside :func:`_unwind`."""
    return f"${_param(column)}[i]"


def _unwind(column: str = "from") -> str:
    """``UNWIND`` over the row numbers of a column batch (every column of a batch has the same length)."""
    return f"UNWIND range(0, size(${_param(column)}) - 1) AS i"


def _props(columns: Any) -> str:
    """A Cypher map literal of the current row's values: ``{id: $c_id[i], name: $c_name[i]}``.  Like
    ``SET n = row`` on a map, a null value sets no property."""
    return "{" + ", ".join(f"{c}: {_col(c)}" for c in columns) + "}"


def _columns(df: pd.DataFrame | pd.Series) -> dict[str, list[Any]]:
    """Each column as a list of plain Python values, keyed by its parameter name; missing values (NaN, None)
    become None, which Neo4j stores as no property."""
    frame = df.to_frame() if isinstance(df, pd.Series) else df
    out: dict[str, list[Any]] = {}
    for c in frame.columns:
        values = frame[c].to_numpy(dtype=object, copy=True)
        values[pd.isna(values)] = None
        out[_param(str(c))] = values.tolist()
    return out


def _is_empty(df: pd.DataFrame | None) -> bool:
    return df is None or not len(df)


def _only_in(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``a`` (in order, duplicates kept) equal to no row of ``b``; missing values compare equal."""
    if _is_empty(b):
        return a
    cols = list(a.columns)
    seen = b[cols].astype(object).drop_duplicates()
    hit = a.astype(object).merge(seen, how="left", on=cols, indicator=True)["_merge"].to_numpy() == "both"
    return a[~hit]


def _empty_like(*frames: pd.DataFrame | None) -> pd.DataFrame:
    for df in frames:
        if df is not None:
            return df.iloc[:0]
    return pd.DataFrame()


def _row_diff(old: pd.DataFrame | None, new: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows only in old (to delete) and only in new (to create); a relationship is its whole row."""
    o = old if old is not None else _empty_like(new)
    n = new if new is not None else _empty_like(old)
    return _only_in(o, n), _only_in(n, o)


def _node_diff(old: pd.DataFrame | None, new: pd.DataFrame | None) -> tuple[pd.Series, pd.DataFrame]:
    """Ids only in old (to delete) and rows new or changed (to upsert)."""
    n = new if new is not None else _empty_like(old)
    if _is_empty(old):
        return pd.Series([], dtype=object, name=KEY), n
    assert old is not None
    gone = old[KEY][~old[KEY].isin(n[KEY])] if len(n) else old[KEY]
    return gone, _only_in(n, old)


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
