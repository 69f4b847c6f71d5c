"""contracts: project contracts issued by a village or township (发包单位) to a company or a person."""

from __future__ import annotations

from graphaudit.ingest.mapping import Node, Rel, SourceGraph, same
from graphaudit.ingest.source import Column, SourceSpec

SPEC = SourceSpec(
    name="contracts",
    zh="合同",
    key=("contract_id",),
    columns=(
        Column("contract_id", "ident", ("合同编号", "合同号"), required=True),
        Column("title", "text", ("项目名称", "合同名称")),
        Column("org_code", "code", ("发包单位代码", "单位代码"), required=True),
        Column(
            "contractor_id",
            "party",
            ("承包方证件号码", "承包方代码", "承包方统一社会信用代码"),
            required=True,
        ),
        Column("contractor_name", "name", ("承包方名称", "承包方")),
        Column("amount", "amount", ("合同金额", "金额"), required=True),
        Column("sign_date", "date", ("签订日期", "签约日期"), required=True),
        Column("approver_id", "pid", ("审批人身份证号", "审批人证件号码")),
        Column("method", "text", ("采购方式", "发包方式")),
    ),
    graph=SourceGraph(
        nodes={
            "contract": Node(
                "Contract",
                "contract_id",
                same(
                    "title",
                    "org_code",
                    "contractor_id",
                    "contractor_name",
                    "amount",
                    "sign_date",
                    "approver_id",
                    "method",
                    "extra",
                ),
            ),
            "org": Node("Org", "org_code"),
            "contractor": Node("Person", "contractor_id", {"name": "contractor_name"}, otherwise="Company"),
            "approver": Node("Person", "approver_id"),
        },
        rels=(
            Rel("ISSUED", "org", "contract"),
            Rel("AWARDED_TO", "contract", "contractor"),
            Rel("APPROVED", "approver", "contract"),
        ),
    ),
)
