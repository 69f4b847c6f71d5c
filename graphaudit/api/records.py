"""A case as tables (线索的表格): its payments (日期/项目/金额/审批人/领取人), contracts
(名称/金额/签订日期/承包方) and people (姓名/职务/与干部关系/村), and for a cluster its whole group
(members, reciprocal pairs, brokers); names instead of codes (graphaudit.places) and identifiers masked per
role; the places (township → village) that cases concern, for the case list's picker; a case's DOCX forms.

``GET /api/cases/{id}/tables``, ``GET /api/places``, ``GET /api/cases/{id}/docx``."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response

from graphaudit.api.auth import Caller, require
from graphaudit.api.roles import Permission
from graphaudit.cases.store import CaseStore
from graphaudit.findings import Finding, mask_id
from graphaudit.places import Places

__all__ = ["router", "places_of", "case_tables", "kin_word"]

router = APIRouter(prefix="/api", tags=["cases 线索"])

_places: dict[int, tuple[Any, Places]] = {}
_lock = threading.Lock()


def places_of(caller: Caller) -> Places:
    """The place names of the caller's store, loaded once per data version."""
    svc = caller.svc
    version = svc.search.version()
    with _lock:
        hit = _places.get(id(svc))
        if hit is None or hit[0] != version:
            hit = (version, Places.from_store(svc.store))
            _places[id(svc)] = hit
        return hit[1]


def _plain(v: Any) -> Any:
    return v.isoformat() if hasattr(v, "isoformat") else v


def person_ref(caller: Caller, pid: str | None) -> dict[str, str]:
    """A person as a table cell shows them: masked id and the ref of their card."""
    if not pid:
        return {"id": "", "ref": ""}
    return {
        "id": pid if caller.show_ids else mask_id(pid),
        "ref": caller.svc.refs.ref("Person", pid, caller.show_ids),
    }


def payment_rows(caller: Caller, rows: Iterable[Mapping[str, Any]], places: Places) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        out.append(
            {
                "id": r["id"],
                "date": _plain(r["date"]),
                "program": r["program"] or "",
                "amount": float(r["amount"] or 0),
                "approver": r["approver"] or "",
                "approver_ref": person_ref(caller, r["approver_id"]),
                "recipient": r["recipient"] or "",
                "recipient_ref": person_ref(caller, r["recipient_id"]),
                "village": places.label(r["village_code"]) if r["village_code"] else "",
                "bank_account": (
                    r["bank_account"] if caller.show_ids else mask_id(r["bank_account"], "BankAccount")
                )
                or "",
                **({"role": r["role"]} if "role" in r else {}),
            }
        )
    return out


def contract_rows(caller: Caller, rows: Iterable[Mapping[str, Any]], places: Places) -> list[dict[str, Any]]:
    return [
        {
            "id": r["id"],
            "title": r["title"] or "",
            "amount": float(r["amount"] or 0),
            "date": _plain(r["date"]),
            "contractor": r["contractor"] or "",
            "org": places.label(r["org_code"]) if r["org_code"] else "",
            "method": r["method"] or "",
            "approver": r["approver"] or "",
            "approver_ref": person_ref(caller, r["approver_id"]),
        }
        for r in rows
    ]


_KIN = {("SPOUSE_OF", "->"): "配偶", ("SPOUSE_OF", "<-"): "配偶", ("SPOUSE_OF", ""): "配偶"}
_KIN |= {("SIBLING_OF", d): "兄弟姐妹" for d in ("->", "<-", "")}
_KIN |= {("PARENT_OF", "->"): "子女", ("PARENT_OF", "<-"): "父母", ("PARENT_OF", ""): "父母或子女"}


def kin_word(path: Mapping[str, Any], person_id: str) -> str:
    """What ``person_id`` is to the path's first person, read along the path's kinship steps:
    ``本人``, ``配偶``, ``配偶的兄弟姐妹`` …; "" when the path reaches them through something else."""
    nodes, rels = path.get("nodes", []), path.get("relationships", [])
    if not nodes or nodes[0].get("label") != "Person":
        return ""
    if nodes[0]["id"] == person_id:
        return "本人"
    words = []
    for r, n in zip(rels, nodes[1:]):
        w = _KIN.get((r.get("type", ""), r.get("direction", "")))
        if w is None:
            return ""
        words.append(w)
        if n.get("id") == person_id:
            return "的".join(words)
    return ""


def people_rows(
    caller: Caller, ids: list[str], findings: list[Finding], places: Places
) -> list[dict[str, Any]]:
    """The case's people, the cadre first: name, posts, what they are to the cadre, village."""
    from graphaudit.api.households import household_ref  # households builds on this module

    if not ids:
        return []
    facts: dict[str, dict[str, Any]] = {}
    for r in caller.svc.store.run_named("person_facts", {"ids": ids}):
        d = facts.setdefault(r["id"], {**r, "posts": []})
        if r["title"]:
            org = places.label(r["org_id"]) if r["org_name"] in (None, "", r["org_id"]) else r["org_name"]
            d["posts"].append(f"{org}{r['title']}")
    out = []
    for pid in ids:
        f = facts.get(pid, {"name": "", "village_code": "", "posts": []})
        word = next((w for w in (kin_word(x.path, pid) for x in findings) if w), "")
        if not word and f["posts"]:
            word = "本人"  # a cadre of the case
        out.append(
            {
                "name": f.get("name") or "",
                **person_ref(caller, pid),
                "posts": "、".join(dict.fromkeys(f["posts"])),
                "kin": word,
                "village": places.label(f.get("village_code")) if f.get("village_code") else "",
                "household": f.get("household_id") or "",
                "household_ref": household_ref(caller, f.get("household_id")),
            }
        )
    return out


