"""above_standard: a payment above its programme's monthly standard (the policy file's ``standards``, yuan
per month; programmes without a standard are not checked).

Semantics:
- each payment is compared with its programme's standard (a payment is one month's allowance); the money at
  risk is the excess over the standard;
- all such payments of one recipient and programme fold into one finding.

Severity link points: the excess as a share of the standard — min(20, 20 × excess / standard).

Identity (finding_id): the check, the recipient and the programme.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from graphaudit.checks.check import Check, make_finding, run_query
from graphaudit.checks.collide import approvers, by_recipient, payment, payment_link, span
from graphaudit.checks.legal import ART_122, FundKind
from graphaudit.checks.rows import by_date, main_org
from graphaudit.checks.wording import payments_phrase, person, yuan
from graphaudit.findings import Finding
from graphaudit.policy import Policy
from graphaudit.store.base import GraphStore

__all__ = ["CHECK", "find"]

NAME = "above_standard"


def find(store: GraphStore, params: dict[str, Any]) -> list[Finding]:
    pol: Policy = params["policy"]
    mask = params["mask_names"]
    std = dict(pol.standards)
    if not std:
        return []
    rows = run_query(store, NAME, {"programs": sorted(std), "floor": min(std.values())})
    rows = [r for r in rows if float(r["amount"] or 0) > std[r["program"]] + 0.005]
    appr = approvers(store, rows)
    findings = []
    for rid, rs in by_recipient(rows).items():
        per: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in rs:
            per[r["program"]].append(payment(r))
        for program, ps in sorted(per.items()):
            pays = by_date({p["id"]: p for p in ps}.values())
            limit = std[program]
            excess = [{**p, "amount": round(float(p["amount"]) - limit, 2)} for p in pays]
            over = sum(x["amount"] for x in excess)
            recipient = {"id": rid, "name": rs[0]["recipient_name"]}
            by = appr.phrase(pays, mask)
            text = (
                f"{person(recipient, mask)}领取{payments_phrase(pays)}（{span(pays)}{by}），"
                f"超过{program}标准每月{yuan(limit)}，超出{yuan(over)}"
            )
            findings.append(
                make_finding(
                    NAME,
                    subject=[rid, program],
                    records=excess,
                    person_ids=[*appr.order(pays), rid],
                    record_ids=[p["id"] for p in pays],
                    amount=over,
                    org_code=main_org(pays),
                    evidence=payment_link(max(pays, key=lambda p: (p["amount"], p["id"])), recipient),
                    explanation=text,
                    link_points=min(20.0, 20.0 * max(x["amount"] for x in excess) / limit),
                    details={
                        "program": program,
                        "paid": round(sum(float(p["amount"]) for p in pays), 2),
                        "first_date": pays[0]["pay_date"],
                        "last_date": pays[-1]["pay_date"],
                        "policy": {"file": pol.source, "standard": limit},
                    },
                )
            )
    return findings


CHECK = Check(
    name=NAME,
    title="发放金额超过标准",
    description="A payment above its programme's monthly standard (policy file: standards).",
    params=(),
    queries=(NAME, "cadre_posts"),
    base=25,
    legal_basis=ART_122,
    fund_kind=FundKind.RELIEF,
    find=find,
)
