"""GEXF 1.2 for Gephi: node labels are the captions (names, titles …), node colours those of the model
(:data:`graphaudit.viz.LABEL_COLORS`), node size grows with the severity of the findings on the node, edge
labels are the relationship types.  The node's label (Person …) is the attribute ``kind`` (``kind_zh`` in
Chinese), the store's ``id`` is ``node_id``, and the relationship type is also the attribute ``kind``
(GEXF reserves ``label``, ``id`` and ``type``)."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from graphaudit.export.atomic import atomic_path
from graphaudit.export.view import View, flat
from graphaudit.viz import rgb

__all__ = ["write", "SUFFIX"]

SUFFIX = ".gexf"


def write(view: View, out: Path) -> list[Path]:
    """Write ``view`` to the GEXF file ``out``; the files written."""
    g = flat(view, node_id="node_id")
    for _, d in g.nodes(data=True):
        d["kind"], d["kind_zh"], d["label"] = d.pop("label"), d.pop("label_zh"), d.pop("caption")
        r, gr, b = rgb(d["kind"])
        d["viz"] = {"color": {"r": r, "g": gr, "b": b, "a": 1.0}, "size": 10.0 + d["severity"] / 5}
    for _, _, d in g.edges(data=True):
        d["kind"], d["kind_zh"] = d.pop("type"), d.pop("type_zh")
        d["label"] = d["kind"]
    with atomic_path(out) as tmp:
        nx.write_gexf(g, tmp, encoding="utf-8", prettyprint=True, version="1.2draft")
    return [out]
