"""deceased_recipient: a payment dated after the recipient's recorded death.

Semantics:
- the death date is the household register's death_date or, where the register has none, the deaths
  register's (火化、殡葬 … records: the sentence names the source); people marked 死亡 without a date
  anywhere are not flagged;
- payments up to grace_days after the death are let through (default 0: any payment after the death day;
  a grace_days of 0 takes the policy file's grace_days);
- all such payments of one recipient fold into one finding; approvers (most payments first) lead person_ids.

Severity link points: how long after the death money kept flowing — min(20, 2 per started month between the
death and the last payment).

Identity (finding_id): the check and the deceased recipient — later payments join the same finding.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import timedelta
from typing import Any

from graphaudit.checks.check import Check, Param, make_finding, node, post_on, posts_of, run_query
from graphaudit.checks.evidence import Link
from graphaudit.checks.legal import ART_122, FundKind
from graphaudit.checks.rows import by_date, main_org, total
from graphaudit.checks.wording import payments_phrase, person, who
from graphaudit.findings import Finding
from graphaudit.store.base import GraphStore

__all__ = ["CHECK", "find"]

NAME = "deceased_recipient"


def find(store: GraphStore, params: dict[str, Any]) -> list[Finding]:
    rows = run_query(store, NAME)
    days = params["grace_days"] or params["policy"].grace_days
    grace = timedelta(days=days)
    mask = params["mask_names"]
    posts = posts_of(store, {p["approver_id"] for r in rows for p in r["payments"] if p.get("approver_id")})
    findings = []
    for r in sorted(rows, key=lambda r: r["recipient_id"]):
        died = r["death_date"]
        pays = [
            p for p in by_date({p["id"]: p for p in r["payments"]}.values()) if p["pay_date"] > died + grace
        ]
        if not pays:
            continue
        approvers = Counter(p["approver_id"] for p in pays if p.get("approver_id"))
        order = sorted(approvers, key=lambda x: (-approvers[x], x))
        recipient = node("Person", {"id": r["recipient_id"], "name": r["recipient_name"], "death_date": died})
        first = pays[0]
        evidence = Link.at(node("Payment", first)).then("PAID_TO", recipient)
        if first.get("approver_id"):
            approver = node("Person", {"id": first["approver_id"], "name": first.get("approver_name")})
            evidence = Link.at(approver).then("APPROVED", node("Payment", first)).then("PAID_TO", recipient)
        months = math.ceil((pays[-1]["pay_date"] - died).days / 30)
        span = str(first["pay_date"]) if len(pays) == 1 else f"{first['pay_date']}至{pays[-1]['pay_date']}"
        by = ""
        if order:
            lead = next(p for p in pays if p.get("approver_id") == order[0])
            post = post_on(posts, order[0], lead["pay_date"])
            by = f"，经{who(post.title if post else None, {'name': lead.get('approver_name')}, mask)}"
            by += "等审核" if len(order) > 1 else "审核"
        known = f"（{r['death_source']}记录）" if r.get("death_source") else ""
        text = (
            f"{person({'name': r['recipient_name']}, mask)}已于{died}死亡{known}，死亡后仍被发放"
            f"{payments_phrase(pays)}（{span}{by}）"
        )
        findings.append(
            make_finding(
                NAME,
                subject=[r["recipient_id"]],
                records=pays,
                person_ids=[*order, r["recipient_id"]],
                record_ids=[p["id"] for p in pays],
                amount=total(pays),
                org_code=main_org(pays),
                evidence=evidence,
                explanation=text,
                link_points=min(20.0, 2.0 * months),
                details={
                    "death_date": died,
                    "first_date": first["pay_date"],
                    "last_date": pays[-1]["pay_date"],
                    "months_after_death": months,
                    "death_source": r.get("death_source") or "",
                    "policy": {"grace_days": days},
                },
            )
        )
    return findings


CHECK = Check(
    name=NAME,
    title="死亡人员仍领取补贴",
    description="A payment dated after the recipient's recorded death (more than grace_days after it).",
    params=(
        Param("grace_days", int, 0, "days after the death within which a payment is let through", 0, 366),
    ),
    queries=(NAME, "cadre_posts"),
    base=40,
    legal_basis=ART_122,
    fund_kind=FundKind.RELIEF,
    find=find,
)
