"""What the server holds for its lifetime: one shared store and the state folder's services.

LadybugDB allows one Database per folder per process, so the server opens the store once and every request
shares it.  :class:`SharedStore` serialises the embedded store's calls with a lock: its connection is
re-opened when a new load switches generation, which is not safe while another thread queries it, and the
engine runs one query per connection at a time anyway (benchmarks/api.py measures the cost).  Neo4j's
driver is thread-safe and is not locked.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import pandas as pd
from fastapi import Request

from graphaudit.api.auditlog import AuditLog
from graphaudit.api.findingstore import FindingStore
from graphaudit.api.reviews import ReviewStore
from graphaudit.api.searchindex import SearchIndex
from graphaudit.api.state import State
from graphaudit.api.tokens import TokenStore
from graphaudit.api.view import NodeRefs
from graphaudit.model import GraphFrames
from graphaudit.store.base import GraphStore

__all__ = ["SharedStore", "Services", "services"]


class SharedStore:
    """A GraphStore shared by the server's threads (read-only use: ``replace`` is refused)."""

    def __init__(self, store: GraphStore, serialise: bool | None = None) -> None:
        self.inner = store
        self.dialect = store.dialect
        self._lock: threading.RLock | None = (
            threading.RLock() if (store.dialect == "ladybug" if serialise is None else serialise) else None)

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if self._lock is None:
            return fn(*args, **kwargs)
        with self._lock:
            return fn(*args, **kwargs)

    def read_tables(self) -> dict[str, pd.DataFrame]:
        return self._call(self.inner.read_tables)  # type: ignore[no-any-return]

    def replace(self, tables: dict[str, pd.DataFrame], graph: GraphFrames) -> None:
        raise NotImplementedError("the server does not load data; use `graphaudit ingest`")

    def run(self, cypher: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return self._call(self.inner.run, cypher, params)  # type: ignore[no-any-return]

    def run_named(self, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return self._call(self.inner.run_named, name, params)  # type: ignore[no-any-return]

    def subgraph(self, node_ids: list[str], hops: int = 1, rel_types: list[str] | None = None,
                 limit: int = 5000) -> nx.MultiDiGraph:
        return self._call(self.inner.subgraph, node_ids, hops, rel_types, limit)  # type: ignore[no-any-return]

    def stats(self) -> dict[str, int]:
        return self._call(self.inner.stats)  # type: ignore[no-any-return]

    def close(self) -> None:
        self._call(self.inner.close)


@dataclass
class Services:
    """Everything a request may use."""

    store: SharedStore
    state: State
    tokens: TokenStore = field(init=False)
    audit: AuditLog = field(init=False)
    reviews: ReviewStore = field(init=False)
    findings: FindingStore = field(init=False)
    refs: NodeRefs = field(init=False)
    search: SearchIndex = field(init=False)
    run_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.tokens = TokenStore(self.state)
        self.audit = AuditLog(self.state)
        self.reviews = ReviewStore(self.state)
        self.findings = FindingStore(self.state)
        self.refs = NodeRefs(self.state.secret())
        self.search = SearchIndex(self.store)


def services(request: Request) -> Services:
    """FastAPI dependency: the app's services."""
    return request.app.state.services  # type: ignore[no-any-return]
