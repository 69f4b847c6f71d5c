"""An Excel workbook for reports: the sheets of :func:`graphaudit.findings.write_findings` (``findings``,
``evidence`` — one row per path step) plus ``people`` (every person in the selection, with the findings
that name them), ``nodes`` and ``relationships`` (the whole selection, one row each).  Identifiers are
masked unless ``show_ids``, the same way as in every other format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.styles import Font

from graphaudit.export.atomic import atomic_path
from graphaudit.export.cells import neutralise_workbook
from graphaudit.export.view import View
from graphaudit.findings import write_findings
from graphaudit.model import MODEL

__all__ = ["write", "SUFFIX", "PEOPLE_COLS"]

SUFFIX = ".xlsx"
PEOPLE_COLS = ["key", *MODEL.nodes["Person"].properties, "findings", "checks", "severity"]


def _cell(v: Any) -> Any:
    return "; ".join(map(str, v)) if isinstance(v, list) else v


def write(view: View, out: Path) -> list[Path]:
    """Write the workbook ``out``, whole or not at all (:mod:`graphaudit.export.atomic`); the files."""
    with atomic_path(out) as tmp:
        _write(view, tmp)
    return [out]


def _write(view: View, out: Path) -> None:
    write_findings(view.source, out, show_ids=view.show_ids)
    wb = load_workbook(out)
    if not view.show_ids:  # write_findings masks its own way; mask leftovers (IDs in free text) ours
        from graphaudit.export.view import scrub

        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    if isinstance(c.value, str):
                        c.value = scrub(c.value)
    g = view.graph
    people = [
        [k, *[_cell(d.get(p)) for p in PEOPLE_COLS[1:]]]
        for k, d in g.nodes(data=True)
        if d["label"] == "Person"
    ]
    nodes = [
        [k, d["label"], d["label_zh"], d["caption"], _cell(d["findings"]), d["severity"]]
        for k, d in g.nodes(data=True)
    ]
    rels = [[u, v, d["type"], d["type_zh"], _cell(d["findings"])] for u, v, d in g.edges(data=True)]
    for title, head, rows in (
        ("people", PEOPLE_COLS, people),
        ("nodes", ["key", "label", "label_zh", "caption", "findings", "severity"], nodes),
        ("relationships", ["start", "end", "type", "type_zh", "findings"], rels),
    ):
        ws = wb.create_sheet(title)
        ws.append(head)
        for c in ws[1]:
            c.font = Font(bold=True)
        for r in rows:
            ws.append(r)
        ws.freeze_panes = "A2"
        for i, h in enumerate(head, start=1):
            width = max([len(str(h))] + [len(str(r[i - 1] or "")) for r in rows[:200]])
            ws.column_dimensions[ws.cell(1, i).column_letter].width = min(50, max(8, width + 2))
    neutralise_workbook(wb)  # last: register text never becomes a formula (graphaudit.export.cells)
    wb.save(out)
