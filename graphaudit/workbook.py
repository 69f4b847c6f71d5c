"""The findings workbook an office works in (``check --out x.xlsx``, the ``xlsx`` export): Chinese headers,
a summary sheet first, then one row per finding (with 核查状态 and 核查意见 columns to fill in, or filled
from the cases), then one row per evidence step; names instead of codes (graphaudit.places); details as
readable ``名称：值`` lines, never raw JSON; every sheet with an autofilter and a frozen header.

Machine-readable outputs (JSON, and the CSV of ``check --out``) keep the data contract's English keys:
docs/findings.md says why."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphaudit.model import MODEL
from graphaudit.places import Places

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from graphaudit.findings import Finding

__all__ = ["write_workbook", "FINDING_HEAD", "EVIDENCE_HEAD", "SUMMARY_TITLE", "details_text", "path_text"]

SUMMARY_TITLE = "汇总"

#: Column headers of the 线索 sheet, in order.
FINDING_HEAD = (
    "序号",
    "严重程度",
    "检查",
    "说明",
    "金额（元）",
    "乡镇",
    "村（单位）",
    "涉及人员",
    "记录编号",
    "证据路径",
    "详情",
    "核查状态",
    "核查意见",
    "发现编号",
    "单位代码",
)
#: Column headers of the 证据 sheet, one for each key of graphaudit.findings.EVIDENCE_COLS.
EVIDENCE_HEAD = (
    "发现编号",
    "检查",
    "步骤",
    "起点类型",
    "起点编号",
    "起点",
    "关系",
    "方向",
    "终点类型",
    "终点编号",
    "终点",
)

#: Chinese names of the details' keys (a check's facts); a key not listed here is shown as it is.
DETAIL_ZH = {
    "cadre_post": "干部职务",
    "company_id": "企业信用代码",
    "company_levels": "企业层级",
    "company_name": "企业名称",
    "contractor_id": "承包方代码",
    "contractor_name": "承包方",
    "contractors": "承包方",
    "days": "间隔天数",
    "death_date": "死亡日期",
    "first_date": "首次日期",
    "last_date": "最近日期",
    "hops": "亲属跳数",
    "hops_a_side": "甲方亲属跳数",
    "hops_b_side": "乙方亲属跳数",
    "households": "涉及户",
    "kin": "亲属关系",
    "kin_a_side": "甲方亲属关系",
    "kin_b_side": "乙方亲属关系",
    "months": "月份",
    "months_after_death": "死亡后发放月数",
    "paid": "已发金额",
    "posts": "职务",
    "programs": "项目",
    "record_money": "各笔金额",
    "severity_factors": "严重程度构成",
    "shared": "共用",
    "sign_date": "签订日期",
    "term": "称谓",
    "threshold": "限额",
    "members": "成员",
    "brokers": "中间人",
    "pairs": "互相审批",
    "base": "检查基础分",
    "link": "关联分",
    "money": "金额分",
    "repetition": "重复分",
    "post": "职务分",
}


def _value(v: Any) -> str:
    if v is None or v == "":
        return "—"
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    if isinstance(v, float):
        return f"{v:,.2f}".rstrip("0").rstrip(".")
    if isinstance(v, dict):
        return "，".join(f"{DETAIL_ZH.get(str(k), str(k))} {_value(x)}" for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return "、".join(_value(x) for x in v)
    return str(v)


def details_text(details: Mapping[str, Any]) -> str:
    """The details as lines ``名称：值`` (nested values joined with 、 and ，), never JSON."""
    return "\n".join(f"{DETAIL_ZH.get(k, k)}：{_value(v)}" for k, v in details.items())


def _node(n: Mapping[str, Any], places: Places) -> str:
    label = MODEL.nodes[n["label"]].zh if n.get("label") in MODEL.nodes else str(n.get("label", ""))
    cap = n.get("caption") or n.get("id") or ""
    if n.get("label") == "Org":
        cap = places.label(str(n.get("id"))) if not cap or cap == n.get("id") else cap
    return f"{cap}（{label}）"


def _rel(r: Mapping[str, Any]) -> str:
    t = str(r.get("type", ""))
    return MODEL.rels[t].zh if t in MODEL.rels else t


def path_text(path: Mapping[str, Any], places: Places) -> str:
    """The evidence path in Chinese: 赵书记（人员）—父母→ 赵儿（人员）←领取— 危房改造（发放）…"""
    nodes, rels = path.get("nodes", []), path.get("relationships", [])
    out = [_node(nodes[0], places)] if nodes else []
    for r, n in zip(rels, nodes[1:]):
        arrow = {"->": "—{}→", "<-": "←{}—"}.get(r.get("direction", ""), "—{}—")
        out += [arrow.format(_rel(r)), _node(n, places)]
    return " ".join(out)


def _people(path: Mapping[str, Any], ids: Sequence[str]) -> str:
    names = {n["id"]: n.get("caption") or "" for n in path.get("nodes", []) if n.get("label") == "Person"}
    return "、".join(f"{names[p]}（{p}）" if names.get(p) else p for p in ids)


def _sheet(ws: Worksheet, title: str, head: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    ws.title = title
    ws.append(list(head))
    fill = PatternFill("solid", fgColor="DDE5F0")
    for c in ws[1]:
        c.font = Font(bold=True)
        c.fill = fill
    data = [list(r) for r in rows]
    for r in data:
        ws.append(r)
    ws.freeze_panes = "A2"
    if data:
        ws.auto_filter.ref = ws.dimensions
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, h in enumerate(head, start=1):
        width = max(
            [len(str(h)) * 2] + [max(len(x) for x in str(r[i - 1] or "").split("\n")) for r in data[:200]]
        )
        letter = ws.cell(1, i).column_letter
        ws.column_dimensions[letter].width = min(60, max(8, width + 2))
        if width > 60:
            for cell in ws[letter][1:]:
                cell.alignment = wrap


def write_workbook(
    findings: list[Finding],
    path: Path,
    show_ids: bool,
    *,
    places: Places | None = None,
    reviews: Mapping[str, tuple[str, str]] | None = None,
) -> Any:
    """Write the workbook; returns the openpyxl Workbook (saved) so callers may add sheets and save again.
    ``reviews``: finding id → (核查状态, 核查意见), from the cases when known; blank columns otherwise."""
    from openpyxl import Workbook

    from graphaudit.checks import CHECKS
    from graphaudit.findings import evidence_rows

    dicts = [f.to_dict(show_ids) for f in findings]
    places = (places or Places()).merged(Places.from_paths(d["path"] for d in dicts))
    reviews = reviews or {}

    def check_zh(k: str) -> str:
        return CHECKS[k].title if k in CHECKS else k

    rows = []
    for i, d in enumerate(dicts, start=1):
        code = d["org_code"]
        status, comment = reviews.get(d["finding_id"], ("", ""))
        rows.append(
            [
                i,
                d["severity"],
                check_zh(d["check"]),
                places.named(d["explanation"]),
                d["amount"],
                places.label(places.township(code)) if code else "",
                places.name(code) if len(code or "") == 12 else "",
                _people(d["path"], d["person_ids"]),
                "、".join(d["record_ids"]),
                path_text(d["path"], places),
                details_text(d["details"]),
                status,
                comment,
                d["finding_id"],
                code,
            ]
        )
    evidence = [
        [
            e["finding_id"],
            check_zh(e["check"]),
            e["step"],
            MODEL.nodes[e["from_label"]].zh if e["from_label"] in MODEL.nodes else e["from_label"],
            e["from_id"],
            e["from_caption"] or e["from_id"],
            MODEL.rels[e["relationship"]].zh if e["relationship"] in MODEL.rels else e["relationship"],
            {"->": "→", "<-": "←"}.get(e["direction"], e["direction"]),
            MODEL.nodes[e["to_label"]].zh if e["to_label"] in MODEL.nodes else e["to_label"],
            e["to_id"],
            e["to_caption"] or e["to_id"],
        ]
        for e in evidence_rows(findings, show_ids)
    ]
    wb = Workbook()
    by_check = Counter(check_zh(d["check"]) for d in dicts)
    money = Counter[str]()
    towns = Counter[str]()
    for d in dicts:
        money[check_zh(d["check"])] += d["amount"]
        towns[places.label(places.township(d["org_code"])) or "（未知单位）"] += 1
    summary: list[list[Any]] = [
        ["线索（检查发现）总数", len(dicts), round(sum(d["amount"] for d in dicts), 2)],
        ["", "", ""],
        ["按检查", "条数", "金额（元）"],
        *[[k, n, round(money[k], 2)] for k, n in by_check.most_common()],
        ["", "", ""],
        ["按乡镇", "条数", ""],
        *[[k, n, ""] for k, n in sorted(towns.items())],
    ]
    _sheet(wb.active, SUMMARY_TITLE, ("项目", "数量", "金额（元）"), summary)
    wb.active.auto_filter.ref = None
    _sheet(wb.create_sheet(), "线索", FINDING_HEAD, rows)
    _sheet(wb.create_sheet(), "证据", EVIDENCE_HEAD, evidence)
    from graphaudit.export.cells import neutralise_workbook

    neutralise_workbook(wb)  # last: register text never becomes a formula
    wb.save(path)
    return wb
