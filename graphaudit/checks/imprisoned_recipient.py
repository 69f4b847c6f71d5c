"""imprisoned_recipient: a payment dated inside a custody period of its recipient (prisoners register:
入监日期 to 出监日期, or still in custody).

Semantics:
- payments up to the policy file's ``grace_days`` after entering custody are let through (default 0);
- all such payments of one recipient fold into one finding; approvers (most payments first) lead person_ids.

Severity link points: how long money kept flowing into custody — min(20, 2 per started month between
entering custody and the last payment).

Identity (finding_id): the check and the recipient — later payments join the same finding.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from graphaudit.checks.check import Check, make_finding, node, run_query
from graphaudit.checks.collide import approvers, by_recipient, payment, payment_link, span
from graphaudit.checks.legal import ART_122, FundKind
from graphaudit.checks.rows import by_date, main_org, total
from graphaudit.checks.wording import payments_phrase, person
from graphaudit.findings import Finding
from graphaudit.policy import Policy
from graphaudit.store.base import GraphStore

__all__ = ["CHECK", "find"]

NAME = "imprisoned_recipient"


def find(store: GraphStore, params: dict[str, Any]) -> list[Finding]:
    pol: Policy = params["policy"]
    grace = timedelta(days=pol.grace_days)
    mask = params["mask_names"]
    rows = [r for r in run_query(store, NAME) if r["pay_date"] > r["start_date"] + grace]
    appr = approvers(store, rows)
    findings = []
    for rid, rs in by_recipient(rows).items():
        pays = by_date({r["id"]: payment(r) for r in rs}.values())
        custody = min(rs, key=lambda r: (r["start_date"], r["custody_id"]))
        periods = sorted({(r["start_date"], r["end_date"]) for r in rs}, key=lambda x: x[0])
        when = "；".join(f"{a}入监" + (f"，{b}出监" if b else "，至今在押") for a, b in periods)
        recipient = {"id": rid, "name": rs[0]["recipient_name"]}
        months = math.ceil((pays[-1]["pay_date"] - custody["start_date"]).days / 30)
        grace_text = f"，宽限{pol.grace_days}天" if pol.grace_days else ""
        text = (
            f"{person(recipient, mask)}在押服刑期间（{when}）仍被发放{payments_phrase(pays)}"
            f"（{span(pays)}{appr.phrase(pays, mask)}{grace_text}）"
        )
        first = next(
            p for p in pays if p["id"] in {r["id"] for r in rs if r["custody_id"] == custody["custody_id"]}
        )
        evidence = payment_link(first, recipient).then(
            "IN_CUSTODY",
            node("Custody", {"id": custody["custody_id"], "start_date": custody["start_date"]}),
        )
        findings.append(
            make_finding(
                NAME,
                subject=[rid],
                records=pays,
                person_ids=[*appr.order(pays), rid],
                record_ids=[p["id"] for p in pays],
                amount=total(pays),
                org_code=main_org(pays),
                evidence=evidence,
                explanation=text,
                link_points=min(20.0, 2.0 * max(1, months)),
                details={
                    "custody": [{"start_date": a, "end_date": b} for a, b in periods],
                    "first_date": pays[0]["pay_date"],
                    "last_date": pays[-1]["pay_date"],
                    "policy": {"file": pol.source, "grace_days": pol.grace_days},
                },
            )
        )
    return findings


CHECK = Check(
    name=NAME,
    title="在押服刑人员仍领取补贴",
    description="A payment dated inside a custody period of its recipient (more than the policy's grace "
    "days after entering custody).",
    params=(),
    queries=(NAME, "cadre_posts"),
    base=35,
    legal_basis=ART_122,
    fund_kind=FundKind.RELIEF,
    find=find,
)
