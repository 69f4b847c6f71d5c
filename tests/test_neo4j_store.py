"""The Neo4j store against a real Neo4j server: same graph as the embedded store, atomic, idempotent,
incremental loads, and errors a user can act on."""

from __future__ import annotations

import logging
import shutil
import socket
from pathlib import Path

import networkx as nx
import pytest

from graphaudit.errors import StoreError
from graphaudit.ingest.pipeline import ingest
from graphaudit.store.embedded import LadybugStore
from graphaudit.store.neo4j_store import Neo4jStore
from tests.stores import fail_nth_write

TINY = Path(__file__).parent / "fixtures" / "tiny"
pytestmark = pytest.mark.neo4j


# the fixtures ``neo`` (empty Neo4j database) and ``embedded`` come from tests/neo4j_fixture.py


def graph_signature(g: nx.MultiDiGraph) -> tuple[set, set]:
    nodes = {(k, tuple(sorted((p, str(v)) for p, v in d.items()))) for k, d in g.nodes(data=True)}
    edges = {
        (u, v, k, tuple(sorted((p, str(x)) for p, x in d.items())))
        for u, v, k, d in g.edges(keys=True, data=True)
    }
    return nodes, edges


def test_same_graph_as_embedded(neo: Neo4jStore, embedded: LadybugStore) -> None:
    ingest(TINY, neo)
    ingest(TINY, embedded)
    assert neo.stats() == embedded.stats()
    t1, t2 = neo.read_tables(), embedded.read_tables()
    assert t1.keys() == t2.keys() and all(t1[k].equals(t2[k]) for k in t1)
    zw = embedded.run("MATCH (p:Person {name: '张伟'}) RETURN p.id AS id")[0]["id"]
    assert graph_signature(neo.subgraph([zw], hops=2)) == graph_signature(embedded.subgraph([zw], hops=2))


def test_run_columns_is_run_by_column_on_both_stores(neo: Neo4jStore, embedded: LadybugStore) -> None:
    """The columnar read (bulk projections use it) holds the same values, of the same types, as ``run``."""
    ingest(TINY, neo)
    ingest(TINY, embedded)
    q = (
        "MATCH (a:Person)-[:APPROVED]->(p:Payment) "
        "RETURN a.id AS approver, p.id AS record, p.amount AS amount, p.pay_date AS day ORDER BY record"
    )
    for store in (neo, embedded):
        rows = store.run(q)
        cols = store.run_columns(q)
        assert rows and list(cols) == ["approver", "record", "amount", "day"]
        assert [dict(zip(cols, vals)) for vals in zip(*cols.values())] == rows
        assert all(
            type(a) is type(b) for r, v in zip(rows, zip(*cols.values())) for a, b in zip(r.values(), v)
        )
    assert neo.run_columns(q) == embedded.run_columns(q)
    nothing = "MATCH (p:Person) WHERE p.id = $id RETURN p.id AS id"
    assert embedded.run_columns(nothing, {"id": "none"}) == {"id": []}
    assert neo.run_columns(nothing, {"id": "none"}) == {"id": []}


def test_named_queries_and_neighbours_agree_with_embedded(neo: Neo4jStore, embedded: LadybugStore) -> None:
    """The catalogue (each store in its dialect, bounds filled in) and the neighbourhood query (each store's
    own text) give the same answers on both stores."""
    assert neo.data_version() is None
    ingest(TINY, neo)
    ingest(TINY, embedded)
    version = neo.data_version()
    assert version is not None and neo.data_version() == version

    def rows(store: object, name: str, **bounds: int) -> set[tuple]:
        """The rows' plain values (nodes and paths carry each engine's internal ids)."""
        got = store.run_named(name, bounds=bounds)  # type: ignore[attr-defined]
        return {
            tuple(sorted((k, str(v)) for k, v in r.items() if not isinstance(v, (dict, list)))) for r in got
        }

    for name, bounds in [
        ("cadre_posts", {}),
        ("kin_approved_subsidy", {"kin_hops": 1}),
        ("kin_approved_subsidy", {"kin_hops": 4}),
    ]:
        assert rows(neo, name, **bounds) == rows(embedded, name, **bounds)
    cols = neo.run_named_columns("cadre_posts")
    assert sorted(zip(*cols.values())) == sorted(zip(*embedded.run_named_columns("cadre_posts").values()))

    def around(store: object, pid: str, **kw: object) -> list[tuple]:
        got = store.neighbours("Person", pid, **kw)  # type: ignore[attr-defined]
        return [(x["outgoing"], x["r"]["_LABEL"], x["b"]["_LABEL"], x["b"]["id"]) for x in got]

    people = [r["id"] for r in embedded.run("MATCH (p:Person) RETURN p.id AS id ORDER BY id")]
    assert any(o for p in people for o, *_ in around(embedded, p)) and any(
        not o for p in people for o, *_ in around(embedded, p)
    )
    for pid in people:
        assert sorted(around(neo, pid)) == sorted(around(embedded, pid))
        assert around(neo, pid, limit=2) == around(embedded, pid, limit=2)
        assert around(neo, pid, types=["PARENT_OF"], limit=5) == around(
            embedded, pid, types=["PARENT_OF"], limit=5
        )


def test_read_only_neo4j_refuses_loads(neo: Neo4jStore, neo4j_clean) -> None:
    reader = Neo4jStore(neo4j_clean.uri, neo4j_clean.user, neo4j_clean.password, read_only=True)
    try:
        with pytest.raises(StoreError, match="read-only"):
            ingest(TINY, reader)
        assert reader.stats() == neo.stats() and not any(reader.stats().values())
    finally:
        reader.close()


