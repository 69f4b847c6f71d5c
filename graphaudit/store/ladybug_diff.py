"""The embedded store's loads in proportion to the change: a new generation starts as a copy of the live
graph, and only the rows that differ from it are written (issue 20).

Every generation keeps a digest of its graph (``digest/*.parquet``: each node's key and each relationship's
ends, with a 64-bit hash of the whole row).  A load hashes the frames of the new graph, compares them with
the live generation's digest and, in the copy of the live database file:

- deletes the nodes whose key is gone (with their relationships) and the relationships whose row is gone
  (every relationship of that type between the same two nodes; the new rows between them are COPYed again);
- COPYs the nodes and relationships that are new (COPY into tables that are not empty);
- SETs every property of a node whose row changed.

So the graph after the load is the graph a full rebuild writes, row for row (tests/test_store_monthly.py
compares them).  When the change is large (more than :data:`MAX_EDITS` rows deleted or updated), editing row
by row is slower than COPYing everything, and the store builds the generation from scratch instead.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import ladybug
import numpy as np
import pandas as pd
import pyarrow as pa

from graphaudit.model import KEY, MODEL

__all__ = [
    "DIGEST",
    "MAX_EDITS",
    "Edits",
    "TooMuchChange",
    "apply_frame",
    "digest",
    "digest_name",
    "frame_of",
    "read_digest",
    "remove_frame",
]

#: The folder of a generation that holds its graph's digest.
DIGEST = "digest"
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


def digest(kind: str, df: pd.DataFrame) -> pd.DataFrame:
    """A frame's digest: the node keys (or relationship ends) and a hash of each whole row."""
    h = pd.util.hash_pandas_object(df, index=False).to_numpy()
    if kind == "node":
        return pd.DataFrame({KEY: _text(df[KEY]), "h": h})
    return pd.DataFrame({"from": _text(df["from"]), "to": _text(df["to"]), "h": h})


def _text(col: pd.Series) -> np.ndarray:
    """A key column as Python strings (None where missing), whatever the frame's column type."""
    return np.array(cast(Any, col).tolist(), dtype=object)


def read_digest(folder: Path, kind: str, key: Any) -> pd.DataFrame | None:
    path = folder / digest_name(kind, key)
    return pd.read_parquet(path) if path.exists() else None


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
    new: pd.DataFrame,
    old: pd.DataFrame | None,
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


def _apply_nodes(
    conn: ladybug.Connection,
    label: str,
    table: pa.Table,
    new: pd.DataFrame,
    old: pd.DataFrame,
    edits: Edits,
    copy: Callable[[pa.Table], None],
) -> None:
    pos = pd.Index(old[KEY]).get_indexer(new[KEY])
    known = pos >= 0
    old_h = old["h"].to_numpy()
    changed = known.copy()
    changed[known] = old_h[pos[known]] != new["h"].to_numpy()[known]
    kept = np.zeros(len(old), dtype=bool)
    kept[pos[known]] = True
    gone = old[KEY].to_numpy(dtype=object)[~kept].tolist()
    edits.add(len(gone) + int(changed.sum()))
    for ids in _chunks(gone):
        conn.execute(f"UNWIND $ids AS i MATCH (n:{label} {{{KEY}: i}}) DETACH DELETE n", {"ids": ids})
    if (~known).any():
        copy(table.filter(pa.array(~known)))
    if changed.any():
        props = [p for p in MODEL.nodes[label].properties if p != KEY]
        sets = ", ".join(f"n.{p} = r.{p}" for p in props)
        for rows in _chunks(table.filter(pa.array(changed)).to_pylist()):
            conn.execute(f"UNWIND $rows AS r MATCH (n:{label} {{{KEY}: r.{KEY}}}) SET {sets}", {"rows": rows})


def _apply_rels(
    conn: ladybug.Connection,
    key: tuple[str, str, str],
    table: pa.Table,
    new: pd.DataFrame,
    old: pd.DataFrame,
    edits: Edits,
    copy: Callable[[pa.Table], None],
) -> None:
    new_h, old_h = new["h"].to_numpy(), old["h"].to_numpy()
    added = ~np.isin(new_h, old_h)
    gone = ~np.isin(old_h, new_h)
    if gone.any():
        pairs = old.loc[gone, ["from", "to"]].drop_duplicates()
        edits.add(len(pairs))
        _delete_pairs(conn, key, list(zip(pairs["from"].tolist(), pairs["to"].tolist())))
        # every relationship between those two nodes was deleted: the new rows between them come back
        touched = pd.MultiIndex.from_frame(pairs)
        added |= pd.MultiIndex.from_arrays([new["from"], new["to"]]).isin(touched)
    if added.any():
        copy(table.filter(pa.array(added)))


def _delete_pairs(conn: ladybug.Connection, key: tuple[str, str, str], pairs: list[tuple[Any, Any]]) -> None:
    rtype, a, b = key
    for chunk in _chunks([{"f": f, "t": t} for f, t in pairs]):
        conn.execute(
            f"UNWIND $pairs AS p MATCH (a:{a} {{{KEY}: p.f}})-[r:{rtype}]->(b:{b} {{{KEY}: p.t}}) DELETE r",
            {"pairs": chunk},
        )


def remove_frame(conn: ladybug.Connection, kind: str, key: Any, old: pd.DataFrame, edits: Edits) -> None:
    """A frame the live graph has and the new one does not: delete all its rows."""
    if kind == "node":
        ids = old[KEY].tolist()
        edits.add(len(ids))
        for chunk in _chunks(ids):
            conn.execute(f"UNWIND $ids AS i MATCH (n:{key} {{{KEY}: i}}) DETACH DELETE n", {"ids": chunk})
    else:
        pairs = old[["from", "to"]].drop_duplicates()
        edits.add(len(pairs))
        _delete_pairs(conn, key, list(zip(pairs["from"].tolist(), pairs["to"].tolist())))
