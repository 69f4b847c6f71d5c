"""Exports on the hand-built world in a real embedded store, read back by independent readers.

Every format is written for the same flagged selection; networkx and igraph read the GraphML, networkx
the GEXF and node-link JSON, openpyxl the workbook, followthemoney every FtM entity; the counts must agree
with the store's subgraph, computed here a second way (``store.subgraph`` one hop out, cut to the seeds).
No full resident ID may appear in a default export; with ``--show-ids`` they do.
"""

from __future__ import annotations

import csv
import json
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import igraph
import networkx as nx
import pytest
import typer
from followthemoney import model
from openpyxl import load_workbook
from typer.testing import CliRunner

from graphaudit.cli.export import export
from graphaudit.export import FORMATS, Selection, export_selection, make_view, select
from graphaudit.export.ftm import EDGE_SCHEMA, KIN, NODE_SCHEMA, entity_id
from graphaudit.model import MODEL
from graphaudit.store.embedded import LadybugStore
from tests.stores import loaded_store
from tests.test_checks import world
from tests.test_outputs_chinese import chinese

RESIDENT_ID = re.compile(rb"(?<![0-9])\d{17}[0-9X](?![0-9])")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LadybugStore]:
    tmp = tmp_path_factory.mktemp("world")
    s = loaded_store(tmp, world().write(tmp / "data"))
    yield s
    s.close()


@pytest.fixture(scope="module")
def flagged(store: LadybugStore):  # type: ignore[no-untyped-def]
    return select(store, Selection("flagged"))


