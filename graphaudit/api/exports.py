"""Export a finding's evidence subgraph, or the subgraph around selected nodes, in every format of
:data:`graphaudit.export.FORMATS` (a folder format — Neo4j import CSV — as a zip), with the media type and
file name ending each format declares.

The subgraph is the one the pages show (:mod:`graphaudit.api.walk`); the export view masks identifiers unless
the role may see them (analysts' exports leave the system, so theirs are masked), exactly as
``graphaudit export`` does.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated

import networkx as nx
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from graphaudit.api.auth import Caller, require
from graphaudit.api.findings import evidence_subgraph, load_finding
from graphaudit.api.graph import NODE_CAP, resolve
from graphaudit.api.roles import Permission
from graphaudit.api.schemas import FORMAT_PATTERN, ExportRequest
from graphaudit.api.walk import walk
from graphaudit.export import FORMATS, make_view, write_view
from graphaudit.findings import Finding

__all__ = ["router", "render"]

router = APIRouter(prefix="/api", tags=["export 导出"])
#: Every media type a download may have, for the OpenAPI description.
MEDIA_TYPES: dict[str, dict[str, object]] = {f.media_type: {} for f in FORMATS.values()}


def _reviews(caller: Caller, findings: list[Finding]) -> dict[str, tuple[str, str]]:
    """Finding id → (status, last comment) of the case each finding is folded into."""
    from graphaudit.cases.store import CaseStore

    store, out = CaseStore(caller.svc.state), {}
    for f in findings:
        cid = store.of_finding(f.finding_id)
        case = store.get(cid) if cid else None
        if case is not None:
            last = (case.get("reviews") or [{}])[-1]
            out[f.finding_id] = (case["status"], last.get("comment", ""))
    return out


def render(g: nx.MultiDiGraph, fmt: str, caller: Caller, findings: list[Finding] | None = None) -> bytes:
    """``g`` (and the findings it is evidence of) as ``fmt`` bytes, masked as the caller's role requires."""
    view = make_view(g, findings or [], show_ids=caller.show_ids)
    view.reviews = _reviews(caller, findings or [])
    with tempfile.TemporaryDirectory(prefix="graphaudit-export-") as tmp:
        folder = FORMATS[fmt].folder
        out = Path(tmp) / ("export" if folder else f"export{FORMATS[fmt].suffix}")
        files = write_view(view, fmt, out)
        if not folder:
            return files[0].read_bytes()
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for f in sorted(files):
                z.write(f, f.relative_to(out).as_posix())
        return buf.getvalue()


def _download(body: bytes, fmt: str, stem: str) -> Response:
    f = FORMATS[fmt]
    return Response(
        body,
        media_type=f.media_type,
        headers={"Content-Disposition": f'attachment; filename="{stem}{f.download}"'},
    )


Fmt = Annotated[
    str,
    Query(
        pattern=FORMAT_PATTERN,
        description="格式 format: " + "; ".join(f"{f.name} {f.title}" for f in FORMATS.values()),
    ),
]


@router.get(
    "/findings/{finding_id}/export",
    summary="导出线索证据子图 Export a finding's evidence",
    response_class=Response,
    responses={200: {"content": MEDIA_TYPES}},
)
def export_finding(
    finding_id: str,
    format: Fmt = "json",
    caller: Caller = Depends(require(Permission.export, "export_finding")),
) -> Response:
    """线索的证据子图（路径节点、其间关系及若干邻居）。
    The finding's evidence subgraph, as the finding page shows it."""
    f = load_finding(caller, finding_id)
    g = evidence_subgraph(caller, f)
    return _download(render(g, format, caller, [f]), format, f"finding-{finding_id}")


@router.post(
    "/export",
    summary="导出所选节点的子图 Export the subgraph around selected nodes",
    response_class=Response,
    responses={200: {"content": MEDIA_TYPES}},
)
def export_selection(body: ExportRequest, caller: Caller = Depends(require(Permission.export))) -> Response:
    """所选节点及其 N 跳之内的邻居（最多 3000 个节点）。The selected nodes and their neighbours within N hops
    (at most 3000 nodes; hubs are not walked through)."""
    caller.log("export_selection", body.model_dump())
    starts = sorted({resolve(caller, r) for r in body.refs})
    g = walk(
        caller.svc.store, starts, hops=body.hops, cap=NODE_CAP, through_hubs=True, hubs=caller.svc.hubs()
    ).graph
    return _download(render(g, body.format, caller), body.format, "selection")
