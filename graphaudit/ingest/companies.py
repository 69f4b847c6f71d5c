"""companies: enterprises (企业) with their USCC, legal representative and contact identifiers."""

from __future__ import annotations

from graphaudit.ingest.mapping import Col, Node, Rel, SourceGraph, same
from graphaudit.ingest.source import Column, SourceSpec

SPEC = SourceSpec(
    name="companies",
    zh="企业",
    key=("company_id",),
    columns=(
        Column("company_id", "uscc", ("统一社会信用代码", "信用代码"), required=True),
        Column("name", "name", ("企业名称", "名称"), required=True),
        Column("legal_rep_id", "pid", ("法定代表人证件号码", "法定代表人身份证号", "法人身份证号")),
        Column("legal_rep_name", "name", ("法定代表人", "法人")),
        Column("address", "text", ("住所", "地址", "注册地址")),
        Column("phone", "text", ("联系电话", "电话")),
        Column("bank_account", "ident", ("银行账号", "账号", "开户账号")),
    ),
    graph=SourceGraph(
        nodes={
            "company": Node(
                "Company",
                "company_id",
                {
                    **same(
                        "name", "legal_rep_id", "legal_rep_name", "address", "phone", "bank_account", "extra"
                    ),
                    "id_issue": "company_id_issue",
                },
            ),
            "legal_rep": Node("Person", "legal_rep_id", {"name": "legal_rep_name"}),
            "phone": Node("Phone", Col("phone", "phone")),
            "address": Node("Address", Col("address", "address")),
            "account": Node("BankAccount", Col("bank_account", "account")),
        },
        rels=(
            Rel("LEGAL_REP_OF", "legal_rep", "company"),
            Rel("HAS_PHONE", "company", "phone"),
            Rel("HAS_ADDRESS", "company", "address"),
            Rel("HAS_ACCOUNT", "company", "account"),
        ),
    ),
)
