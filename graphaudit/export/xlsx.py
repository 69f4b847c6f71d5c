"""An Excel workbook for reports, Chinese headers throughout: the sheets of graphaudit.workbook (``汇总``,
``线索``, ``证据`` — one row per path step) plus ``人员`` (every person in the selection, with the findings
that name them), ``节点`` and ``关系`` (the whole selection, one row each).  Identifiers are masked unless
``show_ids``, the same way as in every other format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graphaudit.export.atomic import atomic_path
from graphaudit.export.cells import neutralise_workbook
from graphaudit.export.view import View
from graphaudit.model import MODEL
from graphaudit.workbook import _sheet, write_workbook

__all__ = ["write", "SUFFIX", "PEOPLE_COLS"]

SUFFIX = ".xlsx"
PEOPLE_COLS = ["key", *MODEL.nodes["Person"].properties, "findings", "checks", "severity"]
#: The Chinese header of each column of the 人员 sheet.
PEOPLE_HEAD = [
    "节点编号",
    *[MODEL.prop_zh(p, "Person") for p in MODEL.nodes["Person"].properties],
    "相关发现",
    "检查",
    "严重程度",
]


def _cell(v: Any) -> Any:
    return "; ".join(map(str, v)) if isinstance(v, list) else v


def write(view: View, out: Path) -> list[Path]:
    """Write the workbook ``out``, whole or not at all (:mod:`graphaudit.export.atomic`); the files."""
    with atomic_path(out) as tmp:
        _write(view, tmp)
    return [out]


def _write(view: View, out: Path) -> None:
    wb = write_workbook(view.source, out, view.show_ids, reviews=view.reviews)
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
        ("人员", PEOPLE_HEAD, people),
        ("节点", ["节点编号", "类型代码", "类型", "名称", "相关发现", "严重程度"], nodes),
        ("关系", ["起点", "终点", "类型代码", "关系", "相关发现"], rels),
    ):
        _sheet(wb.create_sheet(), title, head, rows)
    neutralise_workbook(wb)  # last: register text never becomes a formula (graphaudit.export.cells)
    wb.save(out)
