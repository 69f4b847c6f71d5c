"""JSON node-link (``networkx.node_link_data``, edges under ``"edges"``): every node and relationship with
the attributes of :mod:`graphaudit.export.view` — ``findings`` as lists of finding ids — and, under
``graph.findings``, the findings themselves (masked unless ``show_ids``) with the export keys of their
evidence.  Read it back with ``networkx.node_link_graph(data, edges="edges")``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx

from graphaudit.export.atomic import atomic_text
from graphaudit.export.view import View

__all__ = ["write", "SUFFIX", "data"]

SUFFIX = ".json"


def data(view: View) -> dict[str, Any]:
    """The node-link dict of ``view``."""
    g = view.graph.copy()
    g.graph.update(generator="graphaudit", ids_masked=not view.show_ids, findings=view.findings)
    return nx.node_link_data(g, edges="edges")


def write(view: View, out: Path) -> list[Path]:
    """Write ``view`` as node-link JSON to ``out``; the files written."""
    atomic_text(out, json.dumps(data(view), ensure_ascii=False, indent=1))
    return [out]
