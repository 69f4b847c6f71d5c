"""What the server holds for its lifetime: one shared store and the state folder's services.

LadybugDB allows one read-write Database per folder, so the server opens the store once and every request
shares it.  Both stores are safe to query from many threads at once: the embedded store gives each thread
its own connection on one Database (and re-opens it safely when a load switches generation), Neo4j's driver
is thread-safe.  The services hold it read-only (:func:`graphaudit.store.base.read_only`): the server never
loads data (benchmarks/api.py measures parallel against serialised reads).
"""

from __future__ import annotations

import fcntl
import gc
import threading
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from graphaudit.api import walk
from graphaudit.api.auditlog import AuditLog
from graphaudit.api.findingstore import FindingStore
from graphaudit.api.jobs import JobStore
from graphaudit.api.reviews import ReviewStore
from graphaudit.api.searchindex import SearchIndex
from graphaudit.api.state import State
from graphaudit.api.tokens import TokenStore
from graphaudit.api.view import NodeRefs
from graphaudit.store.base import GraphStore, read_only

__all__ = ["Services", "services", "RunLock"]


class RunLock:
    """One check run at a time across the server's worker processes: an exclusive lock on a file in the
    state folder (released by the OS if the process dies)."""

    def __init__(self, state: State) -> None:
        self.file = state.folder / "checks-run.lock"
        self._fh: Any = None
        self._mutex = threading.Lock()

    def acquire(self, blocking: bool = True) -> bool:
        if not self._mutex.acquire(blocking=blocking):
            return False
        fh = open(self.file, "a")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            fh.close()
            self._mutex.release()
            return False
        self._fh = fh
        return True

    def release(self) -> None:
        fh, self._fh = self._fh, None
        if fh is not None:
            fcntl.flock(fh, fcntl.LOCK_UN)
            fh.close()
        self._mutex.release()


@dataclass
class Services:
    """Everything a request may use."""

    store: GraphStore
    state: State
    tokens: TokenStore = field(init=False)
    audit: AuditLog = field(init=False)
    reviews: ReviewStore = field(init=False)
    findings: FindingStore = field(init=False)
    jobs: JobStore = field(init=False)
    refs: NodeRefs = field(init=False)
    search: SearchIndex = field(init=False)
    run_lock: RunLock = field(init=False)
    _hubs: tuple[Any, frozenset[tuple[str, str]]] | None = field(default=None, init=False)
    _hubs_lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self.store = read_only(self.store)
        self.tokens = TokenStore(self.state)
        self.audit = AuditLog(self.state)
        self.reviews = ReviewStore(self.state)
        self.findings = FindingStore(self.state)
        self.jobs = JobStore(self.state)
        self.refs = NodeRefs(self.state.secret())
        self.search = SearchIndex(self.store)
        self.run_lock = RunLock(self.state)

    def warm(self) -> None:
        """Load the search index and the hubs now rather than on the first request, then move everything
        loaded so far out of the garbage collector's sight (``gc.freeze``): on a county a full collection
        walks the search index for about 300 ms, and would stall every request of that worker."""
        self.search.refresh()
        self.hubs()
        gc.collect()
        gc.freeze()

    def hubs(self) -> frozenset[tuple[str, str]]:
        """The store's hubs (graphaudit.api.walk.hub_set), computed once per data version (and hub size)."""
        version = (self.search.version(), walk.HUB)
        with self._hubs_lock:
            if self._hubs is None or self._hubs[0] != version:
                self._hubs = (version, walk.hub_set(self.store))
            return self._hubs[1]


async def services(request: Request) -> Services:
    """FastAPI dependency: the app's services (``async``: it only reads an attribute, so FastAPI runs it on
    the event loop instead of handing it to a worker thread and back)."""
    return request.app.state.services
