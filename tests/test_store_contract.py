"""The GraphStore protocol is the whole contract: both stores implement every member of it with its
signature, code outside graphaudit.store uses nothing else (no dialect, no catalogue text), catalogue queries
take their bounds through ``run_named``, the neighbourhood query is the store's, and a read-only store
refuses writes and passes the rest through."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import graphaudit
from graphaudit.errors import StoreError
from graphaudit.store.base import Capabilities, GraphStore, read_only
from graphaudit.store.catalog import CatalogError, query_text
from graphaudit.store.embedded import LadybugStore
from graphaudit.store.neo4j_store import Neo4jStore
from tests.stores import SMALL_DB

STORES = [LadybugStore, Neo4jStore]
#: Members the protocol declares as data (the rest are methods).
DATA = {"dialect", "read_only", "capabilities"}


def _members() -> list[str]:
    names = [n for n in vars(GraphStore) if not n.startswith("_")]
    names += [n for n in getattr(GraphStore, "__annotations__", {}) if n not in names]
    return sorted(names)


def test_the_protocol_declares_what_the_code_asks_of_a_store() -> None:
    members = _members()
    for name in ("run_named", "run_named_columns", "neighbours", "data_version", *DATA):
        assert name in members
    for name in members:
        if name not in DATA:
            assert inspect.getdoc(getattr(GraphStore, name)), f"GraphStore.{name} has no docstring"


@pytest.mark.parametrize("cls", STORES, ids=lambda c: c.__name__)
def test_each_store_implements_every_member_with_its_signature(cls: type) -> None:
    for name in _members():
        if name in DATA:
            continue
        mine = getattr(cls, name, None)
        assert callable(mine), f"{cls.__name__} lacks {name}"
        want = inspect.signature(getattr(GraphStore, name))
        got = inspect.signature(mine)
        assert [(p.name, p.kind, p.default) for p in got.parameters.values()] == [
            (p.name, p.kind, p.default) for p in want.parameters.values()
        ], f"{cls.__name__}.{name}{got} is not GraphStore.{name}{want}"
    assert cls.dialect in ("ladybug", "neo4j")  # type: ignore[attr-defined]
    assert isinstance(cls.capabilities, Capabilities)  # type: ignore[attr-defined]
    assert "read_only" in inspect.signature(cls).parameters


def test_nothing_outside_the_stores_reads_the_dialect_or_the_catalogue() -> None:
    """Checks, clusters, API and exports name queries; only graphaudit.store picks their text."""
    root = Path(graphaudit.__file__).parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        if path.parent.name == "store":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "dialect":
                offenders.append(f"{path.relative_to(root)}:{node.lineno} .dialect")
            if isinstance(node, ast.ImportFrom) and node.module == "graphaudit.store.catalog":
                offenders.append(f"{path.relative_to(root)}:{node.lineno} imports the catalogue")
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "getattr":
                if node.args and getattr(node.args[0], "id", None) == "store":
                    offenders.append(f"{path.relative_to(root)}:{node.lineno} getattr(store, …)")
    assert not offenders, "\n".join(offenders)


def test_bounds_are_written_into_the_text_only_as_small_ints() -> None:
    text = query_text("kin_approved_subsidy", "neo4j", {"kin_hops": 5})
    assert "*..5 /*kin_hops*/" in text and "*..3 /*kin_hops*/" not in text
    assert query_text("kin_approved_subsidy", "neo4j") == query_text("kin_approved_subsidy", "neo4j", {})
    assert "label(" in query_text("split_contracts", "ladybug") != query_text("split_contracts", "neo4j")
    for bad in (11, -1, True, "3", 2.0):
        with pytest.raises(CatalogError, match="kin_hops"):
            query_text("kin_approved_subsidy", "neo4j", {"kin_hops": bad})  # type: ignore[dict-item]
    with pytest.raises(CatalogError, match="no query named"):
        query_text("no_such_query", "ladybug")


def test_run_named_runs_the_catalogue_with_bounds(tiny: LadybugStore) -> None:
    rows = tiny.run_named("cadre_posts")
    cols = tiny.run_named_columns("cadre_posts")
    assert rows and [dict(zip(cols, v)) for v in zip(*cols.values())] == rows
    wide = tiny.run_named("kin_approved_subsidy", bounds={"kin_hops": 5})
    narrow = tiny.run_named("kin_approved_subsidy", bounds={"kin_hops": 1})
    assert len(narrow) < len(wide)
    with pytest.raises(CatalogError):
        tiny.run_named("kin_approved_subsidy", bounds={"kin_hops": 99})


def test_neighbours_are_oriented_and_paged_in_order(tiny: LadybugStore) -> None:
    # a person with relationships both ways
    pid = tiny.run("MATCH ()-[]->(p:Person)-[]->() RETURN p.id AS id ORDER BY id LIMIT 1")[0]["id"]
    rows = tiny.neighbours("Person", pid)
    got = {(x["outgoing"], x["r"]["_LABEL"], str(x["b"]["id"])) for x in rows}
    stored = {
        (True, x["t"], str(x["id"]))
        for x in tiny.run("MATCH (a:Person {id: $id})-[r]->(b) RETURN label(r) AS t, b.id AS id", {"id": pid})
    } | {
        (False, x["t"], str(x["id"]))
        for x in tiny.run("MATCH (a:Person {id: $id})<-[r]-(b) RETURN label(r) AS t, b.id AS id", {"id": pid})
    }
    assert got == stored and {o for o, _, _ in got} == {True, False} and len(rows) >= 3
    ordered = sorted(rows, key=lambda x: (x["r"]["_LABEL"], x["b"]["_LABEL"], str(x["b"]["id"])))
    first = tiny.neighbours("Person", pid, limit=3)
    assert [(x["r"]["_LABEL"], x["b"]["id"]) for x in first] == [
        (x["r"]["_LABEL"], x["b"]["id"]) for x in ordered[:3]
    ]
    last = ordered[-1]["r"]["_LABEL"]
    typed = tiny.neighbours("Person", pid, types=[last])
    assert typed and len(typed) == sum(x["r"]["_LABEL"] == last for x in rows) < len(rows)
    assert {x["r"]["_LABEL"] for x in typed} == {last}
    with pytest.raises(ValueError, match="unknown label"):
        tiny.neighbours("Person) DETACH DELETE (n", pid)


def test_a_read_only_store_refuses_loads_and_passes_reads_through(tmp_path: Path, tiny: LadybugStore) -> None:
    view = read_only(tiny)
    assert view.read_only and not tiny.read_only and isinstance(view, GraphStore)
    assert read_only(view) is view
    assert view.stats() == tiny.stats() and view.data_version() == tiny.data_version()
    assert view.capabilities == tiny.capabilities
    with pytest.raises(StoreError, match="read-only"):
        view.replace(tiny.read_tables(), None)  # type: ignore[arg-type]
    opened = LadybugStore(tiny.path, read_only=True, max_db_size=SMALL_DB)
    try:
        assert read_only(opened) is opened
        with pytest.raises(StoreError, match="read-only"):
            opened.replace({}, None)  # type: ignore[arg-type]
        assert opened.data_version() == tiny.data_version() is not None
    finally:
        opened.close()
    assert LadybugStore(tmp_path / "empty.db").data_version() is None
