"""The sources of the data contract, in load order, checked together with the per-label graph rules.

Adding a register: a module here declaring its ``SPEC`` (columns, and the graph its rows make — see
graphaudit.ingest.mapping), its name in the list below, and its labels and relationships in model.yaml.
"""

from __future__ import annotations

from graphaudit.ingest import (
    cadres,
    companies,
    contracts,
    deaths,
    declarations,
    households,
    orgs,
    prisoners,
    public_employees,
    real_estate,
    relations,
    shareholders,
    subsidies,
    vehicles,
)
from graphaudit.ingest.labels import LABELS
from graphaudit.ingest.mapping import check_registry
from graphaudit.ingest.source import SourceSpec

SOURCES: dict[str, SourceSpec] = {
    m.SPEC.name: m.SPEC
    for m in (
        orgs,
        households,
        relations,
        cadres,
        companies,
        shareholders,
        contracts,
        subsidies,
        # the optional registers collided with the payments (数据碰撞)
        public_employees,
        vehicles,
        real_estate,
        deaths,
        prisoners,
        declarations,
    )
}

check_registry({name: spec.graph for name, spec in SOURCES.items()}, LABELS)
