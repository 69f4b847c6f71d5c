"""The embedded store read from many threads at once (as the API server does), also while a load switches
generation; and the walk's known-hubs shortcut giving the same graph as counting each node."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from graphaudit.api import walk as walk_rules
from graphaudit.api.walk import hub_set, walk
from graphaudit.ingest.pipeline import ingest
from graphaudit.store.embedded import LadybugStore
from graphaudit.synth import generate
from tests.stores import SMALL_DB, loaded_store

TINY = Path(__file__).parent / "fixtures" / "tiny"


@pytest.fixture(scope="module")
def village(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("village")
    generate(out, "village", seed=5)
    return out


def _walk_keys(store: LadybugStore, person_id: str) -> list[str]:
    return sorted(walk(store, [("Person", person_id)], 1).graph.nodes)


def test_threads_query_at_once_with_the_answers_of_one_thread(tmp_path: Path, village: Path) -> None:
    store = loaded_store(tmp_path, village)
    try:
        ids = [r["id"] for r in store.run("MATCH (p:Person) RETURN p.id AS id ORDER BY id LIMIT 120")]
        want = {i: _walk_keys(store, i) for i in ids}
        got: dict[str, list[str]] = {}
        errors: list[BaseException] = []

        def work(part: list[str]) -> None:
            try:
                for i in part:
                    got[i] = _walk_keys(store, i)
            except BaseException as e:  # noqa: BLE001 - reported by the assert below
                errors.append(e)

        threads = [threading.Thread(target=work, args=(ids[k::6],)) for k in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert got == want
        assert len(store._conns) >= 2  # the threads had connections of their own
    finally:
        store.close()


def test_readers_keep_working_while_a_load_switches_generation(tmp_path: Path) -> None:
    """A second store object loads new data (a new generation) while six threads query the first: every
    query answers with the old or the new count, never fails, and afterwards the reader sees the new data."""
    reader = loaded_store(tmp_path, TINY)
    writer = LadybugStore(tmp_path / "g.db", max_db_size=SMALL_DB)
    try:
        before = reader.stats()["Payment"]
        month = tmp_path / "2024-02"
        month.mkdir()
        pid = reader.run("MATCH (p:Person {name: '李军'}) RETURN p.id AS id")[0]["id"]
        (month / "subsidies_2024-02.csv").write_text(
            "payment_id,program,recipient_id,recipient_name,household_id,amount,pay_date,approver_id\n"
            f"FF-0101,低保,{pid},李军,H002,3600,2024-02-15,\n",
            encoding="utf-8",
        )
        seen: set[int] = set()
        errors: list[BaseException] = []
        stop = threading.Event()

        def query() -> None:
            try:
                while not stop.is_set():
                    seen.add(reader.run("MATCH (p:Payment) RETURN count(p) AS c")[0]["c"])
            except BaseException as e:  # noqa: BLE001 - reported by the assert below
                errors.append(e)

        threads = [threading.Thread(target=query) for _ in range(6)]
        for t in threads:
            t.start()
        ingest(month, writer)
        ingest(month, writer)  # and once more: the reader's generation is now two behind
        stop.set()
        for t in threads:
            t.join()
        assert not errors
        assert seen <= {before, before + 1} and before in seen
        assert reader.run("MATCH (p:Payment) RETURN count(p) AS c")[0]["c"] == before + 1
    finally:
        reader.close()
        writer.close()


def test_known_hubs_give_the_same_walks_as_counting(
    tmp_path: Path, village: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(walk_rules, "HUB", 8)  # a village's org, programmes and busy approvers become hubs
    store = loaded_store(tmp_path, village)
    try:
        hubs = hub_set(store)
        degree = {
            (r["label"], r["id"]): r["c"]
            for r in store.run("MATCH (a)-[r]-() RETURN label(a) AS label, a.id AS id, count(r) AS c")
        }
        assert hubs == {k for k, c in degree.items() if c > 8}
        assert any(label == "Org" for label, _ in hubs) and any(label == "Person" for label, _ in hubs)
        hub_people = sorted(i for label, i in hubs if label == "Person")[:5]
        others = [r["id"] for r in store.run("MATCH (p:Person) RETURN p.id AS id ORDER BY id LIMIT 40")]
        for pid in [*hub_people, *others]:
            for hops in (1, 2):
                counted = walk(store, [("Person", pid)], hops)
                known = walk(store, [("Person", pid)], hops, hubs=hubs)
                assert sorted(known.graph.edges(keys=True)) == sorted(counted.graph.edges(keys=True))
                assert dict(known.graph.nodes(data=True)) == dict(counted.graph.nodes(data=True))
                assert known.hubs == counted.hubs
    finally:
        store.close()


def test_search_index_sees_a_new_load_without_blocking_readers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server's search index notices a new generation (the embedded store's data version) and reloads;
    a load by another process is found on the next check."""
    from graphaudit.api import searchindex
    from graphaudit.api.searchindex import SearchIndex
    from graphaudit.store.base import read_only

    reader = loaded_store(tmp_path, TINY)
    writer = LadybugStore(tmp_path / "g.db", max_db_size=SMALL_DB)
    try:
        index = SearchIndex(read_only(reader))
        first = index.version()
        assert first == reader.data_version() and not index.search("欧阳新", ["Person"], 5)
        month = tmp_path / "2024-03"
        month.mkdir()
        (month / "subsidies_2024-03.csv").write_text(
            "payment_id,program,recipient_id,recipient_name,household_id,amount,pay_date,approver_id\n"
            "FF-0301,低保,,欧阳新,,1200,2024-03-15,\n",
            encoding="utf-8",
        )
        ingest(month, writer)
        assert index.version() == first  # checked at most every REFRESH seconds
        monkeypatch.setattr(searchindex, "REFRESH", 0.0)
        assert index.version() == writer.data_version() != first
        assert [h.id for h in index.search("欧阳新", ["Person"], 5)]
    finally:
        reader.close()
        writer.close()


def test_one_thread_per_query_gives_the_same_answers(tmp_path: Path, village: Path) -> None:
    """The server's store (query_threads=1) answers as the default one does."""
    store = loaded_store(tmp_path, village)
    single = LadybugStore(tmp_path / "g.db", read_only=True, max_db_size=SMALL_DB, query_threads=1)
    try:
        ids = [r["id"] for r in store.run("MATCH (p:Person) RETURN p.id AS id ORDER BY id LIMIT 30")]
        assert {i: _walk_keys(single, i) for i in ids} == {i: _walk_keys(store, i) for i in ids}
        assert single.stats() == store.stats()
        assert [c.num_threads for c in single._conns] == [1]
    finally:
        single.close()
        store.close()
