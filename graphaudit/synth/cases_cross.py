"""Cases that cross county borders (prefecture sizes only): the cadre in one county, the relative in the
previous one (in code order).

A county is generated, written and freed before the next one starts, so the previous county hands on a small
pool of :class:`Outsider` records (IDs, names, birth years, and the company some of them lead) — never its
world. The next county then plants, against its own cadres:

- ``kin_contract`` / ``cross_legal_rep``: a village secretary or chair signs a contract of his village with a
  company registered in the neighbouring county whose legal representative is his brother or sister there;
- ``kin_contract`` / ``cross_person``: the same, the sibling contracting in person;
- ``hidden_link`` / ``cross_phone``: the contract goes to a company of the neighbouring county that a nominee
  leads but that gives the phone of the cadre's sibling's household there;
- ``kin_approved_subsidy`` / ``cross_bridge``: a township approver pays 临时救助 to his niece who married
  into his township from the neighbouring county — the kin path (兄弟姐妹 → 子女) runs through his sister
  living there, so neither county's data alone links them;
- near-miss ``kin_contract`` / ``cross_other_org``: a cadre's sibling from the neighbouring county contracts
  with another village of the township, where no relative holds office.

The links are ``relations.csv`` rows (兄弟姐妹, 父母) between IDs of the two counties; the contracts and
relations are added to the county's finished tables (:func:`add_to_tables`), the payments while it is
generated. Each truth entry carries ``"cross_county": true`` and ``"counties"`` (the case's county first). The
people used are far from every cadre in their own county (no cadre within 4 hops), their cadre has no other
cadre within 3 hops and approves the record himself, so no other check fires by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from graphaudit.checks import require_checks
from graphaudit.synth.background import TENDER_METHODS, contract_approvers, contract_title, new_company
from graphaudit.synth.casekit import Planner
from graphaudit.synth.cases_money import give
from graphaudit.synth.officials import CHAIR, SECRETARY
from graphaudit.synth.tables import Tables
from graphaudit.synth.truth import PREFIX
from graphaudit.synth.world import World

__all__ = ["Outsider", "Cross", "harvest", "plant_cross", "add_to_tables", "KINDS"]

KC, KAS, HL = "kin_contract", "kin_approved_subsidy", "hidden_link"
require_checks((KC, KAS, HL), "graphaudit.synth.cases_cross")
#: (pool role, check, variant, near-miss): ``SizeSpec.cross`` of each per neighbouring pair of counties
KINDS = (
    ("legal_rep", KC, "cross_legal_rep", False),
    ("person", KC, "cross_person", False),
    ("phone", HL, "cross_phone", False),
    ("mother", KAS, "cross_bridge", False),
    ("person", KC, "cross_other_org", True),
)
SIBLING, PARENT = "兄弟姐妹", "父母"


@dataclass(frozen=True)
class Outsider:
    """A person of an earlier county that a later county's case names (plain data, kept after that county is
    freed); ``company``: (USCC, name) of the company they lead there (``legal_rep``) or that gives their
    household's phone under a nominee (``phone``)."""

    pid: str
    name: str
    female: bool
    byear: int
    county: str
    county_name: str
    role: str  # "legal_rep", "person", "phone" or "mother"
    company: tuple[str, str] | None = None


@dataclass
class Cross:
    """A cross-county case or near-miss planted in a county, finished by :func:`add_to_tables`."""

    check: str
    variant: str
    note: str
    persons: list[int]  # this county's people (cadre first)
    outsider: Outsider
    hops: int
    near_miss: bool
    relations: list[tuple[str, str, str]]  # (person_id_a, person_id_b, relation)
    org: str = ""
    pay_keys: list[int] = field(default_factory=list)
    contract: dict[str, Any] | None = None  # row of contracts.csv without its contract_id


def _free(w: World) -> np.ndarray:
    """People no case uses, with no cadre within 4 hops, alive, in unambiguous households none of whose
    members a case uses."""
    used_hh = np.zeros(len(w.households), dtype=bool)
    used_hh[w.hh[w.used]] = True
    return w.alive & ~w.ambiguous & ~w.is_cadre & (w.cnt4 == 0) & ~w.used & ~used_hh[w.hh]


