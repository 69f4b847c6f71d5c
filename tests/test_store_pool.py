"""The embedded store's buffer pool: bounded by default, and a query that needs more runs again on a larger
pool instead of failing (graphaudit.store.embedded)."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from graphaudit.errors import StoreError
from graphaudit.ingest.pipeline import ingest
from graphaudit.store import embedded
from graphaudit.store.embedded import LadybugStore, default_buffer_pool_mb, max_buffer_pool_mb
from graphaudit.synth import generate

KIN = "MATCH (a:Person)-[:PARENT_OF]->(b:Person) RETURN a.id AS a, b.id AS b, a.name AS an, b.name AS bn"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("pool")
    generate(tmp / "data", "village", seed=2)
    path = tmp / "g.db"
    store = LadybugStore(path, max_db_size=1 << 32)
    ingest(tmp / "data", store)
    store.close()
    return path


def test_default_pool_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRAPHAUDIT_BUFFER_POOL_MB", raising=False)
    assert default_buffer_pool_mb() == min(embedded.DEFAULT_BUFFER_POOL_MB, max_buffer_pool_mb())
    monkeypatch.setenv("GRAPHAUDIT_BUFFER_POOL_MB", "512")
    assert default_buffer_pool_mb() == 512
    for bad in ("lots", "10"):
        monkeypatch.setenv("GRAPHAUDIT_BUFFER_POOL_MB", bad)
        with pytest.raises(StoreError, match="GRAPHAUDIT_BUFFER_POOL_MB"):
            default_buffer_pool_mb()


def test_a_query_too_big_for_the_pool_runs_on_a_larger_one(
    loaded: Path, caplog: pytest.LogCaptureFixture
) -> None:
    roomy = LadybugStore(loaded, read_only=True, max_db_size=1 << 32, buffer_pool_mb=1024)
    want = roomy.run_columns(KIN)
    roomy.close()
    assert len(want["a"]) > 1000

    tight = LadybugStore(loaded, read_only=True, max_db_size=1 << 32, buffer_pool_mb=4)
    with caplog.at_level(logging.WARNING, logger="graphaudit.store.embedded"):
        got = tight.run_columns(KIN)
    assert sorted(zip(*got.values())) == sorted(zip(*want.values()))
    assert tight.buffer_pool_mb > 4  # it grew, and said so
    # it says so, naming the query (the one that grew the pool during a prefecture's checks was unknown)
    assert any("缓冲池" in r.getMessage() and "MATCH" in r.getMessage() for r in caplog.records)
    grown = tight.buffer_pool_mb
    assert len(tight.run(KIN)) == len(want["a"])  # later queries keep the larger pool
    assert tight.buffer_pool_mb == grown
    tight.close()


def test_an_arrow_query_too_big_for_the_pool_runs_on_a_larger_one(loaded: Path) -> None:
    """run_named_table (the cluster projection's reads) grows the pool as run and run_columns do."""
    roomy = LadybugStore(loaded, read_only=True, max_db_size=1 << 32, buffer_pool_mb=1024)
    want = roomy.run_named_table("cluster_kin", {"prefix": ""})
    roomy.close()
    assert want.num_rows > 1000

    tight = LadybugStore(loaded, read_only=True, max_db_size=1 << 32, buffer_pool_mb=4)
    got = tight.run_named_table("cluster_kin", {"prefix": ""})
    assert tight.buffer_pool_mb > 4
    assert sorted(got.to_pylist(), key=repr) == sorted(want.to_pylist(), key=repr)
    tight.close()


def test_a_query_crowded_out_of_the_pool_runs_again_alone_on_the_same_pool(loaded: Path) -> None:
    """Two checks at a time share the database's pool: a query that finds it full while another query runs
    runs again once that one is done, alone, on the same pool — the pool grows only for a query that does
    not fit alone.  (Which queries crowd each other out depends on LadybugDB's timing, so the full pool is
    raised here at the storage boundary, while a real query runs on another thread.)"""
    store = LadybugStore(loaded, read_only=True, max_db_size=1 << 32, buffer_pool_mb=64)
    want = len(store.run_columns(KIN)["a"])
    started = threading.Event()
    others: list[int] = []  # queries running beside each attempt, this one included

    def slow(conn: Any) -> int:
        started.set()
        time.sleep(1.0)
        return len(conn.execute(KIN).get_all())

    def crowded(conn: Any) -> int:
        others.append(store._active)
        if len(others) == 1:
            raise RuntimeError("Buffer manager exception: the buffer pool is full")
        return len(conn.execute(KIN).get_all())

    held: list[int] = []
    other = threading.Thread(target=lambda: held.append(store._query(slow, "slow")))
    other.start()
    assert started.wait(30)
    got = store._query(crowded, "crowded")
    other.join()
    assert others == [2, 1]  # failed beside the slow query, ran again alone
    assert got == want and held == [want]
    assert store.buffer_pool_mb == 64  # not grown
    store.close()
