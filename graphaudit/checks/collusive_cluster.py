"""collusive_cluster: communities of cadres, recipients and contractors in which conflict links and money
concentrate — rings that single-pair checks miss (approvers favouring each other's kin, a family rotating a
village's contracts, a case-worker whose approvals flow into one clan).

The method is in :mod:`graphaudit.clusters`: a weighted projection of people and companies (kinship,
approvals weighted by money, ownership, shared identifiers; ``projection``), seeded Leiden communities
(``detect``), conflict links (``conflicts``), clusters and their documented severity factors and threshold
(``score``), and the finding's evidence and Chinese explanation (``explain``).  Severity is computed there
from its own factors (its base points equal the declared ``base``).  :func:`cluster_subgraph` fetches a
finding's subgraph through the store.

Identity (finding_id): the check and the cluster's core pair — the two deciders with the most conflict links
(ties: the smaller id; ``graphaudit.clusters.explain.cluster_subject``).  Members and records joining later
keep it; as a case it also keeps its id through the records it shares with the cluster it was.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from graphaudit.checks.check import Check, CheckParamError, Param
from graphaudit.checks.legal import ART_104, FundKind
from graphaudit.findings import Finding
from graphaudit.store.base import GraphStore

__all__ = ["CHECK", "find", "cluster_subgraph", "scope_prefix"]

NAME = "collusive_cluster"
QUERIES = (
    "collusive_cluster",
    "cluster_kin",
    "cluster_ownership",
    "cluster_shared",
    "cluster_posts",
    "cluster_people",
    "cluster_names",
)


def scope_prefix(org: int) -> str:
    """The org-code prefix of parameter ``org``: 0 = everything, else a 6-digit county, 9-digit township or
    12-digit village code."""
    if org == 0:
        return ""
    text = str(org)
    if len(text) not in (6, 9, 12):
        raise CheckParamError(
            f"{NAME}: parameter org must be a 6-digit county, 9-digit township or 12-digit "
            f"village code (or 0 for all), got {org!r}"
        )
    return text


def find(store: GraphStore, params: dict[str, Any]) -> list[Finding]:
    # imported here: graphaudit.clusters uses graphaudit.checks.check, which loads this package's registry
    from graphaudit.clusters.explain import to_findings
    from graphaudit.clusters.pipeline import detect_clusters, flagged

    det = detect_clusters(
        store, scope_prefix(params["org"]), resolution=params["resolution"], max_holders=params["max_holders"]
    )
    hits = flagged(det, params["min_parties"], params["min_records"], params["min_severity"])
    return to_findings(store, det, hits, mask=params["mask_names"])


def cluster_subgraph(
    store: GraphStore, finding: Finding, hops: int = 1, limit: int = 5000
) -> nx.MultiDiGraph:
    """The subgraph of a collusive_cluster finding for visualisation and export: its people, companies and
    records, and everything within ``hops`` of them (``store.subgraph``)."""
    ids = [*finding.person_ids, *finding.details.get("companies", []), *finding.record_ids]
    return store.subgraph(sorted(set(ids)), hops=hops, limit=limit)


CHECK = Check(
    name=NAME,
    title="利益输送团伙",
    description="Leiden communities of a weighted projection of people and companies (kinship, approvals "
    "weighted by money, ownership, shared identifiers), joined by conflict links (money approved "
    "for the kin of its approver, of a cadre of its organisation, or reciprocally between two "
    "approvers' kin), scored and flagged above a threshold.",
    params=(
        Param(
            "org", int, 0, "restrict to a county (6 digits), township (9) or village (12) code; 0 = all", 0
        ),
        Param("min_parties", int, 3, "distinct receiving parties a flagged cluster needs", 1, 100),
        Param("min_records", int, 3, "conflicted records a flagged cluster needs", 1, 1000),
        Param("min_severity", int, 50, "severity a flagged cluster needs", 0, 100),
        Param(
            "resolution", float, 0.05, "Leiden CPM resolution: higher gives smaller communities", 0.001, 10
        ),
        Param("max_holders", int, 10, "households above which a shared identifier is ignored", 2, 1000),
    ),
    queries=QUERIES,
    base=30,
    legal_basis=ART_104,
    fund_kind=FundKind.MIXED,
    runs_long=True,
    find=find,
)
