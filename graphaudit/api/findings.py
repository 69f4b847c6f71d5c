"""Findings: the list (filters, sort, paging), a finding's detail with its evidence subgraph, its review."""

from __future__ import annotations

from typing import Annotated, Any

import networkx as nx
from fastapi import APIRouter, Depends, HTTPException, Query

from graphaudit.api.auth import Caller, require
from graphaudit.api.findingstore import SORTS
from graphaudit.api.reviews import CommentRequired, Status, TransitionError
from graphaudit.api.roles import Permission
from graphaudit.api.schemas import (
    Edge,
    FindingDetail,
    FindingPage,
    FindingSummary,
    Graph,
    Node,
    Review,
    ReviewChange,
    ReviewRequest,
)
from graphaudit.api.view import graph_view
from graphaudit.api.walk import walk
from graphaudit.checks import CHECKS
from graphaudit.findings import Finding, mask_id
from graphaudit.model import MODEL

__all__ = ["router", "load_finding", "evidence_subgraph", "evidence_graph", "path_keys", "CONTEXT"]

router = APIRouter(prefix="/api/findings", tags=["findings 线索"])

#: Nodes beyond the path that the evidence subgraph may show (their neighbours, in a stable order).
CONTEXT = 12

FindingId = Annotated[str, "finding id"]


def title(check: str) -> str:
    return CHECKS[check].title if check in CHECKS else check


def load_finding(caller: Caller, finding_id: str) -> Finding:
    """The finding, or 404."""
    f = caller.svc.findings.get(finding_id)
    if f is None:
        raise HTTPException(404, f"没有这条线索 no finding {finding_id!r} (run the checks first?)")
    return f


def path_keys(f: Finding) -> list[str]:
    """The path's nodes as "Label:id", in order, without repeats."""
    return list(dict.fromkeys(f"{n['label']}:{n['id']}" for n in f.path.get("nodes", [])))


def evidence_subgraph(caller: Caller, f: Finding, context: int = CONTEXT) -> nx.MultiDiGraph:
    """The path's nodes, every relationship among them and up to ``context`` neighbours of its non-hub nodes
    (graphaudit.api.walk: a labelled lookup per node, where ``store.subgraph`` would scan every table)."""
    keys = path_keys(f)
    starts = [(k.split(":", 1)[0], k.split(":", 1)[1]) for k in keys]
    return walk(caller.svc.store, starts, hops=1, cap=len(keys) + context, hubs=caller.svc.hubs()).graph


def evidence_graph(caller: Caller, f: Finding, context: int = CONTEXT) -> Graph:
    """The evidence subgraph as the API shows it: the path's nodes first, in path order."""
    keys = path_keys(f)
    g = evidence_subgraph(caller, f, context)
    order = [k for k in keys if k in g] + sorted(k for k in g if k not in set(keys))
    nodes, edges = graph_view(g, caller.svc.refs, caller.show_ids, order, _places(caller))
    return Graph(nodes=[Node(**n) for n in nodes], edges=[Edge(**e) for e in edges])


def _path(caller: Caller, f: Finding) -> tuple[list[str], list[Edge]]:
    nodes = f.path.get("nodes", [])
    refs = [caller.svc.refs.ref(n["label"], str(n["id"]), caller.show_ids) for n in nodes]
    edges = []
    for i, r in enumerate(f.path.get("relationships", [])):
        a, b = refs[i], refs[i + 1]
        if r.get("direction") == "<-":
            a, b = b, a
        edges.append(
            Edge(**{"from": a, "to": b, "type": r["type"], "type_zh": MODEL.rels[r["type"]].zh, "props": {}})
        )
    return refs, edges


def _places(caller: Caller) -> Any:
    from graphaudit.api.records import places_of  # here: records reads the findings' cases

    return places_of(caller)


def named_path(caller: Caller, path: dict[str, Any]) -> dict[str, Any]:
    """A finding's evidence path as shown: node captions with names for codes (view.named_caption)."""
    from graphaudit.api.view import named_caption

    places = _places(caller)
    nodes = [
        {**n, "caption": named_caption(n["label"], str(n["id"]), str(n.get("caption") or n["id"]), places)}
        for n in path.get("nodes", [])
    ]
    return {**path, "nodes": nodes}


def shown_finding(caller: Caller, f: Finding) -> dict[str, Any]:
    """A finding as the API shows it: masked per role, its path's captions named."""
    d = f.to_dict(caller.show_ids)
    return {**d, "path": named_path(caller, d["path"])}