def harvest(w: World, per_kind: int) -> tuple[list[Outsider], set[str]]:
    """:class:`Outsider` records from this county for the next (with spares: twice what :data:`KINDS` needs of
    each role), the companies the ``legal_rep`` ones lead, and their IDs (to keep intact in messy mode)."""
    rng = w.rng
    free = _free(w) & ~w.in_relations
    married_in = np.isin(w.relation, ["配偶", "儿媳"]) & ~w.male
    man = free & (w.byear >= 1962) & (w.byear <= 1992) & np.isin(w.relation, ["户主", "子", "长子"])
    phones = w.households["phone"].to_numpy()
    _, first, count = np.unique(phones, return_index=True, return_counts=True)
    own_phone = np.zeros(len(phones), dtype=bool)
    own_phone[first[count == 1]] = True  # a phone no other household gives
    nominees = np.flatnonzero(free & (w.byear >= 1960) & (w.byear <= 1995))
    want = {
        "legal_rep": man,
        "person": man,
        "phone": man & own_phone[w.hh],
        "mother": free & married_in & (w.byear >= 1962) & (w.byear <= 1982),
    }
    out: list[Outsider] = []
    taken_hh: set[int] = set()
    chosen: list[int] = []
    for role, mask in want.items():
        need = 2 * per_kind * sum(1 for k in KINDS if k[0] == role)
        cands = np.flatnonzero(mask)
        cands = cands[rng.permutation(len(cands))]
        got = 0
        for p in cands.tolist():
            if got >= need:
                break
            h = int(w.hh[p])
            if h in taken_hh or any(w.graph.path(p, q, limit=6) is not None for q in chosen):
                continue
            company = None
            if role == "legal_rep":
                k = new_company(w, p, str(w.tcode[p]))
                company = (str(w.companies[k]["uscc"]), str(w.companies[k]["name"]))
            elif role == "phone":
                tries = nominees[rng.integers(0, len(nominees), 40)] if len(nominees) else nominees
                nominee = next(
                    (
                        int(q)
                        for q in tries
                        if not w.used[q]
                        and int(w.hh[q]) not in taken_hh
                        and int(q) not in chosen
                        and w.graph.path(p, int(q), limit=6) is None
                    ),
                    None,
                )
                if nominee is None:
                    continue
                k = new_company(w, nominee, str(w.tcode[p]), phone=str(phones[h]))
                company = (str(w.companies[k]["uscc"]), str(w.companies[k]["name"]))
                w.used[w.members(int(w.hh[nominee]))] = True
                taken_hh.add(int(w.hh[nominee]))
                chosen.append(nominee)
            w.used[w.members(h)] = True
            taken_hh.add(h)
            chosen.append(p)
            got += 1
            out.append(
                Outsider(
                    str(w.pids[p]),
                    str(w.names[p]),
                    not bool(w.male[p]),
                    int(w.byear[p]),
                    w.county.code,
                    w.county.name,
                    role,
                    company,
                )
            )
    return out, {o.pid for o in out}


def _sibling(pool: list[Outsider], role: str, w: World, c: int) -> Outsider | None:
    """An outsider of ``role`` born within 12 years of cadre ``c`` (of his surname, if any)."""
    fits = [o for o in pool if o.role == role and abs(o.byear - int(w.byear[c])) <= 12]
    same = [o for o in fits if o.name[0] == str(w.names[c])[0]]
    return next(iter(same or fits), None)


def _quiet_cadres(pl: Planner, level: str, **kw: Any) -> list[tuple[int, str, str]]:
    """Unused cadres with no other cadre within 3 hops."""
    w = pl.w
    return [
        (c, o, t)
        for c, o, t in pl.cadres(level=level, **kw)
        if w.cnt3[c] == 1 and not w.used[c] and c not in w.used_cadre
    ]


def _contract(
    pl: Planner, org: str, who: str, name: str, day: np.datetime64, approver: int
) -> dict[str, Any]:
    w, rng = pl.w, pl.rng
    return {
        "title": contract_title(w, org),
        "org_code": org,
        "contractor_id": who,
        "contractor_name": name,
        "amount": float(np.round(rng.uniform(120_000, 580_000), -3)),
        "sign_date": str(day),
        "approver_id": str(w.pids[approver]),
        "method": TENDER_METHODS[int(rng.integers(len(TENDER_METHODS)))],
    }


