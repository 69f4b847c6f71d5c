"""Search people, households, companies and organisations by name or id (``GET /api/search``)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from graphaudit.api.auth import Caller, require
from graphaudit.api.roles import Permission
from graphaudit.api.schemas import Node, SearchPage
from graphaudit.api.view import node_view
from graphaudit.model import MODEL
from graphaudit.queries.check import run_query

__all__ = ["router", "search", "SearchLabel"]

router = APIRouter(prefix="/api", tags=["search 搜索"])


class SearchLabel(str, Enum):
    Person = "Person"
    Household = "Household"
    Company = "Company"
    Org = "Org"


ORDER = {label.value: i for i, label in enumerate(SearchLabel)}


def search(caller: Caller, q: str, labels: list[str], offset: int, limit: int) -> SearchPage:
    """One page of matches for ``q`` among ``labels``, best first (rank, label, caption, id)."""
    rows = run_query(caller.svc.store, "api_search", {"q": q, "labels": labels, "limit": offset + limit + 1})
    rows.sort(key=lambda r: (r["rank"], ORDER[r["label"]], r["caption"] or "", r["id"]))
    page = rows[offset:offset + limit]
    items = [Node(**node_view(r["label"], _props(r), caller.svc.refs, caller.show_ids)) for r in page]
    return SearchPage(q=q, items=items, offset=offset, limit=limit, has_more=len(rows) > offset + limit)


def _props(row: dict[str, Any]) -> dict[str, Any]:
    """A search row as node properties: id, the label's caption property, and two hints (note, place)."""
    props = {MODEL.nodes[row["label"]].caption: row["caption"], "note": row["note"], "place": row["place"]}
    props["id"] = row["id"]
    return props


@router.get("/search", response_model=SearchPage, summary="搜索人员、户、企业、单位 Search by name or id")
def search_endpoint(
    q: Annotated[str, Query(min_length=1, max_length=64, description="姓名、名称或证件号 name or id (prefix)")],
    label: Annotated[list[SearchLabel] | None, Query(description="只搜这些标签 only these labels")] = None,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    caller: Caller = Depends(require(Permission.explore, "search")),
) -> SearchPage:
    """人员按身份证号或姓名，户按户号，企业按统一社会信用代码或名称，单位按代码或名称。
    People by resident ID or name, households by number, companies by USCC or name, organisations by code or
    name. Identifiers are masked unless the role may see them."""
    labels = [x.value for x in (label or list(SearchLabel))]
    return search(caller, q.strip() or q, labels, offset, limit)
