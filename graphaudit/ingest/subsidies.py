"""subsidies: payments of subsidies and relief (低保, 特困供养, 危房改造 …) to people."""

from __future__ import annotations

import pandas as pd

from graphaudit.ingest.mapping import Col, Node, Rel, SourceGraph, same
from graphaudit.ingest.matching import MATCH_COLUMNS, MATCHED, by_id
from graphaudit.ingest.source import Column, Issue, SourceSpec


def _post(df: pd.DataFrame, _: list[Issue]) -> pd.DataFrame:
    """Each person as given by ID (graphaudit.ingest.matching resolves names when the dataset is loaded)."""
    return by_id(by_id(df, "recipient", key="recipient_id"), "approver")


SPEC = SourceSpec(
    name="subsidies",
    zh="补贴发放",
    key=("payment_id",),
    post=_post,
    adds=(*MATCH_COLUMNS["recipient"][1:], *MATCH_COLUMNS["approver"]),
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
        Column("approver_name", "name", ("审核人", "审核人姓名", "审批人")),
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
                        "approver_name",
                        "extra",
                    ),
                    "approver_id": "approver_key",
                    "bank_account": Col("bank_account", "account"),
                },
            ),
            "recipient": Node("Person", "recipient_id", {"name": "recipient_name"}),
            "approver": Node("Person", "approver_key", {"name": "approver_name"}),
            "program": Node("Program", "program"),
            "village": Node("Org", "village_code"),
            "account": Node("BankAccount", Col("bank_account", "account")),
        },
        rels=(
            Rel("PAID_TO", "payment", "recipient", MATCHED["recipient"]),
            Rel("APPROVED", "approver", "payment", MATCHED["approver"]),
            Rel("UNDER", "payment", "program"),
            Rel("IN_ORG", "payment", "village"),
            Rel("PAID_INTO", "payment", "account"),
            Rel("HAS_ACCOUNT", "recipient", "account"),
        ),
    ),
)
