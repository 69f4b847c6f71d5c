"""What a finding may breach and what kind of money it concerns: the legal basis and the fund kind each check
declares (``Check.legal_basis``, ``Check.fund_kind``), for the case pages and the criminal-threshold hint.

The articles are those of the 中国共产党纪律处分条例 (2023 revision, in force 2024-01-01) named in DOMAIN.md
"Legal grounding"; each ``gist`` is a summary in our words, not a quotation — check the official text before
quoting it in a document.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["LegalBasis", "FundKind", "ART_104", "ART_122", "ART_124", "zh_number"]

_DIGITS = "零一二三四五六七八九"


def zh_number(n: int) -> str:
    """1–999 in Chinese numerals as an article is numbered: 104 → 一百零四, 124 → 一百二十四, 12 → 十二."""
    if not 0 < n < 1000:
        raise ValueError(f"article number {n} out of range 1–999")
    h, t, u = n // 100, n // 10 % 10, n % 10
    out = f"{_DIGITS[h]}百" if h else ""
    if t:
        out += ("" if t == 1 and not h else _DIGITS[t]) + "十"
    elif h and u:
        out += "零"
    return out + (_DIGITS[u] if u else "")


@dataclass(frozen=True)
class LegalBasis:
    """An article a finding of a check may breach: the regulation, its edition, the article and its gist."""

    regulation: str
    edition: str
    article: int
    gist: str

    @property
    def citation(self) -> str:
        """《中国共产党纪律处分条例》（2023年修订）第一百二十四条"""
        return f"《{self.regulation}》（{self.edition}）第{zh_number(self.article)}条"


_DISCIPLINE = ("中国共产党纪律处分条例", "2023年修订")

#: 优亲厚友 in social assistance: kin_approved_subsidy, cadre_family_beneficiary.
ART_124 = LegalBasis(
    *_DISCIPLINE, 124, "在社会保障、社会救助、政策扶持、救灾救济款物分配等事项中优亲厚友、明显有失公平"
)
#: Using office for relatives' benefit: kin_contract, hidden_link, split_contracts, reciprocal_approval,
#: collusive_cluster.
ART_104 = LegalBasis(
    *_DISCIPLINE,
    104,
    "利用职权或者职务上的影响，为配偶、子女等亲属和其他特定关系人"
    "在审批、采购、工程招投标、公共财政支出等方面谋取利益",
)
#: Withholding or taking villagers' money: shared_account, deceased_recipient, duplicate_payment.
ART_122 = LegalBasis(
    *_DISCIPLINE, 122, "侵害群众利益：扣留、克扣、截留、挪用或者侵占群众款物，在乡村振兴领域从重"
)


class FundKind(StrEnum):
    """What kind of money a check's records are.  It decides the criminal-threshold band (法释〔2016〕9号:
    ¥30,000 is 数额较大, ¥10,000 suffices for relief, poverty-alleviation and assistance money).

    ``relief``: subsidy and assistance payments (Payment records); ``other``: contracts and other public money
    (Contract records); ``mixed``: both, each record by its own kind (a Payment is relief, a Contract other).
    Subsidy programmes are all counted as relief here; telling a policy subsidy (耕地地力保护补贴) from a
    listed 特定款物 is left to the case work."""

    RELIEF = "relief"
    OTHER = "other"
    MIXED = "mixed"

    @property
    def zh(self) -> str:
        """The kind in Chinese."""
        return {"relief": "救助补贴资金", "other": "工程合同等其他资金", "mixed": "补贴与合同资金"}[
            self.value
        ]
