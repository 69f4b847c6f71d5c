"""The embedded store's loads in proportion to the change: a new generation starts as a copy of the live
graph, and only the rows that differ from it are written (issue 20).

Every generation keeps a digest of its graph: per frame (a node label, or a relationship type between two
labels) a checksum of its Arrow buffers (``digest/checksums.json``), its rows and the build that made it
(``digest/frames.json``) and each row's key or ends with a 128-bit hash of the whole row
(``digest/<frame>.parquet``).  A load compares each frame of the new graph with the live digest — a
frame whose checksum is the same is left alone (its digest file is linked, not rewritten) — and, in the copy
of the live database file:

- deletes the nodes whose key is gone (with their relationships) and the relationships whose row is gone
  (every relationship of that type between the same two nodes; the new rows between them are COPYed again);
- COPYs the nodes and relationships that are new (COPY into tables that are not empty);
- SETs every property of a node whose row changed.

So the graph after the load is the graph a full rebuild writes, row for row (tests/test_store_monthly.py
compares them).  When the change is large (more than :data:`MAX_EDITS` rows deleted or updated), editing row
by row is slower than COPYing everything, and the store builds the generation from scratch instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ladybug
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from graphaudit.model import KEY, MODEL, ladybug_type
from graphaudit.store.decimals import for_copy
from graphaudit.store.fingerprint import text_hashes128

__all__ = [
    "DIGEST",
    "MAX_EDITS",
    "Edits",
    "TooMuchChange",
    "CHECKSUMS",
    "FRAMES",
    "apply_frame",
    "checksum",
    "digest",
    "digest_name",
    "frame_of",
    "read_digest",
    "remove_frame",
    "same_rows",
    "write_digest",
]

#: The folder of a generation that holds its graph's digest.
DIGEST = "digest"
#: The digest's file of frame checksums.
CHECKSUMS = "checksums.json"
#: The digest's file of rows per frame and the build (graphaudit.ingest.build.BUILD_ID) that made them.
FRAMES = "frames.json"
#: Rows deleted or updated one by one above which a load rebuilds instead.
MAX_EDITS = 20_000
#: Rows per parameter list of one UNWIND statement.
CHUNK = 5_000


class TooMuchChange(Exception):
    """The new graph differs from the live one in more rows than editing in place is worth."""


def digest_name(kind: str, key: Any) -> str:
    """The digest file's name for a frame: the label, or ``type-from-to``."""
    return f"{key}.parquet" if kind == "node" else f"{'-'.join(key)}.parquet"


def frame_of(name: str) -> tuple[str, Any]:
    """The frame a digest file is of: ``("node", label)`` or ``("rel", (type, from, to))``."""
    parts = name.removesuffix(".parquet").split("-")
    return ("node", parts[0]) if len(parts) == 1 else ("rel", tuple(parts))


def checksum(table: pa.Table) -> str:
    """A checksum of a frame's content: its schema and its rows, :data:`DIGEST_ROWS` at a time, each slice as
    one Arrow IPC record batch (which holds only the rows' own bytes: a column sliced from a bigger buffer is
    written as the slice), so equal rows give equal checksums however the table is chunked, without a
    serialised copy of the whole frame."""
    h = hashlib.blake2b(digest_size=16)
    h.update(table.schema.serialize().to_pybytes())
    for at in range(0, table.num_rows, DIGEST_ROWS):
        part = table.slice(at, DIGEST_ROWS)
        # each column copied into buffers of its own rows (a slice's buffers may be the whole frame's)
        cols = [pa.concat_arrays([pa.array([], c.type), *c.chunks]) for c in part.columns]
        h.update(pa.RecordBatch.from_arrays(cols, schema=table.schema).serialize())
    return h.hexdigest()


#: rows a digest joins and hashes at a time (the joined text of a prefecture's 3.4M people is ~1 GB)
DIGEST_ROWS = 262_144


