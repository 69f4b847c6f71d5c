"""Which cases and near-misses to plant, and in what order (the most constrained first).

The synth plants cases for the checks it knows (not necessarily every registered check); every check name
named here and in the case modules' constants is checked against :data:`graphaudit.checks.CHECKS` at import.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from graphaudit.checks import require_checks
from graphaudit.synth import cases_contracts as cc
from graphaudit.synth import cases_declared as cd
from graphaudit.synth import cases_money as cm
from graphaudit.synth import cases_reciprocal as cr
from graphaudit.synth import cases_registers as cg
from graphaudit.synth.casekit import Planner
from graphaudit.synth.world import World

__all__ = ["plant_all", "VARIANTS", "NEAR_MISSES", "REGISTER_VARIANTS", "REGISTER_NEAR_MISSES"]

Try = Callable[[Planner], bool]


def _v(fn: Callable[..., bool], *args: object) -> Try:
    return lambda pl: fn(pl, *args)


VARIANTS: dict[str, list[tuple[str, Try]]] = {
    "collusive_cluster": [
        ("family_ring", cc.family_ring),
        ("ring2_village", _v(cr.money_ring, "ring2_village")),
        ("ring3", _v(cr.money_ring, "ring3")),
        ("ring2_cw", _v(cr.money_ring, "ring2_cw")),
    ],
    "reciprocal_approval": [
        ("village", _v(cr.reciprocal, "village")),
        ("mixed", _v(cr.reciprocal, "mixed")),
        ("cw", _v(cr.reciprocal, "cw")),
    ],
    "kin_approved_subsidy": [
        (v, _v(cm.kas, v)) for v in ("v3", "combo", "cw2", "combo2", "cw1", "cw3", "cw0")
    ],
    "cadre_family_beneficiary": [
        # h1 and partial pay 低保: with the 备案 register they become undeclared_kin_benefit's (relabel)
        *[(v, _v(cm.cfb, v)) for v in ("h1", "self", "h2", "partial")],
    ],
    "kin_contract": [
        (f"{v}{h}", _v(cc.kin_contract, v, h))
        for v, h in (
            ("person", 1),
            ("legal_rep", 2),
            ("shareholder", 3),
            ("parent", 1),
            ("self", 0),
            ("township", 2),
            ("legal_rep", 1),
            ("person", 3),
            ("parent", 2),
            ("shareholder", 2),
            ("legal_rep", 3),
            ("township", 1),
            ("person", 2),
            ("shareholder", 1),
        )
    ],
    "hidden_link": [
        (v, _v(cc.hidden_link, v)) for v in ("phone", "address", "account", "phone0", "address0")
    ],
    "shared_account": [(v, _v(cm.shared_account, v)) for v in ("n2", "n3")],
    "deceased_recipient": [(v, _v(cm.deceased, v)) for v in ("series", "oneoff")],
    "duplicate_payment": [(v, _v(cm.duplicate, v)) for v in ("series_dup", "relief_twice", "farm_twice")],
    "split_contracts": [(v, _v(cc.split, v)) for v in ("same", "related", "same4", "person_company")],
}
# the register collisions (数据碰撞), planted after the cases above so that those stay as they were: per
# check (or extra variants of an older check), the share of ``cases`` to plant and the variants
REGISTER_VARIANTS: list[tuple[str, float, list[tuple[str, Try]]]] = [
    (cg.IR, 1.0, [(v, _v(cg.ineligible, v)) for v in ("job", "vehicle", "housing", "company", "job_mid")]),
    (cg.IMP, 1.0, [(v, _v(cg.imprisoned, v)) for v in ("series", "oneoff")]),
    (cg.CB, 1.0, [(v, _v(cg.concurrent, v)) for v in ("both", "overlap")]),
    (cg.AS, 1.0, [(v, _v(cg.above, v)) for v in ("dibao", "tekun")]),
    (cg.UKB, 0.5, [(v, _v(cd.undeclared, v)) for v in ("late", "after_all")]),
    ("deceased_recipient", 0.4, [("cremation_only", cg.cremation)]),
    ("cadre_family_beneficiary", 0.3, [("declared_relief", cd.cfb_declared)]),
]

NEAR_MISSES: list[tuple[str, str, Try]] = [
    ("collusive_cluster", "clan_without_cadre", cc.nm_clan_companies),
    ("reciprocal_approval", "one_way", cr.nm_ra_one_way),
    ("reciprocal_approval", "3hop", cr.nm_ra_3hop),
    ("kin_approved_subsidy", "4hop", cm.nm_kas_4hop),
    ("cadre_family_beneficiary", "3hop", cm.nm_cfb_3hop),
    ("cadre_family_beneficiary", "other_village", cm.nm_cfb_other_village),
    ("cadre_family_beneficiary", "out_of_office", cm.nm_cfb_out_of_office),
    ("kin_contract", "4hop", cc.nm_kc_4hop),
    ("kin_contract", "other_org", cc.nm_kc_other_org),
    ("kin_contract", "out_of_office", cc.nm_kc_out_of_office),
    ("hidden_link", "3hop", cc.nm_hl_3hop),
    ("shared_account", "same_household", cm.nm_shared_household),
    ("deceased_recipient", "stopped_before_death", cm.nm_deceased_before),
    ("duplicate_payment", "adjacent_months", cm.nm_dup_adjacent),
    ("duplicate_payment", "different_programs", cm.nm_dup_programs),
    ("split_contracts", "below", cc.nm_split_below),
    ("split_contracts", "91days", cc.nm_split_91),
]
REGISTER_NEAR_MISSES: list[tuple[str, str, Try]] = [
    *[
        (cg.IR, v, _v(cg.nm_ineligible, v))
        for v in ("job_left", "exempt_vehicle", "car_deregistered", "house_and_shop")
    ],
    *[(cg.IMP, v, _v(cg.nm_released, v)) for v in ("released_before", "custody_after")],
    *[(cg.CB, v, _v(cg.nm_concurrent, v)) for v in ("allowed_pair", "switched")],
    (cg.AS, "at_standard", cg.nm_at_standard),
    (cg.UKB, "declared_before", cd.nm_declared_before),
    ("deceased_recipient", "cremation_after_last", cg.nm_cremation_after),
]
# one round plants at most one case per check and one near-miss per kind, in this order (scarce resources —
# township approvers, cross-village kin — are shared fairly between checks and variants)
ORDER = (
    "reciprocal_approval",
    "kin_approved_subsidy",
    "collusive_cluster",
    "cadre_family_beneficiary",
    "kin_contract",
    "hidden_link",
    "shared_account",
    "deceased_recipient",
    "duplicate_payment",
    "split_contracts",
)

require_checks(
    {
        *VARIANTS,
        *(c for c, _, _ in NEAR_MISSES + REGISTER_NEAR_MISSES),
        *(c for c, _, _ in REGISTER_VARIANTS),
        *ORDER,
        cm.KAS,
        cm.CFB,
        cg.UKB,
        cc.KC,
        cc.HL,
        cc.SC,
        cr.RA,
    },
    __name__,
)


def _count(w: World) -> Counter[tuple[str, str, bool]]:
    c: Counter[tuple[str, str, bool]] = Counter()
    for p in w.plants:
        c[(p.check, p.variant if p.near_miss else "", p.near_miss)] += 1
    return c


def plant_all(w: World, cases: int, rings: int, near: int) -> None:
    """Plant about ``cases`` cases per check (``rings`` collusive clusters) and ``near`` near-misses per
    kind."""
    pl = Planner(w)
    pl.reserved = {x for kind in ("village", "mixed", "cw") for p in cr.pairs(pl, kind) for x in (p[0], p[4])}
    rotation = {c: list(VARIANTS[c]) for c in ORDER}
    turn = {c: 0 for c in ORDER}
    nm = list(NEAR_MISSES)
    busy = True
    while busy:
        busy = False
        for check in ORDER:
            target = rings if check == "collusive_cluster" else cases
            if _count(w)[(check, "", False)] >= target or not rotation[check]:
                continue
            busy = True
            while rotation[check]:
                item = rotation[check][turn[check] % len(rotation[check])]
                if item[1](pl):
                    turn[check] += 1
                    break
                rotation[check].remove(item)
        for entry in list(nm):
            check, name, fn = entry
            if _count(w)[(check, name, True)] >= near:
                continue
            busy = True
            if not fn(pl):
                nm.remove(entry)
    _plant_registers(pl, cases, near)


def _plant_registers(pl: Planner, cases: int, near: int) -> None:
    """The register collisions' cases and near-misses, round by round like :func:`plant_all`."""
    done = [0] * len(REGISTER_VARIANTS)
    rotation = [list(v) for _, _, v in REGISTER_VARIANTS]
    turn = [0] * len(REGISTER_VARIANTS)
    nm = list(REGISTER_NEAR_MISSES)
    got = Counter[tuple[str, str]]()
    busy = True
    while busy:
        busy = False
        for i, (_check, share, _) in enumerate(REGISTER_VARIANTS):
            if done[i] >= max(1, round(cases * share)) or not rotation[i]:
                continue
            busy = True
            while rotation[i]:
                item = rotation[i][turn[i] % len(rotation[i])]
                if item[1](pl):
                    turn[i] += 1
                    done[i] += 1
                    break
                rotation[i].remove(item)
        for entry in list(nm):
            check, name, fn = entry
            if got[(check, name)] >= near:
                continue
            busy = True
            if fn(pl):
                got[(check, name)] += 1
            else:
                nm.remove(entry)
