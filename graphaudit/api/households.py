"""One household (一户一档): a household's members, every payment any of them received or approved, the
programmes and the approvers behind them, the members' accounts and posts, and the cases that touch any
member.  Masked per role and written to the audit log like the person card (graphaudit.api.people).

``GET /api/households/{ref}``: ``ref`` is a household's node reference (graphaudit.api.view), as the person
card, the case tables, the search and the explorer hand them out."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Depends, HTTPException

from graphaudit.api.auth import Caller, require
from graphaudit.api.people import cases_naming
from graphaudit.api.records import _plain, payment_rows, person_ref, places_of
from graphaudit.api.roles import Permission
from graphaudit.findings import mask_id
from graphaudit.model import MODEL

__all__ = ["router", "household_card", "household_ref"]

router = APIRouter(prefix="/api", tags=["people 一人一档"])

#: The page's sections and their Chinese titles, in order.
SECTIONS = {
    "members": "家庭成员",
    "cases": "涉及的线索",
    "programs": "享受的补贴项目",
    "approvers": "审批人",
    "received": "领取的补贴",
    "approved": "成员审批的补贴",
    "posts": "成员任职",
    "accounts": "账户与电话",
}


def household_ref(caller: Caller, hid: str | None) -> str:
    """The reference of household ``hid`` for links (the page /households/{ref}); "" without one."""
    return caller.svc.refs.ref("Household", hid, caller.show_ids) if hid else ""


def household_card(caller: Caller, hid: str) -> dict[str, Any]:
    """Everything on one household (module docstring); 404 when the store has no such household."""
    store, show = caller.svc.store, caller.show_ids
    places = places_of(caller)
    rows = store.run_named("household_members", {"ids": [hid]})
    if not rows:
        raise HTTPException(404, "没有这一户 no such household")
    rows = sorted(rows, key=lambda r: (r["relation"] != "户主", str(r["id"])))
    ids = [r["id"] for r in rows]
    names = {r["id"]: r["name"] or "" for r in rows}
    facts = store.run_named("person_facts", {"ids": ids})
    held = sorted(
        (f for f in facts if f["title"]), key=lambda f: (str(f["id"]), str(f["start_date"]), str(f["title"]))
    )
    posts = [
        {
            "name": names.get(f["id"], f["name"] or ""),
            **person_ref(caller, f["id"]),
            "title": f["title"],
            "org": places.label(f["org_id"]) if f["org_name"] in (None, "", f["org_id"]) else f["org_name"],
            "start": _plain(f["start_date"]),
            "end": _plain(f["end_date"]) or "至今",
        }
        for f in held
    ]
    post_words: dict[str, list[str]] = defaultdict(list)
    for f, p in zip(held, posts):
        post_words[f["id"]].append(f"{p['org']}{p['title']}")
    # every payment once per role (a member paying a member shows under both)
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for p in store.run_named("payments_of", {"ids": ids}):
        seen.setdefault((str(p["id"]), p["role"]), p)
    pays = sorted(seen.values(), key=lambda r: (str(r["date"]), str(r["id"])))
    received = payment_rows(caller, [p for p in pays if p["role"] == "received"], places)
    approved = payment_rows(caller, [p for p in pays if p["role"] == "approved"], places)
    members = set(ids)
    programs: dict[str, dict[str, Any]] = {}
    approvers: dict[str, dict[str, Any]] = {}
    for raw, row in zip([p for p in pays if p["role"] == "received"], received):
        g = programs.setdefault(row["program"], {"program": row["program"], "count": 0, "amount": 0.0})
        g["count"] += 1
        g["amount"] += row["amount"]
        key = str(raw["approver_id"] or "")
        a = approvers.setdefault(
            key,
            {
                "approver": row["approver"] or "（未记录）",
                "approver_ref": row["approver_ref"],
                "count": 0,
                "amount": 0.0,
                "member": "是" if key in members else "",
            },
        )
        a["count"] += 1
        a["amount"] += row["amount"]
    links: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for pid in ids:
        for r in store.run_named("person_links", {"id": pid}):
            if r["type"] in ("HAS_ACCOUNT", "HAS_PHONE", "PAID_INTO"):
                links[pid].append(r)
    accounts = []
    for pid in ids:
        shown: set[tuple[str, str]] = set()
        for r in sorted(links[pid], key=lambda r: (r["label"], str(r["id"]))):
            if (r["label"], r["id"]) in shown:
                continue
            shown.add((r["label"], r["id"]))
            accounts.append(
                {
                    "name": names[pid],
                    **person_ref(caller, pid),
                    "kind": MODEL.nodes[r["label"]].zh,
                    "value": r["id"] if show else mask_id(r["id"], r["label"]),
                }
            )
    cases: dict[str, dict[str, Any]] = {}
    for pid in ids:
        for c in cases_naming(caller, pid):
            hit = cases.setdefault(c["case_id"], {**c, "members": []})
            hit["members"].append(names[pid])
    first = rows[0]
    village = first.get("village_code") or ""
    return {
        "ref": household_ref(caller, hid),
        "id": hid,
        "address": places.named(first.get("address") or ""),
        "village": places.full(village) if village else "",
        "head": next((r["name"] for r in rows if r["relation"] == "户主"), "") or "",
        "sections": SECTIONS,
        "members": [
            {
                "name": r["name"] or "",
                **person_ref(caller, r["id"]),
                "relation": r["relation"] or "",
                "status": r["status"] or "",
                "posts": "、".join(dict.fromkeys(post_words[r["id"]])),
            }
            for r in rows
        ],
        "programs": sorted(
            ({**g, "amount": round(g["amount"], 2)} for g in programs.values()),
            key=lambda g: (-g["amount"], g["program"]),
        ),
        "approvers": sorted(
            ({**a, "amount": round(a["amount"], 2)} for a in approvers.values()),
            key=lambda a: (-a["amount"], a["approver"], a["approver_ref"]["id"]),
        ),
        "received": received,
        "received_total": round(sum(p["amount"] for p in received), 2),
        "approved": approved,
        "approved_total": round(sum(p["amount"] for p in approved), 2),
        "posts": posts,
        "accounts": accounts,
        "cases": sorted(
            ({**c, "members": "、".join(c["members"])} for c in cases.values()),
            key=lambda r: (r["gone"], -r["severity"], r["case_id"]),
        ),
    }


@router.get("/households/{ref}", summary="一户一档 A household's card")
def card(ref: str, caller: Caller = Depends(require(Permission.read_findings, "household_card"))) -> Any:
    """一户的全部信息：家庭成员、每一笔领取和审批的补贴、补贴项目、审批人、账户、任职，以及涉及任一成员的线索。
    ``ref`` 来自一人一档、线索页或搜索；证件号、账号按角色遮蔽。"""
    hit = caller.svc.refs.resolve(ref, caller.show_ids)
    if hit is None or hit[0] != "Household":
        raise HTTPException(404, "没有这一户，或链接已过期 unknown household reference")
    return household_card(caller, hit[1])