@pytest.fixture(scope="module")
def files(store: LadybugStore, flagged, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    """Every format of the default (masked) flagged export."""
    out = tmp_path_factory.mktemp("export")
    view = make_view(*flagged)
    from graphaudit.export import write_view

    return {
        fmt: write_view(view, fmt, out / (fmt if f.folder else f"flagged{f.suffix}"))[0]
        for fmt, f in FORMATS.items()
    }


def edge_set(g: nx.MultiDiGraph) -> set[tuple[str, str, str]]:
    return {(u, t, v) for u, v, t in g.edges(keys=True)}


def test_selection_is_the_induced_subgraph_of_the_evidence(store: LadybugStore, flagged) -> None:  # type: ignore[no-untyped-def]
    g, findings = flagged
    assert len(findings) >= 20 and {f.check for f in findings} >= {
        "kin_approved_subsidy",
        "kin_contract",
        "split_contracts",
        "hidden_link",
    }
    seeds = {f"{n['label']}:{n['id']}" for f in findings for n in f.path["nodes"]}
    assert set(g) == seeds
    # the same subgraph the other way: one hop out with the store's own walk, cut back to the seeds
    around = store.subgraph(sorted({k.split(":", 1)[1] for k in seeds}), hops=1, limit=100000)
    assert edge_set(g) == edge_set(around.subgraph(seeds))
    for f in findings:  # every evidence step is a stored relationship of the selection
        nodes = [f"{n['label']}:{n['id']}" for n in f.path["nodes"]]
        for i, r in enumerate(f.path["relationships"]):
            u, v = (nodes[i], nodes[i + 1]) if r["direction"] == "->" else (nodes[i + 1], nodes[i])
            assert g.has_edge(u, v, key=r["type"]), (f.check, u, r["type"], v)


def test_min_severity_only_and_finding_narrow_the_selection(store: LadybugStore, flagged) -> None:  # type: ignore[no-untyped-def]
    g, findings = flagged
    cut = sorted({f.severity for f in findings})[len(findings) // 2]
    g2, f2 = select(store, Selection("flagged", min_severity=cut))
    assert f2 == [f for f in findings if f.severity >= cut] and 0 < len(f2) < len(findings)
    assert set(g2) < set(g)
    g3, f3 = select(store, Selection("flagged", only=("deceased_recipient",)))
    assert f3 and {f.check for f in f3} == {"deceased_recipient"}
    one = findings[0]
    g4, f4 = select(store, Selection("findings", finding_ids=(one.finding_id,)))
    assert f4 == [one] and set(g4) == {f"{n['label']}:{n['id']}" for n in one.path["nodes"]}


def test_around_is_the_store_neighbourhood(store: LadybugStore, flagged) -> None:  # type: ignore[no-untyped-def]
    person = next(n for n, d in flagged[0].nodes(data=True) if d["label"] == "Person")
    node_id = flagged[0].nodes[person]["id"]
    g, findings = select(store, Selection("around", node_id=node_id, hops=2))
    walk = store.subgraph([node_id], hops=2)
    assert findings == [] and set(g) == set(walk) and edge_set(g) >= edge_set(walk)
    assert g.number_of_nodes() > 5


def test_graphml_read_by_networkx_and_igraph(flagged, files: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    g = flagged[0]
    back = nx.read_graphml(files["graphml"], force_multigraph=True)
    assert (back.number_of_nodes(), back.number_of_edges()) == (g.number_of_nodes(), g.number_of_edges())
    assert Counter(d["label"] for _, d in back.nodes(data=True)) == Counter(
        d["label"] for _, d in g.nodes(data=True)
    )
    assert Counter(d["type"] for *_, d in back.edges(data=True)) == Counter(k for *_, k in g.edges(keys=True))
    pay = next(d for _, d in back.nodes(data=True) if d["label"] == "Payment")
    assert isinstance(pay["amount"], float) and re.fullmatch(r"\d{4}-\d\d-\d\d", pay["pay_date"])
    person = next(d for _, d in back.nodes(data=True) if d["label"] == "Person" and d.get("registered"))
    assert person["registered"] is True and re.search(r"[\u4e00-\u9fff]", person["name"])
    assert all(d["findings"] for _, d in back.nodes(data=True))  # every node is evidence of a finding
    ig = igraph.Graph.Read_GraphML(str(files["graphml"]))
    assert (ig.vcount(), ig.ecount()) == (g.number_of_nodes(), g.number_of_edges())
    assert ig.is_directed() and set(ig.vs["label"]) == {d["label"] for _, d in g.nodes(data=True)}
    names = {n for n in ig.vs["name"] if isinstance(n, str)}
    assert {d["name"] for _, d in g.nodes(data=True) if d["label"] == "Person"} <= names


def test_gexf_read_by_networkx(flagged, files: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    g = flagged[0]
    back = nx.read_gexf(files["gexf"])
    assert (back.number_of_nodes(), back.number_of_edges()) == (g.number_of_nodes(), g.number_of_edges())
    kinds = Counter(d["kind"] for _, d in back.nodes(data=True))
    assert kinds == Counter(d["label"] for _, d in g.nodes(data=True))
    company = next(d for _, d in back.nodes(data=True) if d["kind"] == "Company")
    assert company["label"] == company["name"] and "公司" in company["label"]  # Gephi shows the caption
    assert company["viz"]["color"]["r"] == int(MODEL.nodes["Company"].color[1:3], 16)
    assert Counter(d["kind"] for *_, d in back.edges(data=True)) == Counter(k for *_, k in g.edges(keys=True))


def test_node_link_json_carries_the_findings(flagged, files: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    g, findings = flagged
    data = json.loads(files["json"].read_text(encoding="utf-8"))
    back = nx.node_link_graph(data, edges="edges")
    assert isinstance(back, nx.MultiDiGraph)
    assert (back.number_of_nodes(), back.number_of_edges()) == (g.number_of_nodes(), g.number_of_edges())
    assert [f["finding_id"] for f in data["graph"]["findings"]] == [f.finding_id for f in findings]
    for f in data["graph"]["findings"]:
        for k in f["nodes"]:
            assert f["finding_id"] in back.nodes[k]["findings"]
        for u, v, t in f["edges"]:
            assert f["finding_id"] in back.edges[u, v, t]["findings"]
    flagged_edges = sum(1 for *_, d in back.edges(data=True) if d["findings"])
    assert 0 < flagged_edges <= back.number_of_edges()


def test_csv_bundle_headers_and_counts(flagged, files: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    g = flagged[0]
    folder = files["csv"].parent
    nodes = rels = 0
    for path in sorted(folder.glob("nodes_*.csv")):
        with path.open(encoding="utf-8") as fh:
            head, *rows = list(csv.reader(fh))
        label = path.stem.removeprefix("nodes_")
        assert head[0] == ":ID" and head[-1] == ":LABEL" and {r[-1] for r in rows} == {label}
        for p, t in MODEL.nodes[label].properties.items():
            suffix = {
                "string": "",
                "date": ":date",
                "double": ":double",
                "int64": ":long",
                "bool": ":boolean",
            }[t]
            assert p + suffix in head
        nodes += len(rows)
    for path in sorted(folder.glob("rels_*.csv")):
        with path.open(encoding="utf-8") as fh:
            head, *rows = list(csv.reader(fh))
        assert head[:3] == [":START_ID", ":END_ID", ":TYPE"] and "findings:string[]" in head
        rels += len(rows)
    assert (nodes, rels) == (g.number_of_nodes(), g.number_of_edges())
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "neo4j-admin database import full" in readme
    assert all(p.name in readme for p in folder.glob("*.csv"))


def test_xlsx_sheets(flagged, files: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    g, findings = flagged
    wb = load_workbook(files["xlsx"], read_only=True)
    assert wb.sheetnames == ["汇总", "线索", "证据", "人员", "节点", "关系"]
    count = {ws.title: ws.max_row - 1 for ws in wb.worksheets}
    assert count["线索"] == len(findings)
    assert count["证据"] == sum(len(f.path["relationships"]) for f in findings)
    assert count["人员"] == sum(1 for _, d in g.nodes(data=True) if d["label"] == "Person")
    assert (count["节点"], count["关系"]) == (g.number_of_nodes(), g.number_of_edges())
    for ws in wb.worksheets:  # every header Chinese (tests/test_outputs_chinese.py says what counts)
        head = next(ws.iter_rows(max_row=1, values_only=True))
        assert all(chinese(h) for h in head), f"{ws.title}: {head}"


def test_ftm_entities_parse_and_validate(flagged, files: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    g = flagged[0]
    lines = files["ftm"].read_text(encoding="utf-8").splitlines()
    entities = [model.get_proxy(json.loads(line), cleaned=False) for line in lines]
    for line, e in zip(lines, entities):
        data = json.loads(line)
        assert e.schema.validate(data) is None
        missing = [p for p in e.schema.required if not e.get(p)]
        assert not missing, (e.schema.name, missing)
    ids = [e.id for e in entities]
    assert len(set(ids)) == len(ids) and all(i and "." in i for i in ids)  # namespaced
    by_schema = Counter(e.schema.name for e in entities)
    labels = Counter(d["label"] for _, d in g.nodes(data=True))
    for label, schema in NODE_SCHEMA.items():
        assert by_schema[schema] == labels[label], schema
    types = Counter(k for *_, k in g.edges(keys=True))
    assert by_schema["Family"] == sum(types[t] for t in KIN)
    assert (
        by_schema["Occupancy"] == types["HOLDS"]
        and by_schema["Ownership"] == types["SHAREHOLDER_OF"] + types["HAS_ACCOUNT"]
    )
    assert by_schema["ContractAward"] == types["AWARDED_TO"] > 0
    assert by_schema["Directorship"] == types["LEGAL_REP_OF"]
    assert set(by_schema) <= set(NODE_SCHEMA.values()) | {s for s in EDGE_SCHEMA.values() if s} | {"Position"}
    known = set(ids)
    orgs = {entity_id(f"Org:{d['village_code']}") for _, d in g.nodes(data=True) if d["label"] == "Payment"}
    for e in entities:  # interval entities join entities of this file; a payment's payer may lie outside
        if e.schema.name == "Payment":
            assert e.first("payer") in orgs and e.first("beneficiary")
        elif e.schema.edge:
            assert e.first(e.schema.source_prop.name) in known and e.first(e.schema.target_prop.name) in known


def test_ftm_ids_are_stable(store: LadybugStore, flagged, files: dict[str, Path], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    again = export_selection(store, Selection("flagged"), "ftm", tmp_path / "again.ftm.json")
    assert again.files[0].read_text(encoding="utf-8") == files["ftm"].read_text(encoding="utf-8")


def all_bytes(path: Path) -> bytes:
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            return b"".join(z.read(n) for n in z.namelist())
    if path.name.endswith(".csv") or path.name == "README.md":
        return b"".join(p.read_bytes() for p in sorted(path.parent.iterdir()))
    return path.read_bytes()


def test_ids_masked_in_every_default_format(
    flagged, files: dict[str, Path], store: LadybugStore, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    g = flagged[0]
    real = {
        d["id"]
        for _, d in g.nodes(data=True)
        if d["label"] == "Person" and re.fullmatch(r"\d{17}[\dX]", d["id"])
    }
    accounts = {d["id"] for _, d in g.nodes(data=True) if d["label"] == "BankAccount"}
    assert len(real) > 20 and accounts
    for fmt, path in files.items():
        blob = all_bytes(path)
        assert not RESIDENT_ID.search(blob), (fmt, RESIDENT_ID.search(blob))
        assert not any(a.encode() in blob for a in accounts), fmt
    masked = {k for k in make_view(*flagged).graph if k.startswith("Person:")}
    assert len(masked) == sum(1 for _, d in g.nodes(data=True) if d["label"] == "Person")  # still distinct
    # and --show-ids does reveal them (the test above is not vacuous)
    shown = export_selection(store, Selection("flagged"), "json", tmp_path / "ids.json", show_ids=True)
    text = shown.files[0].read_text(encoding="utf-8")
    assert all(i in text for i in real)


def test_masked_keys_stay_distinct_when_masks_coincide() -> None:
    g = nx.MultiDiGraph()
    a, b = "140107196503020117", "140107198811110117"  # same region, same last four: same mask
    g.add_node(f"Person:{a}", label="Person", id=a, name="甲")
    g.add_node(f"Person:{b}", label="Person", id=b, name="乙")
    g.add_edge(f"Person:{a}", f"Person:{b}", key="SIBLING_OF", type="SIBLING_OF")
    v = make_view(g, [])
    assert sorted(v.graph) == ["Person:140107********01**", "Person:140107********01**#2"]
    assert v.graph.number_of_edges() == 1 and v.key_of("Person", b) == "Person:140107********01**#2"


app = typer.Typer()
app.command()(export)


@app.callback()
def _main() -> None:
    """Test app: ``export`` as a subcommand, as graphaudit.cli registers it."""


def test_cli_writes_and_reports(store: LadybugStore, flagged, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "f.graphml"
    res = CliRunner().invoke(
        app,
        [
            "export",
            "--db",
            str(store.path),
            "--flagged",
            "--only",
            "kin_contract",
            "--format",
            "graphml",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    back = nx.read_graphml(out, force_multigraph=True)
    g, findings = select(store, Selection("flagged", only=("kin_contract",)))
    assert back.number_of_nodes() == g.number_of_nodes() and f"{g.number_of_nodes()} nodes" in res.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["--format", "json"], "exactly one of --flagged"),
        (["--flagged", "--around", "x", "--format", "json"], "exactly one of --flagged"),
        (["--flagged", "--format", "pdf"], "unknown format 'pdf'"),
        (["--finding", "0000000000000000", "--format", "json"], "no finding '0000000000000000'"),
        (["--around", "nobody", "--format", "json"], "no node with this id"),
        (["--around", "x", "--only", "kin_contract", "--format", "json"], "do not apply to --around"),
        (["--flagged", "--hops", "9", "--format", "json"], "--hops must be from 0 to 5"),
        (["--flagged", "--only", "nosuch", "--format", "json"], "unknown check 'nosuch'"),
    ],
)
def test_cli_bad_input_is_one_line(
    store: LadybugStore, tmp_path: Path, args: list[str], message: str
) -> None:
    res = CliRunner().invoke(
        app, ["export", "--db", str(store.path), *args, "--out", str(tmp_path / "o.json")]
    )
    assert res.exit_code == 1
    assert message in res.output and "Traceback" not in res.output
    assert len([line for line in res.output.splitlines() if line.strip()]) == 1
    assert not (tmp_path / "o.json").exists()
