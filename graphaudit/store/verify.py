"""After a load: the embedded store's graph holds what was handed to COPY, or the load fails (issue 20).

One prefecture load once left a payment's amount 0.0 in the graph (14197.91 in its table and in Neo4j), and
nothing said so; seven loads of the same data later were right.  So the embedded store checks every graph it
writes before it switches to it: the new generation's database, closed and opened again read-only, against
what the load handed to it, frame by frame (a node label, or a relationship type between two labels):

- the rows of every frame (``count``), and 0 for every frame of the model the graph does not have;
- for every numeric, date and yes/no property: how many rows have a value, and an order-independent
  fingerprint of (key, value) pairs (graphaudit.store.fingerprint).  A value that changed, went missing, or
  moved to another row changes it; the order COPY wrote the rows in does not.

What the load handed over: each frame it wrote whole (its Arrow table, fingerprinted as it is COPYed); a
frame kept from the live graph (``Reused``) is checked against the fingerprint the live generation stored
(``digest/verify.json``); of a patched frame the rows of the keys it patched are checked, the others counted.

A mismatch raises :class:`GraphMismatch`: one line, Chinese first, naming the frame, the property and how many
rows differ (at least that many: rows in one bucket count once).  The store has not switched to the new
generation then, so it stays as it was.  Cost: one read of each frame's key and checked properties (a
relationship frame's ends by their internal offsets), on :data:`THREADS` connections.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ladybug
import numpy as np
import pyarrow as pa

from graphaudit.errors import StoreError
from graphaudit.model import KEY, MODEL
from graphaudit.store.decimals import floats
from graphaudit.store.fingerprint import (
    BUCKETS,
    Print,
    among,
    checked_properties,
    differing,
    fingerprint,
    fingerprint_of,
    pair_hashes,
    text_hashes,
)

__all__ = ["THREADS", "VERIFY", "Expected", "GraphMismatch", "Verification"]

#: Connections the check reads the graph on at once.
THREADS = 2
#: The file in a generation's digest folder that holds its frames' fingerprints (for the next load).
VERIFY = "verify.json"

_MISMATCH = "图数据与交给写入的数据不一致，本次载入未生效"


class GraphMismatch(StoreError):
    """The graph the store wrote differs from what the load handed to it; the store did not switch to it."""


@dataclass(frozen=True)
class Verification:
    """What the check after a load covered: frames, properties compared, rows read, seconds."""

    frames: int
    properties: int
    rows: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "frames": self.frames,
            "properties": self.properties,
            "rows": self.rows,
            "seconds": round(self.seconds, 3),
        }


def _name(kind: str, key: Any) -> str:
    return key if kind == "node" else f"{key[0]}({key[1]}→{key[2]})"


class _Graph:
    """The written graph's frames, read once each, on :data:`THREADS` connections at once: a label's keys
    (and key hashes) by internal offset, so that a relationship frame is read with its ends' offsets, not
    their text."""

    def __init__(self, db: ladybug.Database) -> None:
        self.db = db
        self._labels: dict[str, tuple[pa.Table, np.ndarray, np.ndarray]] = {}
        self._local = threading.local()
        self._conns: list[ladybug.Connection] = []
        self._lock = threading.Lock()

    def _conn(self) -> ladybug.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = ladybug.Connection(self.db)
            with self._lock:
                self._conns.append(conn)
        return conn

    def close(self) -> None:
        for conn in self._conns:
            conn.close()

    def query(self, q: str) -> pa.Table:
        res = self._conn().execute(q)
        assert not isinstance(res, list)
        table: pa.Table = floats(res.get_as_arrow())
        return table

    def count(self, kind: str, key: Any) -> int:
        if kind == "node":
            q = f"MATCH (n:{key}) RETURN count(n) AS n"
        else:
            q = f"MATCH (a:{key[1]})-[r:{key[0]}]->(b:{key[2]}) RETURN count(r) AS n"
        return int(self.query(q).column("n")[0].as_py())

    def read_label(self, label: str) -> None:
        """Read a label's nodes (offset, key, checked properties) and hash their keys."""
        cols = [f"offset(id(n)) AS _o, n.{KEY} AS {KEY}"]
        cols += [f"n.{p} AS {p}" for p in checked_properties("node", label)]
        table = self.query(f"MATCH (n:{label}) RETURN {', '.join(cols)}")
        o = np.asarray(table.column("_o").to_numpy(), dtype=np.int64)
        pos = np.full(int(o.max()) + 1 if len(o) else 0, -1, dtype=np.intp)
        pos[o] = np.arange(len(o))
        found = (table, text_hashes(table.column(KEY)), pos)
        with self._lock:
            self._labels[label] = found

    def frame(self, kind: str, key: Any, keys: np.ndarray | None = None) -> tuple[Print, Print | None]:
        """A frame's fingerprint, and with ``keys`` also that of the rows of those keys (``from``); the
        labels it needs read first (:meth:`read_label`)."""
        if kind == "node":
            table, kh, _ = self._labels[key]
            ends = table.column(KEY)
        else:
            rtype, a, b = key
            cols = ["offset(id(a)) AS _f", "offset(id(b)) AS _t"]
            cols += [f"r.{p} AS {p}" for p in checked_properties(kind, key)]
            table = self.query(f"MATCH (a:{a})-[r:{rtype}]->(b:{b}) RETURN {', '.join(cols)}")
            nodes_a, kh_a, pos_a = self._labels[a]
            _, kh_b, pos_b = self._labels[b]
            at_a = pos_a[np.asarray(table.column("_f").to_numpy(), dtype=np.int64)]
            at_b = pos_b[np.asarray(table.column("_t").to_numpy(), dtype=np.int64)]
            kh = pair_hashes(kh_a[at_a], kh_b[at_b])
            ends = nodes_a.column(KEY).take(pa.array(at_a)) if keys is not None else None
        whole = fingerprint_of(kind, key, kh, table)
        part = (
            fingerprint_of(kind, key, kh, table, among(ends, keys))
            if keys is not None and ends is not None
            else None
        )
        return whole, part


