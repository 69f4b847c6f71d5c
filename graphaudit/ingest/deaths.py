"""deaths: deaths known outside the household register (火化、殡葬、医院、公安 records).  The register is
often not updated; a death date here fills a person whose register row has none (Person's ``fill`` in
labels.py), and ``death_source`` says where it came from."""

from __future__ import annotations

from graphaudit.ingest.mapping import Node, SourceGraph
from graphaudit.ingest.source import Column, SourceSpec

SPEC = SourceSpec(
    name="deaths",
    zh="死亡火化登记",
    key=("person_id",),
    columns=(
        Column("person_id", "pid", ("公民身份号码", "身份证号", "身份证号码", "证件号码"), required=True),
        Column("name", "name", ("姓名", "死者姓名")),
        Column("death_date", "date", ("死亡日期", "火化日期"), required=True),
        Column("source", "text", ("数据来源", "来源")),
    ),
    graph=SourceGraph(
        nodes={
            "dead": Node(
                "Person", "person_id", {"name": "name", "death_date": "death_date", "death_source": "source"}
            )
        },
    ),
)
