"""What an export contains: a :class:`Selection` and :func:`select`, which turns it into a subgraph and the
findings behind it — the same for every format.

A selection is a set of *seed* nodes:

- ``flagged``: the evidence-path nodes of every finding (of the checks in ``only``, all by default) whose
  severity is at least ``min_severity``;
- ``findings``: the evidence-path nodes of the findings with the given ``finding_ids`` (from a run of the
  checks in ``only``);
- ``around``: one node, given by its id (or ``Label:id``).

The exported node set is the seeds plus every node within ``hops`` of them (``store.subgraph``, stopping at
``limit`` nodes); ``hops`` defaults to 0 for findings — their evidence and nothing else — and to 1 around a
node.  The exported relationships are **every stored relationship between two exported nodes** (the induced
subgraph), so an evidence chain comes with the other links among its people, companies and records.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from graphaudit.errors import GraphAuditError
from graphaudit.findings import Finding, ordered
from graphaudit.model import MODEL
from graphaudit.store.base import GraphStore, _add_edge

__all__ = ["Selection", "SelectionError", "select", "MODES", "MAX_HOPS"]

MODES = ("flagged", "findings", "around")
MAX_HOPS = 5


class SelectionError(GraphAuditError):
    """The selection asks for something impossible (unknown finding, missing node, bad hops …)."""


@dataclass(frozen=True)
class Selection:
    """What to export.  ``params`` are check parameters as ``graphaudit check --param`` takes them."""

    mode: str = "flagged"
    only: tuple[str, ...] = ()
    min_severity: int = 0
    finding_ids: tuple[str, ...] = ()
    node_id: str | None = None
    hops: int | None = None
    limit: int = 5000
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def depth(self) -> int:
        """The hops actually walked: ``hops``, or 0 for findings and 1 around a node."""
        return self.hops if self.hops is not None else (1 if self.mode == "around" else 0)

    def check(self) -> None:
        """Raise :class:`SelectionError` naming the first thing wrong with this selection."""
        if self.mode not in MODES:
            raise SelectionError(f"unknown selection {self.mode!r} (use one of {', '.join(MODES)})")
        if not 0 <= self.depth <= MAX_HOPS:
            raise SelectionError(f"--hops must be from 0 to {MAX_HOPS}, got {self.depth}")
        if not 0 <= self.min_severity <= 100:
            raise SelectionError(f"--min-severity must be from 0 to 100, got {self.min_severity}")
        if self.limit < 1:
            raise SelectionError(f"--limit must be at least 1, got {self.limit}")
        if self.mode == "findings" and not self.finding_ids:
            raise SelectionError("--finding needs at least one finding id")
        if self.mode == "around" and not (self.node_id or "").strip():
            raise SelectionError("--around needs a node id")


def select(store: GraphStore, selection: Selection) -> tuple[nx.MultiDiGraph, list[Finding]]:
    """The subgraph and findings of ``selection`` (module docstring), findings most severe first.
    Node keys are ``Label:id`` with the store's properties plus ``label``; edge keys are types."""
    selection.check()
    findings = _findings(store, selection)
    if selection.mode == "around":
        seeds = _node_keys(store, (selection.node_id or "").strip())
    else:
        seeds = list(
            dict.fromkeys(f"{n['label']}:{n['id']}" for f in findings for n in f.path.get("nodes", []))
        )
    g = _walk(store, seeds, selection.depth, selection.limit)
    return g, findings


def _findings(store: GraphStore, sel: Selection) -> list[Finding]:
    if sel.mode == "around":
        return []
    from graphaudit.checks import run_checks

    every = [f for fs in run_checks(store, list(sel.only) or None, sel.params).values() for f in fs]
    if sel.mode == "flagged":
        return ordered([f for f in every if f.severity >= sel.min_severity])
    by_id = {f.finding_id: f for f in every}
    missing = [i for i in sel.finding_ids if i not in by_id]
    if missing:
        raise SelectionError(
            f"no finding {missing[0]!r} among the {len(by_id)} findings of "
            f"{', '.join(sel.only) or 'all checks'} on this store"
        )
    return ordered([by_id[i] for i in dict.fromkeys(sel.finding_ids)])


def _node_keys(store: GraphStore, node_id: str) -> list[str]:
    """``Label:id`` keys of the node(s) a user named by id or by ``Label:id``."""
    label, sep, rest = node_id.partition(":")
    if sep and label in MODEL.nodes:
        want, node_id = label, rest
    else:
        want = None
    keys = [k for k in store.subgraph([node_id], hops=0) if want is None or k.startswith(want + ":")]
    if not keys:
        raise SelectionError(f"--around {node_id!r}: no node with this id in the store")
    return sorted(keys)


def _walk(store: GraphStore, seeds: list[str], hops: int, limit: int) -> nx.MultiDiGraph:
    """Seeds plus the nodes within ``hops`` of them, and every stored relationship among those nodes."""
    g = nx.MultiDiGraph()
    if not seeds:
        return g
    ids = sorted({k.split(":", 1)[1] for k in seeds})
    walked = store.subgraph(ids, hops=hops, limit=max(limit, len(seeds)))
    keep = set(walked) if hops else set(seeds) & set(walked)
    g.add_nodes_from((k, walked.nodes[k]) for k in sorted(keep))
    _induce(store, g)
    return g


def _induce(store: GraphStore, g: nx.MultiDiGraph) -> None:
    """Add every stored relationship between two nodes of ``g``: one parameterised query per relationship
    type and label pair of the model (labels and types come from MODEL, ids are parameters)."""
    by_label: dict[str, list[str]] = {}
    for _, d in g.nodes(data=True):
        by_label.setdefault(d["label"], []).append(d["id"])
    rows: list[dict[str, Any]] = []
    for rtype, spec in MODEL.rels.items():
        for a, b in spec.pairs:
            if a in by_label and b in by_label:
                rows += store.run(
                    f"MATCH (a:{a})-[r:{rtype}]->(b:{b}) WHERE a.id IN $ia AND b.id IN $ib RETURN a, r, b",
                    {"ia": sorted(by_label[a]), "ib": sorted(by_label[b])},
                )
    rows.sort(key=_order)
    for r in rows:
        _add_edge(g, r["r"], r["a"], r["b"])


def _order(row: dict[str, Any]) -> tuple[str, ...]:
    """Rows in an order both stores share, properties included (the first of parallel edges is kept)."""
    props = sorted((k, str(v)) for k, v in row["r"].items() if not k.startswith("_") and v is not None)
    return (
        row["a"]["_LABEL"],
        row["a"]["id"],
        row["r"]["_LABEL"],
        row["b"]["_LABEL"],
        row["b"]["id"],
        str(props),
    )
