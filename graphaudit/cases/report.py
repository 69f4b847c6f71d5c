"""The monthly 通报 as a spreadsheet (``graphaudit report --month YYYY-MM --out FILE.xlsx``): a summary sheet,
then by township (with its villages), by check and by status and disposal — the figures of the cockpit
(graphaudit.cases.stats.figures), with Chinese headers and a total row that adds up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graphaudit.errors import GraphAuditError

__all__ = ["write_report", "SHEETS"]

#: Sheet titles, in order.
SHEETS = ("汇总", "按乡镇", "按检查", "按状态")
#: The columns every breakdown has: (field, header).
MEASURES = (
    ("cases", "线索数"),
    ("amount", "涉及金额（元）"),
    ("recovered", "追缴金额（元）"),
    ("overdue", "逾期未反馈"),
)
SUMMARY = (
    ("cases", "线索总数"),
    ("amount", "涉及金额（元）"),
    ("new_this_month", "本月新增线索"),
    ("closed_this_month", "本月销号"),
    ("recovered", "累计追缴金额（元）"),
    ("recovered_this_month", "本月追缴金额（元）"),
    ("removed", "清退人数"),
    ("overdue", "逾期未反馈的交办"),
)


def write_report(fig: dict[str, Any], path: Path) -> Path:
    """Write ``fig`` (stats.figures) as the monthly report."""
    if path.suffix.lower() != ".xlsx":
        raise GraphAuditError(f"--out {path.name}: 报表写为 .xlsx")
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEETS[0]
    ws.append([f"基层监督线索处置情况通报（{fig['month']}）"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["项目", "数值"])
    for key, zh in SUMMARY:
        ws.append([zh, fig["totals"][key]])
    ws.append([])
    ws.append(["说明", "统计截至本月末已发现、仍存在的线索；核查状态与处置阶段为生成报表时的情况。"])
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 18

    def sheet(title: str, head: list[str], rows: list[list[Any]], total: list[Any]) -> None:
        s = wb.create_sheet(title)
        s.append(head + [zh for _, zh in MEASURES])
        for cell in s[1]:
            cell.font = bold
        for r in rows:
            s.append(r)
        s.append(total)
        for cell in s[s.max_row]:
            cell.font = bold
        s.freeze_panes = "A2"
        s.auto_filter.ref = f"A1:{s.cell(1, s.max_column).column_letter}{s.max_row - 1}"
        for col in "ABCDEFG":
            s.column_dimensions[col].width = 18

    t = fig["totals"]
    tot = [t["cases"], t["amount"], t["recovered"], t["overdue"]]

    def measures(r: dict[str, Any]) -> list[Any]:
        return [r[k] for k, _ in MEASURES]

    town_rows = []
    for town in fig["by_township"]:
        town_rows.append([town["name"] or town["code"], town["code"], "（乡镇合计）", "", *measures(town)])
        for v in town["villages"]:
            town_rows.append(
                [town["name"] or town["code"], town["code"], v["name"] or v["code"], v["code"], *measures(v)]
            )
    # the village rows repeat their township's totals: the total row counts the township rows only
    sheet("按乡镇", ["乡镇", "乡镇代码", "村（社区）", "村代码"], town_rows, ["合计", "", "", "", *tot])
    sheet(
        "按检查",
        ["检查", "检查代码"],
        [[c["title"], c["check"], *measures(c)] for c in fig["by_check"]],
        ["合计", "", *tot],
    )
    s_rows = [["核查状态", r["status"], *measures(r)] for r in fig["by_status"]]
    s_rows += [["处置阶段", r["stage"], *measures(r)] for r in fig["by_disposal"]]
    sheet("按状态", ["分类", "状态"], s_rows, ["合计（每一分类）", "", *tot])
    from graphaudit.export.atomic import atomic_path  # crash-safe: a kill leaves the previous file
    from graphaudit.export.cells import neutralise_workbook

    neutralise_workbook(wb)  # village names come from the registers: never a formula
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path
