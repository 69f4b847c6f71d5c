"""The sources of the data contract, in load order."""

from __future__ import annotations

from graphaudit.ingest import cadres, companies, contracts, households, relations, shareholders, subsidies
from graphaudit.ingest.source import SourceSpec

SOURCES: dict[str, SourceSpec] = {
    m.SPEC.name: m.SPEC
    for m in (households, relations, cadres, companies, shareholders, contracts, subsidies)
}
