"""How the Neo4j store writes a load: the whole-frame diff against the row-by-row rule it replaced, the column
batches, and (against a real server) every node and relationship property equal to the embedded store's after
a first load, an incremental load that changes, blanks and removes rows, and a failed first load."""

from __future__ import annotations

import datetime as dt
import math
import random
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from graphaudit.errors import StoreError
from graphaudit.ingest.build import build_graph
from graphaudit.ingest.pipeline import ingest
from graphaudit.ingest.stream import GraphAborted
from graphaudit.model import KEY, MODEL, GraphFrames, ModelError
from graphaudit.store.embedded import LadybugStore
from graphaudit.store.neo4j_store import Neo4jStore, _columns, _node_diff, _row_diff
from tests.stores import fail_nth_write, stream_into

TINY = Path(__file__).parent / "fixtures" / "tiny"


# -- the diff, without a server ------------------------------------------------------------------------------
def _plain_rows(df: pd.DataFrame | None) -> list[dict[str, Any]]:
    """The rule the store used to apply row by row: NaN and None are both "missing"."""
    if df is None or not len(df):
        return []
    return [
        {k: (None if v is None or (isinstance(v, float) and math.isnan(v)) else v) for k, v in r.items()}
        for r in df.to_dict("records")
    ]


def _frozen(r: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted(r.items()))


def reference_row_diff(old: pd.DataFrame | None, new: pd.DataFrame | None) -> tuple[list, list]:
    o, n = _plain_rows(old), _plain_rows(new)
    ok, nk = {_frozen(r) for r in o}, {_frozen(r) for r in n}
    return [r for r in o if _frozen(r) not in nk], [r for r in n if _frozen(r) not in ok]


def reference_node_diff(old: pd.DataFrame | None, new: pd.DataFrame | None) -> tuple[list, list]:
    o = {r[KEY]: _frozen(r) for r in _plain_rows(old)}
    n = _plain_rows(new)
    nids = {r[KEY] for r in n}
    return [i for i in o if i not in nids], [r for r in n if o.get(r[KEY]) != _frozen(r)]


def random_frame(rng: random.Random, n: int, unique_ids: bool) -> pd.DataFrame:
    """Object columns as the graph builder makes them: strings, floats with NaN, dates with None, bools."""
    missing = [None, float("nan")]
    ids = rng.sample(range(3 * n + 1), n) if unique_ids else [rng.randrange(n + 1) for _ in range(n)]
    return pd.DataFrame(
        {
            KEY: [f"id{i}" for i in ids],
            "name": [rng.choice(["张伟", "李军", "", *missing]) for _ in range(n)],
            "amount": [rng.choice([1.0, 2.5, 3600.0, float("nan")]) for _ in range(n)],
            "day": [rng.choice([dt.date(2024, 1, 1), dt.date(2024, 2, 15), None]) for _ in range(n)],
            "flag": [rng.choice([True, False]) for _ in range(n)],
        },
        dtype=object,
    )


@pytest.mark.parametrize("seed", range(12))
def test_frame_diff_is_the_row_by_row_diff(seed: int) -> None:
    rng = random.Random(seed)
    old = random_frame(rng, rng.randrange(0, 40), unique_ids=True)
    new = pd.concat([old.sample(frac=0.7, random_state=seed), random_frame(rng, rng.randrange(0, 20), True)])
    new = new.drop_duplicates(KEY).reset_index(drop=True)
    for o, n in ((old, new), (None, new), (old, None), (old.iloc[:0], new), (old, old.copy())):
        gone, added = _row_diff(o, n)
        assert (_plain_rows(gone), _plain_rows(added)) == reference_row_diff(o, n)
        gone_ids, upserts = _node_diff(o, n)
        assert (list(gone_ids), _plain_rows(upserts)) == reference_node_diff(o, n)
    # relationships may repeat a row: every copy counts
    rels_old, rels_new = random_frame(rng, 30, unique_ids=False), random_frame(rng, 30, unique_ids=False)
    gone, added = _row_diff(rels_old, rels_new)
    assert (_plain_rows(gone), _plain_rows(added)) == reference_row_diff(rels_old, rels_new)