def _kin_contract(
    pl: Planner, pool: list[Outsider], variant: str, cadres: list[tuple[int, str, str]]
) -> Cross | None:
    w = pl.w
    for c, org, title in cadres:
        role = {"cross_legal_rep": "legal_rep", "cross_phone": "phone"}.get(variant, "person")
        o = _sibling(pool, role, w, c)
        if o is None or c in w.used_cadre:
            continue
        terms = pl.term_days(c, org)
        if not terms:
            continue
        lo, hi = terms[int(pl.rng.integers(len(terms)))]
        day = pl.random_day(lo, hi)
        if c not in contract_approvers(w, org, day):
            continue
        who, name = o.company if variant != "cross_person" and o.company else (o.pid, o.name)
        sib = f"其在{o.county_name}居住的兄弟姐妹{o.name}"
        how = {
            "cross_legal_rep": f"发包给{sib}任法定代表人的企业（跨县亲属）",
            "cross_person": f"发包给{sib}本人承包（跨县亲属）",
            "cross_phone": f"发包给一家他人挂名、联系电话却是{sib}家电话的企业（跨县）",
        }[variant]
        w.used_cadre.add(c)
        w.used[c] = True
        return Cross(
            HL if variant == "cross_phone" else KC,
            variant,
            f"{title}{pl.name(c)}在任期间签批本村工程，{how}",
            [c],
            o,
            1,
            False,
            [(str(w.pids[c]), o.pid, SIBLING)],
            org,
            contract=_contract(pl, org, who, name, day, c),
        )
    return None


def _other_org(
    pl: Planner, pool: list[Outsider], _variant: str, cadres: list[tuple[int, str, str]]
) -> Cross | None:
    """Near-miss: the cadre's sibling contracts with another village of the township."""
    w = pl.w
    for c, org, title in cadres:
        o = _sibling(pool, "person", w, c)
        if o is None or c in w.used_cadre:
            continue
        own = set(w.post_org[w.post_person == c].tolist())
        others = [v.code for v in w.villages if v.township.code == org[:9] and v.code not in own]
        for v in [others[i] for i in pl.rng.permutation(len(others))][:3]:
            day = pl.random_day(np.datetime64("2023-03-01"), np.datetime64("2024-11-30"))
            cands = [a for a in contract_approvers(w, v, day) if int(w.dist(c, a)) > 3 and a != c]
            if not cands:
                continue
            a = cands[int(pl.rng.integers(len(cands)))]
            w.used_cadre.add(c)
            w.used[c] = True
            return Cross(
                KC,
                "cross_other_org",
                f"{title}{pl.name(c)}在{o.county_name}居住的兄弟姐妹{o.name}承包同乡镇另一村（无亲属任职）的工程，不应标记",
                [c],
                o,
                1,
                True,
                [(str(w.pids[c]), o.pid, SIBLING)],
                v,
                contract=_contract(pl, v, o.pid, o.name, day, a),
            )
    return None


def _bridge(
    pl: Planner, pool: list[Outsider], cadres: list[tuple[int, str, str]], free: np.ndarray
) -> Cross | None:
    """kin_approved_subsidy through the cadre's sister living in the other county and her daughter who
    married into the cadre's township."""
    w = pl.w
    pay = w.payments()
    married_in = np.isin(w.relation, ["配偶", "儿媳"]) & ~w.male & ~w.in_relations & (w.byear <= 2002)
    for c, org, title in cadres:
        o = _sibling(pool, "mother", w, c)
        if o is None or c in w.used_cadre:
            continue
        ok = free & married_in & (w.tcode == org) & (w.byear >= o.byear + 20) & (w.byear <= o.byear + 34)
        by_c = set(pay["recipient"][pay["approver"] == c].tolist())
        for d in np.flatnonzero(ok)[pl.rng.permutation(int(ok.sum()))][:6].tolist():
            if w.used[d] or any(int(x) in by_c for x in w.graph.neighbours(d)):
                continue
            keys = give(pl, d, "临时救助", c)
            if not keys:
                continue
            w.used[w.members(int(w.hh[d]))] = True
            w.used[c] = True
            w.used_cadre.add(c)
            return Cross(
                KAS,
                "cross_bridge",
                f"{title}{pl.name(c)}审批其外甥女{pl.name(d)}的临时救助，共{len(keys)}笔；"
                f"亲属关系经其在{o.county_name}居住的姐妹{o.name}（兄弟姐妹→子女，跨县2跳）",
                [c, d],
                o,
                2,
                False,
                [(str(w.pids[c]), o.pid, SIBLING), (o.pid, str(w.pids[d]), PARENT)],
                org,
                pay_keys=keys,
            )
    return None


