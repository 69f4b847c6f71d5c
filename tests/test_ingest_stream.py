"""Building the graph while the embedded store writes it: the same store as writing a whole graph, frames in
a fixed order, and a failure on either side leaves the store as it was."""

from __future__ import annotations

import fcntl
import threading
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from graphaudit.errors import StoreError
from graphaudit.ingest.build import build_graph
from graphaudit.ingest.pipeline import ingest, prepare
from graphaudit.ingest.stream import GraphAborted, GraphStream, Written
from graphaudit.model import MODEL, GraphFrames, ModelError
from graphaudit.store.embedded import ARROW, LadybugStore
from graphaudit.synth import generate
from tests.stores import stream_into

TINY = Path(__file__).parent / "fixtures" / "tiny"
SMALL_DB = 1 << 30


def dump(store: LadybugStore) -> dict[str, list[tuple[object, ...]]]:
    """Every node and relationship with all its properties, sorted."""
    out: dict[str, list[tuple[object, ...]]] = {}
    for label, node in MODEL.nodes.items():
        cols = store.run_columns(
            f"MATCH (n:{label}) RETURN " + ", ".join(f"n.{p} AS {p}" for p in node.properties)
        )
        out[label] = sorted(zip(*cols.values()), key=repr)
    for rtype, rel in MODEL.rels.items():
        props = "".join(f", r.{p} AS {p}" for p in rel.properties)
        cols = store.run_columns(
            f"MATCH (a)-[r:{rtype}]->(b) RETURN label(a) AS la, a.id AS a, label(b) AS lb, b.id AS b{props}"
        )
        out[rtype] = sorted(zip(*cols.values()), key=repr)
    return out


def state(store: LadybugStore) -> tuple[str, dict[str, int], dict[str, list[tuple[object, ...]]]]:
    return (store.path / "CURRENT").read_text(), store.stats(), dump(store)


def test_streamed_load_is_the_whole_graph_load(tmp_path: Path) -> None:
    streamed = LadybugStore(tmp_path / "a.db", max_db_size=SMALL_DB)
    report = ingest(TINY, streamed)
    whole = LadybugStore(tmp_path / "b.db", max_db_size=SMALL_DB)
    tables, graph, prepared = prepare({}, TINY)
    whole.replace(tables, graph)  # a whole GraphFrames: validated first, then written
    assert report.issues == prepared.issues and report.counts == prepared.counts == whole.stats()
    assert streamed.stats() == whole.stats()
    assert dump(streamed) == dump(whole)
    a, b = streamed.read_tables(), whole.read_tables()
    assert a.keys() == b.keys()
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True)
    streamed.close()
    whole.close()


def test_stream_gives_nodes_in_model_order_then_rels_as_added() -> None:
    _, graph, _ = prepare({}, TINY)
    stream = GraphStream()
    got: list[tuple[str, object]] = []

    def read() -> None:
        for kind, key, _df in stream.arriving():
            got.append((kind, key))

    reader = threading.Thread(target=read)
    reader.start()
    for label in reversed(list(graph.nodes)):  # added in another order, and slowly
        stream.nodes[label] = graph.nodes[label]
        time.sleep(0.01)
    for key, df in graph.rels.items():
        stream.rels[key] = df
    stream.finish()
    reader.join(5)
    assert got == [("node", label) for label in MODEL.nodes] + [("rel", key) for key in graph.rels]
    assert stream.complete()


def test_build_graph_fills_a_stream_like_a_graph() -> None:
    tables, graph, _ = prepare({}, TINY)
    stream = GraphStream()
    built, _ = build_graph(tables, into=stream)
    assert built is stream
    assert list(stream.nodes) == list(graph.nodes) and list(stream.rels) == list(graph.rels)
    for label, df in graph.nodes.items():
        pd.testing.assert_frame_equal(stream.nodes[label], df, check_exact=True)
    for key, df in graph.rels.items():
        pd.testing.assert_frame_equal(stream.rels[key], df, check_exact=True)


@pytest.mark.parametrize("messy", [False, True])
def test_frames_left_in_arrow_give_the_same_arrow_tables(tmp_path: Path, messy: bool) -> None:
    """build_graph(plain=False), as the embedded store gets it, converts to the Arrow tables of plain
    frames."""
    data = TINY
    if messy:
        data = tmp_path / "village"
        generate(data, size="village", seed=5, messy=True)
    tables, _, _ = prepare({}, data)
    plain, _ = build_graph(tables)
    arrow, _ = build_graph(tables, plain=False)
    assert list(arrow.nodes) == list(plain.nodes) and list(arrow.rels) == list(plain.rels)
    assert any(str(df[c].dtype) == "str" for df in arrow.nodes.values() for c in df)  # text stays in Arrow
    for label, df in plain.nodes.items():
        schema = pa.schema([(p, ARROW[t]) for p, t in MODEL.nodes[label].properties.items()])
        assert len(df) == len(arrow.nodes[label])
        assert pa.Table.from_pandas(arrow.nodes[label], schema=schema, preserve_index=False).equals(
            pa.Table.from_pandas(df, schema=schema, preserve_index=False)
        ), label
    for (rtype, a, b), df in plain.rels.items():
        schema = pa.schema(
            [
                ("from", pa.string()),
                ("to", pa.string()),
                *[(p, ARROW[t]) for p, t in MODEL.rels[rtype].properties.items()],
            ]
        )
        assert pa.Table.from_pandas(arrow.rels[(rtype, a, b)], schema=schema, preserve_index=False).equals(
            pa.Table.from_pandas(df, schema=schema, preserve_index=False)
        ), rtype


