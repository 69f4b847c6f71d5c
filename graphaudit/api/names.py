"""名称核对: the review queue of names a load would not link by itself (several people of the name, a
sound-alike, a common name in a wide scope), as a page and an API over the same functions as
``graphaudit names review`` (graphaudit.ingest.review): decisions 是同一人 / 不是 / 不确定, one or many at
once, kept in the state folder and applied by the next ``graphaudit ingest``.

- ``GET /api/names/review``: the items, each with the name as written, where it was looked for, the rows that
  name it and its candidates side by side with their evidence — household, village (by name), posts, and the
  birth date only for roles that see IDs;
- ``POST /api/names/decisions``: decisions in bulk, all or none; each one is an entry of the audit log;
- ``GET /names``: the page.

Masking as everywhere in the API: a role without ``see_ids`` gets the candidates' IDs masked, no birth date
and no item id (it is a hash of the IDs: with the masked digits it would give them back) — such a role may
look, not decide.  Deciding needs ``review`` and ``see_ids`` (auditor, admin): whether a name is a person is
judged on the evidence a masked role does not see.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from graphaudit.api.auth import Caller, require
from graphaudit.api.records import _plain, places_of
from graphaudit.api.roles import ROLE_ZH, Permission
from graphaudit.findings import mask_id
from graphaudit.ingest.matching import SCOPE_ZH, VERDICTS
from graphaudit.ingest.review import NameReviews, UnknownItem

__all__ = ["router", "REASON_ZH", "ROLE_NAMES_ZH", "may_decide"]

router = APIRouter(tags=["names 名称核对"])

#: Why an item waits, and whose name it is, as the page says it.
REASON_ZH = {"several": "同名多人", "soundalike": "音同字不同", "common": "常见姓名、范围较宽"}
ROLE_NAMES_ZH = {"recipient": "领取人", "approver": "审核/审批人", "contractor": "承包方"}
SOURCE_ZH = {"subsidies": "补贴发放", "contracts": "合同"}
EVIDENCE_ZH = {"企业登记": "企业登记", "合同": "其他合同中的企业"}


def may_decide(caller: Caller) -> bool:
    """Whether the caller may record decisions: ``review`` and unmasked IDs (module docstring)."""
    return caller.may(Permission.review) and caller.show_ids


class Decision(BaseModel):
    """One decision: the item, the verdict and, for 是同一人 among several, the candidate."""

    item_id: str = Field(max_length=64)
    verdict: Literal["是同一人", "不是", "不确定"] = Field(description="核对结论 the verdict")
    candidate: str | None = Field(default=None, max_length=200)


class Decisions(BaseModel):
    decisions: list[Decision] = Field(min_length=1, max_length=500)


def _opaque(caller: Caller, item_id: str) -> str:
    """An item as a masked role sees it: a keyed hash, stable, that gives nothing back."""
    key = caller.svc.state.secret()
    return "n" + hmac.new(key, b"names item\x00" + item_id.encode(), hashlib.sha256).hexdigest()[:12]


def _facts(caller: Caller, keys: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The store's facts on the candidates that are people (one row per post)."""
    people = sorted({k for k in keys if k and not k.startswith("~")})
    out: dict[str, list[dict[str, Any]]] = {}
    if people:
        for r in caller.svc.store.run_named("person_facts", {"ids": people}):
            out.setdefault(r["id"], []).append(r)
    return out


def _evidence(caller: Caller, cand: dict[str, Any], facts: list[dict[str, Any]]) -> dict[str, Any]:
    """A candidate as the page shows it; the stored evidence text says what the store does not."""
    places = places_of(caller)
    show = caller.show_ids
    text = str(cand.get("evidence") or "")
    f = facts[0] if facts else {}
    household = f.get("household_id") or ""
    birth = _plain(f.get("birth_date")) if f else None
    posts = [
        f"{r['org_name'] if r['org_name'] not in (None, '', r['org_id']) else places.label(r['org_id'])} "
        f"{r['title']}"
        for r in facts
        if r.get("title")
    ]
    if not facts and text.startswith("户"):  # a register person the store does not hold (yet)
        hh, _, born = text.partition(" 生")
        household, birth = hh[1:], born or None
    elif not facts and text and text not in EVIDENCE_ZH:  # a cadre's post: "<org code> <title>"
        org, _, title = text.partition(" ")
        posts = [f"{places.label(org)} {title}".strip()]
    key = str(cand["key"])
    return {
        "key": key if show else mask_id(key),
        "name": cand.get("name") or "",
        "household": household,
        "village": places.full(f.get("village_code")) if f.get("village_code") else "",
        "birth_date": str(birth) if show and birth else None,
        "posts": posts,
        "source": EVIDENCE_ZH.get(text, ""),
        "registered": bool(facts),
        "decision": cand.get("decision"),
    }