def _cluster(findings: list[Finding]) -> Finding | None:
    return next((f for f in findings if f.check == "collusive_cluster"), None)


def group_graph(caller: Caller, f: Finding, records: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """A cluster's whole group: its people, companies and records with the relationships among them, the
    reciprocal pairs and the brokers (refs into the graph), and counts."""
    from graphaudit.api.view import graph_view
    from graphaudit.api.walk import walk

    d = f.details
    starts = [
        *[("Person", p) for p in f.person_ids],
        *[("Company", c) for c in d.get("companies", [])],
        *records,
    ]
    # one hop, capped at the group: the relationships among its members, nothing beyond them
    g = walk(
        caller.svc.store, starts, hops=1, cap=len(starts), through_hubs=True, hubs=caller.svc.hubs()
    ).graph
    nodes, edges = graph_view(g, caller.svc.refs, caller.show_ids, sorted(g), places_of(caller))
    ref = caller.svc.refs.ref
    show = caller.show_ids
    return {
        "nodes": nodes,
        "edges": edges,
        "members": int(d.get("members", len(f.person_ids))),
        "pairs": [[ref("Person", a, show), ref("Person", b, show)] for a, b in d.get("reciprocal_pairs", [])],
        "brokers": [ref("Person", b["person_id"], show) for b in d.get("brokers", [])],
        "cadres": [ref("Person", c, show) for c in d.get("cadres", [])],
    }


def case_tables(caller: Caller, case_id: str) -> dict[str, Any]:
    """The case's payments, contracts and people as rows (the case page and the DOCX 交办单)."""
    store = CaseStore(caller.svc.state)
    live = store.resolve(case_id)
    case = store.get(live) if live else None
    if case is None:
        raise HTTPException(404, f"没有这条线索 no case {case_id!r}")
    places = places_of(caller)
    found = [f for f in (caller.svc.findings.get(fid) for fid in case["finding_ids"]) if f is not None]
    # a cluster case keeps its records and people on its finding (its members' own cases are linked)
    ids = list(dict.fromkeys([*(case["record_ids"] or []), *(r for f in found for r in f.record_ids)]))
    pids = list(dict.fromkeys([*(case["person_ids"] or []), *(p for f in found for p in f.person_ids)]))
    pays = caller.svc.store.run_named("record_payments", {"ids": ids}) if ids else []
    cons = caller.svc.store.run_named("record_contracts", {"ids": ids}) if ids else []
    cluster = _cluster(found)
    return {
        "case_id": live,
        "org": places.full(case["org_code"]),
        "explanation": places.named(case["explanation"]),
        "payments": payment_rows(caller, pays, places),
        "contracts": contract_rows(caller, cons, places),
        "people": people_rows(caller, pids, found, places),
        "group": group_graph(
            caller, cluster, [("Payment", r["id"]) for r in pays] + [("Contract", r["id"]) for r in cons]
        )
        if cluster
        else None,
        "labels": {
            "payments": {
                "date": "日期",
                "program": "项目",
                "amount": "金额（元）",
                "approver": "审批人",
                "recipient": "领取人",
            },
            "contracts": {
                "title": "名称",
                "amount": "金额（元）",
                "date": "签订日期",
                "contractor": "承包方",
            },
            "people": {
                "name": "姓名",
                "posts": "职务",
                "kin": "与干部关系",
                "village": "村",
                "household": "户号",
            },
        },
    }


@router.get("/cases/{case_id}/tables", summary="线索的表格 A case's payments, contracts and people")
def tables(case_id: str, caller: Caller = Depends(require(Permission.read_findings, "case_tables"))) -> Any:
    """发放（日期/项目/金额/审批人/领取人）、合同（名称/金额/签订日期/承包方）、人员（姓名/职务/与干部关系/村）；
    团伙线索另有整个群体。单位显示名称；证件号按角色遮蔽。"""
    return case_tables(caller, case_id)


@router.get("/places", summary="线索涉及的乡镇和村 Townships and villages of the cases")
def places(caller: Caller = Depends(require(Permission.read_findings))) -> list[dict[str, Any]]:
    """乡镇 → 村，按代码排序，供线索列表的单位筛选；名称来自干部任职、单位名称表和随软件附带的行政区划。
    Township → village of every organisation a case concerns, named."""
    with caller.svc.state.connect() as c:
        codes = [r[0] for r in c.execute("SELECT DISTINCT org_code FROM cases WHERE org_code <> ''")]
    return places_of(caller).tree(codes)


@router.get("/cases/{case_id}/docx", summary="交办单、呈批表 A case's DOCX form")
def docx(
    case_id: str,
    form: Annotated[
        str, Query(pattern="^(handoff|approval)$", description="handoff 交办单 / approval 呈批表")
    ],
    caller: Caller = Depends(require(Permission.read_findings, "case_docx")),
) -> Response:
    """问题线索交办单（handoff）或处置呈批表（approval）：事实、证据表、依据和签字栏，A4，可直接打印签字。"""
    from graphaudit.api.cases import _summary
    from graphaudit.cases.paper import FORMS, case_docx

    t = case_tables(caller, case_id)
    case = CaseStore(caller.svc.state).get(t["case_id"])
    assert case is not None
    summary = _summary(case, caller.show_ids).model_dump(by_alias=True)
    body = case_docx(form, summary, t)
    name = quote(f"{FORMS[form]}-{t['case_id']}.docx")
    return Response(
        body,
        media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"},
    )
