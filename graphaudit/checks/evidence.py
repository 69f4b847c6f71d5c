"""Evidence paths: the chain of nodes and relationships a finding shows.

Both stores return paths as ``{"_NODES": [...], "_RELS": [...]}`` (node and relationship dicts with _LABEL,
_ID, and _SRC/_DST on relationships).  :func:`link_from` turns one into a :class:`Link`; :func:`canonical`
picks one path among several equally short ones — the shortest, then the lexicographically smallest by
(node ids, relationship types) — so that every store, whatever order or walk semantics it has, gives the
same evidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from graphaudit.checks.kinpath import KinName, KinStep, name_path
from graphaudit.model import MODEL

__all__ = ["Link", "link_from", "canonical", "node_ref"]

Node = Mapping[str, Any]


@dataclass(frozen=True)
class Link:
    """A walk through the graph: ``nodes`` (property dicts with _LABEL) and between each pair a step
    (relationship type, forward = the stored edge points along the walk)."""

    nodes: tuple[Node, ...]
    steps: tuple[KinStep, ...]

    @property
    def hops(self) -> int:
        return len(self.steps)

    @property
    def start(self) -> Node:
        return self.nodes[0]

    @property
    def end(self) -> Node:
        return self.nodes[-1]

    def key(self) -> tuple[int, tuple[str, ...], tuple[str, ...]]:
        """The canonical order: shortest, then by node ids, then by relationship types."""
        return (self.hops, tuple(str(n["id"]) for n in self.nodes), tuple(s.type for s in self.steps))

    def reversed(self) -> Link:
        return Link(self.nodes[::-1], tuple(KinStep(s.type, not s.forward) for s in self.steps[::-1]))

    def then(self, rtype: str, node: Node, forward: bool = True) -> Link:
        """This walk extended by one relationship to ``node``."""
        return Link((*self.nodes, node), (*self.steps, KinStep(rtype, forward)))

    def __add__(self, other: Link) -> Link:
        if self.end["id"] != other.start["id"] or self.end.get("_LABEL") != other.start.get("_LABEL"):
            raise ValueError("walks do not meet")
        return Link((*self.nodes, *other.nodes[1:]), (*self.steps, *other.steps))

    def kin_name(self) -> KinName:
        """The Chinese name of this walk as a kinship path (all steps must be kinship edges)."""
        return name_path(self.nodes, self.steps)

    def as_path(self) -> dict[str, list[dict[str, Any]]]:
        """The Finding.path form: {"nodes": [{label, id, caption}], "relationships": [{type, direction}]}."""
        return {
            "nodes": [node_ref(n) for n in self.nodes],
            "relationships": [{"type": s.type, "direction": "->" if s.forward else "<-"} for s in self.steps],
        }

    @staticmethod
    def at(node: Node) -> Link:
        """The empty walk standing on ``node``."""
        return Link((node,), ())


def node_ref(node: Node) -> dict[str, Any]:
    """{label, id, caption} of a node dict from a store."""
    label = str(node.get("_LABEL", ""))
    spec = MODEL.nodes.get(label)
    caption = node.get(spec.caption) if spec else None
    return {
        "label": label,
        "id": str(node["id"]),
        "caption": str(caption if caption not in (None, "") else node["id"]),
    }


def link_from(path: Mapping[str, Any], start_id: str | None = None) -> Link:
    """A store's path dict as a Link, oriented to begin at the node with id ``start_id`` if given."""
    nodes = list(path["_NODES"])
    rels = list(path["_RELS"])
    if start_id is not None and nodes and nodes[0]["id"] != start_id and nodes[-1]["id"] == start_id:
        nodes.reverse()
        rels.reverse()
    steps = []
    for i, r in enumerate(rels):
        a, b = nodes[i], nodes[i + 1]
        if r["_SRC"] == a["_ID"] and r["_DST"] == b["_ID"]:
            forward = True
        elif r["_SRC"] == b["_ID"] and r["_DST"] == a["_ID"]:
            forward = False
        else:
            raise ValueError("relationship does not join consecutive path nodes")
        steps.append(KinStep(str(r["_LABEL"]), forward))
    return Link(tuple(nodes), tuple(steps))


def canonical(links: Iterable[Link]) -> Link:
    """The one path shown as evidence: shortest, then lexicographically smallest (node ids, types)."""
    return min(links, key=Link.key)
