"""From a store to scored clusters: projection → Leiden communities → conflict links → clusters → scores."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from graphaudit.checks.check import Post
from graphaudit.clusters.conflicts import KinIndex, find_conflicts
from graphaudit.clusters.detect import RESOLUTION, SEED, communities, to_igraph
from graphaudit.clusters.projection import Projection, build_projection
from graphaudit.clusters.score import (
    Cluster,
    approved_within,
    baseline_density,
    build_clusters,
    cluster_edges,
    score,
)
from graphaudit.store.base import GraphStore

__all__ = ["Detection", "detect_clusters", "flagged", "cadre_posts"]


@dataclass
class Detection:
    """Everything one run computed: the projection, each node's community, the scored clusters."""

    projection: Projection
    membership: list[int]
    clusters: list[Cluster]
    kin: KinIndex
    posts: dict[str, list[Post]]
    baseline: float
    seconds: dict[str, float] = field(default_factory=dict)


def detect_clusters(
    store: GraphStore,
    prefix: str = "",
    resolution: float = RESOLUTION,
    seed: int = SEED,
    max_holders: int = 10,
) -> Detection:
    """Scored clusters of ``store`` within org-code ``prefix`` ("" = everything); deterministic."""
    t = [time.perf_counter()]
    proj = build_projection(store, prefix, max_holders)
    t.append(time.perf_counter())
    membership = communities(proj, resolution, seed, graph=to_igraph(proj))
    t.append(time.perf_counter())
    posts = cadre_posts(store, prefix)
    conflicts, kin = find_conflicts(proj, posts)
    t.append(time.perf_counter())
    clusters = build_clusters(proj, membership, conflicts)
    for cl in clusters:
        core: set[int] = set()
        for c in cl.conflicts:
            core |= {c.actor, c.party, *kin.path(c.kin_of, c.person)}
        cl.core = sorted(core)
    base = baseline_density(proj, membership)
    for cl, edges, ids in zip(clusters, cluster_edges(proj, clusters), approved_within(proj, clusters)):
        score(proj, cl, membership, base, edges, ids)
    t.append(time.perf_counter())
    secs = dict(zip(("projection", "communities", "conflicts", "scoring"), (b - a for a, b in zip(t, t[1:]))))
    return Detection(proj, membership, clusters, kin, posts, base, {k: round(v, 3) for k, v in secs.items()})


def cadre_posts(store: GraphStore, prefix: str = "") -> dict[str, list[Post]]:
    """Every post in organisations of the scope (query ``cluster_posts``), by person id."""
    out: dict[str, list[Post]] = {}
    for r in store.run_named("cluster_posts", {"prefix": prefix}):
        out.setdefault(r["person_id"], []).append(
            Post(
                r["person_id"],
                r["title"] or "",
                r["org_id"],
                r["org_name"] or r["org_id"],
                r["start_date"],
                r["end_date"],
            )
        )
    return out


def flagged(
    det: Detection, min_parties: int = 3, min_records: int = 3, min_severity: int = 50
) -> list[Cluster]:
    """The clusters that are findings (score.py's threshold)."""
    return [
        cl
        for cl in det.clusters
        if len(cl.parties) >= min_parties and len(cl.records) >= min_records and cl.severity >= min_severity
    ]
