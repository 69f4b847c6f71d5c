"""prisoners: people in custody or serving a sentence (在押服刑人员), with the dates they entered and left.
Relief paid for a period in custody is an improper payment (checks.imprisoned_recipient)."""

from __future__ import annotations

from graphaudit.ingest.mapping import Node, Rel, SourceGraph, same
from graphaudit.ingest.registers import record_post
from graphaudit.ingest.source import Column, SourceSpec

KEY = ("person_id", "start_date")

SPEC = SourceSpec(
    name="prisoners",
    zh="在押服刑人员",
    key=KEY,
    columns=(
        Column("person_id", "pid", ("公民身份号码", "身份证号", "身份证号码", "证件号码"), required=True),
        Column("name", "name", ("姓名",)),
        Column("start_date", "date", ("入监日期", "羁押日期", "入所日期"), required=True),
        Column("end_date", "date", ("出监日期", "释放日期", "出所日期")),
    ),
    post=record_post("prisoners", "C:", KEY, "start_date", "end_date"),
    adds=("record_id",),
    graph=SourceGraph(
        nodes={
            "inmate": Node("Person", "person_id", same("name")),
            "custody": Node("Custody", "record_id", same("start_date", "end_date")),
        },
        rels=(Rel("IN_CUSTODY", "inmate", "custody"),),
    ),
)
