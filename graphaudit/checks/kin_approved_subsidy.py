"""kin_approved_subsidy: a payment whose approver is the recipient or a relative within N kinship hops.

Semantics:
- any approver counts, cadre or not; the approver's post on the payment date (if any) names and weights it;
- the kinship distance is the shortest path over SPOUSE_OF / PARENT_OF / SIBLING_OF (0 = self-approval);
- all payments of one recipient fold into one finding; when several related approvers paid the same
  recipient, the closest (then most senior, then the one who approved most) is the key approver, listed first.

Severity link points: closeness(hops) — self 20, 1 hop 15, 2 hops 10, 3 hops 5.

Identity (finding_id): the check and the recipient — later payments to the same recipient, by any related
approver, join the same finding.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from graphaudit.checks.check import Check, Param, make_finding, node, post_on, posts_of, run_query
from graphaudit.checks.evidence import Link
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

__all__ = ["CHECK", "find"]

NAME = "kin_approved_subsidy"


def payment_evidence(kin: Link, pay: dict[str, Any]) -> Link:
    """approver –kin→ recipient ←PAID_TO– payment ←APPROVED– approver."""
    p = node("Payment", pay)
    return kin.then("PAID_TO", p, forward=False).then("APPROVED", kin.start, forward=False)


def find(store: GraphStore, params: dict[str, Any]) -> list[Finding]:
    rows = whole_walks(
        store, run_query(store, NAME, bounds={"kin_hops": params["kin_hops"]}), "approver_id", "recipient_id"
    )
    links = kin_links(rows, "approver_id", "recipient_id")
    pays = records_by_pair(rows, "approver_id", "recipient_id")
    posts = posts_of(store, {a for a, _ in links})
    by_recipient: dict[str, list[str]] = defaultdict(list)
    for a, r in sorted(links):
        by_recipient[r].append(a)
    mask = params["mask_names"]
    findings = []
    for rid, approvers in sorted(by_recipient.items()):
        ranked = []
        for a in approvers:
            ps = pays[(a, rid)]
            title = best_title(p.title for pay in ps if (p := post_on(posts, a, pay["pay_date"])))
            ranked.append((links[(a, rid)].hops, -post_rank(title), -total(ps), a, title))
        ranked.sort()
        hops, _, _, key, title = ranked[0]
        kin = links[(key, rid)]
        all_pays = [p for a in approvers for p in pays[(a, rid)]]
        amount = total(all_pays)
        name = kin.kin_name()
        actor = who(title, kin.start, mask)
        if len(approvers) > 1:
            actor += f"等{len(approvers)}人"
        target = "本人" if hops == 0 else f"其{name.term}{person(kin.end, mask)}"
        text = f"{actor}审批向{target}发放{payments_phrase(all_pays)}（{name.arrow}）"
        findings.append(
            make_finding(
                NAME,
                subject=[rid],
                records=all_pays,
                person_ids=[key, *[x[3] for x in ranked[1:]], rid],
                record_ids=[p["id"] for p in all_pays],
                amount=amount,
                org_code=main_org(all_pays),
                evidence=payment_evidence(kin, pays[(key, rid)][0]),
                explanation=text,
                link_points=closeness(hops),
                title=title,
                details={
                    "hops": hops,
                    "kin": name.arrow,
                    "term": name.term,
                    "approver_post": title,
                    "first_date": min(p["pay_date"] for p in all_pays),
                    "last_date": max(p["pay_date"] for p in all_pays),
                },
            )
        )
    return findings


CHECK = Check(
    name=NAME,
    title="审批人向亲属发放补贴",
    description="A payment whose approver is the recipient or a relative of the recipient within kin_hops "
    "kinship hops (spouse, parent–child, sibling edges).",
    params=(Param("kin_hops", int, 3, "kinship hops between approver and recipient", 1, 5),),
    queries=(NAME, PEOPLE, "cadre_posts"),
    base=40,
    legal_basis=ART_124,
    fund_kind=FundKind.RELIEF,
    find=find,
)