def digest(kind: str, table: pa.Table) -> pa.Table:
    """A frame's digest: the node keys (or relationship ends) and a 128-bit hash of each whole row (its values
    as text; a missing value and "" differ)."""
    hashes = []
    for at in range(0, table.num_rows, DIGEST_ROWS):  # a slice at a time: its rows' text is transient
        part = table.slice(at, DIGEST_ROWS)
        cols = [pc.cast(c, pa.string()) for c in part.columns]
        row = pc.binary_join_element_wise(*cols, "\x1f", null_handling="replace", null_replacement="\x00")
        hashes.append(_hashes(row))
        del cols, row
    ends = [KEY] if kind == "node" else ["from", "to"]
    rows = pa.concat_arrays(hashes) if hashes else pa.array([], pa.binary(16))
    return pa.table({**{c: table.column(c) for c in ends}, "row": rows})


def _hashes(rows: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Each string's 128-bit hash, as 16 bytes: graphaudit.store.fingerprint.text_hashes128, over Arrow's
    buffers without a Python object per row, in numpy outside the interpreter, so that it does not hold up
    the builder beside it (a county's digests: 1.65 → 1.3 s, pandas' SipHash of Python strings before)."""
    raw = text_hashes128(rows).astype("<u8").tobytes()
    return pa.FixedSizeBinaryArray.from_buffers(pa.binary(16), len(rows), [None, pa.py_buffer(raw)])


#: A digest's row hash as numpy reads it: two 64-bit halves.
_ROW_HASH = np.dtype([("hi", "<u8"), ("lo", "<u8")])


def same_rows(a: pa.Array | pa.ChunkedArray, b: pa.Array | pa.ChunkedArray) -> bool:
    """Whether two columns of row hashes (a digest's ``row``) hold the same hashes, each as often."""
    if len(a) != len(b):
        return False

    def hashes(c: pa.Array | pa.ChunkedArray) -> np.ndarray:
        arr = c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c
        raw = np.frombuffer(arr.buffers()[1], dtype=_ROW_HASH, count=arr.offset + len(arr))[arr.offset :]
        return np.sort(raw, order=["hi", "lo"])

    return bool(np.array_equal(hashes(a), hashes(b)))


def write_digest(table: pa.Table, path: Path) -> None:
    """Write a frame's digest: uncompressed (its row strings hardly compress; a load reads and writes the
    digests of the frames it changes, and uncompressed that takes half the time)."""
    pq.write_table(table, path, compression="none")


def read_digest(folder: Path, kind: str, key: Any) -> pa.Table | None:
    path = folder / digest_name(kind, key)
    return pq.read_table(path) if path.exists() else None


def _chunks(rows: list[Any]) -> list[list[Any]]:
    return [rows[i : i + CHUNK] for i in range(0, len(rows), CHUNK)]


class Edits:
    """Counts the rows edited one by one in a load; raises :class:`TooMuchChange` past :data:`MAX_EDITS`."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = MAX_EDITS if limit is None else limit
        self.n = 0

    def add(self, n: int) -> None:
        self.n += n
        if self.n > self.limit:
            raise TooMuchChange(f"{self.n} rows to delete or update")


def apply_frame(
    conn: ladybug.Connection,
    kind: str,
    key: Any,
    table: pa.Table,
    new: pa.Table,
    old: pa.Table | None,
    edits: Edits,
    copy: Callable[[pa.Table], None],
) -> None:
    """Bring one frame of the copied database from ``old`` (the live digest; None: the frame is new) to
    ``table`` (its rows, as COPY takes them; ``new`` is their digest).  ``copy`` COPYs rows into the table."""
    if old is None or not len(old):
        if len(table):
            copy(table)
        return
    if kind == "node":
        _apply_nodes(conn, key, table, new, old, edits, copy)
    else:
        _apply_rels(conn, key, table, new, old, edits, copy)


def _mask(values: pa.ChunkedArray | pa.Array, among: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Which of ``values`` are in ``among``, as a numpy bool array."""
    if isinstance(among, pa.ChunkedArray):
        among = among.combine_chunks()
    found = pc.is_in(values, value_set=among)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)


def _apply_nodes(
    conn: ladybug.Connection,
    label: str,
    table: pa.Table,
    new: pa.Table,
    old: pa.Table,
    edits: Edits,
    copy: Callable[[pa.Table], None],
) -> None:
    known = _mask(new.column(KEY), old.column(KEY))
    changed = known & ~_mask(new.column("row"), old.column("row"))
    gone = old.column(KEY).filter(pa.array(~_mask(old.column(KEY), new.column(KEY)))).to_pylist()
    edits.add(len(gone) + int(changed.sum()))
    for ids in _chunks(gone):
        conn.execute(f"UNWIND $ids AS i MATCH (n:{label} {{{KEY}: i}}) DETACH DELETE n", {"ids": ids})
    if (~known).any():
        copy(table.filter(pa.array(~known)))
    if changed.any():
        # Each value cast to its column's type: in a batch where a property is null on every row, UNWIND
        # types it STRING, and SET into a DATE column would refuse it (a death date withdrawn).
        node = MODEL.nodes[label]
        props = {p: t for p, t in node.properties.items() if p != KEY}
        sets = ", ".join(
            f"n.{p} = CAST(r.{p} AS {ladybug_type(t, node.decimals.get(p))})"
            if t != "string"
            else f"n.{p} = r.{p}"
            for p, t in props.items()
        )
        rows_changed = table.filter(pa.array(changed))
        for_copy("node", label, rows_changed)  # each double a decimal of its places (else ModelError)
        for rows in _chunks(rows_changed.to_pylist()):
            conn.execute(f"UNWIND $rows AS r MATCH (n:{label} {{{KEY}: r.{KEY}}}) SET {sets}", {"rows": rows})


def _pairs(t: pa.Table) -> pa.ChunkedArray:
    """Each relationship's two ends as one string."""
    return pc.binary_join_element_wise(t.column("from"), t.column("to"), "\x1f")


def _apply_rels(
    conn: ladybug.Connection,
    key: tuple[str, str, str],
    table: pa.Table,
    new: pa.Table,
    old: pa.Table,
    edits: Edits,
    copy: Callable[[pa.Table], None],
) -> None:
    added = ~_mask(new.column("row"), old.column("row"))
    gone = ~_mask(old.column("row"), new.column("row"))
    if gone.any():
        lost = old.filter(pa.array(gone))
        _delete_rels(conn, key, lost, edits)
        # every relationship between those two nodes was deleted: the new rows between them come back
        added |= _mask(_pairs(new), _pairs(lost))
    if added.any():
        copy(table.filter(pa.array(added)))


def _delete_rels(conn: ladybug.Connection, key: tuple[str, str, str], lost: pa.Table, edits: Edits) -> None:
    """Delete every relationship of the frame's type between the two ends of each row of ``lost``."""
    rtype, a, b = key
    pairs = sorted(set(zip(lost.column("from").to_pylist(), lost.column("to").to_pylist())))
    edits.add(len(pairs))
    for chunk in _chunks([{"f": f, "t": t} for f, t in pairs]):
        conn.execute(
            f"UNWIND $pairs AS p MATCH (a:{a} {{{KEY}: p.f}})-[r:{rtype}]->(b:{b} {{{KEY}: p.t}}) DELETE r",
            {"pairs": chunk},
        )


def remove_frame(conn: ladybug.Connection, kind: str, key: Any, old: pa.Table, edits: Edits) -> None:
    """A frame the live graph has and the new one does not: delete all its rows."""
    if kind == "node":
        ids = old.column(KEY).to_pylist()
        edits.add(len(ids))
        for chunk in _chunks(ids):
            conn.execute(f"UNWIND $ids AS i MATCH (n:{key} {{{KEY}: i}}) DETACH DELETE n", {"ids": chunk})
    else:
        _delete_rels(conn, key, old, edits)
