"""cadres: village and township cadres (村两委, 民政助理员 …) with the dates they held each post."""

from __future__ import annotations

from typing import Any, cast

import pandas as pd

from graphaudit.ingest.mapping import Node, Rel, SourceGraph, same
from graphaudit.ingest.source import Column, Issue, SourceSpec


def _post(df: pd.DataFrame, issues: list[Issue]) -> pd.DataFrame:
    backwards = df["end_date"].notna() & (df["end_date"] < df["start_date"])
    for i in df.index[backwards]:
        issues.append(
            Issue(
                "cadres",
                str(df.at[i, "_file"]),
                int(cast(Any, df.at[i, "_row"])),
                "end_date",
                "rejected",
                "任职结束日期早于开始日期 end date before start date",
                str(df.at[i, "end_date"]),
            )
        )
    return df[~backwards].reset_index(drop=True)


SPEC = SourceSpec(
    name="cadres",
    zh="干部任职",
    key=("person_id", "org_code", "title", "start_date"),
    columns=(
        Column("person_id", "pid", ("公民身份号码", "身份证号", "身份证号码", "证件号码"), required=True),
        Column("name", "name", ("姓名",)),
        Column("org_code", "code", ("单位代码", "组织代码", "村代码"), required=True),
        Column("org_name", "text", ("单位名称", "组织名称")),
        Column("title", "text", ("职务",), required=True),
        Column("start_date", "date", ("任职开始日期", "任职日期", "开始日期"), required=True),
        Column("end_date", "date", ("任职结束日期", "离任日期", "结束日期")),
    ),
    post=_post,
    graph=SourceGraph(
        nodes={
            "cadre": Node("Person", "person_id", same("name")),
            "org": Node("Org", "org_code", {"name": "org_name"}),
        },
        rels=(Rel("HOLDS", "cadre", "org", same("title", "start_date", "end_date")),),
    ),
)
