"""The words of explanations: programmes as money (低保 → 低保金), amounts, people with their posts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graphaudit.findings import mask_name

__all__ = ["program_money", "yuan", "person", "who", "payments_phrase", "Names"]

PROGRAM_MONEY = {
    "低保": "低保金",
    "特困供养": "特困供养金",
    "危房改造": "危房改造补助",
    "临时救助": "临时救助金",
    "医疗救助": "医疗救助金",
    "教育资助": "教育资助金",
    "产业扶贫": "产业扶贫资金",
    "耕地地力保护补贴": "耕地地力保护补贴",
}


def program_money(program: str | None) -> str:
    """低保 → 低保金; a programme not in the list is named as written."""
    p = (program or "").strip() or "补贴"
    return PROGRAM_MONEY.get(p, p if p.endswith(("金", "补贴", "补助", "资金", "款")) else p + "资金")


def yuan(amount: float) -> str:
    """3600.0 → "3600元", 3600.5 → "3600.50元"."""
    return f"{amount:.0f}元" if float(amount).is_integer() else f"{amount:.2f}元"


def person(node: Mapping[str, Any] | None, mask: bool, fallback: str = "某人") -> str:
    """A person's name for a sentence, masked ("张某") when ``mask``."""
    name = str((node or {}).get("name") or "").strip()
    if not name:
        return fallback
    return mask_name(name) if mask else name


ORDINALS = "甲乙丙丁戊己庚辛壬癸"


class Names:
    """Names for one sentence that tell masked people apart: two people who both mask to 王某 become
    王某(甲) and 王某(乙), in the order given; names that stay distinct are left as they are.

        names = Names([a, b, c], mask=True)
        names(a)   # "王某(甲)"
    """

    def __init__(self, nodes: Iterable[Mapping[str, Any] | None], mask: bool) -> None:
        self.mask = mask
        first: dict[str, list[str]] = {}
        for n in nodes:
            key = str((n or {}).get("id") or "")
            base = person(n, mask)
            ids = first.setdefault(base, [])
            if key not in ids:
                ids.append(key)
        self.label: dict[str, str] = {}
        for base, ids in first.items():
            for i, key in enumerate(ids):
                self.label[key] = base if len(ids) == 1 else f"{base}({ORDINALS[i % len(ORDINALS)]})"

    def __call__(self, node: Mapping[str, Any] | None) -> str:
        key = str((node or {}).get("id") or "")
        return self.label.get(key) or person(node, self.mask)


def who(title: str | None, node: Mapping[str, Any] | None, mask: bool, role: str = "审核人") -> str:
    """ "村党支部书记张某"; without a post the role word ("审核人张某")."""
    return f"{title or role}{person(node, mask)}"


def payments_phrase(payments: Iterable[Mapping[str, Any]]) -> str:
    """ "低保金3600元", "低保金12笔共7200元", "低保金、临时救助金共3笔4600元"."""
    pays = list(payments)
    programs: list[str] = []
    for p in sorted(pays, key=lambda p: (str(p.get("pay_date")), str(p["id"]))):
        m = program_money(p.get("program"))
        if m not in programs:
            programs.append(m)
    total = sum(float(p.get("amount") or 0) for p in pays)
    names = "、".join(programs)
    if len(pays) == 1:
        return f"{names}{yuan(total)}"
    if len(programs) == 1:
        return f"{names}{len(pays)}笔共{yuan(total)}"
    return f"{names}共{len(pays)}笔{yuan(total)}"
