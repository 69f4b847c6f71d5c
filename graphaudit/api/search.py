"""Search people, households, companies and organisations by name or id (``GET /api/search``).

For a caller who may not see identifiers, a masked identifier (a resident ID) is found only by the whole
of it — an exact lookup that returns the masked record —, never by a prefix (which would spell an ID out
digit by digit); and identifier-like queries are rate-limited per token across the server's workers
(:data:`ID_LOOKUPS` per :data:`WINDOW` seconds and :data:`ID_LOOKUPS_PER_DAY` per day, 429 beyond), so IDs
cannot be guessed by brute force: a masked ID and the birth year shown beside it leave about 1,800 candidates
(docs/findings.md, "Masking"), over a week of a token's lookups.
"""

from __future__ import annotations

import re
import time
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query

from graphaudit.api.auth import Caller, require
from graphaudit.api.records import places_of
from graphaudit.api.roles import Permission
from graphaudit.api.schemas import Node, SearchPage
from graphaudit.api.searchindex import Hit
from graphaudit.api.view import node_view
from graphaudit.findings import MASKED_LABELS, mask_id
from graphaudit.model import MODEL

__all__ = ["router", "search", "SearchLabel", "ID_LOOKUPS", "ID_LOOKUPS_PER_DAY", "WINDOW", "ID_LIKE"]

#: Identifier-like lookups a masked caller may make per :data:`WINDOW` seconds (per token).
ID_LOOKUPS = 30
WINDOW = 60.0
#: ... and per day.
ID_LOOKUPS_PER_DAY = 200
DAY = 86400.0
#: Text that looks like (part of) an identifier: digits, X and * only, at least four.
ID_LIKE = re.compile(r"[0-9Xx*]{4,}")
_ID_PREFIX = 3  # the search index's rank for "id starting with the text"

router = APIRouter(prefix="/api", tags=["search 搜索"])


class SearchLabel(str, Enum):
    Person = "Person"
    Household = "Household"
    Company = "Company"
    Org = "Org"


ORDER = {label.value: i for i, label in enumerate(SearchLabel)}


def search(caller: Caller, q: str, labels: list[str], offset: int, limit: int) -> SearchPage:
    """One page of matches for ``q`` among ``labels``, best first (graphaudit.api.searchindex); for a
    caller who may not see identifiers, masked identifiers match only whole (module docstring)."""
    if not caller.show_ids and ID_LIKE.fullmatch(q) and not _allow_lookup(caller):
        raise HTTPException(
            429,
            f"证件号查询过于频繁，请稍后再试 too many ID lookups (at most {ID_LOOKUPS} per {WINDOW:.0f} s, "
            f"{ID_LOOKUPS_PER_DAY} per day)",
            headers={"Retry-After": str(int(WINDOW))},
        )
    hits = caller.svc.search.search(q, labels, offset + limit + 1)
    if not caller.show_ids:
        hits = [h for h in hits if not (h.rank == _ID_PREFIX and h.label in MASKED_LABELS)]
    places = places_of(caller)
    items = [
        Node(**node_view(h.label, _props(h), caller.svc.refs, caller.show_ids, places))
        for h in hits[offset : offset + limit]
    ]
    shown_q = q if caller.show_ids or not ID_LIKE.fullmatch(q) else mask_id(q)  # no full ID in the answer
    return SearchPage(q=shown_q, items=items, offset=offset, limit=limit, has_more=len(hits) > offset + limit)


def _allow_lookup(caller: Caller) -> bool:
    """Count one identifier-like lookup of this caller's token; False when over the limit.  Kept in the
    state database, so the limit holds across the server's worker processes."""
    now = time.time()
    with caller.svc.state.connect() as c:
        c.execute("CREATE TABLE IF NOT EXISTS id_lookups (token_id INTEGER NOT NULL, at REAL NOT NULL)")
        c.execute("DELETE FROM id_lookups WHERE at < ?", (now - DAY,))
        minute, day = c.execute(
            "SELECT count(*) FILTER (WHERE at >= ?), count(*) FROM id_lookups WHERE token_id = ?",
            (now - WINDOW, caller.who.token_id),
        ).fetchone()
        if minute >= ID_LOOKUPS or day >= ID_LOOKUPS_PER_DAY:
            return False
        c.execute("INSERT INTO id_lookups VALUES (?, ?)", (caller.who.token_id, now))
    return True


def _props(h: Hit) -> dict[str, Any]:
    """A hit as node properties: the label's caption property, two hints (note, place) and the id."""
    props: dict[str, Any] = {MODEL.nodes[h.label].caption: h.caption, "note": h.note, "place": h.place}
    props["id"] = h.id
    return props


@router.get(
    "/search",
    response_model=SearchPage,
    summary="搜索人员、户、企业、单位 Search by name or id",
    responses={429: {"description": "证件号查询过于频繁 too many ID lookups (masked roles)"}},
)
def search_endpoint(
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=64,
            pattern=r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$",
            description="姓名、名称或证件号 name or id (prefix); no control characters",
        ),
    ],
    label: Annotated[list[SearchLabel] | None, Query(description="只搜这些标签 only these labels")] = None,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    caller: Caller = Depends(require(Permission.explore, "search")),
) -> SearchPage:
    """人员按身份证号或姓名，户按户号，企业按统一社会信用代码或名称，单位按代码或名称；完全相同者在前，其次开头相同，再次包含。
    People by resident ID or name, households by number, companies by USCC or name, organisations by code or
    name: exact id, exact name, name prefix, id prefix, then name containing the text. Identifiers are masked
    unless the role may see them; then a resident ID matches only whole (no prefix search), and ID lookups are
    rate-limited (429)."""
    labels = [x.value for x in (label or list(SearchLabel))]
    text = q.strip()
    if not text or any(ord(c) < 32 for c in text):
        raise HTTPException(422, "参数错误 invalid q: empty or contains control characters")
    return search(caller, text, labels, offset, limit)
