"""shareholders: who holds shares in a company — a person (resident ID) or another company (USCC)."""

from __future__ import annotations

from graphaudit.ingest.mapping import Node, Rel, SourceGraph, same
from graphaudit.ingest.source import Column, SourceSpec

SPEC = SourceSpec(
    name="shareholders",
    zh="股东",
    key=("company_id", "holder_id"),
    columns=(
        Column("company_id", "uscc", ("统一社会信用代码", "企业信用代码"), required=True),
        Column("holder_id", "party", ("股东证件号码", "股东身份证号", "股东代码"), required=True),
        Column("holder_name", "name", ("股东名称", "股东姓名", "股东")),
        Column("share", "share", ("持股比例", "出资比例")),
    ),
    graph=SourceGraph(
        nodes={
            "company": Node("Company", "company_id"),
            "holder": Node("Person", "holder_id", {"name": "holder_name"}, otherwise="Company"),
        },
        rels=(Rel("SHAREHOLDER_OF", "holder", "company", same("share")),),
    ),
)
