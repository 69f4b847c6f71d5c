"""cadre_family_beneficiary: payments to a cadre in office, or a relative within N hops, in a village the
cadre serves — whoever approved them.  Such payments need registration (备案, 民发〔2021〕57号).

Once the declarations register (备案) is loaded, the programmes that need 备案 (the policy file's
``declared_programs``, default 低保) are judged by undeclared_kin_benefit, which tells declared relatives from
undeclared ones; this check then keeps the other programmes (危房改造, 临时救助 …), where no 备案 exists and
the payment itself is what an office reviews, and names a 备案 the relative has (for 低保, say) in the
sentence and in ``details["declarations"]`` as context.  Without that register it lists every programme, as
before.

Semantics:
- a cadre serves the village of the post (HOLDS); with township_cadres, a township post (e.g. 民政助理员,
  whose near relatives' 低保 also needs 备案) serves every village of the township as well;
- the cadre counts only for payments dated while in post (start_date ≤ pay_date ≤ end_date, or no end);
- all payments of one recipient fold into one finding; the closest (then most senior) cadre is listed first.

Severity link points: closeness(hops) — self 20, 1 hop 15, 2 hops 10.

Identity (finding_id): the check and the recipient — later payments to the same recipient join the finding.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from graphaudit.checks.check import Check, Param, make_finding, node, run_query
from graphaudit.checks.legal import ART_124, FundKind
from graphaudit.checks.rows import (
    PEOPLE,
    best_title,
    kin_links,
    main_org,
    records_by_pair,
    total,
    whole_walks,
)
from graphaudit.checks.wording import payments_phrase, person, who
from graphaudit.findings import Finding, closeness, post_rank
from graphaudit.store.base import GraphStore

__all__ = ["CHECK", "find", "family_findings", "declarations_of"]

NAME = "cadre_family_beneficiary"


def find(store: GraphStore, params: dict[str, Any]) -> list[Finding]:
    bounds = {"hops": params["hops"], "township": int(params["township_cadres"])}
    rows = whole_walks(store, run_query(store, NAME, bounds=bounds), "cadre_id", "recipient_id")
    decls = run_query(store, "declarations")
    if not decls:
        return family_findings(NAME, rows, params)
    # the 备案 register is loaded: undeclared_kin_benefit judges the programmes that need 备案
    declared = set(params["policy"].declared_programs)
    rows = [{**r, "payments": [p for p in r["payments"] if p["program"] not in declared]} for r in rows]
    rows = [r for r in rows if r["payments"]]
    filed = declarations_of(decls, rows)

    def note(rid: str, pays: list[dict[str, Any]]) -> str:
        if not filed.get(rid):
            return "应核查是否按规定备案"
        d = filed[rid][0]
        return f"应核查是否按规定备案（该亲属{d['program'] or '各项补贴'}已于{d['declare_date']}备案）"

    return family_findings(NAME, rows, params, note, lambda rid, _p: {"declarations": filed.get(rid, [])})


def declarations_of(
    decls: list[dict[str, Any]], rows: list[dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """Per recipient, the 备案 its linking cadres filed for it (context on the finding), oldest first."""
    cadres: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        cadres[r["recipient_id"]].add(r["cadre_id"])
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for d in decls:
        if d["cadre_id"] in cadres.get(d["relative_id"], set()):
            out[d["relative_id"]].append(
                {"cadre_id": d["cadre_id"], "program": d["program"] or "", "declare_date": d["declare_date"]}
            )
    return {
        k: sorted(v, key=lambda x: (str(x["declare_date"]), x["cadre_id"], x["program"]))
        for k, v in out.items()
    }


def family_findings(
    check: str,
    rows: list[dict[str, Any]],
    params: dict[str, Any],
    note: Callable[[str, list[dict[str, Any]]], str] | None = None,
    details: Callable[[str, list[dict[str, Any]]], dict[str, Any]] | None = None,
) -> list[Finding]:
    """One finding per recipient from the rows of query cadre_family_beneficiary (payments per cadre,
    recipient and kinship path).  ``note(recipient, payments)`` replaces the closing clause of the sentence;
    ``details`` adds to the finding's details."""
    links = kin_links(rows, "cadre_id", "recipient_id")
    pays = records_by_pair(rows, "cadre_id", "recipient_id")
    by_recipient: dict[str, list[str]] = defaultdict(list)
    for c, r in sorted(links):
        by_recipient[r].append(c)
    mask = params["mask_names"]
    findings = []
    for rid, cadres in sorted(by_recipient.items()):
        ranked = sorted(
            (
                links[(c, rid)].hops,
                -post_rank(best_title(p["title"] for p in pays[(c, rid)])),
                -total(pays[(c, rid)]),
                c,
            )
            for c in cadres
        )
        hops, key = ranked[0][0], ranked[0][3]
        kin, mine = links[(key, rid)], pays[(key, rid)]
        title = best_title(p["title"] for p in mine)
        every: dict[str, dict[str, Any]] = {}
        for c in cadres:
            for p in pays[(c, rid)]:
                every.setdefault(p["id"], p)
        all_pays = sorted(every.values(), key=lambda p: (str(p["pay_date"]), p["id"]))
        name = kin.kin_name()
        villages = sorted({p["org_name"] or p["org_code"] for p in all_pays if p.get("org_code")})
        where = "、".join(villages[:3]) + ("等村" if len(villages) > 3 else "")
        actor = who(title, kin.start, mask)
        if len(cadres) > 1:
            actor += f"等{len(cadres)}名干部"
        target = f"{actor}本人" if hops == 0 else f"{actor}的{name.term}{person(kin.end, mask)}"
        closing = note(rid, all_pays) if note else "应核查是否按规定备案"
        text = f"{target}在{where or '其任职地'}领取{payments_phrase(all_pays)}，{closing}（{name.arrow}）"
        pay = node("Payment", mine[0])
        evidence = kin.then("PAID_TO", pay, forward=False)
        approvers = [p["approver_id"] for p in all_pays if p.get("approver_id")]
        findings.append(
            make_finding(
                check,
                subject=[rid],
                records=all_pays,
                person_ids=[key, *[x[3] for x in ranked[1:]], rid, *sorted(set(approvers))],
                record_ids=list(every),
                amount=total(all_pays),
                org_code=main_org(all_pays),
                evidence=evidence,
                explanation=text,
                link_points=closeness(hops),
                title=title,
                details={
                    "hops": hops,
                    "kin": name.arrow,
                    "term": name.term,
                    "cadre_post": title,
                    "first_date": all_pays[0]["pay_date"],
                    "last_date": all_pays[-1]["pay_date"],
                    **(details(rid, all_pays) if details else {}),
                },
            )
        )
    return findings


CHECK = Check(
    name=NAME,
    title="干部本人或近亲属享受补贴",
    description="A payment to a cadre in office, or to a relative within `hops` kinship hops, in a village "
    "the cadre serves, whoever approved it (needs 备案 registration).",
    params=(
        Param("hops", int, 2, "kinship hops between cadre and recipient", 1, 4),
        Param("township_cadres", bool, False, "also count township cadres for their township's villages"),
    ),
    queries=(NAME, "declarations", PEOPLE),
    base=25,
    legal_basis=ART_124,
    fund_kind=FundKind.RELIEF,
    find=find,
)
