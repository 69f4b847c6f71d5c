"""The Neo4j store: a Neo4j 5 (or later) server or cluster over bolt:// or neo4j:// (routing).

The normalised source tables (the ground truth the graph is built from) live in the database itself, as
Parquet bytes on ``GraphauditTable`` nodes, so any workstation can add next month's data.  A load writes only
the difference between the graph built from the old tables and the one built from the new tables (computed
on whole frames with pandas), frame by frame as the graph is built, in batched ``UNWIND`` statements inside
managed write transactions (the driver retries transient errors), on two write sessions at once
(:mod:`graphaudit.store.neo4j_write`).  Each batch travels as columns, one list parameter per property, not as
a map per row; a label the database holds no nodes of yet (a first load, a rebuild) is written with ``CREATE``
instead of ``MERGE``.
If the load fails part-way (a write, a bad frame, the builder), what it wrote is undone; if even that fails,
the store is marked dirty and the next load rebuilds it in full.  Reads run in read transactions; every query
is parameterised — labels and types in query text come from model.yaml, never from user input.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import networkx as nx
import pandas as pd
import pyarrow as pa
from neo4j import Driver, GraphDatabase, ManagedTransaction
from neo4j import exceptions as nx4j
from neo4j.graph import Node, Path, Relationship

from graphaudit.errors import StoreError
from graphaudit.ingest.stream import GraphAborted
from graphaudit.model import KEY, MODEL, GraphFrames, ModelError
from graphaudit.store.base import Capabilities, neighbours, walk_subgraph
from graphaudit.store.catalog import query_text
from graphaudit.store.neo4j_write import DENSE, Writers

if TYPE_CHECKING:
    from graphaudit.ingest.build import Previous

T = TypeVar("T")

__all__ = ["Neo4jStore"]

log = logging.getLogger(__name__)

BATCH = 5000
WRITERS = 2  # write transactions at once during a load (a server runs each on one core)
TABLE_LABEL = "GraphauditTable"
STATE_ID = "_state"
MIN_VERSION = (5, 0)


def check_version(version: str, uri: str) -> str:
    """``version`` if it is Neo4j 5 or later (MIN_VERSION), else StoreError in one line a user can act on."""
    parts = tuple(int(p) for p in version.split(".")[:2] if p.isdigit())
    if parts < MIN_VERSION:
        raise StoreError(f"Neo4j at {uri} is version {version}; graphaudit needs Neo4j 5 or later")
    return version


class Neo4jStore:
    """GraphStore on Neo4j.  ``database`` None means the user's home database."""

    dialect = "neo4j"
    #: ``replace`` writes each frame of a graph still being built as soon as it is built; its diff compares
    #: frames with plain object columns with those of the last load.
    capabilities = Capabilities(graph_stream=True, plain_frames=True)

    def __init__(
        self,
        uri: str,
        user: str = "neo4j",
        password: str = "",
        database: str | None = None,
        batch_size: int = BATCH,
        writers: int = WRITERS,
        read_only: bool = False,
    ) -> None:
        self.uri, self.user, self.database, self.batch_size = uri, user, database, batch_size
        self.read_only = read_only
        self.writers = max(1, writers)
        if uri.split("://", 1)[0] not in ("bolt", "neo4j", "bolt+s", "neo4j+s", "bolt+ssc", "neo4j+ssc"):
            raise StoreError(
                f"not a Neo4j URI: {uri!r} (use bolt://host:7687 or neo4j://host:7687 for a cluster)"
            )
        try:
            self._driver: Driver = GraphDatabase.driver(
                uri, auth=(user, password), user_agent="graphaudit", notifications_min_severity="OFF"
            )  # no "label does not exist" warnings on stderr
            self._driver.verify_connectivity()
            rows = self._read("CALL dbms.components() YIELD name, versions RETURN versions[0] AS v")
        except nx4j.AuthError as e:
            raise StoreError(
                f"Neo4j at {uri} refused user {user!r}: wrong user or password "
                "(set NEO4J_USER and NEO4J_PASSWORD)"
            ) from e
        except nx4j.ServiceUnavailable as e:
            raise StoreError(
                f"cannot reach Neo4j at {uri}: is the server running and the port right? ({e})"
            ) from e
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
        """``cypher`` (written with :func:`_unwind` and :func:`_col`) over the rows of ``frame``,
        ``batch_size`` rows per write transaction, all in one session.  Each column goes as one list
        parameter."""
        cols = _columns(frame)
        n = len(frame)

        def work(tx: ManagedTransaction, batch: dict[str, list[Any]]) -> None:
            tx.run(cypher, batch).consume()

        with self._driver.session(database=self.database) as s:
            for i in range(0, n, self.batch_size):
                s.execute_write(work, {p: v[i : i + self.batch_size] for p, v in cols.items()})

    # -- GraphStore --------------------------------------------------------------------------------------
    def read_tables(self) -> dict[str, pd.DataFrame]:
        rows = self._read(
            f"MATCH (t:{TABLE_LABEL}) WHERE t.name <> $state RETURN t.name AS name, t.parquet AS data "
            "ORDER BY name",
            {"state": STATE_ID},
        )
        return {r["name"]: pd.read_parquet(io.BytesIO(bytes(r["data"]))) for r in rows}

    def _dirty(self) -> bool:
        rows = self._read(
            f"MATCH (t:{TABLE_LABEL} {{name: $state}}) RETURN t.dirty AS dirty", {"state": STATE_ID}
        )
        return bool(rows and rows[0]["dirty"])

    def _set_dirty(self, dirty: bool) -> None:
        self._write(
            f"MERGE (t:{TABLE_LABEL} {{name: $state}}) SET t.dirty = $dirty", state=STATE_ID, dirty=dirty
        )

    def ensure_schema(self) -> None:
        """Constraints and indexes derived from the model (idempotent)."""
        for stmt in [
            *MODEL.neo4j_schema(),
            f"CREATE CONSTRAINT graphaudit_table IF NOT EXISTS FOR (t:{TABLE_LABEL})"
            " REQUIRE t.name IS UNIQUE",
        ]:
            self._write(stmt)
        self._write("CALL db.awaitIndexes(300)")

    def replace(self, tables: dict[str, pd.DataFrame], graph: GraphFrames) -> None:
        """Write the difference between the graph of the stored tables and ``graph``, then the tables.

        Each frame is validated before any of it is written.  If anything fails (a write, a frame, the
        builder of a streamed graph), what was written is undone, and the error raised; if even the undo
        fails, the store is left marked dirty and the next load rebuilds it in full."""
        from graphaudit.ingest.build import build_graph

        if self.read_only:
            raise StoreError(f"Neo4j at {self.uri}: opened read-only")
        if not graph.streaming:
            graph.validate()  # a whole graph: before anything is written
        self.ensure_schema()
        rebuild = self._dirty()  # an earlier load failed and could not be undone: rebuild in full
        if rebuild:
            old_graph = GraphFrames()
            self._wipe()
        else:
            old_tables = self.read_tables()
            old_graph = build_graph(old_tables)[0] if old_tables else GraphFrames()
        self._set_dirty(True)
        written = GraphFrames()  # the frames the load has reached (perhaps only partly written)
        try:
            self._apply(old_graph, graph, written)
        except BaseException as first:
            if graph.streaming:
                graph.reader_failed(first)  # type: ignore[attr-defined]  # the builder stops too
            undone = False
            try:
                if not rebuild:  # a rebuild stays dirty: the next load starts it again
                    self._undo(old_graph, written)
                    self._set_dirty(False)
                    undone = True
            except Exception as e:
                log.warning("undoing the failed load failed too (the next load rebuilds in full): %s", e)
            if isinstance(first, (ModelError, GraphAborted)) or not isinstance(first, Exception):
                raise  # a bad graph, a failed builder, Ctrl-C
            outcome = "was undone" if undone else "is marked to be rebuilt in full by the next load"
            raise StoreError(f"load into Neo4j at {self.uri} failed and {outcome}: {first}") from first
        for name, df in tables.items():
            buf = io.BytesIO()
            df.to_parquet(buf, index=False)
            self._write(
                f"MERGE (t:{TABLE_LABEL} {{name: $name}}) SET t.parquet = $data, t.rows = $n",
                name=name,
                data=buf.getvalue(),
                n=len(df),
            )
        self._write(  # done: a new data version
            f"MERGE (t:{TABLE_LABEL} {{name: $state}}) SET t.dirty = false, t.version = randomUUID()",
            state=STATE_ID,
        )

    def _wipe(self) -> None:
        """Delete every node of the model, in bounded transactions."""
        for label in MODEL.nodes:
            while self._read(f"MATCH (n:{label}) RETURN count(n) AS c")[0]["c"]:
                self._write(f"MATCH (n:{label}) WITH n LIMIT 10000 DETACH DELETE n")

    def _apply(self, old: GraphFrames, new: GraphFrames, written: GraphFrames) -> None:
        """Write the difference old → new, each frame as it arrives (:meth:`GraphFrames.arriving`), on
        :class:`Writers`: gone nodes (with their relationships) and new or changed nodes of a label, then gone
        and new relationships of a type, once the nodes at their ends are written.  ``old`` is what the
        database holds: a label without old nodes is created outright.  ``written`` records what was sent."""
        writers = Writers(self._write_batches, self.writers)
        keys: dict[str, set[Any]] = {}
        try:
            for kind, key, df in new.arriving():
                writers.check()
                if kind == "node":
                    if new.streaming:  # (a whole graph was validated before anything was written)
                        keys[key] = GraphFrames.validate_node(key, df)
                    gone_ids, changed = _node_diff(old.nodes.get(key), df)
                    written.nodes[key] = df
                    self._write_nodes(writers, key, gone_ids, changed, create=_is_empty(old.nodes.get(key)))
                    writers.written(key)
                else:
                    if new.streaming:
                        GraphFrames.validate_rel(key, df, keys)
                    gone, added = _row_diff(old.rels.get(key), df)
                    written.rels[key] = df
                    self._write_rels(writers, key, gone, added, new.nodes)
            for label, df in old.nodes.items():  # labels the new graph has none of
                if label not in new.nodes and len(df):
                    written.nodes[label] = df.iloc[:0]
                    self._write_nodes(writers, label, df[KEY], df.iloc[:0], create=False)
            for key, df in old.rels.items():
                if key not in new.rels and len(df):
                    written.rels[key] = df.iloc[:0]
                    self._write_rels(writers, key, df, df.iloc[:0], new.nodes)
        except BaseException as e:
            writers.close(e)
            raise
        writers.close()
        log.debug("neo4j load: %d parts, %d transactions retried", writers.parts, writers.retries)

    def _undo(self, old: GraphFrames, written: GraphFrames) -> None:
        """Put back ``old`` where :meth:`_apply` wrote (perhaps only part of) ``written``: the nodes of
        the labels it reached as they were, and every old relationship of a type it reached or of a node
        it deleted (created only where it is missing, so a relationship never written twice)."""
        deleted = {label: _gone_ids(old.nodes.get(label), df) for label, df in written.nodes.items()}
        writers = Writers(self._write_batches, self.writers)
        try:
            for label, df in written.nodes.items():
                gone_ids, changed = _node_diff(df, old.nodes.get(label))
                self._write_nodes(writers, label, gone_ids, changed, create=False)
                writers.written(label)
            for key in sorted(set(written.rels) | set(old.rels)):
                rtype, a, b = key
                before, now = old.rels.get(key), written.rels.get(key)
                if before is None and now is None:
                    continue
                before = before if before is not None else now.iloc[:0]  # type: ignore[union-attr]
                if now is None:  # not reached: only what went with the nodes it deleted
                    remove, restore = before.iloc[:0], before.iloc[:0]
                else:
                    remove, restore = _only_in(now, before), _only_in(before, now)
                lost = before["from"].isin(deleted.get(a, ())) | before["to"].isin(deleted.get(b, ()))
                if lost.any():
                    restore = pd.concat([restore, before[lost]]).drop_duplicates()
                self._write_rels(writers, key, remove, restore, old.nodes, guard=True)
        except BaseException as e:
            writers.close(e)
            raise
        writers.close()

    def _write_nodes(
        self, writers: Writers, label: str, gone_ids: pd.Series, changed: pd.DataFrame, create: bool
    ) -> None:
        if len(gone_ids):
            writers.add(
                f"{_unwind(KEY)} MATCH (n:{label} {{id: {_col(KEY)}}}) DETACH DELETE n",
                gone_ids.to_frame(KEY),
                label=label,
            )
        if len(changed):
            props = _props(changed.columns)
            if create:  # no node of this label in the database: nothing to merge
                writers.add(f"{_unwind(KEY)} CREATE (n:{label} {props})", changed, label=label)
            else:
                writers.add(
                    f"{_unwind(KEY)} MERGE (n:{label} {{id: {_col(KEY)}}}) SET n = {props}",
                    changed,
                    label=label,
                )

    def _write_rels(
        self,
        writers: Writers,
        key: tuple[str, str, str],
        gone: pd.DataFrame,
        added: pd.DataFrame,
        nodes: dict[str, pd.DataFrame],
        guard: bool = False,
    ) -> None:
        """Delete the ``gone`` rows of a relationship frame and create the ``added`` ones (with ``guard``,
        only those not in the database already)."""
        rtype, a, b = key
        same = "".join(
            f" AND (r.{p} = {_col(p)} OR (r.{p} IS NULL AND {_col(p)} IS NULL))"
            for p in MODEL.rels[rtype].properties
        )
        if len(gone):
            writers.add(
                f"{_unwind()} MATCH (x:{a} {{id: {_col('from')}}})-[r:{rtype}]->(y:{b} {{id: {_col('to')}}}) "
                f"WHERE true{same} DELETE r",
                gone,
            )
        if len(added):
            props = _props(MODEL.rels[rtype].properties)
            where = f" WHERE NOT EXISTS {{ MATCH (x)-[r:{rtype}]->(y) WHERE true{same} }}" if guard else ""
            cypher = (
                f"{_unwind()} MATCH (x:{a} {{id: {_col('from')}}}) MATCH (y:{b} {{id: {_col('to')}}})"
                f"{where} CREATE (x)-[:{rtype} {props}]->(y)"
            )
            # an end whose nodes each get many of these relationships is dense: one part at a time on it
            dense = {label for label in (a, b) if len(added) >= DENSE * max(1, len(nodes.get(label, ())))}
            writers.add(cypher, added, needs={a, b}, holds=dense)

    def run(self, cypher: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return self._read(cypher, params)

    def run_columns(self, cypher: str, params: dict[str, Any] | None = None) -> dict[str, list[Any]]:
        """The result as columns.  The rows travel as one list (``CALL { query } RETURN collect([...])``)
        rather than a record each: the driver spends ~35 µs of CPU on a record, so the 630,000 kinship rows of
        a county took 30 s as records and 3 s as a list.  A query that cannot be wrapped so, or a server
        without the memory for the list, gets records."""
        params = params or {}

        def packed(tx: ManagedTransaction) -> dict[str, list[Any]]:
            explained = tx.run("EXPLAIN " + cypher, params)
            keys = list(explained.keys())
            explained.consume()
            row = ", ".join(f"`{k}`" for k in keys)
            rows = tx.run(f"CALL {{ {cypher}\n}} RETURN collect([{row}]) AS rows", params).single(
                strict=True
            )["rows"]
            cols = [list(c) for c in zip(*rows)] if rows else [[] for _ in keys]
            return {k: [_plain(v) for v in col] for k, col in zip(keys, cols)}

        def records(tx: ManagedTransaction) -> dict[str, list[Any]]:
            res = tx.run(cypher, params)
            keys = list(res.keys())
            cols: list[list[Any]] = [[] for _ in keys]
            for values in res.values():
                for col, v in zip(cols, values):
                    col.append(_plain(v))
            return dict(zip(keys, cols))

        try:
            return self._session(packed)
        except (StoreError, nx4j.TransientError, nx4j.DatabaseError) as e:
            log.debug("run_columns: rows as records (%s)", e)
            return self._session(records)

    def run_named(
        self, name: str, params: dict[str, Any] | None = None, *, bounds: Mapping[str, int] | None = None
    ) -> list[dict[str, Any]]:
        return self._read(query_text(name, self.dialect, bounds), params)

    def run_named_columns(
        self, name: str, params: dict[str, Any] | None = None, *, bounds: Mapping[str, int] | None = None
    ) -> dict[str, list[Any]]:
        return self.run_columns(query_text(name, self.dialect, bounds), params)

    def run_named_table(
        self, name: str, params: dict[str, Any] | None = None, *, bounds: Mapping[str, int] | None = None
    ) -> pa.Table:
        # the driver hands Python values: the columns are made into Arrow here
        return pa.table(self.run_named_columns(name, params, bounds=bounds))

    def neighbours(
        self, label: str, node_id: str, types: list[str] | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        # the node itself identifies ``a``: the driver fills a relationship's start node only when that node
        # is in the result
        return neighbours(self._read, ("type(r)", "labels(b)[0]", "a"), label, node_id, types, limit)

    def live_graph(self) -> Previous | None:
        """None: a load gives this store the whole graph (it writes only the difference itself)."""
        return None

    def last_check(self) -> dict[str, Any] | None:
        """None: Neo4j's transactions write what they are given (no check after the load)."""
        return None

    def data_version(self) -> str | None:
        """A random id each load sets when it is done (with ``*`` while a load runs, or after one that could
        not be undone); for a database loaded before there were such ids, the count of every label and
        relationship type; None when the database holds none of the model."""
        rows = self._read(
            f"MATCH (t:{TABLE_LABEL} {{name: $state}}) RETURN t.version AS v, t.dirty AS dirty",
            {"state": STATE_ID},
        )
        if rows and rows[0]["v"] is not None:
            return str(rows[0]["v"]) + ("*" if rows[0]["dirty"] else "")
        counts = self.stats()
        return ",".join(f"{k}={counts[k]}" for k in sorted(counts)) if any(counts.values()) else None

    def subgraph(
        self, node_ids: list[str], hops: int = 1, rel_types: list[str] | None = None, limit: int = 5000
    ) -> nx.MultiDiGraph:
        # one indexed look-up per label instead of a scan of every node
        by_label = " UNION ".join(f"MATCH (n:{label}) WHERE n.id IN $ids RETURN n" for label in MODEL.nodes)
        around = " UNION ".join(
            f"MATCH (a:{label})-[r]-(b) WHERE a.id IN $ids RETURN a, r, b" for label in MODEL.nodes
        )
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

    def __enter__(self) -> Neo4jStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
    """The rows of ``a`` (in order, duplicates kept) equal to no row of ``b``; missing values are equal."""
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


def _gone_ids(old: pd.DataFrame | None, new: pd.DataFrame | None) -> pd.Series:
    """The ids of old's rows that new has no row for."""
    if _is_empty(old):
        return pd.Series([], dtype=object, name=KEY)
    assert old is not None
    return old[KEY][~old[KEY].isin(new[KEY])] if not _is_empty(new) else old[KEY]  # type: ignore[index]


def _node_diff(old: pd.DataFrame | None, new: pd.DataFrame | None) -> tuple[pd.Series, pd.DataFrame]:
    """Ids only in old (to delete) and rows new or changed (to upsert)."""
    n = new if new is not None else _empty_like(old)
    if old is None:  # everything in new is new
        return _gone_ids(old, n), n
    return _gone_ids(old, n), _only_in(n, old)


_SCALARS = (str, int, float, bool, type(None))


def _plain(v: Any) -> Any:
    """Driver values in the shape both stores return: nodes and relationships as property dicts with _LABEL,
    _ID (and _SRC/_DST), paths as {_NODES, _RELS}, temporal values as Python dates and datetimes."""
    if type(v) in _SCALARS:
        return v
    if isinstance(v, Node):
        labels = sorted(v.labels)
        return {
            "_ID": v.element_id,
            "_LABEL": labels[0] if labels else "",
            **{k: _plain(x) for k, x in v.items()},
        }
    if isinstance(v, Relationship):
        return {
            "_ID": v.element_id,
            "_LABEL": v.type,
            "_SRC": v.start_node.element_id if v.start_node else None,
            "_DST": v.end_node.element_id if v.end_node else None,
            **{k: _plain(x) for k, x in v.items()},
        }
    if isinstance(v, Path):
        return {"_NODES": [_plain(n) for n in v.nodes], "_RELS": [_plain(r) for r in v.relationships]}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if hasattr(v, "to_native"):
        return v.to_native()
    return v
