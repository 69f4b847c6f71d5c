"""duplicate_payment: the same recipient paid twice (or more) under the same programme in the same month.

Semantics:
- a month is the calendar month of pay_date; any two payments of one programme in it count, whatever the
  amounts;
- all duplicated months of one recipient fold into one finding; the money at risk is what was paid beyond
  the first payment of each duplicated month.

Severity link points: min(20, 10 per duplicated programme-month).

Identity (finding_id): the check and the recipient — later duplicated months join the same finding.  The
money at risk per record (``details["record_money"]``) is 0 for a month's first payment, else its amount.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from graphaudit.checks.check import Check, make_finding, node, run_query
from graphaudit.checks.evidence import Link
from graphaudit.checks.legal import ART_122, FundKind
from graphaudit.checks.rows import by_date, main_org, total
from graphaudit.checks.wording import payments_phrase, person, program_money, yuan
from graphaudit.findings import Finding
from graphaudit.store.base import GraphStore

__all__ = ["CHECK", "find"]

NAME = "duplicate_payment"


def month_text(month: int) -> str:
    """202401 → "2024年1月"."""
    return f"{int(month) // 100}年{int(month) % 100}月"


def find(store: GraphStore, params: dict[str, Any]) -> list[Finding]:
    rows = run_query(store, NAME)
    by_recipient: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_recipient[r["recipient_id"]].append(r)
    mask = params["mask_names"]
    findings = []
    for rid, groups in sorted(by_recipient.items()):
        groups = sorted(groups, key=lambda g: (int(g["month"]), str(g["program"])))
        pays, excess, at_risk = [], 0.0, []
        for g in groups:
            ps = by_date({p["id"]: p for p in g["payments"]}.values())
            excess += total(ps[1:])
            at_risk += [dict(p, amount=0.0 if i == 0 else p["amount"]) for i, p in enumerate(ps)]
            pays += ps
        pays = by_date(pays)
        approvers = Counter(p["approver_id"] for p in pays if p.get("approver_id"))
        name = groups[0]["recipient_name"]
        recipient = node("Person", {"id": rid, "name": name})
        g0 = by_date(groups[0]["payments"])
        evidence = (
            Link.at(node("Payment", g0[0]))
            .then("PAID_TO", recipient)
            .then("PAID_TO", node("Payment", g0[1]), forward=False)
        )
        months = []
        for g in groups:
            m = f"{month_text(g['month'])}{program_money(g['program'])}"
            if m not in months:
                months.append(m)
        where = "、".join(months[:3]) + (f"等{len(months)}个月" if len(months) > 3 else "")
        text = (
            f"{person({'name': name}, mask)}重复领取{where}，共{payments_phrase(pays)}，"
            f"其中{yuan(excess)}为同月重复发放"
        )
        findings.append(
            make_finding(
                NAME,
                subject=[rid],
                records=at_risk,
                person_ids=[*sorted(approvers, key=lambda x: (-approvers[x], x)), rid],
                record_ids=[p["id"] for p in pays],
                amount=excess,
                org_code=main_org(pays),
                evidence=evidence,
                explanation=text,
                link_points=min(20.0, 10.0 * len(groups)),
                details={
                    "months": [int(g["month"]) for g in groups],
                    "programs": sorted({g["program"] for g in groups}),
                    "paid": total(pays),
                },
            )
        )
    return findings


CHECK = Check(
    name=NAME,
    title="同月重复领取补贴",
    description="The same recipient paid twice or more under the same programme in the same calendar month.",
    params=(),
    queries=(NAME,),
    base=30,
    legal_basis=ART_122,
    fund_kind=FundKind.RELIEF,
    find=find,
)
