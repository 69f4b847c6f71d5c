"""Findings folded into cases (线索): the unit an office reviews, hands off and closes (DOMAIN.md "From
finding to case to disposal", DATA_CONTRACT.md §2 "Cases").

Folding: two findings are one case when they concern the same subject (union–find over subject keys):

- a record (payment or contract) in both — overlapping records are one case, so no record is in two cases;
- the same recipient of the subsidy checks (kin_approved_subsidy, cadre_family_beneficiary,
  deceased_recipient, duplicate_payment: their subject is the recipient);
- the same contractor of the contract checks (kin_contract's contractor, hidden_link's company,
  split_contracts' contractors): one cadre–company link, however many contracts;
- the same pair of approvers (reciprocal_approval).

A collusive_cluster finding is a case of its own that *links* the cases whose records it contains: its own
``record_ids`` are only the cluster's records no other case holds, its amount is theirs (the linked money is
not counted twice) and ``linked`` names the findings of the cases inside it.  Two clusters sharing a record
are one case.

One case has one amount (each record's money at risk counted once, the largest any finding gives it: a
record's ``details["record_money"]``), one severity (its strongest finding plus CORROBORATION points per other
check, capped at 100), one Chinese summary, the discipline article(s) its checks point to (LEGAL_BASIS) and
the money band of 法释〔2016〕9号 (:func:`money_bands`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from graphaudit.checks.legal import LegalBasis
from graphaudit.findings import Finding, ordered
from graphaudit.unionfind import UnionFind

__all__ = [
    "Case",
    "fold",
    "money_bands",
    "legal_basis_of",
    "RELIEF_FUNDS",
    "CORROBORATION",
    "BAND_REACHED",
    "BAND_BELOW",
    "CLUSTER",
]

CLUSTER = "collusive_cluster"
#: Severity points a case gains for each check beyond its strongest finding's that also flags it.
CORROBORATION = 5


#: 中国共产党纪律处分条例 (2023 revision, in force 2024-01-01): the articles the checks point to (DOMAIN.md).
def legal_basis_of(check: str) -> LegalBasis | None:
    """The article a check points to, as the check declares it (``Check.legal_basis``)."""
    from graphaudit.checks import CHECKS

    c = CHECKS.get(check)
    return c.legal_basis if c else None


#: Funds counted as relief, poverty-alleviation or assistance money (法释〔2016〕9号: ¥10,000 suffices).
RELIEF_FUNDS = ("低保", "特困", "临时救助", "救灾", "扶贫", "医疗救助")
RELIEF_BAND, OTHER_BAND = 10_000.0, 30_000.0
BAND_REACHED = "可能达到刑事立案标准"
BAND_BELOW = "未达刑事立案标准"
#: Checks whose first person is the cadre or approver whose conflict it is (money is summed per cadre).
ACTOR_FIRST = (
    "kin_approved_subsidy",
    "cadre_family_beneficiary",
    "undeclared_kin_benefit",
    "kin_contract",
    "hidden_link",
    "reciprocal_approval",
    CLUSTER,
)
SUBJECT_RECIPIENT = (
    "kin_approved_subsidy",
    "cadre_family_beneficiary",
    "deceased_recipient",
    "duplicate_payment",
    "ineligible_recipient",
    "imprisoned_recipient",
    "concurrent_benefits",
    "undeclared_kin_benefit",
    "above_standard",
)


def is_relief(fund: str) -> bool:
    return any(w in (fund or "") for w in RELIEF_FUNDS)


@dataclass
class Case:
    """One case as folded from the findings of one run; its id is given by graphaudit.cases.store."""

    findings: list[Finding]  # strongest first
    record_ids: list[str]
    money: dict[str, tuple[float, str]]  # record id → (yuan at risk, fund)
    linked: list[str] = field(default_factory=list)  # a cluster: finding ids of the cases inside it
    org_name: str = ""
    cadre: str | None = None
    money_band: str = BAND_BELOW
    band_note: str = ""

    @property
    def lead(self) -> Finding:
        return self.findings[0]

    @property
    def finding_ids(self) -> list[str]:
        return [f.finding_id for f in self.findings]

    @property
    def checks(self) -> list[str]:
        return list(dict.fromkeys(f.check for f in self.findings))

    @property
    def person_ids(self) -> list[str]:
        return list(dict.fromkeys(p for f in self.findings for p in f.person_ids))

    @property
    def amount(self) -> float:
        if self.money:
            return round(sum(a for a, _ in self.money.values()), 2)
        return 0.0 if self.lead.check == CLUSTER and self.linked else round(self.lead.amount, 2)

    @property
    def relief_amount(self) -> float:
        return round(sum(a for a, fund in self.money.values() if is_relief(fund)), 2)

    @property
    def severity(self) -> int:
        return int(min(100, self.lead.severity + CORROBORATION * (len(self.checks) - 1)))

    @property
    def legal_basis(self) -> list[str]:
        bases = dict.fromkeys(b for c in self.checks if (b := legal_basis_of(c)))
        return [f"{b.citation}（{b.gist}）" for b in bases]

    def explanation(self, titles: Mapping[str, str]) -> str:
        text = self.lead.explanation
        others = [titles.get(c, c) for c in self.checks[1:]]
        if others:
            text += f"；另有{len(others)}项检查印证（{'、'.join(others)}）"
        if self.linked:
            text += f"；群体内含其他线索{len(self.linked)}条（金额不重复计入）"
        return text


def _keys(f: Finding) -> list[str]:
    """The subject keys a finding is folded on (module docstring)."""
    keys = [f"record:{r}" for r in f.record_ids]
    d = f.details
    if f.check in SUBJECT_RECIPIENT:
        recipient = _recipient(f)
        if recipient:
            keys.append(f"recipient:{recipient}")
    if f.check == "kin_contract" and d.get("contractor_id"):
        keys.append(f"contractor:{d['contractor_id']}")
    if f.check == "hidden_link" and d.get("company_id"):
        keys.append(f"contractor:{d['company_id']}")
    if f.check == "split_contracts":
        keys += [f"contractor:{c}" for c in d.get("contractors", [])]
    if f.check == "reciprocal_approval":
        keys.append("pair:" + "|".join(sorted(f.person_ids[:2])))
    return keys


def _recipient(f: Finding) -> str | None:
    """The recipient of a subsidy finding: the person the evidence path's payment is paid to."""
    nodes, rels = f.path.get("nodes", []), f.path.get("relationships", [])
    for i, r in enumerate(rels):
        if r.get("type") == "PAID_TO":
            a, b = nodes[i], nodes[i + 1]
            return str(b["id"] if a.get("label") == "Payment" else a["id"])
    return None


