"""households: the household register (户籍), one row per registered person.

Each row is a registered person (key: the ID, or ``~household:name`` without one — ``person_key``, added when
tables are merged), a member of a household located in a village; the register is also where kinship is
derived from (with the relations file).
"""

from __future__ import annotations

from typing import Any, cast

import pandas as pd

from graphaudit.ingest.columns import birth_dates, genders, map_unique
from graphaudit.ingest.kinship import KINSHIP, role_of
from graphaudit.ingest.mapping import Col, Const, IdIssue, Node, Rel, SourceGraph, same
from graphaudit.ingest.source import Column, Issue, SourceSpec

STATUSES = {
    "正常": "正常",
    "死亡": "死亡",
    "迁出": "迁出",
    "注销": "死亡",
    "": "正常",
    "normal": "正常",
    "dead": "死亡",
    "deceased": "死亡",
    "moved": "迁出",
    "moved_out": "迁出",
}


def _post(df: pd.DataFrame, issues: list[Issue]) -> pd.DataFrame:
    valid = df["person_id_issue"].eq("") & df["person_id"].ne("")
    derive = df["birth_date"].isna() & valid
    if derive.any():
        df.loc[derive, "birth_date"] = birth_dates(df.loc[derive, "person_id"])
    gderive = (df["gender"].isna() | df["gender"].eq("")) & valid
    if gderive.any():
        df.loc[gderive, "gender"] = genders(df.loc[gderive, "person_id"])
    df["role"] = pd.Series(map_unique(df["relation"], role_of).tolist(), index=df.index)
    for i in df.index[df["role"].isna()]:
        issues.append(
            Issue(
                "households",
                str(df.at[i, "_file"]),
                int(cast(Any, df.at[i, "_row"])),
                "relation",
                "warning",
                "无法识别的与户主关系，不推导亲属关系 unknown relation to head: no kinship derived",
                str(df.at[i, "relation"]),
            )
        )
    df["role"] = df["role"].fillna("other")
    status = pd.Series(
        map_unique(df["status"].fillna(""), lambda s: STATUSES.get(str(s).lower(), None)).tolist(),
        index=df.index,
    )
    for i in df.index[status.isna()]:
        issues.append(
            Issue(
                "households",
                str(df.at[i, "_file"]),
                int(cast(Any, df.at[i, "_row"])),
                "status",
                "warning",
                "无法识别的户籍状态 unknown status, kept as written",
                str(df.at[i, "status"]),
            )
        )
    df["status"] = status.fillna(df["status"])
    died = df["death_date"].notna() & df["status"].eq("正常")
    df.loc[died, "status"] = "死亡"
    return df


SPEC = SourceSpec(
    name="households",
    zh="户籍",
    key=("person_key",),
    columns=(
        Column("household_id", "ident", ("户号", "户编号"), required=True),
        Column(
            "person_id",
            "pid",
            ("公民身份号码", "身份证号", "身份证号码", "证件号码"),
            required=True,
            lenient_id=True,
        ),
        Column("name", "name", ("姓名",), required=True),
        Column("relation", "text", ("与户主关系", "关系"), required=True),
        Column("gender", "gender", ("性别",)),
        Column("birth_date", "date", ("出生日期",)),
        Column(
            "village_code", "code", ("村代码", "行政区划代码", "村社区代码", "村（社区）代码"), required=True
        ),
        Column("address", "text", ("住址", "地址")),
        Column("phone", "text", ("联系电话", "电话", "手机号码")),
        Column("death_date", "date", ("死亡日期",)),
        Column("status", "text", ("户籍状态", "状态")),
    ),
    post=_post,
    adds=("role", "person_key"),
    graph=SourceGraph(
        nodes={
            "person": Node(
                "Person",
                "person_key",
                {
                    **same(
                        "name",
                        "gender",
                        "birth_date",
                        "death_date",
                        "status",
                        "household_id",
                        "relation",
                        "village_code",
                        "address",
                        "phone",
                        "extra",
                    ),
                    "registered": Const(True),
                    "id_issue": IdIssue("person_id"),
                },
            ),
            "household": Node("Household", "household_id", same("village_code", "address")),
            "village": Node("Org", "village_code"),
            "phone": Node("Phone", Col("phone", "phone")),
            "address": Node("Address", Col("address", "address")),
        },
        rels=(
            Rel("MEMBER_OF", "person", "household", same("relation")),
            Rel("HAS_PHONE", "person", "phone"),
            Rel("HAS_ADDRESS", "person", "address"),
        ),
        derive=(KINSHIP,),
    ),
)
