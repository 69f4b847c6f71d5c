"""The in-memory search index: people, households, companies and organisations by name or id.

Loaded from the store with one catalogue query (``graphaudit/cypher/api_search_index.cypher``), so both stores
give the same index, and reloaded when the data changes (``GraphStore.data_version``, checked at most every
30 s).
Matches are ranked, and within a rank ordered by the key the rank is about::

    0  id equal to the text                       by id
    1  name equal to the text                     by name, id
    2  name starting with the text                by name, id
    3  id starting with the text (not equal)      by id
    4  name containing the text (not at its start) by name, id

Households match on their number only (ranks 0 and 3).  Every rank is a range of a sorted array or an
early-stopping scan, so a query costs about a millisecond however common the text.
"""

from __future__ import annotations

import gc
import threading
import time
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any

from graphaudit.store.base import GraphStore

__all__ = ["SearchIndex", "Hit", "LABELS", "API_QUERIES"]

#: The catalogue queries the API uses (graphaudit/cypher/api_*.cypher).
API_QUERIES = ("api_search_index",)

LABELS = ("Person", "Household", "Company", "Org")
SEP = "\x00"
REFRESH = 30.0  # seconds between checks that the data is unchanged


@dataclass(frozen=True)
class Hit:
    rank: int
    label: str
    id: str
    caption: str
    note: str
    place: str


@dataclass
class _Table:
    """One label's rows sorted by (caption, id), plus an id order and a blob of captions for scans."""

    captions: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    id_sorted: list[str] = field(default_factory=list)
    id_rows: list[int] = field(default_factory=list)
    by_id: dict[str, int] = field(default_factory=dict)
    blob: str = ""
    starts: list[int] = field(default_factory=list)

    @classmethod
    def build(cls, rows: list[tuple[str, str, str, str]]) -> _Table:
        t = cls()
        rows.sort()
        for cap, i, note, place in rows:
            t.captions.append(cap)
            t.ids.append(i)
            t.notes.append(note)
            t.places.append(place)
        t.id_rows = sorted(range(len(t.ids)), key=t.ids.__getitem__)
        t.id_sorted = [t.ids[k] for k in t.id_rows]
        t.by_id = {i: k for k, i in enumerate(t.ids)}
        pos = 0
        for cap in t.captions:
            t.starts.append(pos)
            pos += len(cap) + 1
        t.blob = SEP.join(t.captions)
        return t

    def hit(self, rank: int, label: str, k: int) -> Hit:
        cap = self.captions[k] or self.ids[k]
        return Hit(rank, label, self.ids[k], cap, self.notes[k], self.places[k])

    def search(self, q: str, label: str, want: int, names: bool) -> list[Hit]:
        out: list[Hit] = []
        taken: set[int] = set()

        def take(rank: int, k: int) -> bool:
            if k not in taken:
                taken.add(k)
                out.append(self.hit(rank, label, k))
            return len(out) >= want

        if q in self.by_id and take(0, self.by_id[q]):
            return out
        if names:
            lo = bisect_left(self.captions, q)
            hi = bisect_right(self.captions, q + "\U0010ffff")
            for k in range(lo, hi):  # exact names sort first within the prefix range
                if self.captions[k] == q and take(1, k):
                    return out
            for k in range(lo, hi):
                if take(2, k):
                    return out
        lo = bisect_left(self.id_sorted, q)
        hi = bisect_right(self.id_sorted, q + "\U0010ffff")
        for j in range(lo, hi):
            if take(3, self.id_rows[j]):
                return out
        if names:
            pos = self.blob.find(q)
            while pos >= 0:
                k = bisect_right(self.starts, pos) - 1
                if not self.captions[k].startswith(q) and take(4, k):
                    return out
                nxt = self.starts[k + 1] if k + 1 < len(self.starts) else len(self.blob)
                pos = self.blob.find(q, nxt)
        return out


class SearchIndex:
    """Search over a store, rebuilt when the store's data changes (a new load)."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self._tables: dict[str, _Table] = {}
        self._version: Any = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def refresh(self, force: bool = False) -> None:
        """Load the index if it is missing or the data changed (checked at most every 30 s).  While one thread
        checks or reloads, the others go on with the index they have rather than wait."""
        now = time.monotonic()
        if not force and self._tables and now - self._checked < REFRESH:
            return
        if not self._lock.acquire(blocking=not self._tables or force):
            return
        try:
            if not force and self._tables and time.monotonic() - self._checked < REFRESH:
                return  # another thread has just checked
            version = self.store.data_version()
            self._checked = time.monotonic()
            if not force and version == self._version and self._tables:
                return
            rows: dict[str, list[tuple[str, str, str, str]]] = {label: [] for label in LABELS}
            for r in self.store.run_named(API_QUERIES[0]):
                rows[r["label"]].append((r["caption"] or "", str(r["id"]), r["note"] or "", r["place"] or ""))
            self._tables = {label: _Table.build(v) for label, v in rows.items()}
            self._version = version
            if (
                gc.get_freeze_count()
            ):  # a warmed server (Services.warm): keep the new index out of collections too
                gc.freeze()
        finally:
            self._lock.release()

    def version(self) -> Any:
        """The data version the index was loaded from (checked at most every 30 s)."""
        self.refresh()
        return self._version

    def search(self, q: str, labels: list[str], want: int) -> list[Hit]:
        """The best ``want`` hits per label, merged: rank, then label order, then the rank's own order."""
        self.refresh()
        tables = self._tables
        hits: list[tuple[Any, ...]] = []
        for li, label in enumerate(x for x in LABELS if x in labels):
            for n, h in enumerate(tables[label].search(q, label, want, names=label != "Household")):
                hits.append((h.rank, li, n, h))
        hits.sort(key=lambda x: x[:3])
        return [x[3] for x in hits]
