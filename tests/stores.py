"""Stores for tests: small embedded stores loaded from a dataset folder in one call, and a store's
``replace`` run in a thread of its own (to feed it a graph that is still being built)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from graphaudit.ingest.pipeline import ingest
from graphaudit.ingest.stream import GraphStream
from graphaudit.store.embedded import LadybugStore

#: The tiny fixture dataset that most tests load.
TINY = Path(__file__).parent / "fixtures" / "tiny"

#: Tests open many stores at once: bound the virtual memory each reserves.
SMALL_DB = 1 << 30


def loaded_store(folder: Path, data: Path) -> LadybugStore:
    """A store at ``folder/g.db`` with ``data`` ingested; the caller closes it."""
    s = LadybugStore(folder / "g.db", max_db_size=SMALL_DB)
    ingest(data, s)
    return s


def stream_into(
    store: Any,
    tables: dict[str, pd.DataFrame],
    nodes: dict[str, pd.DataFrame],
    rels: dict[tuple[str, str, str], pd.DataFrame],
    *,
    error: BaseException | None = None,
    after_nodes: Callable[[threading.Thread], None] | None = None,
) -> list[BaseException]:
    """``store.replace(tables, stream)`` in another thread while this one builds the stream: ``nodes``, then
    (after ``after_nodes(writer)``) ``rels``, then the end (the builder failing with ``error`` if given).
    Returns what ``replace`` raised, if anything."""
    stream = GraphStream()
    errors: list[BaseException] = []

    def write() -> None:
        try:
            store.replace(tables, stream)
        except BaseException as e:  # noqa: BLE001 - handed to the test's thread
            errors.append(e)

    writer = threading.Thread(target=write)
    writer.start()
    for label, df in nodes.items():
        stream.nodes[label] = df
    if after_nodes is not None:
        after_nodes(writer)
    for key, df in rels.items():
        stream.rels[key] = df
    stream.finish(error)
    writer.join(120)
    return errors


def fail_nth_write(monkeypatch: Any, n: int) -> dict[str, int]:
    """From now on (until ``monkeypatch.undo()``), the Neo4j store's ``n``-th write part raises "connection
    lost" (the others are written); returns the count of write parts tried so far, as ``{"n": …}``."""
    from graphaudit.store.neo4j_store import Neo4jStore

    real = Neo4jStore._write_batches
    calls = {"n": 0}

    def flaky(self: Neo4jStore, cypher: str, frame: pd.DataFrame) -> None:
        calls["n"] += 1
        if calls["n"] == n:
            raise RuntimeError("connection lost")
        real(self, cypher, frame)

    monkeypatch.setattr(Neo4jStore, "_write_batches", flaky)
    return calls
