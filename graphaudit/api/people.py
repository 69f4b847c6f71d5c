"""One person, one household (一人一档、一户一档): a card with everything the data holds on a person — their
facts, posts held, kin, household and its members, payments received and approved, contracts approved or
awarded, companies, accounts — and the cases that name them.  Masked per role like everything else.

``GET /api/people/{ref}``: ``ref`` is a person's node reference (graphaudit.api.view), as the search, the
explorer and the case tables hand them out."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Depends, HTTPException

from graphaudit.api.auth import Caller, require
from graphaudit.api.records import _plain, contract_rows, payment_rows, person_ref, places_of
from graphaudit.api.roles import Permission
from graphaudit.api.view import mask_props
from graphaudit.checks import CHECKS
from graphaudit.findings import mask_id
from graphaudit.model import MODEL

__all__ = ["router", "person_card", "cases_naming"]

router = APIRouter(prefix="/api", tags=["people 一人一档"])

#: The card's sections and their Chinese titles, in order.
SECTIONS = {
    "posts": "任职",
    "kin": "亲属",
    "household": "同户成员",
    "received": "领取的补贴",
    "approved": "审批的补贴",
    "contracts": "审批或承包的合同",
    "companies": "企业",
    "accounts": "账户与电话",
    "cases": "涉及的线索",
}
KIN_WORDS = {("SPOUSE_OF", True): "配偶", ("SPOUSE_OF", False): "配偶", ("SIBLING_OF", True): "兄弟姐妹"}
KIN_WORDS |= {("SIBLING_OF", False): "兄弟姐妹", ("PARENT_OF", True): "子女", ("PARENT_OF", False): "父母"}


def cases_naming(caller: Caller, pid: str) -> list[dict[str, Any]]:
    """The cases whose people include ``pid`` (not gone first), as short rows."""
    from graphaudit.cases.store import CaseStore

    like = '%"' + pid.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + '"%'
    with caller.svc.state.connect() as c:
        ids = [r[0] for r in c.execute("SELECT case_id FROM cases WHERE data LIKE ? ESCAPE '\\'", (like,))]
    store, out = CaseStore(caller.svc.state), []
    places = places_of(caller)
    for cid in ids:
        case = store.get(cid)
        if case is None or pid not in (case["person_ids"] or []):
            continue
        out.append(
            {
                "case_id": cid,
                "checks": [CHECKS[k].title if k in CHECKS else k for k in case["checks"]],
                "status": case["status"],
                "severity": case["severity"],
                "amount": case["amount"],
                "org": places.full(case["org_code"]),
                "explanation": places.named(case["explanation"]),
                "gone": bool(case["gone"]),
                "role": "干部/审批人" if case["person_ids"][0] == pid else "涉及人员",
            }
        )
    out.sort(key=lambda r: (r["gone"], -r["severity"], r["case_id"]))
    return out


def person_card(caller: Caller, pid: str) -> dict[str, Any]:
    """Everything on one person (module docstring); 404 when the store has no such person."""
    from graphaudit.api.households import household_ref  # households builds on this module

    store, show = caller.svc.store, caller.show_ids
    places = places_of(caller)
    facts = store.run_named("person_facts", {"ids": [pid]})
    if not facts:
        raise HTTPException(404, "没有这个人 no such person")
    f = facts[0]
    links = store.run_named("person_links", {"id": pid})
    by: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in links:
        by[r["type"]].append(r)
    kin_ids = [r["id"] for t in MODEL.kin_types for r in by[t]]
    kin_facts = {r["id"]: r for r in store.run_named("person_facts", {"ids": kin_ids})} if kin_ids else {}
    households = sorted(
        {r["id"] for r in by["MEMBER_OF"]} | ({f["household_id"]} if f["household_id"] else set())
    )
    members = store.run_named("household_members", {"ids": households}) if households else []
    pays = sorted(store.run_named("payments_of", {"ids": [pid]}), key=lambda r: (str(r["date"]), r["id"]))
    for t in by:  # one order on every store
        by[t].sort(key=lambda r: (r["label"], str(r["id"])))
    contract_ids = sorted(
        {r["id"] for t in ("APPROVED", "AWARDED_TO") for r in by[t] if r["label"] == "Contract"}
    )
    contracts = store.run_named("record_contracts", {"ids": contract_ids}) if contract_ids else []
    awarded = {r["id"] for r in by["AWARDED_TO"]}
    person = mask_props("Person", {k: _plain(f[k]) for k in MODEL.nodes["Person"].properties if k in f})
    if show:
        person = {k: _plain(f[k]) for k in MODEL.nodes["Person"].properties if k in f}
    person.pop("extra", None)
    fields = [
        {"key": k, "zh": MODEL.prop_zh(k, "Person"), "value": v}
        for k, v in person.items()
        if v not in (None, "") and k not in ("extra",)
    ]
    for row in fields:
        if row["key"] == "village_code":
            row["zh"], row["value"] = "村", places.full(str(row["value"]))
        elif row["key"] == "address":  # an address written with the village's code
            row["value"] = places.named(row["value"])
    posts = [
        {
            "title": r["title"],
            "org": places.label(r["org_id"]) if r["org_name"] in (None, "", r["org_id"]) else r["org_name"],
            "start": _plain(r["start_date"]),
            "end": _plain(r["end_date"]) or "至今",
        }
        for r in facts
        if r["title"]
    ]
    kin = []
    for t in MODEL.kin_types:
        for r in by[t]:
            k = kin_facts.get(r["id"], {})
            kin.append(
                {
                    "relation": KIN_WORDS.get((t, bool(r["out"])), MODEL.rels[t].zh),
                    "name": k.get("name") or "",
                    **person_ref(caller, r["id"]),
                    "village": places.label(k.get("village_code")) if k.get("village_code") else "",
                }
            )
    kin.sort(key=lambda k: (k["relation"], k["name"], k["id"]))
    household = [
        {
            "household": m["household_id"],
            "household_ref": household_ref(caller, m["household_id"]),
            "name": m["name"] or "",
            "relation": m["relation"] or "",
            "status": m["status"] or "",
            **person_ref(caller, m["id"]),
            "self": m["id"] == pid,
        }
        for m in members
    ]
    accounts = [
        {
            "kind": MODEL.nodes[r["label"]].zh,
            "value": r["id"] if show else mask_id(r["id"], r["label"]),
        }
        for t in ("HAS_ACCOUNT", "HAS_PHONE", "PAID_INTO")
        for r in by[t]
    ]
    companies = [
        {"relation": MODEL.rels[t].zh, "id": r["id"], "ref": caller.svc.refs.ref("Company", r["id"], show)}
        for t in ("LEGAL_REP_OF", "SHAREHOLDER_OF")
        for r in by[t]
        if r["label"] == "Company"
    ]
    received = payment_rows(caller, [p for p in pays if p["role"] == "received"], places)
    approved = payment_rows(caller, [p for p in pays if p["role"] == "approved"], places)
    con_rows = contract_rows(caller, contracts, places)
    for c in con_rows:
        c["role"] = "承包" if c["id"] in awarded else "审批"
    return {
        "ref": caller.svc.refs.ref("Person", pid, show),
        "name": f["name"] or "",
        "id": pid if show else mask_id(pid),
        "fields": fields,
        "sections": SECTIONS,
        "posts": posts,
        "kin": kin,
        "household": household,
        "received": received,
        "received_total": round(sum(p["amount"] for p in received), 2),
        "approved": approved,
        "approved_total": round(sum(p["amount"] for p in approved), 2),
        "contracts": con_rows,
        "companies": companies,
        "accounts": accounts,
        "cases": cases_naming(caller, pid),
    }


@router.get("/people/{ref}", summary="一人一档 A person's card")
def card(ref: str, caller: Caller = Depends(require(Permission.read_findings, "person_card"))) -> Any:
    """一个人的全部信息：基本情况、任职、亲属、同户成员、领取和审批的补贴、合同、企业、账户，以及涉及他的线索。
    ``ref`` 来自搜索、关系图或线索页；证件号、账号按角色遮蔽。"""
    hit = caller.svc.refs.resolve(ref, caller.show_ids)
    if hit is None or hit[0] != "Person":
        raise HTTPException(404, "没有这个人，或链接已过期（请重新搜索） unknown or expired person reference")
    return person_card(caller, hit[1])
