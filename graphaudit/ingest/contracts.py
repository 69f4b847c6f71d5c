"""contracts: project contracts issued by a village or township (发包单位) to a company or a person."""

from __future__ import annotations

import pandas as pd

from graphaudit.ingest.issue import FILE, ROW
from graphaudit.ingest.mapping import Node, Rel, SourceGraph, same
from graphaudit.ingest.matching import MATCH_COLUMNS, MATCHED, by_id
from graphaudit.ingest.source import Column, Issue, SourceSpec


def _post(df: pd.DataFrame, issues: list[Issue]) -> pd.DataFrame:
    """A contract names its contractor by ID or by name: a row with neither is rejected.  Each party as given
    by ID (graphaudit.ingest.matching resolves names when the dataset is loaded)."""
    none = (df["contractor_id"].fillna("") == "") & (df["contractor_name"].fillna("") == "")
    for f, r in zip(df.loc[none, FILE].tolist(), df.loc[none, ROW].tolist()):
        issues.append(
            Issue(
                "contracts",
                str(f),
                int(r),
                "承包方证件号码/承包方名称 (contractor_id/contractor_name)",
                "rejected",
                "必填项为空 required value is empty: 承包方证件号码或名称至少填一项 contractor ID or name",
            )
        )
    df = df[~none.to_numpy(dtype=bool)].reset_index(drop=True)
    return by_id(by_id(df, "contractor"), "approver")


SPEC = SourceSpec(
    name="contracts",
    zh="合同",
    key=("contract_id",),
    post=_post,
    adds=(*MATCH_COLUMNS["contractor"], *MATCH_COLUMNS["approver"]),
    columns=(
        Column("contract_id", "ident", ("合同编号", "合同号"), required=True),
        Column("title", "text", ("项目名称", "合同名称")),
        Column("org_code", "code", ("发包单位代码", "单位代码"), required=True),
        Column(
            "contractor_id",
            "party",
            ("承包方证件号码", "承包方代码", "承包方统一社会信用代码"),
        ),
        Column("contractor_name", "name", ("承包方名称", "承包方")),
        Column("amount", "amount", ("合同金额", "金额"), required=True),
        Column("sign_date", "date", ("签订日期", "签约日期"), required=True),
        Column("approver_id", "pid", ("审批人身份证号", "审批人证件号码")),
        Column("approver_name", "name", ("审批人", "审批人姓名")),
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
            "contractor": Node("Person", "contractor_key", {"name": "contractor_name"}, otherwise="Company"),
            "approver": Node("Person", "approver_key", {"name": "approver_name"}),
        },
        rels=(
            Rel("ISSUED", "org", "contract"),
            Rel("AWARDED_TO", "contract", "contractor", MATCHED["contractor"]),
            Rel("APPROVED", "approver", "contract", MATCHED["approver"]),
        ),
    ),
)
