"""declarations: the 备案 of village cadres' near relatives who receive 低保 (村干部近亲属享受低保备案): which
cadre declared which relative for which programme, and when.  A declared relative is context on a case, not a
finding (checks.undeclared_kin_benefit)."""

from __future__ import annotations

from graphaudit.ingest.mapping import Node, Rel, SourceGraph, same
from graphaudit.ingest.source import Column, SourceSpec

SPEC = SourceSpec(
    name="declarations",
    zh="近亲属备案",
    key=("cadre_id", "relative_id", "program", "declare_date"),
    columns=(
        Column("cadre_id", "pid", ("干部身份证号", "干部证件号码", "村干部身份证号"), required=True),
        Column("relative_id", "pid", ("亲属身份证号", "近亲属身份证号", "亲属证件号码"), required=True),
        Column("program", "text", ("补贴项目", "项目")),
        Column("declare_date", "date", ("备案日期",), required=True),
    ),
    graph=SourceGraph(
        nodes={"cadre": Node("Person", "cadre_id"), "relative": Node("Person", "relative_id")},
        rels=(Rel("DECLARED", "cadre", "relative", same("program", "declare_date")),),
    ),
)
