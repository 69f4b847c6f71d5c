"""undeclared_kin_benefit: a payment under a programme that needs 备案 (the policy file's
``declared_programs``, default 低保) to a cadre in office, or a relative within N hops, in the village the
cadre serves, with no 备案 for that cadre, relative and programme on or before the pay date.

Semantics:
- the cadres, posts, dates and kinship are those of cadre_family_beneficiary (its query, township posts not
  counted); a payment is undeclared when none of the cadres it links has a 备案 for the recipient and the
  programme (a 备案 without a programme covers every programme) dated on or before the pay date;
- a relative declared in time is context, not a finding: nothing is reported for those payments; a 备案 dated
  after a payment does not cover it, and the sentence says when it was made; every 备案 of the linking
  cadres for the recipient is in ``details["declarations"]`` (cadre, programme, date);
- the check needs the declarations register: without it (no 备案 loaded at all) it reports nothing and
  cadre_family_beneficiary lists the payments for comparison;
- all undeclared payments of one recipient fold into one finding; the closest cadre is listed first.

Severity link points: closeness(hops) — self 20, 1 hop 15, 2 hops 10.

Identity (finding_id): the check and the recipient.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from graphaudit.checks.cadre_family_beneficiary import declarations_of, family_findings
from graphaudit.checks.check import Check, Param, run_query
from graphaudit.checks.legal import ART_124, FundKind
from graphaudit.checks.rows import PEOPLE, whole_walks
from graphaudit.findings import Finding
from graphaudit.policy import Policy
from graphaudit.store.base import GraphStore

__all__ = ["CHECK", "find"]

NAME = "undeclared_kin_benefit"


def find(store: GraphStore, params: dict[str, Any]) -> list[Finding]:
    pol: Policy = params["policy"]
    decls = run_query(store, NAME)
    if not decls:
        return []
    filed: dict[tuple[str, str], list[tuple[str, date]]] = defaultdict(list)
    for d in decls:
        filed[(d["cadre_id"], d["relative_id"])].append((d["program"] or "", d["declare_date"]))
    needs = set(pol.declared_programs)

    def covered(cadre: str, recipient: str, pay: dict[str, Any]) -> bool:
        return any(
            (prog in ("", pay["program"])) and when <= pay["pay_date"]
            for prog, when in filed.get((cadre, recipient), [])
        )

    rows = run_query(store, "cadre_family_beneficiary", bounds={"hops": params["hops"], "township": 0})
    by_pay: dict[str, set[str]] = defaultdict(set)  # payment → the cadres that link it
    for r in rows:
        for p in r["payments"]:
            by_pay[p["id"]].add(r["cadre_id"])
    declared_pays = {
        p["id"]
        for r in rows
        for p in r["payments"]
        if any(covered(c, r["recipient_id"], p) for c in by_pay[p["id"]])
    }
    kept = []
    for r in rows:
        pays = [p for p in r["payments"] if p["program"] in needs and p["id"] not in declared_pays]
        if pays:
            kept.append({**r, "payments": pays})
    kept = whole_walks(store, kept, "cadre_id", "recipient_id")
    late: dict[str, list[tuple[str, date]]] = defaultdict(list)
    for r in kept:
        for prog, when in filed.get((r["cadre_id"], r["recipient_id"]), []):
            late[r["recipient_id"]].append((prog, when))

    def note(rid: str, pays: list[dict[str, Any]]) -> str:
        after = sorted(w for _, w in late.get(rid, []))
        if after:
            return f"备案日期{after[0]}晚于发放，发放时未备案"
        return f"未按规定备案（须备案项目：{'、'.join(pol.declared_programs)}）"

    context = declarations_of(decls, rows)

    def details(rid: str, pays: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "declarations": context.get(rid, []),
            "late_declarations": [{"program": p, "declare_date": w} for p, w in sorted(late.get(rid, []))],
            "policy": {"file": pol.source, "declared_programs": list(pol.declared_programs)},
        }

    return family_findings(NAME, kept, params, note, details)


CHECK = Check(
    name=NAME,
    title="干部近亲属享受低保未备案",
    description="A payment under a programme that needs 备案 (policy file) to a cadre in office, or a "
    "relative within `hops` kinship hops, in the cadre's village, with no 备案 for that cadre, relative "
    "and programme on or before the pay date.",
    params=(Param("hops", int, 2, "kinship hops between cadre and recipient", 1, 4),),
    queries=(NAME, "cadre_family_beneficiary", PEOPLE),
    base=30,
    legal_basis=ART_124,
    fund_kind=FundKind.RELIEF,
    find=find,
)