def test_busy_store_fails_the_load_at_once(tmp_path: Path) -> None:
    store = LadybugStore(tmp_path / "g.db", max_db_size=SMALL_DB)
    ingest(TINY, store)
    before = state(store)
    with open(store.path / ".lock", "w") as fh:  # another load holds the store
        fcntl.flock(fh, fcntl.LOCK_EX)
        with pytest.raises(StoreError, match="another load"):
            ingest(TINY, store)
    assert state(store) == before
    assert not list(store.path.glob(".gen-*"))
    store.close()


def test_invalid_streamed_graph_is_refused_with_the_model_error(tmp_path: Path) -> None:
    store = LadybugStore(tmp_path / "g.db", max_db_size=SMALL_DB)
    ingest(TINY, store)
    before = state(store)
    tables, graph, _ = prepare({}, TINY)
    person = graph.nodes["Person"]
    nodes = {
        label: pd.concat([df, df.iloc[:1]], ignore_index=True) if label == "Person" else df
        for label, df in graph.nodes.items()
    }
    errors = stream_into(store, tables, nodes, graph.rels)
    assert len(errors) == 1 and isinstance(errors[0], ModelError), errors  # not LadybugDB's COPY error
    assert repr(person["id"].iloc[0]) in str(errors[0])
    assert state(store) == before
    assert not list(store.path.glob(".gen-*"))
    store.close()


@pytest.mark.parametrize("fault", ["duplicate key", "missing end"])
def test_invalid_graph_copied_whole_is_refused_with_the_model_error(tmp_path: Path, fault: str) -> None:
    """A first load COPYs the graph whole and leaves keys and ends to COPY; when COPY refuses, the model's
    error (naming the key) is raised, not LadybugDB's, and no generation is left."""
    store = LadybugStore(tmp_path / "g.db", max_db_size=SMALL_DB)
    tables, graph, _ = prepare({}, TINY)
    person = graph.nodes["Person"]
    nodes, rels = dict(graph.nodes), dict(graph.rels)
    if fault == "duplicate key":
        nodes["Person"] = pd.concat([person, person.iloc[:1]], ignore_index=True)
        named = person["id"].iloc[0]
    else:
        key = ("MEMBER_OF", "Person", "Household")
        extra = rels[key].iloc[:1].assign(to="no-such-household")
        rels[key] = pd.concat([rels[key], extra], ignore_index=True)
        named = "no-such-household"
    errors = stream_into(store, tables, nodes, rels)
    assert len(errors) == 1 and isinstance(errors[0], ModelError), errors
    assert repr(named) in str(errors[0])
    assert not (store.path / "CURRENT").exists()
    assert not list(store.path.glob(".gen-*")) and not list(store.path.glob("gen-*"))
    store.close()


def test_first_load_lets_go_of_each_relationship_frame_once_written(tmp_path: Path) -> None:
    """A graph COPYed whole keeps no relationship frame once it is written, only its length (and the
    store holds the whole graph)."""
    store = LadybugStore(tmp_path / "g.db", max_db_size=SMALL_DB)
    tables, graph, _ = prepare({}, TINY)
    stream = GraphStream()
    writer = threading.Thread(target=store.replace, args=(tables, stream))
    writer.start()
    for label, df in graph.nodes.items():
        stream.nodes[label] = df
    for key, df in graph.rels.items():
        stream.rels[key] = df
    stream.finish()
    writer.join(120)
    assert all(isinstance(df, Written) for df in stream.rels.values())
    assert stream.counts() == graph.counts() == store.stats()
    store.close()


def test_builder_failure_leaves_store_unchanged(tmp_path: Path) -> None:
    store = LadybugStore(tmp_path / "g.db", max_db_size=SMALL_DB)
    ingest(TINY, store)
    before = state(store)
    tables, graph, _ = prepare({}, TINY)
    first = dict([next(iter(graph.rels.items()))])
    errors = stream_into(store, tables, graph.nodes, first, error=ValueError("the builder broke"))
    assert len(errors) == 1 and isinstance(errors[0], GraphAborted) and "the builder broke" in str(errors[0])
    assert state(store) == before
    assert not list(store.path.glob(".gen-*"))
    store.close()


def test_whole_graph_is_still_validated_before_writing(tmp_path: Path) -> None:
    store = LadybugStore(tmp_path / "g.db", max_db_size=SMALL_DB)
    tables, graph, _ = prepare({}, TINY)
    bad = GraphFrames(nodes=dict(graph.nodes), rels=dict(graph.rels))
    bad.nodes.pop("Household")
    with pytest.raises(ModelError, match="Household"):
        store.replace(tables, bad)
    assert not (store.path / "CURRENT").exists()
    store.close()
