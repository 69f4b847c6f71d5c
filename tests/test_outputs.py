"""Outputs are data, never code; and an output file is written whole or not at all.

A hostile little world — names and addresses that are spreadsheet formulas, a company called ``__VIS__``
with a closing ``</script>`` in it — is written in every export format and as findings: no XLSX cell may be
a formula (yet every value is kept exactly, numbers stay numbers), no CSV cell may start with a formula
character, the HTML bundle must carry the names as data and run none of them (read back in Chromium).
Crash safety: a writer blocked half-way and killed with SIGKILL leaves the previous file untouched.
"""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import networkx as nx
import pytest
from openpyxl import load_workbook

from graphaudit.export import FORMATS, make_view, target, write_view
from graphaudit.export.atomic import atomic_path, atomic_text, atomic_write
from graphaudit.export.cells import csv_cell, neutralise_workbook, risky
from graphaudit.findings import Finding, write_findings
from graphaudit.viz import graph_html, script_json

FORMULA = '=HYPERLINK("http://evil.example/x","点我")'
VIS = "__VIS__</script><script>window.pwned=1</script>__DATA__<!--"
PID = "110101199001011234"
HOSTILE_TEXT = [FORMULA, "@SUM(1+1)", "+cmd|' /C calc'!A0", "-2+3", "\t=1", "\r=1", VIS]


def hostile() -> tuple[nx.MultiDiGraph, list[Finding]]:
    g = nx.MultiDiGraph()
    g.add_node(
        f"Person:{PID}",
        label="Person",
        id=PID,
        name=FORMULA,
        gender="男",
        address="@SUM(1+1)",
        household_id="H1",
    )
    g.add_node(
        "Company:91110000MA0000000X", label="Company", id="91110000MA0000000X", name=VIS, address="-2+3"
    )
    g.add_node(
        "Payment:P-1",
        label="Payment",
        id="P-1",
        program="+cmd|' /C calc'!A0",
        amount=-500.5,
        recipient_id=PID,
        recipient_name=FORMULA,
    )
    g.add_edge(f"Person:{PID}", "Company:91110000MA0000000X", key="LEGAL_REP_OF", type="LEGAL_REP_OF")
    g.add_edge("Payment:P-1", f"Person:{PID}", key="PAID_TO", type="PAID_TO")
    f = Finding(
        finding_id="abc123",
        check="kin_contract",
        severity=70,
        amount=-500.5,
        org_code="@ORG",
        person_ids=[PID],
        record_ids=["P-1"],
        path={
            "nodes": [
                {"label": "Payment", "id": "P-1", "caption": "+cmd|' /C calc'!A0"},
                {"label": "Person", "id": PID, "caption": FORMULA},
                {"label": "Company", "id": "91110000MA0000000X", "caption": VIS},
            ],
            "relationships": [
                {"type": "PAID_TO", "direction": "->"},
                {"type": "LEGAL_REP_OF", "direction": "->"},
            ],
        },
        explanation="=1+1 " + VIS,
        details={"note": "@x"},
    )
    return g, [f]


def test_risky_cells_and_numbers() -> None:
    for t in HOSTILE_TEXT[:-1]:
        assert risky(t), t
        assert csv_cell(t) == "'" + t
    for t in ["-3", "+1.5e3", "-0.25", "张三", "", "a=b", "1-2"]:
        assert not risky(t) and csv_cell(t) == t
    for v in [-500.5, 3, None, True]:
        assert csv_cell(v) is v


def _assert_workbook_is_data(path: Path, expect_text: set[str]) -> None:
    wb = load_workbook(path)
    texts, numbers = set(), []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", f"{ws.title}!{c.coordinate} is a formula: {c.value!r}"
                if isinstance(c.value, str):
                    if risky(c.value):
                        assert c.quotePrefix, f"{ws.title}!{c.coordinate} {c.value!r} has no quote prefix"
                    texts.add(c.value)
                elif isinstance(c.value, (int, float)):
                    numbers.append(c.value)
    missing = {t for t in expect_text if not any(t in x for x in texts)}
    assert not missing, f"values lost: {missing}"
    assert -500.5 in numbers  # numbers stay numbers


