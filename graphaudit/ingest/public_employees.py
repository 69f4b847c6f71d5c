"""public_employees: people paid from public funds (财政供养人员: civil servants, teachers, staff of public
institutions) with the dates they joined and left.  A household member in post makes the household
ineligible for means-tested relief (checks.ineligible_recipient)."""

from __future__ import annotations

from graphaudit.ingest.mapping import Node, Rel, SourceGraph, same
from graphaudit.ingest.registers import record_post
from graphaudit.ingest.source import Column, SourceSpec

KEY = ("person_id", "start_date")

SPEC = SourceSpec(
    name="public_employees",
    zh="财政供养人员",
    key=KEY,
    columns=(
        Column("person_id", "pid", ("公民身份号码", "身份证号", "身份证号码", "证件号码"), required=True),
        Column("name", "name", ("姓名",)),
        Column("employer", "text", ("工作单位", "单位名称", "单位")),
        Column("start_date", "date", ("入职日期", "参加工作日期", "开始日期"), required=True),
        Column("end_date", "date", ("离职日期", "离职退休日期", "结束日期")),
    ),
    post=record_post("public_employees", "J:", KEY, "start_date", "end_date"),
    adds=("record_id",),
    graph=SourceGraph(
        nodes={
            "employee": Node("Person", "person_id", same("name")),
            "job": Node("Job", "record_id", same("employer", "start_date", "end_date")),
        },
        rels=(Rel("EMPLOYED", "employee", "job"),),
    ),
)
