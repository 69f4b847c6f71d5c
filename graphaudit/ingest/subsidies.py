"""subsidies: payments of subsidies and relief (低保, 特困供养, 危房改造 …) to people."""

from __future__ import annotations

from graphaudit.ingest.mapping import Col, Node, Rel, SourceGraph, same
from graphaudit.ingest.source import Column, SourceSpec

SPEC = SourceSpec(
    name="subsidies",
    zh="补贴发放",
    key=("payment_id",),
    columns=(
        Column("payment_id", "ident", ("发放编号", "流水号"), required=True),
        Column("program", "text", ("补贴项目", "项目名称", "补贴类型"), required=True),
        Column(
            "recipient_id",
            "pid",
            ("领取人身份证号", "领取人证件号码", "身份证号"),
            required=True,
            lenient_id=True,
        ),
        Column("recipient_name", "name", ("领取人姓名", "姓名")),
        Column("household_id", "ident", ("户号",)),
        Column("village_code", "code", ("村代码", "行政区划代码")),
        Column("amount", "amount", ("发放金额", "金额"), required=True),
        Column("pay_date", "date", ("发放日期", "日期"), required=True),
        Column("approver_id", "pid", ("审核人身份证号", "审批人身份证号", "审核人证件号码")),
        Column("bank_account", "ident", ("银行账号", "社保卡号", "账号")),
    ),
    graph=SourceGraph(
        nodes={
            "payment": Node(
                "Payment",
                "payment_id",
                {
                    **same(
                        "program",
                        "recipient_id",
                        "recipient_name",
                        "household_id",
                        "village_code",
                        "amount",
                        "pay_date",
                        "approver_id",
                        "extra",
                    ),
                    "bank_account": Col("bank_account", "account"),
                },
            ),
            "recipient": Node("Person", "recipient_id", {"name": "recipient_name"}),
            "approver": Node("Person", "approver_id"),
            "program": Node("Program", "program"),
            "village": Node("Org", "village_code"),
            "account": Node("BankAccount", Col("bank_account", "account")),
        },
        rels=(
            Rel("PAID_TO", "payment", "recipient"),
            Rel("APPROVED", "approver", "payment"),
            Rel("UNDER", "payment", "program"),
            Rel("IN_ORG", "payment", "village"),
            Rel("PAID_INTO", "payment", "account"),
            Rel("HAS_ACCOUNT", "recipient", "account"),
        ),
    ),
)