def test_findings_xlsx_and_csv_keep_text_as_text(tmp_path: Path) -> None:
    _, fs = hostile()
    _assert_workbook_is_data(write_findings(fs, tmp_path / "f.xlsx"), {"=1+1 ", "@ORG", FORMULA})
    rows = list(csv.reader(write_findings(fs, tmp_path / "f.csv").open(encoding="utf-8-sig")))
    cells = [c for r in rows for c in r]
    assert not [c for c in cells if risky(c)]
    assert "'@ORG" in cells and any(c.startswith("'=1+1") for c in cells)
    assert "-500.5" in cells  # the amount: a number, not "'-500.5"
    # JSON is not a spreadsheet: values exactly as they are
    data = json.loads(write_findings(fs, tmp_path / "f.json").read_text(encoding="utf-8"))
    assert data[0]["org_code"] == "@ORG"


def test_every_export_format_keeps_register_text_as_data(tmp_path: Path) -> None:
    g, fs = hostile()
    view = make_view(g, fs, show_ids=True)
    for fmt in FORMATS:
        out = _out(tmp_path, fmt)
        files = write_view(view, fmt, out)
        assert files
        assert not list(tmp_path.rglob(".*.tmp*")), "temporary files left behind"
        if fmt == "xlsx":
            _assert_workbook_is_data(files[0], {FORMULA, "@SUM(1+1)", "+cmd|' /C calc'!A0", VIS})
        if fmt == "csv":
            seen = []
            for f in files:
                if f.suffix == ".csv":
                    for row in csv.reader(f.open(encoding="utf-8", newline="")):
                        bad = [c for c in row if risky(c)]
                        assert not bad, f"{f.name}: {bad}"
                        seen += row
            assert "'" + FORMULA in seen and "'@SUM(1+1)" in seen
            assert "-500.5" in seen
        if fmt == "html":
            _assert_page_is_data(files[0].read_text(encoding="utf-8"))


def _out(tmp_path: Path, fmt: str) -> Path:
    """Where format ``fmt`` writes in a folder of its own: the folder (csv) or ``export<suffix>`` in it."""
    (tmp_path / fmt).mkdir()
    return target(fmt, tmp_path / fmt)


def _assert_page_is_data(page: str) -> None:
    blob = re.search(r'<script type="application/json" id="ga-data">(.*?)</script>', page, re.S)
    assert blob, "the data block is broken"
    data = json.loads(blob.group(1))
    names = {n["label"] for n in data["nodes"]}
    assert VIS in names and FORMULA in names  # the text survives, as data
    assert "window.pwned" not in page.replace(blob.group(1), "")  # only inside the data block
    assert "</script><script>window.pwned" not in page
    assert page.count("<script") == 3  # the data block, vis-network, the page's own script


def test_graph_html_placeholders_in_text_are_not_filled() -> None:
    g, fs = hostile()
    page = graph_html(g, title="__VIS__ __DATA__ <b>", subtitle="__TITLE__", findings=[])
    assert "<title>__VIS__ __DATA__ &lt;b&gt;</title>" in page
    assert '<span class="sub">__TITLE__</span>' in page
    _assert_page_is_data(page)
    assert json.loads(script_json({"a": "</script>&\u2028"})) == {"a": "</script>&\u2028"}
    assert "<" not in script_json({"a": "</script><!--"})


