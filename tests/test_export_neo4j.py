"""Exports against real Neo4j: the same export from both stores, and the CSV bundle imported by
``neo4j-admin database import full`` into a fresh server that then holds the same counts."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest
from openpyxl import load_workbook

from graphaudit.export import FORMATS, Selection, export_selection
from graphaudit.ingest.pipeline import ingest
from graphaudit.model import MODEL
from graphaudit.neo4j_local.server import LocalNeo4j, admin_command
from graphaudit.store.embedded import LadybugStore
from graphaudit.store.neo4j_store import Neo4jStore
from tests.stores import loaded_store
from tests.test_checks import world

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return world().write(tmp_path_factory.mktemp("world") / "data")


@pytest.fixture(scope="module")
def embedded(dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LadybugStore]:
    s = loaded_store(tmp_path_factory.mktemp("emb"), dataset)
    yield s
    s.close()


def contents(files: list[Path]) -> dict[str, object]:
    out: dict[str, object] = {}
    for f in files:
        if f.suffix == ".xlsx":  # a zip with timestamps: compare the cells
            wb = load_workbook(f, read_only=True)
            out[f.name] = {
                ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets
            }
        else:
            out[f.name] = f.read_text(encoding="utf-8")
    return out


@pytest.mark.parametrize("kind", ["flagged", "flagged-hop1", "around"])
def test_same_export_from_both_stores(
    kind: str, dataset: Path, embedded: LadybugStore, neo4j_clean, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    if kind == "around":  # a company of the world, looked up by name
        node = embedded.run("MATCH (c:Company) WHERE c.name = $n RETURN c.id AS id", {"n": "陈氏建筑公司"})[
            0
        ]["id"]
        selection = Selection("around", node_id=node, hops=2)
    else:
        selection = (
            Selection("flagged") if kind == "flagged" else Selection("flagged", min_severity=60, hops=1)
        )
    with Neo4jStore(neo4j_clean.uri, neo4j_clean.user, neo4j_clean.password) as neo:
        ingest(dataset, neo)
        for fmt in FORMATS:
            name = fmt if fmt == "csv" else f"x{FORMATS[fmt].suffix}"
            a = export_selection(
                embedded,
                selection,
                fmt,
                tmp_path / "emb" / name if fmt == "csv" else _mk(tmp_path / "emb") / name,
            )
            b = export_selection(
                neo, selection, fmt, tmp_path / "neo" / name if fmt == "csv" else _mk(tmp_path / "neo") / name
            )
            assert (a.nodes, a.relationships, a.findings) == (b.nodes, b.relationships, b.findings), fmt
            assert a.nodes > 5 and a.relationships > 5
            ca, cb = contents(a.files), contents(b.files)
            assert ca == cb, (fmt, _diff(ca, cb))


def _diff(a: dict[str, object], b: dict[str, object]) -> str:
    """The first lines that differ, to read in a failure."""
    import difflib

    for name in a:
        if a[name] != b.get(name):
            lines = difflib.unified_diff(
                str(a[name]).splitlines(), str(b.get(name)).splitlines(), lineterm="", n=1
            )
            return name + "\n" + "\n".join(list(lines)[:30])
    return ""


def _mk(p: Path) -> Path:
    p.mkdir(parents=True, exist_ok=True)
    return p


def test_csv_bundle_imports_with_neo4j_admin(
    embedded: LadybugStore, neo4j_runtime: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "bundle"
    res = export_selection(embedded, Selection("flagged", hops=1), "csv", folder)
    # the README's command line, run as written (file names made absolute: admin runs in its home)
    readme = (folder / "README.md").read_text(encoding="utf-8")
    cmd = readme.split("```\n", 2)[1].split("```", 1)[0].replace("\\\n", " ")
    argv = shlex.split(cmd)
    assert argv[:4] == ["neo4j-admin", "database", "import", "full"]
    args = [
        a.replace("=", f"={folder}/", 1) if a.startswith(("--nodes=", "--relationships=")) else a
        for a in argv[1:]
    ]
    server = LocalNeo4j(tmp_path / "home", heap="512m", initial_heap="128m", pagecache="64m")
    home = tmp_path / "home"
    pw = admin_command(["dbms", "set-initial-password", server.password], home, heap="256m")
    assert pw.returncode == 0, pw.stderr
    done = admin_command(args, home, heap="512m", timeout=300)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    server.write_state(running=False)
    server.start()
    try:
        with neo4j.GraphDatabase.driver(server.uri, auth=(server.user, server.password)) as drv:
            with drv.session() as s:
                nodes = s.run("MATCH (n) RETURN count(n) AS c").single(strict=True)["c"]
                rels = s.run("MATCH ()-[r]->() RETURN count(r) AS c").single(strict=True)["c"]
                labels = {r["l"]: r["c"] for r in s.run("MATCH (n) RETURN labels(n)[0] AS l, count(*) AS c")}
                types = {r["t"]: r["c"] for r in s.run("MATCH ()-[r]->() RETURN type(r) AS t, count(*) AS c")}
                pay = s.run("MATCH (p:Payment) RETURN p LIMIT 1").single(strict=True)["p"]
                flagged = s.run("MATCH (n) WHERE size(n.findings) > 0 RETURN count(n) AS c").single(
                    strict=True
                )["c"]
    finally:
        server.stop()
    assert (nodes, rels) == (res.nodes, res.relationships)
    want_labels: dict[str, int] = {}
    for p in folder.glob("nodes_*.csv"):
        want_labels[p.stem.removeprefix("nodes_")] = len(p.read_text(encoding="utf-8").splitlines()) - 1
    assert labels == want_labels and set(labels) <= set(MODEL.nodes)
    assert sum(types.values()) == rels and set(types) <= set(MODEL.rels)
    assert isinstance(pay["amount"], float) and isinstance(pay["pay_date"], neo4j.time.Date)
    assert 0 < flagged < nodes  # hops=1 adds context nodes that no finding names
