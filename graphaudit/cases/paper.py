"""Paper for a case (python-docx): the 问题线索交办单 (handing the lead to a department or township) and the
处置呈批表 (asking the office's leaders to approve the disposal) — the facts, the evidence table, the legal
basis and the signature lines, in the layout offices print and sign.

Both take the case as the API shows it (masked per role) and its tables (graphaudit.api.records)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

__all__ = ["FORMS", "case_docx"]

#: The forms, by the name the API takes: Chinese title.
FORMS = {"handoff": "问题线索交办单", "approval": "处置呈批表"}


def _yuan(v: Any) -> str:
    return f"{float(v or 0):,.2f}"


def _table(doc: Any, head: list[str], rows: list[list[Any]]) -> None:
    t = doc.add_table(rows=1, cols=len(head))
    t.style = "Table Grid"
    for cell, h in zip(t.rows[0].cells, head):
        cell.text = h
        for r in cell.paragraphs[0].runs:
            r.bold = True
    for row in rows:
        cells = t.add_row().cells
        for cell, v in zip(cells, row):
            cell.text = "" if v is None else str(v)


def case_docx(form: str, case: Mapping[str, Any], tables: Mapping[str, Any], office: str = "") -> bytes:
    """The DOCX of ``form`` (:data:`FORMS`) for ``case`` (a CaseSummary as a dict) and its ``tables``."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    title = FORMS[form]
    doc = Document()
    sec = doc.sections[0]
    sec.page_height, sec.page_width = Cm(29.7), Cm(21.0)
    sec.left_margin = sec.right_margin = Cm(2.6)
    sec.top_margin, sec.bottom_margin = Cm(3.7), Cm(3.5)
    style = doc.styles["Normal"]
    style.font.name = "仿宋"
    style.font.size = Pt(12)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "仿宋")

    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = head.add_run(title)
    run.bold, run.font.size = True, Pt(22)
    run.font.name = "黑体"
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "黑体")
    meta = doc.add_paragraph(f"线索编号：{case['case_id']}    编号：〔    〕第    号")
    meta.alignment = WD_ALIGN_PARAGRAPH.RIGHT

    _table(
        doc,
        ["项目", "内容"],
        [
            ["线索来源", "基层监督数据比对（" + "、".join(case.get("check_titles") or []) + "）"],
            ["涉及单位", tables.get("org") or case.get("org_name") or case.get("org_code")],
            ["涉及人员", "、".join(p["name"] or p["id"] for p in tables.get("people", []))],
            ["涉及金额", f"{_yuan(case.get('amount'))} 元（{case.get('money_band', '')}）"],
            ["严重程度", str(case.get("severity", ""))],
            ["核查状态", case.get("status", "")],
        ],
    )
    doc.add_heading("一、问题线索", level=2)
    doc.add_paragraph(tables.get("explanation") or case.get("explanation", ""))
    doc.add_heading("二、证据", level=2)
    numbers = iter("一二三四")
    if tables.get("payments"):
        doc.add_paragraph(f"（{next(numbers)}）资金发放记录")
        _table(
            doc,
            ["日期", "项目", "金额（元）", "审批人", "领取人"],
            [
                [p["date"], p["program"], _yuan(p["amount"]), p["approver"], p["recipient"]]
                for p in tables["payments"]
            ],
        )
    if tables.get("contracts"):
        doc.add_paragraph(f"（{next(numbers)}）合同")
        _table(
            doc,
            ["名称", "金额（元）", "签订日期", "承包方"],
            [[c["title"], _yuan(c["amount"]), c["date"], c["contractor"]] for c in tables["contracts"]],
        )
    if tables.get("people"):
        doc.add_paragraph(f"（{next(numbers)}）相关人员")
        _table(
            doc,
            ["姓名", "职务", "与干部关系", "村"],
            [[p["name"], p["posts"], p["kin"], p["village"]] for p in tables["people"]],
        )
    doc.add_heading("三、依据", level=2)
    for b in case.get("legal_basis") or []:
        doc.add_paragraph(b, style="List Bullet")
    if case.get("band_note"):
        doc.add_paragraph(f"金额档次：{case.get('money_band', '')}（{case['band_note']}，法释〔2016〕9号）")
    if form == "handoff":
        doc.add_heading("四、交办要求", level=2)
        doc.add_paragraph(
            "请承办单位收到本交办单后认真核实，于    年  月  日前将核实情况（核实结论、清退人数、"
            "追缴金额、整改措施及相关材料）书面反馈。"
        )
        lines = [("交办单位（盖章）", "交办人"), ("承办单位", "签收人"), ("交办日期", "签收日期")]
    else:
        doc.add_heading("四、拟处置意见", level=2)
        doc.add_paragraph("□ 谈话函询   □ 初步核实   □ 暂存待查   □ 予以了结")
        doc.add_paragraph("\n\n")
        lines = [
            ("承办人意见", "签字"),
            ("承办部门负责人意见", "签字"),
            ("分管领导批示", "签字"),
            ("主要领导批示", "签字"),
        ]
    doc.add_paragraph()
    _table(
        doc, ["环节", "签字及日期"], [[f"{a}：\n\n", f"{b}：            年    月    日"] for a, b in lines]
    )
    if office:
        doc.add_paragraph(office).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
