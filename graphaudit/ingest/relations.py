"""relations: kin across households (a married-out daughter and her parents, brothers heading their own
households).  ``relation`` says what person A is to person B.  Both are people; the kin edges themselves are
derived with the register's (households.py declares the kinship derivation, which reads this table)."""

from __future__ import annotations

from typing import Any, cast

import pandas as pd

from graphaudit.ingest.columns import map_unique
from graphaudit.ingest.issue import Issue
from graphaudit.ingest.kinship import RELATIONS
from graphaudit.ingest.mapping import Node, SourceGraph
from graphaudit.ingest.source import Column, SourceSpec


def _post(df: pd.DataFrame, issues: list[Issue]) -> pd.DataFrame:
    known = pd.Series(
        map_unique(df["relation"], lambda r: str(r).lower() in RELATIONS).astype(bool), index=df.index
    )
    for i in df.index[~known]:
        issues.append(
            Issue(
                "relations",
                str(df.at[i, "_file"]),
                int(cast(Any, df.at[i, "_row"])),
                "relation",
                "rejected",
                "无法识别的关系（可用：父母、子女、配偶、兄弟姐妹）unknown relation",
                str(df.at[i, "relation"]),
            )
        )
    self_loop = df["person_id_a"] == df["person_id_b"]
    for i in df.index[self_loop & known]:
        issues.append(
            Issue(
                "relations",
                str(df.at[i, "_file"]),
                int(cast(Any, df.at[i, "_row"])),
                "person_id_b",
                "rejected",
                "两人证件号码相同 A and B are the same person",
                str(df.at[i, "person_id_b"]),
            )
        )
    return df[known & ~self_loop].reset_index(drop=True)


SPEC = SourceSpec(
    name="relations",
    zh="亲属关系",
    key=("person_id_a", "person_id_b", "relation"),
    columns=(
        Column(
            "person_id_a", "pid", ("证件号码A", "身份证号A", "本人身份证号", "公民身份号码A"), required=True
        ),
        Column("name_a", "name", ("姓名A", "本人姓名")),
        Column(
            "person_id_b", "pid", ("证件号码B", "身份证号B", "亲属身份证号", "公民身份号码B"), required=True
        ),
        Column("name_b", "name", ("姓名B", "亲属姓名")),
        Column("relation", "text", ("关系", "亲属关系"), required=True),
    ),
    post=_post,
    graph=SourceGraph(
        nodes={
            "a": Node("Person", "person_id_a", {"name": "name_a"}),
            "b": Node("Person", "person_id_b", {"name": "name_b"}),
        },
    ),
)