def test_columns_are_plain_values_with_none_for_missing() -> None:
    df = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "amount": [1.5, np.nan, None],
            "day": [dt.date(2024, 1, 1), None, pd.NaT],
            "ok": [True, False, True],
        },
        dtype=object,
    )
    cols = _columns(df)
    assert cols == {
        "c_id": ["a", "b", "c"],
        "c_amount": [1.5, None, None],
        "c_day": [dt.date(2024, 1, 1), None, None],
        "c_ok": [True, False, True],
    }
    assert [type(v) for v in cols["c_ok"]] == [bool, bool, bool]
    assert df["amount"].isna().tolist() == [False, True, True]  # the frame itself is left alone


# -- against a real server -----------------------------------------------------------------------------------
# the fixtures ``neo`` (empty Neo4j database) and ``embedded`` come from tests/neo4j_fixture.py


def contents(store: Any) -> tuple[dict, dict]:
    """Every node's and relationship's properties, missing ones left out (Neo4j stores no nulls)."""

    def props(d: dict[str, Any]) -> tuple:
        return tuple(sorted((k, v) for k, v in d.items() if not k.startswith("_") and v is not None))

    nodes = {
        label: sorted(props(r["n"]) for r in store.run(f"MATCH (n:{label}) RETURN n"))
        for label in MODEL.nodes
    }
    rels = {
        rtype: sorted(
            (r["a"], r["b"], props(r["r"]))
            for r in store.run(f"MATCH (x)-[r:{rtype}]->(y) RETURN x.id AS a, y.id AS b, r")
        )
        for rtype in MODEL.rels
    }
    return nodes, rels


@pytest.mark.neo4j
def test_first_and_incremental_loads_hold_what_the_embedded_store_holds(
    neo: Neo4jStore, embedded: LadybugStore
) -> None:
    ingest(TINY, neo)
    ingest(TINY, embedded)
    first = contents(embedded)
    assert sum(map(len, first[0].values())) and sum(map(len, first[1].values()))
    assert contents(neo) == first

    # next month's tables: one person moved (changed node, new address, replaced HAS_ADDRESS), one person's
    # death date withdrawn (a property to remove), one payment gone (a node and its relationships to delete)
    tables = neo.read_tables()
    hh = tables["households"].copy()
    moved = hh.index[hh["death_date"].isna()][0]
    hh.loc[moved, "address"] = "李家庄村99号"
    dead = hh.index[hh["death_date"].notna()][0]
    hh.loc[dead, ["death_date", "status"]] = [None, "正常"]
    tables["households"] = hh
    tables["subsidies"] = tables["subsidies"].iloc[1:].reset_index(drop=True)
    graph = build_graph(tables)[0]
    for store in (neo, embedded):
        store.replace(tables, graph)
    second = contents(embedded)
    assert second != first
    assert contents(neo) == second
    assert neo.stats() == embedded.stats()
    assert not neo._dirty()