def _money(fs: Iterable[Finding]) -> dict[str, tuple[float, str]]:
    out: dict[str, tuple[float, str]] = {}
    for f in fs:
        for rid, (amount, fund) in (f.details.get("record_money") or {}).items():
            if rid not in out or float(amount) > out[rid][0]:
                out[rid] = (float(amount), str(fund or ""))
    return out


def fold(findings: Iterable[Finding], org_names: Mapping[str, str] | None = None) -> list[Case]:
    """The cases of a set of findings (module docstring), most severe first, with money bands set."""
    fs = ordered(list(findings))
    plain = [f for f in fs if f.check != CLUSTER]
    clusters = [f for f in fs if f.check == CLUSTER]
    cases = _union(plain)
    owner = {r: i for i, c in enumerate(cases) for r in c.record_ids}
    for group in _groups(clusters, _keys_records_only):
        records = sorted({r for f in group for r in f.record_ids})
        own = [r for r in records if r not in owner]
        money = {r: m for r, m in _money(group).items() if r in own}
        inside = sorted({owner[r] for r in records if r in owner})
        linked = [fid for i in inside for fid in cases[i].finding_ids]
        cases.append(Case(findings=ordered(group), record_ids=own, money=money, linked=linked))
    names = org_names or {}
    for c in cases:
        c.org_name = names.get(c.lead.org_code, "")
        c.cadre = c.lead.person_ids[0] if c.lead.check in ACTOR_FIRST and c.lead.person_ids else None
    money_bands(cases)
    return sorted(cases, key=lambda c: (-c.severity, -c.amount, c.lead.check, c.lead.finding_id))


def _keys_records_only(f: Finding) -> list[str]:
    return [f"record:{r}" for r in f.record_ids]


def _groups(fs: list[Finding], keys: Callable[[Finding], list[str]]) -> list[list[Finding]]:
    uf: UnionFind[str] = UnionFind()
    for f in fs:
        uf.union([f"finding:{f.finding_id}", *keys(f)])
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in fs:
        groups[uf.find(f"finding:{f.finding_id}")].append(f)
    return list(groups.values())


def _union(fs: list[Finding]) -> list[Case]:
    out = []
    for group in _groups(fs, _keys):
        group = ordered(group)
        out.append(
            Case(
                findings=group,
                record_ids=sorted({r for f in group for r in f.record_ids}),
                money=_money(group),
            )
        )
    return out


def money_bands(cases: list[Case]) -> None:
    """Set each case's band (法释〔2016〕9号): the money is summed per cadre over the cadre's cases (relief
    money of RELIEF_FUNDS from ¥10,000, any money from ¥30,000 → BAND_REACHED); a case with no cadre is
    judged on its own money.  ``band_note`` says which sum reached the band."""
    per_cadre: dict[str, list[Case]] = defaultdict(list)
    for c in cases:
        if c.cadre:
            per_cadre[c.cadre].append(c)
    for c in cases:
        group = per_cadre[c.cadre] if c.cadre else [c]
        relief = sum(x.relief_amount for x in group)
        every = sum(x.amount for x in group)
        whose = f"该干部{len(group)}条线索合计" if len(group) > 1 else ""
        if relief >= RELIEF_BAND:
            c.money_band = BAND_REACHED
            c.band_note = f"{whose}救助、扶贫类资金{relief:,.2f}元（≥1万元）"
        elif every >= OTHER_BAND:
            c.money_band = BAND_REACHED
            c.band_note = f"{whose}涉及资金{every:,.2f}元（≥3万元）"
        else:
            c.money_band = BAND_BELOW
            c.band_note = f"{whose}涉及资金{every:,.2f}元，其中救助、扶贫类{relief:,.2f}元"
