"""real_estate: the real-estate register (不动产登记): who held which property (use, area) from
registration to deregistration.  Co-owners of one certificate are one row each."""

from __future__ import annotations

from graphaudit.ingest.mapping import Node, Rel, SourceGraph, same
from graphaudit.ingest.registers import record_post
from graphaudit.ingest.source import Column, SourceSpec

KEY = ("owner_id", "property_id", "register_date")

SPEC = SourceSpec(
    name="real_estate",
    zh="不动产登记",
    key=KEY,
    columns=(
        Column("owner_id", "pid", ("权利人证件号码", "权利人身份证号", "身份证号"), required=True),
        Column("owner_name", "name", ("权利人", "权利人姓名")),
        Column("property_id", "ident", ("不动产权证号", "不动产单元号", "产权证号"), required=True),
        Column("kind", "text", ("用途", "房屋用途")),
        Column("area", "amount", ("面积", "建筑面积")),
        Column("register_date", "date", ("登记日期", "登簿日期"), required=True),
        Column("deregister_date", "date", ("注销日期",)),
    ),
    post=record_post("real_estate", "R:", KEY, "register_date", "deregister_date"),
    adds=("record_id",),
    graph=SourceGraph(
        nodes={
            "owner": Node("Person", "owner_id", {"name": "owner_name"}),
            "property": Node("RealEstate", "property_id", same("kind", "area")),
        },
        rels=(Rel("OWNS_PROPERTY", "owner", "property", same("register_date", "deregister_date")),),
    ),
)
