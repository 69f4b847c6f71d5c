"""Embedded stores for tests: small, loaded from a dataset folder in one call."""

from __future__ import annotations

from pathlib import Path

from graphaudit.ingest.pipeline import ingest
from graphaudit.store.embedded import LadybugStore

#: Tests open many stores at once: bound the virtual memory each reserves.
SMALL_DB = 1 << 30


def loaded_store(folder: Path, data: Path) -> LadybugStore:
    """A store at ``folder/g.db`` with ``data`` ingested; the caller closes it."""
    s = LadybugStore(folder / "g.db", max_db_size=SMALL_DB)
    ingest(data, s)
    return s
