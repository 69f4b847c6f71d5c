"""GraphML for Gephi, yEd, igraph and Cytoscape: one ``<node>`` per node (id = the export key), typed
``<data>`` for every attribute of :mod:`graphaudit.export.view` (doubles, longs, booleans; dates as ISO
strings; finding lists joined with ``; ``).  The store's ``id`` property is written as ``node_id`` because
GraphML elements have an ``id`` of their own."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from graphaudit.export.atomic import atomic_path
from graphaudit.export.view import View, flat

__all__ = ["write", "SUFFIX"]

SUFFIX = ".graphml"


def write(view: View, out: Path) -> list[Path]:
    """Write ``view`` to the GraphML file ``out``; the files written."""
    g = flat(view, node_id="node_id")
    with atomic_path(out) as tmp:
        nx.write_graphml(g, tmp, encoding="utf-8", prettyprint=True)
    return [out]
