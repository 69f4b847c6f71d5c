"""Community detection on the projection: igraph's Leiden, seeded, on sorted input — the same communities on
every run and from every store.

The objective is the constant Potts model (CPM) on the edge weights: a community is kept together while its
internal weight exceeds ``resolution`` × the number of its node pairs, so communities stay the size of a
family or a clan (no resolution limit, unlike modularity on a county-sized graph).  At ~1M edges Leiden takes
about a second (networkx's Louvain about a minute).

One iteration of Leiden (``N_ITERATIONS``): a second one changed ~0.1 % of the communities (county seed 1:
40,101 against 40,135, the same 50 flagged clusters) and cost as much as the first.  igraph's Leiden grows
faster than the graph (a county's projection 2.0 s of CPU, four disjoint copies of it in one graph 13.7 s,
the same four one by one 8 s): every level of its loop moves, refines and aggregates the whole graph, and
the loop runs until the last part of the graph stops merging, so a bigger graph runs more levels (5 for a
county, 8 for four) and each level misses the CPU caches more.  Running it per connected component would not
help: a prefecture's projection is one component of 3.36M of its 3.40M nodes (kin and companies cross county
borders).  The random numbers come from a seeded ``random.Random`` (igraph calls it ~2.7M times on a county,
~10 % of the time); igraph's own generator would be faster but its seed cannot be set from Python, so the
communities would depend on what ran before in the process.
"""

from __future__ import annotations

import random

import igraph as ig
import numpy as np

from graphaudit.clusters.projection import Projection

__all__ = ["communities", "to_igraph", "RESOLUTION", "SEED"]

RESOLUTION = 0.05
SEED = 20240601
#: Leiden iterations (module docstring)
N_ITERATIONS = 1


def to_igraph(proj: Projection) -> ig.Graph:
    """The projection as an igraph Graph: vertex i is ``proj.nodes[i]``, edges in the order of ``proj.pairs``
    with attribute ``weight``."""
    g = ig.Graph(n=len(proj.nodes))
    g.add_edges(np.asarray(proj.pairs, dtype=np.int64))  # from the array: no list of pairs in between
    g.es["weight"] = proj.weight.tolist()
    return g


def communities(
    proj: Projection, resolution: float = RESOLUTION, seed: int = SEED, graph: ig.Graph | None = None
) -> list[int]:
    """The community of each node (by index), numbered in the order of each community's first node."""
    g = graph if graph is not None else to_igraph(proj)
    if g.vcount() == 0:
        return []
    ig.set_random_number_generator(random.Random(seed))
    try:
        # Graph.community_leiden(objective_function="CPM", …), without wrapping it in a VertexClustering
        membership, _quality = ig.GraphBase.community_leiden(
            g,
            edge_weights="weight",  # the attribute, read by igraph itself
            resolution=resolution,
            normalize_resolution=False,
            beta=0.01,
            n_iterations=N_ITERATIONS,
        )
    finally:
        ig.set_random_number_generator(random)
    member = np.asarray(membership, dtype=np.int64)
    _, first = np.unique(member, return_index=True)  # each community's first node
    renumber = np.empty(len(first), dtype=np.int64)
    renumber[np.argsort(first)] = np.arange(len(first))
    return renumber[member].tolist()