def test_hostile_bundle_runs_nothing_in_chromium(tmp_path: Path) -> None:
    import playwright.sync_api as playwright  # a test extra: missing means a broken install, not a skip

    from tests.test_export_html import ARGS

    g, fs = hostile()
    path = tmp_path / "b.html"
    write_view(make_view(g, fs, show_ids=False), "html", path)
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        try:
            page = b.new_page()
            errors: list[str] = []
            dialogs: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(path.as_uri())
            page.wait_for_function("window.gaNodeCount !== undefined", timeout=20000)
            assert page.evaluate("window.gaNodeCount") == 3
            assert page.evaluate("window.pwned") is None
            page.click(".card")
            info = page.inner_text("#info")
            assert "=1+1" in info and "__VIS__</script>" in info  # shown as text
            assert page.evaluate("window.pwned") is None
            assert not errors and not dialogs
        finally:
            b.close()


# -- crash safety --------------------------------------------------------------------------------------


def test_atomic_write_replaces_whole_or_not_at_all(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    os.chmod(target, 0o640)
    with pytest.raises(RuntimeError), atomic_write(target, "w") as fh:
        fh.write("half")
        raise RuntimeError("disk full")
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
    atomic_text(target, "new\n")
    assert target.read_text() == "new\n" and (target.stat().st_mode & 0o777) == 0o640
    with atomic_path(tmp_path / "x.xlsx") as tmp:
        assert tmp.parent == tmp_path and tmp.suffix == ".xlsx"
        tmp.write_bytes(b"x")
    assert (tmp_path / "x.xlsx").read_bytes() == b"x"


KILLED = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from openpyxl import Workbook
    import graphaudit.findings as F
    import graphaudit.export.cells as cells
    from tests.test_outputs import hostile

    fmt, out, flag = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    def block(*a, **k):  # half-way: the header is in the temporary file
        flag.write_text("writing")
        time.sleep(60)
    def save_half(self, filename):  # half a workbook on disk, then stuck
        Path(filename).write_bytes(b"PK\x03\x04 half a zip")
        block()
    cells.csv_row = block
    Workbook.save = save_half
    _, fs = hostile()
    F.write_findings(fs * 50, out)
    """
)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_kill_during_check_out_leaves_the_previous_file(tmp_path: Path, suffix: str) -> None:
    _, fs = hostile()
    out = tmp_path / f"findings{suffix}"
    write_findings(fs, out)
    before = out.read_bytes()
    flag = tmp_path / "flag"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    proc = subprocess.Popen([sys.executable, "-c", KILLED, suffix, str(out), str(flag)], env=env)
    try:
        deadline = time.monotonic() + 60
        while not flag.exists():
            assert proc.poll() is None, "the writer ended before it was killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        temps = list(tmp_path.glob(".findings*.tmp*"))
        assert temps, "the writer does not write to a temporary file"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert out.read_bytes() == before  # the previous good file, whole
    # the next write replaces it and sweeps what the killed process left
    write_findings(fs * 2, out)
    assert out.read_bytes() != before
    assert not list(tmp_path.glob(".findings*.tmp*"))
    if suffix == ".xlsx":
        assert load_workbook(out)["线索"].max_row == 3  # a header and two findings
    else:
        assert len(list(csv.reader(out.open(encoding="utf-8-sig")))) == 3


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_export_format_keeps_the_previous_file_when_a_write_fails(
    tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each writer goes through graphaudit.export.atomic: when the final rename fails (as a kill before it
    would leave things), every file it had written before is still the old one, whole."""
    g, fs = hostile()
    out = _out(tmp_path, fmt)
    files = write_view(make_view(g, fs), fmt, out)
    before = {f: f.read_bytes() for f in files}
    g2, fs2 = hostile()
    g2.nodes[f"Person:{PID}"]["name"] = "改过的名字"

    def fail(*a: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    from graphaudit.export import ExportError

    with pytest.raises(ExportError):
        write_view(make_view(g2, fs2), fmt, out)
    assert {f: f.read_bytes() for f in files} == before
    assert not [p for p in tmp_path.rglob(".*") if ".tmp" in p.name]


def test_neutralise_workbook_counts_formula_cells() -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["=1+1", "ok", -1, "-1", "@a"])
    assert neutralise_workbook(wb) == 2
    assert [c.data_type for c in wb.active[1]] == ["s", "s", "n", "s", "s"]
