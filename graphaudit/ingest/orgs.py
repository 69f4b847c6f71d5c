"""orgs: the organisations' names (村、社区、乡镇 with their codes), optional.  Where a village's name is
missing from the cadres' register, this table names it; pages, exports and sentences show the name instead of
the 12-digit code (graphaudit.places)."""

from __future__ import annotations

from graphaudit.ingest.mapping import Node, SourceGraph
from graphaudit.ingest.source import Column, SourceSpec

SPEC = SourceSpec(
    name="orgs",
    zh="单位名称",
    key=("org_code",),
    columns=(
        Column(
            "org_code",
            "code",
            ("单位代码", "组织代码", "区划代码", "统计用区划代码", "村代码"),
            required=True,
        ),
        Column("name", "text", ("单位名称", "名称", "村名称", "组织名称"), required=True),
    ),
    graph=SourceGraph(nodes={"org": Node("Org", "org_code", {"name": "name"})}),
)