def summary(row: dict[str, Any], show_ids: bool) -> FindingSummary:
    people = row["person_ids"] if show_ids else [mask_id(p) for p in row["person_ids"]]
    return FindingSummary(
        **{**row, "person_ids": people, "check_title": title(row["check"]), "amount": round(row["amount"], 2)}
    )


@router.get("", response_model=FindingPage, summary="线索列表 List findings")
def list_findings(
    check: Annotated[
        str | None, Query(pattern="^(" + "|".join(CHECKS) + ")$", description="检查名 check name")
    ] = None,
    org: Annotated[
        str | None, Query(pattern=r"^\d{1,12}$", description="单位代码（前缀） org code or prefix")
    ] = None,
    min_severity: Annotated[int | None, Query(ge=0, le=100, description="最低严重程度")] = None,
    max_severity: Annotated[int | None, Query(ge=0, le=100, description="最高严重程度")] = None,
    status: Annotated[Status | None, Query(description="核查状态 review status")] = None,
    sort: Annotated[
        str,
        Query(
            pattern="^(" + "|".join(s.replace("-", r"\-") for s in SORTS) + ")$",
            description="排序 -severity (default), severity, -amount, amount, org, check",
        ),
    ] = "-severity",
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    caller: Caller = Depends(require(Permission.read_findings, "list_findings")),
) -> FindingPage:
    """最近一次运行的线索，默认最严重的在前；可按检查、单位（代码前缀，乡镇代码含其下各村）、严重程度和核查状态筛选。
    Findings of the last run of each check, most severe first by default; filter by check, organisation
    (code prefix: a township's code includes its villages), severity and review status."""
    if check is not None and check not in CHECKS:
        raise HTTPException(422, f"未知检查 unknown check {check!r} (checks: {', '.join(CHECKS)})")
    total, rows = caller.svc.findings.query(
        check=check,
        org=org,
        min_severity=min_severity,
        max_severity=max_severity,
        status=status.value if status else None,
        sort=sort,
        offset=offset,
        limit=limit,
    )
    places = _places(caller)
    items = [summary(r, caller.show_ids) for r in rows]
    for it in items:
        it.org_name = places.full(it.org_code) if places.name(it.org_code) else ""
    return FindingPage(total=total, offset=offset, limit=limit, items=items)


@router.get(
    "/{finding_id}",
    response_model=FindingDetail,
    response_model_by_alias=True,
    summary="线索详情与证据子图 A finding with its evidence",
)
def finding_detail(
    finding_id: str,
    context: Annotated[int, Query(ge=0, le=200, description="路径外的邻居节点数 context nodes")] = CONTEXT,
    caller: Caller = Depends(require(Permission.read_findings, "finding_detail")),
) -> Any:
    """一条线索：说明、记录、证据路径、证据子图（含路径外若干邻居）和核查记录。
    One finding: explanation, records, the evidence path, the evidence subgraph (the path's nodes, all
    relationships among them, and a few neighbours) and the review history."""
    f = load_finding(caller, finding_id)
    refs, edges = _path(caller, f)
    return FindingDetail(
        finding=shown_finding(caller, f),
        check_title=title(f.check),
        org_name=_places(caller).full(f.org_code),
        review=Review(**caller.svc.reviews.status(finding_id)),
        history=[ReviewChange(**h) for h in caller.svc.reviews.history(finding_id)],
        graph=evidence_graph(caller, f, context),
        path_refs=refs,
        path_edges=edges,
    )


@router.post("/{finding_id}/review", response_model=Review, summary="设置核查状态 Set review status")
def set_review(
    finding_id: str, body: ReviewRequest, caller: Caller = Depends(require(Permission.review))
) -> Review:
    """新线索 → 核查中 → 属实 / 不属实（结论需填写意见；已结论可退回核查中）。
    409 when the move is not allowed.
    New lead → being verified → substantiated / unsubstantiated (a conclusion needs a comment; a concluded
    finding can be reopened)."""
    load_finding(caller, finding_id)
    caller.log("set_review", {"finding_id": finding_id, "status": body.status.value, "comment": body.comment})
    try:
        return Review(**caller.svc.reviews.set(finding_id, body.status, body.comment, caller.who))
    except TransitionError as e:
        raise HTTPException(409, str(e)) from None
    except CommentRequired as e:
        raise HTTPException(422, str(e)) from None
