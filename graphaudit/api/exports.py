"""Export a finding's evidence subgraph or the subgraph around selected nodes, as JSON (node-link) or GraphML.

Identifiers are masked unless the role may see them (analysts' exports leave the system, so they are masked).
:func:`render` is the one place that writes a subgraph; when ``graphaudit.export`` offers
``export_selection`` with every format, it is the one line to switch.
"""

from __future__ import annotations

import io
import json
from typing import Annotated, Any

import networkx as nx
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from graphaudit.api.auth import Caller, require
from graphaudit.api.findings import evidence_subgraph, load_finding
from graphaudit.api.graph import NODE_CAP, resolve
from graphaudit.api.roles import Permission
from graphaudit.api.schemas import ExportRequest
from graphaudit.api.view import node_view
from graphaudit.api.walk import walk

__all__ = ["router", "render", "FORMATS"]

router = APIRouter(prefix="/api", tags=["export 导出"])

FORMATS = {"json": ("application/json", "json"), "graphml": ("application/graphml+xml", "graphml")}


def _scalar(v: Any) -> Any:
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v if isinstance(v, (str, int, float, bool)) else json.dumps(v, ensure_ascii=False, default=str)


def render(g: nx.MultiDiGraph, fmt: str, caller: Caller) -> bytes:
    """``g`` as ``fmt`` bytes, nodes keyed by their ref, identifiers masked as the caller's role requires."""
    out = nx.MultiDiGraph()
    keys = {}
    for k, attrs in g.nodes(data=True):
        v = node_view(attrs["label"], attrs, caller.svc.refs, caller.show_ids)
        keys[k] = v["ref"]
        out.add_node(v["ref"], label=v["label"], label_zh=v["label_zh"], caption=v["caption"],
                     **{p: _scalar(x) for p, x in v["props"].items() if p not in ("label", "caption")})
    for u, w, t, attrs in g.edges(keys=True, data=True):
        props = {p: _scalar(x) for p, x in attrs.items() if x is not None and p != "type"}
        out.add_edge(keys[u], keys[w], key=t, type=t, **props)
    if fmt == "graphml":
        buf = io.BytesIO()
        nx.write_graphml(out, buf, encoding="utf-8")
        return buf.getvalue()
    data = nx.node_link_data(out, edges="edges")
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


def _download(body: bytes, fmt: str, stem: str) -> Response:
    media, suffix = FORMATS[fmt]
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{stem}.{suffix}"'})


Fmt = Annotated[str, Query(pattern="^(json|graphml)$", description="json (node-link) 或 graphml")]


@router.get("/findings/{finding_id}/export", summary="导出线索证据子图 Export a finding's evidence",
            response_class=Response, responses={200: {"content": {m: {} for m, _ in FORMATS.values()}}})
def export_finding(finding_id: str, format: Fmt = "json",
                   caller: Caller = Depends(require(Permission.export, "export_finding"))) -> Response:
    """线索的证据子图（路径节点、其间关系及若干邻居）。The finding's evidence subgraph, as the finding page shows it."""
    f = load_finding(caller, finding_id)
    g = evidence_subgraph(caller, f)
    return _download(render(g, format, caller), format, f"finding-{finding_id}")


@router.post("/export", summary="导出所选节点的子图 Export the subgraph around selected nodes",
             response_class=Response, responses={200: {"content": {m: {} for m, _ in FORMATS.values()}}})
def export_selection(body: ExportRequest,
                     caller: Caller = Depends(require(Permission.export))) -> Response:
    """所选节点及其 N 跳之内的邻居（最多 3000 个节点）。The selected nodes and their neighbours within N hops
    (at most 3000 nodes; hubs are not walked through)."""
    caller.log("export_selection", body.model_dump())
    starts = sorted({resolve(caller, r) for r in body.refs})
    g = walk(caller.svc.store, starts, hops=body.hops, cap=NODE_CAP, through_hubs=True).graph
    return _download(render(g, body.format, caller), body.format, "selection")