@pytest.mark.neo4j
def test_failed_first_load_leaves_an_empty_store(neo: Neo4jStore, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = fail_nth_write(monkeypatch, 12)  # some nodes and relationships written
    with pytest.raises(StoreError, match="undone"):
        ingest(TINY, neo)
    monkeypatch.undo()
    assert calls["n"] > 12
    assert set(neo.stats().values()) == {0}
    assert neo.read_tables() == {} and not neo._dirty()
    ingest(TINY, neo)
    assert neo.stats()["Person"] > 0


# -- a graph still being built, and undoing what a failed load wrote -----------------------------------------
def _next_month(store: Neo4jStore) -> tuple[dict[str, pd.DataFrame], GraphFrames]:
    """The stored tables with one subsidy payment gone (a node and its relationships to delete) and one
    person moved (a changed node and a replaced HAS_ADDRESS)."""
    tables = store.read_tables()
    tables["subsidies"] = tables["subsidies"].iloc[1:].reset_index(drop=True)
    hh = tables["households"].copy()
    hh.loc[hh.index[hh["death_date"].isna()][0], "address"] = "李家庄村99号"
    tables["households"] = hh
    return tables, build_graph(tables)[0]


@pytest.mark.neo4j
def test_streamed_load_is_written_as_it_arrives_and_equals_a_whole_load(
    neo: Neo4jStore, embedded: LadybugStore
) -> None:
    ingest(TINY, neo)
    tables, graph = _next_month(neo)

    def nodes_written(writer: threading.Thread) -> None:  # before the relationships even exist
        deadline = time.monotonic() + 60
        while (
            neo.run("MATCH (n:Person {address: $a}) RETURN count(n) AS c", {"a": "李家庄村99号"})[0]["c"] == 0
        ):
            assert time.monotonic() < deadline and writer.is_alive()
            time.sleep(0.05)

    errors = stream_into(neo, tables, graph.nodes, graph.rels, after_nodes=nodes_written)
    assert not errors
    embedded.replace(tables, graph)
    assert contents(neo) == contents(embedded)
    assert neo.read_tables().keys() == tables.keys() and not neo._dirty()


@pytest.mark.neo4j
@pytest.mark.parametrize("failure", ["builder", "invalid frame"])
def test_failed_stream_leaves_the_store_as_it_was(neo: Neo4jStore, failure: str) -> None:
    ingest(TINY, neo)
    before, stats, stored = contents(neo), neo.stats(), neo.read_tables()
    tables, graph = _next_month(neo)
    (k1, first), (k2, second), *_ = graph.rels.items()
    if failure == "builder":
        errors = stream_into(neo, tables, graph.nodes, {k1: first}, error=ValueError("the builder broke"))
    else:  # a relationship to a person who is not there
        bad = pd.concat([second, second.iloc[:1].assign(**{"from": "nobody", "to": "nobody"})])
        errors = stream_into(neo, tables, graph.nodes, {k1: first, k2: bad})
    assert len(errors) == 1
    if failure == "builder":
        assert isinstance(errors[0], GraphAborted) and "the builder broke" in str(errors[0])
    else:
        assert isinstance(errors[0], ModelError) and "nobody" in str(errors[0])
    assert contents(neo) == before and neo.stats() == stats
    assert neo.read_tables().keys() == stored.keys() and not neo._dirty()


@pytest.mark.neo4j
def test_undo_puts_back_deleted_nodes_with_relationships_the_load_had_not_reached(
    neo: Neo4jStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The load deletes a payment (DETACH DELETE: its relationships go with it) and fails before any
    relationship frame arrives: the undo must bring back the payment and every relationship it had."""
    ingest(TINY, neo)
    before, stats = contents(neo), neo.stats()
    tables, graph = _next_month(neo)
    deleted = threading.Event()
    real = Neo4jStore._write_batches

    def watch(self: Neo4jStore, cypher: str, frame: pd.DataFrame) -> None:
        real(self, cypher, frame)
        if "DETACH DELETE" in cypher:
            deleted.set()

    class DiesBeforeRelationships(GraphFrames):
        def arriving(self):  # type: ignore[no-untyped-def]
            for kind, key, df in super().arriving():
                if kind == "rel":
                    assert deleted.wait(60)
                    raise RuntimeError("the builder died")
                yield kind, key, df

    monkeypatch.setattr(Neo4jStore, "_write_batches", watch)
    with pytest.raises(StoreError, match="undone"):
        neo.replace(tables, DiesBeforeRelationships(graph.nodes, graph.rels))
    monkeypatch.undo()
    assert deleted.is_set()
    assert contents(neo) == before and neo.stats() == stats and not neo._dirty()


@pytest.mark.neo4j
def test_failed_rebuild_stays_dirty_and_the_next_load_rebuilds(
    neo: Neo4jStore, embedded: LadybugStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store marked dirty (an earlier load could not be undone) is rebuilt in full; if that fails too, it is
    not "undone" to an empty graph under the old tables, it stays dirty, and the next load rebuilds it."""
    ingest(TINY, neo)
    ingest(TINY, embedded)
    neo._set_dirty(True)
    fail_nth_write(monkeypatch, 3)
    with pytest.raises(StoreError, match="rebuilt in full by the next load: connection lost"):
        ingest(TINY, neo)
    monkeypatch.undo()
    assert neo._dirty() and neo.read_tables()
    ingest(TINY, neo)
    assert not neo._dirty()
    assert contents(neo) == contents(embedded)