# -- the check ---------------------------------------------------------------------------------------------


@dataclass
class _Frame:
    kind: str
    key: Any
    rows: int
    whole: Print | None = None  # every row, as handed over
    stored: dict[str, Any] | None = None  # a Reused frame: the live generation's totals
    patch: Print | None = None  # a Patched frame: the rows of its keys
    keys: np.ndarray | None = None


class Expected:
    """What a load hands the store, frame by frame, to check the written graph against
    (:meth:`check`).  ``live``: the live generation's folder the new graph was edited from (None: written
    from scratch)."""

    def __init__(self, live: Path | None = None) -> None:
        self.frames: dict[str, _Frame] = {}
        self._stored: dict[str, Any] = {}
        if live is not None:
            try:
                self._stored = json.loads((live / "digest" / VERIFY).read_text())
            except (OSError, ValueError):
                self._stored = {}

    def whole(self, kind: str, key: Any, table: pa.Table) -> None:
        """A frame handed over whole (its rows as COPY reads them)."""
        self.frames[_name(kind, key)] = _Frame(kind, key, len(table), whole=fingerprint(kind, key, table))

    def reused(self, kind: str, key: Any, rows: int) -> None:
        """A frame kept from the live graph as it is."""
        name = _name(kind, key)
        self.frames[name] = _Frame(kind, key, rows, stored=self._stored.get(name))

    def patched(self, kind: str, key: Any, table: pa.Table, keys: np.ndarray, rows: int) -> None:
        """A frame of the live graph with the rows of ``keys`` (a relationship's ``from``) replaced by
        ``table``; ``rows``: the whole new frame's."""
        self.frames[_name(kind, key)] = _Frame(
            kind, key, rows, patch=fingerprint(kind, key, table), keys=np.asarray(keys, dtype=object)
        )

    def check(self, database: Path, digest: Path | None = None, max_db_size: int = 1 << 36) -> Verification:
        """Open the written graph read-only and compare it with what was handed over; raise
        :class:`GraphMismatch` on the first frame that differs.  Writes the frames' fingerprints (as read) to
        ``digest``/verify.json for the next load."""
        t0 = time.perf_counter()
        db = ladybug.Database(str(database), read_only=True, max_db_size=max_db_size)
        graph = _Graph(db)
        try:
            found = self._read(graph)
        finally:
            graph.close()
            db.close()
        stored: dict[str, Any] = {}
        n_props = n_rows = 0
        for kind, key in _model_frames():
            name = _name(kind, key)
            f = self.frames.get(name)
            want = f.rows if f is not None else 0
            got, read, part = found[name]
            n_rows += got
            if got != want:
                raise GraphMismatch(
                    f"{_MISMATCH}：{name} 图中 {got:,} 行，应为 {want:,} 行 "
                    f"the graph written differs from the data handed to it, the load changed nothing: "
                    f"{name} holds {got:,} rows, {want:,} were written"
                )
            if f is None:
                continue
            if read is None:  # nothing to compare but its rows
                read = Print(got, {p: (0, np.zeros((2, BUCKETS))) for p in checked_properties(kind, key)})
            else:
                n_props += len(read.props)
            stored[name] = read.totals()
            if f.whole is not None:
                self._compare(name, f.whole, read)
            elif f.patch is not None and part is not None:
                self._compare(name, f.patch, part)
            elif f.stored is not None and f.stored.get("props") != stored[name]["props"]:
                bad = [p for p, v in stored[name]["props"].items() if f.stored["props"].get(p) != v]
                self._fail(name, [(p, 1) for p in bad], read.rows)
        if digest is not None:
            (digest / VERIFY).write_text(json.dumps(stored, indent=0, sort_keys=True))
        return Verification(len(self.frames), n_props, n_rows, time.perf_counter() - t0)

    def _read(self, graph: _Graph) -> dict[str, tuple[int, Print | None, Print | None]]:
        """Every frame of the model as the graph holds it: (rows, fingerprint, that of a patch's keys) — a
        frame with rows and checked properties read whole, any other counted; the labels first, then the
        relationships, each step on :data:`THREADS` connections."""
        read: dict[str, Any] = {}
        counted, whole = [], []
        for kind, key in _model_frames():
            f = self.frames.get(_name(kind, key))
            if f is not None and f.rows and checked_properties(kind, key):
                whole.append((kind, key, f.keys))
            else:
                counted.append((kind, key))
        labels = {key for kind, key, _ in whole if kind == "node"}
        labels |= {end for kind, key, _ in whole if kind == "rel" for end in key[1:]}
        with ThreadPoolExecutor(THREADS, thread_name_prefix="graphaudit-verify") as pool:
            counts = {_name(k, key): pool.submit(graph.count, k, key) for k, key in counted}
            for done in [pool.submit(graph.read_label, label) for label in sorted(labels)]:
                done.result()
            prints = {_name(k, key): pool.submit(graph.frame, k, key, keys) for k, key, keys in whole}
            for name, c in counts.items():
                read[name] = (c.result(), None, None)
            for name, p in prints.items():
                one, part = p.result()
                read[name] = (one.rows, one, part)
        return read

    @classmethod
    def _compare(cls, name: str, want: Print, got: Print) -> None:
        bad = differing(want, got)
        if bad:
            cls._fail(name, bad, got.rows)

    @staticmethod
    def _fail(name: str, bad: list[tuple[str, int]], rows: int) -> None:
        what = "；".join(f"{name}.{p} 至少 {n:,} 行不同" for p, n in bad)
        eng = "; ".join(f"{name}.{p}: at least {n:,} of {rows:,} rows differ" for p, n in bad)
        raise GraphMismatch(
            f"{_MISMATCH}：{what} "
            f"the graph written differs from the data handed to it, the load changed nothing: {eng}"
        )


def _model_frames() -> list[tuple[str, Any]]:
    """Every frame the model allows: each node label, each relationship type between each pair of labels."""
    out: list[tuple[str, Any]] = [("node", label) for label in MODEL.nodes]
    out += [("rel", (r.name, a, b)) for r in MODEL.rels.values() for a, b in r.pairs]
    return out
