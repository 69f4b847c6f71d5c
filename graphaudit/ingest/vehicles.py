"""vehicles: the traffic police's motor-vehicle register (车辆登记): who owned which vehicle of which type
(GA 802 names: 小型轿车, 普通二轮摩托车 …) from registration to deregistration."""

from __future__ import annotations

from graphaudit.ingest.mapping import Node, Rel, SourceGraph, same
from graphaudit.ingest.registers import record_post
from graphaudit.ingest.source import Column, SourceSpec

KEY = ("owner_id", "plate", "register_date")

SPEC = SourceSpec(
    name="vehicles",
    zh="车辆登记",
    key=KEY,
    columns=(
        Column("owner_id", "pid", ("所有人身份证号", "所有人证件号码", "身份证号"), required=True),
        Column("owner_name", "name", ("所有人姓名", "所有人", "车主")),
        Column("plate", "ident", ("号牌号码", "车牌号", "车牌号码")),
        Column("vehicle_type", "text", ("车辆类型", "车型"), required=True),
        Column("register_date", "date", ("注册登记日期", "登记日期", "初次登记日期"), required=True),
        Column("deregister_date", "date", ("注销日期", "注销登记日期")),
    ),
    post=record_post("vehicles", "V:", KEY, "register_date", "deregister_date"),
    adds=("record_id",),
    graph=SourceGraph(
        nodes={
            "owner": Node("Person", "owner_id", {"name": "owner_name"}),
            "vehicle": Node(
                "Vehicle", "record_id", same("plate", "vehicle_type", "register_date", "deregister_date")
            ),
        },
        rels=(Rel("OWNS_VEHICLE", "owner", "vehicle"),),
    ),
)
