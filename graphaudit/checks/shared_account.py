"""shared_account: one bank account receiving payments for recipients of two or more households.

Semantics:
- a recipient's household is the register's household, else the payment's household_id, else the recipient
  alone; several recipients of one household sharing an account is normal and not flagged;
- one finding per account, listing every payment into it; approvers (most payments first) come first in
  person_ids, then the recipients by household.

Severity link points: min(20, 5 per household beyond the first).

Identity (finding_id): the check and the bank account — later payments into it join the same finding.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from graphaudit.checks.check import Check, Param, make_finding, node, run_query
from graphaudit.checks.evidence import Link
from graphaudit.checks.legal import ART_122, FundKind
from graphaudit.checks.rows import by_date, main_org, total
from graphaudit.checks.wording import payments_phrase, person
from graphaudit.findings import Finding
from graphaudit.store.base import GraphStore

__all__ = ["CHECK", "find"]

NAME = "shared_account"


def find(store: GraphStore, params: dict[str, Any]) -> list[Finding]:
    rows = run_query(store, NAME, {"min_households": params["min_households"]})
    mask = params["mask_names"]
    findings = []
    for r in sorted(rows, key=lambda r: r["account"]):
        pays = by_date({p["id"]: p for p in r["payments"]}.values())
        households = sorted(set(r["households"]))
        first: dict[str, dict[str, Any]] = {}
        for p in pays:
            first.setdefault(p["household"], p)
        recipients = sorted(
            {(p["household"], p["recipient_id"]): p for p in pays}.values(),
            key=lambda p: (p["household"], p["recipient_id"]),
        )
        approvers = Counter(p["approver_id"] for p in pays if p.get("approver_id"))
        account = node("BankAccount", {"id": r["account"]})
        a, b = (first[h] for h in households[:2])
        evidence = (
            Link.at(node("Person", {"id": a["recipient_id"], "name": a["recipient_name"]}))
            .then("PAID_TO", node("Payment", a), forward=False)
            .then("PAID_INTO", account)
            .then("PAID_INTO", node("Payment", b), forward=False)
            .then("PAID_TO", node("Person", {"id": b["recipient_id"], "name": b["recipient_name"]}))
        )
        names = "、".join(person({"name": p["recipient_name"]}, mask) for p in recipients[:3])
        more = "等" if len(recipients) > 3 else ""
        text = (
            f"尾号{r['account'][-4:]}的银行账户接收{len(households)}户{len(recipients)}人（{names}{more}）的"
            f"{payments_phrase(pays)}，应核查账户归属"
            f"（户号{'、'.join(households[:5])}{more if len(households) > 5 else ''}）"
        )
        findings.append(
            make_finding(
                NAME,
                subject=[r["account"]],
                records=pays,
                person_ids=[
                    *sorted(approvers, key=lambda x: (-approvers[x], x)),
                    *[p["recipient_id"] for p in recipients],
                ],
                record_ids=[p["id"] for p in pays],
                amount=total(pays),
                org_code=main_org(pays),
                evidence=evidence,
                explanation=text,
                link_points=min(20.0, 5.0 * (len(households) - 1)),
                details={
                    "account": r["account"],
                    "households": households,
                    "first_date": pays[0]["pay_date"],
                    "last_date": pays[-1]["pay_date"],
                },
            )
        )
    return findings


CHECK = Check(
    name=NAME,
    title="多户补贴汇入同一账户",
    description="One bank account receiving payments for recipients of min_households or more households.",
    params=(Param("min_households", int, 2, "households whose payments share the account", 2, 100),),
    queries=(NAME,),
    base=30,
    legal_basis=ART_122,
    fund_kind=FundKind.RELIEF,
    find=find,
)