@pytest.mark.neo4j
def test_run_columns_packed_and_as_records_agree(neo: Neo4jStore, caplog: pytest.LogCaptureFixture) -> None:
    """Neo4j sends the rows as one list; a query that cannot be wrapped in ``CALL { }`` (here one with a
    ``CYPHER`` prefix) comes as records instead, with the same columns, nulls, order and types."""
    ingest(TINY, neo)
    q = (
        "MATCH (p:Person) RETURN p.id AS id, p.death_date AS died, p.household_id AS hh "
        "ORDER BY id DESC // the order must survive\n"
    )
    with caplog.at_level(logging.DEBUG, logger="graphaudit.store.neo4j_store"):
        packed = neo.run_columns(q)
        assert "as records" not in caplog.text
        as_records = neo.run_columns("CYPHER 5 " + q)
        assert "as records" in caplog.text
    assert packed["id"] == sorted(packed["id"], reverse=True)
    assert None in packed["died"] and any(d is not None for d in packed["died"])  # nulls kept in their rows
    assert as_records == packed
    rows = neo.run(q)
    assert [dict(zip(packed, vals)) for vals in zip(*packed.values())] == rows


def test_constraints_come_from_the_model(neo: Neo4jStore) -> None:
    from graphaudit.model import MODEL

    neo.ensure_schema()
    names = {r["name"] for r in neo.run("SHOW CONSTRAINTS YIELD name RETURN name")}
    assert {f"{label.lower()}_id" for label in MODEL.nodes} <= names


def test_load_twice_equals_once_and_increment(neo: Neo4jStore, tmp_path: Path) -> None:
    ingest(TINY, neo)
    once, version = neo.stats(), neo.data_version()
    ingest(TINY, neo)
    assert neo.stats() == once
    assert neo.data_version() not in (version, None)  # every load is a new version
    month = tmp_path / "m"
    month.mkdir()
    lijun = neo.run("MATCH (p:Person {name: '李军'}) RETURN p.id AS id")[0]["id"]
    (month / "subsidies_2024-02.csv").write_text(
        "payment_id,program,recipient_id,recipient_name,household_id,amount,pay_date\n"
        f"FF-0101,低保,{lijun},李军,H002,3600,2024-02-15\n",
        encoding="utf-8",
    )
    ingest(month, neo)
    after = neo.stats()
    assert after["Payment"] == once["Payment"] + 1 and after["PAID_TO"] == once["PAID_TO"] + 1
    assert after["Person"] == once["Person"]


def test_failed_write_is_undone(neo: Neo4jStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ingest(TINY, neo)
    before, version = neo.stats(), neo.data_version()
    month = tmp_path / "m"
    month.mkdir()
    shutil.copy(TINY / "subsidies_2024-01.csv", month / "subsidies_2024-03.csv")
    (month / "subsidies_2024-03.csv").write_text(
        (TINY / "subsidies_2024-01.csv").read_text(encoding="gbk").replace("FF-000", "FF-030"), encoding="gbk"
    )
    fail_nth_write(monkeypatch, 3)  # after some of the new payments are written
    with pytest.raises(StoreError, match="undone"):
        ingest(month, neo)
    monkeypatch.undo()
    assert neo.stats() == before
    assert not neo._dirty()
    assert neo.data_version() == version  # the data is as it was


def test_wrong_password(neo4j_server) -> None:
    with pytest.raises(StoreError, match="wrong user or password"):
        Neo4jStore(neo4j_server.uri, neo4j_server.user, "not-the-password")


@pytest.mark.parametrize(
    "version, ok",
    [
        ("4.4.30", False),
        ("3.5.35", False),
        ("", False),
        ("5.0.0", True),
        ("5.26.30", True),
        ("2025.10.1", True),
    ],
)
def test_version_too_old_is_one_clear_line(version: str, ok: bool) -> None:
    """Unit test at the storage boundary: the version a server reports decides, with one line naming it."""
    from graphaudit.store.neo4j_store import check_version

    if ok:
        assert check_version(version, "bolt://db:7687") == version
    else:
        with pytest.raises(StoreError, match=r"bolt://db:7687 is version .*needs Neo4j 5 or later"):
            check_version(version, "bolt://db:7687")


def test_server_down() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(StoreError, match="cannot reach Neo4j"):
        Neo4jStore(f"bolt://127.0.0.1:{port}", "neo4j", "x")


def test_wrong_database(neo4j_server) -> None:
    with pytest.raises(StoreError, match="no database 'nosuchdb'"):
        s = Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password, database="nosuchdb")
        s.stats()


def test_cli_on_neo4j_matches_embedded(neo4j_clean, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from typer.testing import CliRunner

    from graphaudit.cli import app

    monkeypatch.setenv("NEO4J_USER", neo4j_clean.user)
    monkeypatch.setenv("NEO4J_PASSWORD", neo4j_clean.password)
    runner = CliRunner()
    res = runner.invoke(
        app, ["ingest", str(TINY), "--neo4j", neo4j_clean.uri, "--report", str(tmp_path / "r.csv")]
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["ingest", str(TINY), "--db", str(tmp_path / "g.db")])
    assert res.exit_code == 0, res.output
    on_neo = json.loads(runner.invoke(app, ["info", "--neo4j", neo4j_clean.uri, "--json"]).output)
    on_disk = json.loads(runner.invoke(app, ["info", "--db", str(tmp_path / "g.db"), "--json"]).output)
    assert on_neo == on_disk and on_neo["nodes"]["Person"] > 0
    monkeypatch.setenv("NEO4J_PASSWORD", "wrong")
    res = runner.invoke(app, ["info", "--neo4j", neo4j_clean.uri])
    assert res.exit_code == 1 and "wrong user or password" in res.output and "Traceback" not in res.output