def _item(caller: Caller, it: dict[str, Any], facts: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    return {
        "item_id": it["item_id"] if caller.show_ids else _opaque(caller, it["item_id"]),
        "role": it["role"],
        "role_zh": ROLE_NAMES_ZH.get(it["role"], it["role"]),
        "name": it["name"],
        "reason": it["reason"],
        "reason_zh": REASON_ZH.get(it["reason"], it["reason"]),
        "scope_zh": SCOPE_ZH.get(it["scope"], it["scope"]).split(" ")[0],
        "rows": [{"source": SOURCE_ZH.get(s, s), "file": f, "row": r} for s, f, r in it["rows"][:20]],
        "row_count": len(it["rows"]),
        "decided": it["decided"],
        "candidates": [_evidence(caller, c, facts.get(str(c["key"]), [])) for c in it["candidates"]],
    }


@router.get("/api/names/review", summary="待核对姓名 The name review queue")
def review_queue(
    all_items: bool = Query(False, alias="all", description="也列出已核对的 also the items decided"),
    role: str | None = Query(None, description="recipient, approver or contractor"),
    offset: int = Query(0, ge=0),
    limit: int = Query(50, ge=1, le=500),
    caller: Caller = Depends(require(Permission.read_findings, "names.review")),
) -> dict[str, Any]:
    """导入时未能自动关联的姓名及其候选人（户、村、职务；出生日期仅对可见证件号的角色显示）。
    ``may_decide``：当前角色能否记录核对结论（审核员、管理员）。"""
    items = NameReviews(caller.svc.state).items(open_only=not all_items)
    if role:
        items = [it for it in items if it["role"] == role]
    page = items[offset : offset + limit]
    facts = _facts(caller, [str(c["key"]) for it in page for c in it["candidates"]])
    return {
        "total": len(items),
        "open": sum(1 for it in items if not it["decided"]),
        "offset": offset,
        "items": [_item(caller, it, facts) for it in page],
        "verdicts": list(VERDICTS),
        "may_decide": may_decide(caller),
        "role_zh": ROLE_ZH[caller.who.role],
    }


@router.post("/api/names/decisions", summary="记录核对结论 Record decisions")
def decide(
    body: Decisions, caller: Caller = Depends(require(Permission.review, "names.decide"))
) -> dict[str, Any]:
    """记录一项或多项核对结论（是同一人 / 不是 / 不确定）：全部校验通过才一并保存，逐项写入审计日志，
    下次导入时生效。需要审核员或管理员角色。"""
    if not may_decide(caller):
        raise HTTPException(
            403,
            f"角色“{ROLE_ZH[caller.who.role]}”看不到证件号，不能记录核对结论 "
            "(deciding needs unmasked IDs: auditor or admin)",
        )
    reviews = NameReviews(caller.svc.state)
    try:
        done = reviews.decide_many(
            [(d.item_id, d.verdict, d.candidate) for d in body.decisions], caller.who.name, audit=False
        )
    except UnknownItem as e:
        raise HTTPException(404, str(e)) from e
    for d in done:
        for key in d["candidates"]:
            caller.log(
                "names.decision",
                {
                    "item": d["item_id"],
                    "role": d["role"],
                    "name": d["name"],
                    "candidate": key,
                    "verdict": d["verdict"],
                },
            )
    return {
        "decided": done,
        "left": len(reviews.items()),
        "note": "结论在下次导入时生效 decisions apply on the next ingest",
    }


@router.get("/names", response_class=HTMLResponse, include_in_schema=False)
def names_page(request: Request, caller: Caller = Depends(require(Permission.read_findings))) -> Response:
    """名称核对: the page over the two routes above."""
    from graphaudit.api.pages import _context, templates

    return templates.TemplateResponse(
        request, "names.html", _context(request, caller, page="names", may_decide=may_decide(caller))
    )
