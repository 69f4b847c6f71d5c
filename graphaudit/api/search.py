"""Search people, households, companies and organisations by name or id (``GET /api/search``)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query

from graphaudit.api.auth import Caller, require
from graphaudit.api.roles import Permission
from graphaudit.api.schemas import Node, SearchPage
from graphaudit.api.searchindex import Hit
from graphaudit.api.view import node_view
from graphaudit.model import MODEL

__all__ = ["router", "search", "SearchLabel"]

router = APIRouter(prefix="/api", tags=["search 搜索"])


class SearchLabel(str, Enum):
    Person = "Person"
    Household = "Household"
    Company = "Company"
    Org = "Org"


ORDER = {label.value: i for i, label in enumerate(SearchLabel)}


def search(caller: Caller, q: str, labels: list[str], offset: int, limit: int) -> SearchPage:
    """One page of matches for ``q`` among ``labels``, best first (graphaudit.api.searchindex)."""
    hits = caller.svc.search.search(q, labels, offset + limit + 1)
    items = [
        Node(**node_view(h.label, _props(h), caller.svc.refs, caller.show_ids))
        for h in hits[offset : offset + limit]
    ]
    return SearchPage(q=q, items=items, offset=offset, limit=limit, has_more=len(hits) > offset + limit)


def _props(h: Hit) -> dict[str, Any]:
    """A hit as node properties: the label's caption property, two hints (note, place) and the id."""
    props: dict[str, Any] = {MODEL.nodes[h.label].caption: h.caption, "note": h.note, "place": h.place}
    props["id"] = h.id
    return props


@router.get("/search", response_model=SearchPage, summary="搜索人员、户、企业、单位 Search by name or id")
def search_endpoint(
    q: Annotated[
        str, Query(min_length=1, max_length=64, description="姓名、名称或证件号 name or id (prefix)")
    ],
    label: Annotated[list[SearchLabel] | None, Query(description="只搜这些标签 only these labels")] = None,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    caller: Caller = Depends(require(Permission.explore, "search")),
) -> SearchPage:
    """人员按身份证号或姓名，户按户号，企业按统一社会信用代码或名称，单位按代码或名称；完全相同者在前，其次开头相同，再次包含。
    People by resident ID or name, households by number, companies by USCC or name, organisations by code or
    name: exact id, exact name, name prefix, id prefix, then name containing the text. Identifiers are masked
    unless the role may see them."""
    labels = [x.value for x in (label or list(SearchLabel))]
    text = q.strip()
    if not text or any(ord(c) < 32 for c in text):
        raise HTTPException(422, "参数错误 invalid q: empty or contains control characters")
    return search(caller, text, labels, offset, limit)
