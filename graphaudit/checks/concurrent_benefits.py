"""concurrent_benefits: one person paid under two or more programmes of one exclusive set (the policy file's
``exclusive_sets``: default {低保, 特困供养} and {城镇低保, 农村低保}) in one calendar month.

Semantics:
- months are calendar months of the pay date; a month counts when the recipient has payments under two or
  more different programmes of one set;
- every such month of one recipient and set folds into one finding; its records are those months'
  payments under the set's programmes.

Severity link points: 10, plus 2 per further month (up to 20).

Identity (finding_id): the check, the recipient and the exclusive set.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from graphaudit.checks.check import Check, make_finding, node, run_query
from graphaudit.checks.collide import approvers, by_recipient, payment, payment_link
from graphaudit.checks.legal import ART_122, FundKind
from graphaudit.checks.rows import by_date, main_org, total
from graphaudit.checks.wording import payments_phrase, person
from graphaudit.findings import Finding
from graphaudit.policy import Policy
from graphaudit.store.base import GraphStore

__all__ = ["CHECK", "find"]

NAME = "concurrent_benefits"


def find(store: GraphStore, params: dict[str, Any]) -> list[Finding]:
    pol: Policy = params["policy"]
    mask = params["mask_names"]
    programs = sorted({p for s in pol.exclusive_sets for p in s})
    if not programs:
        return []
    rows = run_query(store, NAME, {"programs": programs})
    appr = approvers(store, rows)
    findings = []
    for rid, rs in by_recipient(rows).items():
        for group in pol.exclusive_sets:
            month: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for r in rs:
                if r["program"] in group:
                    month[f"{r['pay_date']:%Y-%m}"].append(payment(r))
            hit = {m: ps for m, ps in month.items() if len({p["program"] for p in ps}) >= 2}
            if not hit:
                continue
            pays = by_date({p["id"]: p for ps in hit.values() for p in ps}.values())
            months = sorted(hit)
            recipient = {"id": rid, "name": rs[0]["recipient_name"]}
            both = "、".join(sorted({p["program"] for p in pays}))
            when = months[0] if len(months) == 1 else f"{months[0]}至{months[-1]}间{len(months)}个月"
            text = (
                f"{person(recipient, mask)}于{when}同时领取{both}（{payments_phrase(pays)}"
                f"{appr.phrase(pays, mask)}），政策规定{'、'.join(group)}不得同时享受"
            )
            first = by_date(hit[months[0]])  # not the order the store returned the rows in
            evidence = payment_link(first[0], recipient)
            other = next(p for p in first if p["program"] != first[0]["program"])
            evidence = evidence.then("PAID_TO", node("Payment", other), forward=False)
            findings.append(
                make_finding(
                    NAME,
                    subject=[rid, "|".join(group)],
                    records=pays,
                    person_ids=[*appr.order(pays), rid],
                    record_ids=[p["id"] for p in pays],
                    amount=total(pays),
                    org_code=main_org(pays),
                    evidence=evidence,
                    explanation=text,
                    link_points=min(20.0, 10.0 + 2.0 * (len(months) - 1)),
                    details={
                        "months": months,
                        "programs": sorted({p["program"] for p in pays}),
                        "policy": {"file": pol.source, "exclusive_set": list(group)},
                    },
                )
            )
    return findings


CHECK = Check(
    name=NAME,
    title="同月享受互斥补贴",
    description="One person paid under two programmes of one exclusive set (policy file) in one calendar "
    "month.",
    params=(),
    queries=(NAME, "cadre_posts"),
    base=30,
    legal_basis=ART_122,
    fund_kind=FundKind.RELIEF,
    find=find,
)