def plant_cross(w: World, pool: list[Outsider], per_kind: int) -> list[Cross]:
    """Plant up to ``per_kind`` of each of :data:`KINDS` in this county against outsiders of the previous one
    (``pool`` is consumed)."""
    if not pool:
        return []
    pl = Planner(w)
    free = _free(w)
    out: list[Cross] = []
    for _role, check, variant, _near in KINDS:
        for _ in range(per_kind):
            if check == KAS:
                cadres = _quiet_cadres(pl, "township", approver=True)
                got = _bridge(pl, pool, cadres, free)
            else:
                whole = variant != "cross_other_org"
                cadres = _quiet_cadres(pl, "village", titles=[SECRETARY, CHAIR], whole_year=whole)
                got = (_other_org if not whole else _kin_contract)(pl, pool, variant, cadres)
            if got is None:
                break
            pool.remove(got.outsider)
            out.append(got)
    return out


def add_to_tables(
    w: World, t: Tables, crossed: list[Cross], numbering: dict[str, int]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Append the cross-county relations and contracts to the county's tables; their truth entries (cases,
    near-misses)."""
    if not crossed:
        return [], []
    rel = pd.DataFrame(
        [r for x in crossed for r in x.relations], columns=["person_id_a", "person_id_b", "relation"]
    )
    t.relations = pd.concat([t.relations, rel], ignore_index=True)
    rows = []
    serial: dict[tuple[str, str], int] = {}
    for x in crossed:
        if x.contract is None:
            continue
        org, year = x.contract["org_code"], x.contract["sign_date"][:4]
        if (org, year) not in serial:
            same = (t.contracts["org_code"] == org) & t.contracts["sign_date"].str.startswith(year)
            serial[org, year] = int(same.sum())
        serial[org, year] += 1
        x.contract["contract_id"] = f"HT{org}{year}{serial[org, year]:03d}"
        rows.append(x.contract)
    if rows:
        t.contracts = pd.concat(
            [t.contracts, pd.DataFrame(rows)[list(t.contracts.columns)]], ignore_index=True
        )
    cases: list[dict[str, Any]] = []
    near: list[dict[str, Any]] = []
    for x in crossed:
        ids = sorted(t.pay_id[k] for k in x.pay_keys)
        amount = sum(t.pay_amount[k] for k in x.pay_keys)
        if x.contract is not None:
            ids.append(x.contract["contract_id"])
            amount += x.contract["amount"]
        persons = [str(w.pids[p]) for p in x.persons[:1]] + [x.outsider.pid]
        persons += [str(w.pids[p]) for p in x.persons[1:]]
        company = x.contract is not None and x.contract["contractor_id"] != x.outsider.pid
        entry = {
            "org_code": x.org,
            "person_ids": persons,
            "record_ids": ids,
            "company_ids": [x.contract["contractor_id"]] if company and x.contract else [],
            "hops": x.hops,
            "amount": round(float(amount), 2),
            "variant": x.variant,
            "note": x.note,
            "accidental": False,
            "cross_county": True,
            "counties": [w.county.code, x.outsider.county],
        }
        key = "NM" if x.near_miss else x.check
        numbering[key] = numbering.get(key, 0) + 1
        head = "NM" if x.near_miss else PREFIX[x.check]
        case_id = f"{head}-{w.county.code}-{numbering[key]:04d}"
        if x.near_miss:
            near.append({"case_id": case_id, "would_be_check": x.check, **entry})
        else:
            cases.append({"case_id": case_id, "check": x.check, **entry})
    return cases, near
