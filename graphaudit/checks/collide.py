"""What the register-collision checks (数据碰撞: ineligible_recipient, imprisoned_recipient,
concurrent_benefits, above_standard) share: payment rows grouped per recipient, the approvers' phrase and the
evidence from a payment to its recipient."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from graphaudit.checks.check import node, post_on, posts_of
from graphaudit.checks.evidence import Link
from graphaudit.store.base import GraphStore

__all__ = ["by_recipient", "approvers", "payment_link", "span", "PAY_KEYS"]

#: What a check keeps of a payment row (a record of the finding: id, amount, programme …).
PAY_KEYS = ("id", "program", "amount", "pay_date", "org_code", "approver_id")


def by_recipient(rows: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Rows by recipient id, in recipient order."""
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(str(r["recipient_id"]), []).append(r)
    return dict(sorted(out.items()))


def payment(r: Mapping[str, Any]) -> dict[str, Any]:
    return {k: r.get(k) for k in PAY_KEYS}


class Approvers:
    """The approvers of a set of payments: most payments first, with the post held on the date."""

    def __init__(self, store: GraphStore, rows: Iterable[Mapping[str, Any]]) -> None:
        self.posts = posts_of(store, {str(r["approver_id"]) for r in rows if r.get("approver_id")})

    def order(self, pays: Sequence[Mapping[str, Any]]) -> list[str]:
        count = Counter(str(p["approver_id"]) for p in pays if p.get("approver_id"))
        return sorted(count, key=lambda x: (-count[x], x))

    def phrase(self, pays: Sequence[Mapping[str, Any]], mask: bool) -> str:
        """ "，经村党支部书记审核" / "…等审核" / "" when no approver is recorded (the post the leading
        approver held on the date; names stay in the evidence)."""
        order = self.order(pays)
        if not order:
            return ""
        lead = next(p for p in pays if p.get("approver_id") == order[0])
        post = post_on(self.posts, order[0], lead["pay_date"])
        return f"，经{post.title if post else '审核人'}" + ("等审核" if len(order) > 1 else "审核")


def approvers(store: GraphStore, rows: Iterable[Mapping[str, Any]]) -> Approvers:
    return Approvers(store, rows)


def payment_link(pay: Mapping[str, Any], recipient: Mapping[str, Any]) -> Link:
    """Payment -PAID_TO-> recipient."""
    return Link.at(node("Payment", payment(pay))).then("PAID_TO", node("Person", dict(recipient)))


def span(pays: Sequence[Mapping[str, Any]]) -> str:
    """ "2024-01-13" or "2024-01-13至2024-06-13"."""
    first, last = pays[0]["pay_date"], pays[-1]["pay_date"]
    return str(first) if first == last else f"{first}至{last}"
