"""Planted cases and near-misses of the register collisions (数据碰撞): ineligible, imprisoned and dead
recipients, concurrent and above-standard payments, undeclared (未备案) relatives of cadres.

Each function tries candidates until one fits and returns True when it planted something; the register rows
a case needs (a job, a car, a house, a custody, a cremation record, a 备案) are added with it, and the
background registers (synth/registers.py) leave planted households alone.
"""

from __future__ import annotations

import numpy as np

from graphaudit.policy import default_policy
from graphaudit.synth.background import new_company
from graphaudit.synth.casekit import D, Planner
from graphaudit.synth.cases_money import give, series
from graphaudit.synth.registers import COUNTED_TYPES, employer, plate, property_id
from graphaudit.synth.world import Plant, World

__all__ = [
    "IR",
    "IMP",
    "CB",
    "AS",
    "UKB",
    "ineligible",
    "imprisoned",
    "concurrent",
    "above",
    "cremation",
    "nm_ineligible",
    "nm_released",
    "nm_concurrent",
    "nm_at_standard",
    "nm_cremation_after",
    "plant_company_kin",
]

IR, IMP, CB, AS = "ineligible_recipient", "imprisoned_recipient", "concurrent_benefits", "above_standard"
UKB, CFB, DR = "undeclared_kin_benefit", "cadre_family_beneficiary", "deceased_recipient"
NAT = np.datetime64("NaT", "D")


def _d(s: str) -> np.datetime64:
    return np.datetime64(s, "D")


def _ring_villages(pl: Planner) -> set[str]:
    """Villages of the planted rings and reciprocal pairs: register cases keep out of them (a cluster's share
    of kin money must stay what its ring made it)."""
    w = pl.w
    rings = ("collusive_cluster", "reciprocal_approval")
    away = {str(w.vcode[p]) for x in w.plants if x.check in rings for p in x.persons}
    return away if len(away) < len(w.villages) else set()  # a one-village dataset has nowhere else


def _pristine(pl: Planner, lo: int, hi: int, limit: int = 80) -> list[int]:
    """Unpaid pristine people outside the ring villages."""
    away = _ring_villages(pl)
    return [p for p in pl.pristine(lo, hi, unpaid=True, limit=limit) if str(pl.w.vcode[p]) not in away]


def _company_people(pl: Planner) -> set[int]:
    w = pl.w
    out = {int(c["legal_rep"]) for c in w.companies}
    return out | {int(s["holder"]) for s in w.shareholders if s["kind"] == "p"}


def _households(pl: Planner, size: int = 1) -> list[tuple[int, list[int]]]:
    """Unpaid pristine household heads whose whole household (at least ``size`` people) is free: (head,
    other members alive and free)."""
    w = pl.w
    comp = _company_people(pl)
    out = []
    for h in _pristine(pl, 1940, 1990, limit=400):
        if not w.is_head[h]:
            continue
        ms = [int(m) for m in w.members(int(w.hh[h]))]
        if any(w.used[m] or m in comp or pl.paid[m] for m in ms) or len(ms) < size:
            continue
        out.append((h, [m for m in ms if m != h and pl.ok(m) and w.cnt4[m] == 0]))
    return out


def _take_household(pl: Planner, h: int) -> None:
    pl.take(*[int(m) for m in pl.w.members(int(pl.w.hh[h]))])


def _dibao(pl: Planner, p: int, months: range = range(1, 13)) -> list[int] | None:
    return give(pl, p, "低保", None, [pl.day(p, m) for m in months])


# ---- ineligible_recipient ----------------------------------------------------------------------------------
def ineligible(pl: Planner, variant: str) -> bool:
    """低保 to a household with a public employee in post (``job``: since before the payments; ``job_mid``:
    joined mid-year, only later payments), a car (``vehicle``), two houses (``housing``) or a company's legal
    representative (``company``)."""
    w = pl.w
    rng = pl.rng
    for h, mates in _households(pl, 1 if variant == "housing" else 2)[:30]:
        age = 2024 - w.byear
        adults = [m for m in mates if 20 <= age[m] <= 58]
        if variant != "housing" and not adults:
            continue
        m = adults[int(rng.integers(len(adults)))] if adults else h
        keys = _dibao(pl, h)
        if not keys:
            continue
        if variant in ("job", "job_mid"):
            start = _d("2016-03-01") + int(rng.integers(0, 2000)) if variant == "job" else pl.day(h, 5, 10)
            w.jobs.append({"person": m, "employer": employer(w, m), "start": start, "end": NAT})
            what = f"户内成员{pl.name(m)}为财政供养人员（{str(start)}入职）"
            if variant == "job_mid":
                keys = [k for k, mo in zip(keys, range(1, 13)) if pl.day(h, mo) >= start]
        elif variant == "vehicle":
            t = COUNTED_TYPES[int(rng.integers(len(COUNTED_TYPES)))]
            start = _d("2015-01-01") + int(rng.integers(0, 3000))
            w.vehicles.append({"person": m, "plate": plate(w), "type": t, "start": start, "end": NAT})
            what = f"户内成员{pl.name(m)}名下有{t}"
        elif variant == "housing":
            for k in range(2):
                start = _d("2017-01-01") + int(rng.integers(0, 2200))
                w.properties.append(
                    {
                        "person": h if k == 0 or not mates else mates[0],
                        "property_id": property_id(w, int(str(start)[:4])),
                        "kind": "住宅",
                        "area": float(np.round(rng.uniform(70, 160), 2)),
                        "start": start,
                        "end": NAT,
                    }
                )
            what = "户内持有住宅2套"
        else:
            new_company(w, m, str(w.tcode[m]))
            what = f"户内成员{pl.name(m)}为企业法定代表人"
        _take_household(pl, h)
        pl.plant(IR, variant, f"{pl.name(h)}户领取低保{len(keys)}笔，但{what}", [h, m], pay_keys=keys)
        return True
    return False


def nm_ineligible(pl: Planner, variant: str) -> bool:
    """Not ineligible: the employee left before the payments (``job_left``), an exempt vehicle
    (``exempt_vehicle``), a car deregistered before (``car_deregistered``), one house and a shop
    (``house_and_shop``)."""
    w = pl.w
    rng = pl.rng
    for h, mates in _households(pl, 2)[:30]:
        age = 2024 - w.byear
        adults = [m for m in mates if 20 <= age[m] <= 58]
        if not adults:
            continue
        m = adults[int(rng.integers(len(adults)))]
        keys = _dibao(pl, h, range(2, 13))
        if not keys:
            continue
        first = pl.day(h, 2)
        if variant == "job_left":
            end = first - int(rng.integers(20, 300))
            w.jobs.append({"person": m, "employer": employer(w, m), "start": end - 2000, "end": end})
            what = f"户内成员{pl.name(m)}已于{str(end)}离职，其后才发放低保"
        elif variant == "exempt_vehicle":
            t = ("普通二轮摩托车", "三轮汽车", "低速货车", "轮式拖拉机")[int(rng.integers(4))]
            w.vehicles.append(
                {"person": m, "plate": plate(w), "type": t, "start": _d("2019-05-10"), "end": NAT}
            )
            what = f"户内成员{pl.name(m)}名下仅有{t}（豁免车型）"
        elif variant == "car_deregistered":
            end = first - int(rng.integers(10, 200))
            w.vehicles.append(
                {"person": m, "plate": plate(w), "type": "小型轿车", "start": _d("2012-04-01"), "end": end}
            )
            what = f"户内成员{pl.name(m)}的小型轿车已于{str(end)}注销，早于低保发放"
        else:
            for kind in ("住宅", "商业服务"):
                w.properties.append(
                    {
                        "person": h,
                        "property_id": property_id(w, 2019),
                        "kind": kind,
                        "area": float(np.round(rng.uniform(40, 120), 2)),
                        "start": _d("2019-08-01"),
                        "end": NAT,
                    }
                )
            what = "户内只有住宅1套（另有商业用房，不计住房）"
        _take_household(pl, h)
        pl.plant(
            IR, variant, f"{pl.name(h)}户领取低保，{what}（不应报）", [h, m], pay_keys=keys, near_miss=True
        )
        return True
    return False


# ---- imprisoned_recipient ----------------------------------------------------------------------------------
def imprisoned(pl: Planner, variant: str) -> bool:
    """低保 kept paid after its recipient entered custody (``series``), or 临时救助 paid during a custody
    that has since ended (``oneoff``)."""
    w = pl.w
    rng = pl.rng
    for p in _pristine(pl, 1960, 2000)[:30]:
        if variant == "series":
            start = pl.day(p, int(rng.integers(3, 9)), -int(rng.integers(3, 20)))
            keys = _dibao(pl, p)
            end: np.datetime64 = NAT
        else:
            start = _d("2024-02-01") + int(rng.integers(0, 120)) * D
            end = start + int(rng.integers(150, 250))
            keys = give(pl, p, "临时救助", None, [start + int(rng.integers(20, 140))])
        if not keys:
            continue
        w.custody.append({"person": p, "start": start, "end": end})
        pl.take(p)
        pay = pl.w.payments()
        after = pay[pay["key"].isin(keys) & (pay["date"] > start)]["key"].tolist()
        pl.plant(
            IMP, variant, f"{pl.name(p)}于{str(start)}入监，其后仍发放{len(after)}笔", [p], pay_keys=after
        )
        return True
    return False


def nm_released(pl: Planner, variant: str) -> bool:
    """Custody that ended before the payments (``released_before``) or began after the last one
    (``custody_after``)."""
    w = pl.w
    rng = pl.rng
    for p in _pristine(pl, 1960, 2000)[:30]:
        if variant == "released_before":
            keys = _dibao(pl, p, range(3, 13))
            end = pl.day(p, 3) - int(rng.integers(5, 40))
            start = end - int(rng.integers(200, 900))
            what = f"{str(end)}出监后才领取低保"
        else:
            keys = _dibao(pl, p, range(1, 6))
            start = pl.day(p, 5) + int(rng.integers(30, 90))
            end = NAT
            what = f"低保发放止于5月，{str(start)}才入监"
        if not keys:
            continue
        w.custody.append({"person": p, "start": start, "end": end})
        pl.take(p)
        pl.plant(IMP, variant, f"{pl.name(p)}{what}（不应报）", [p], pay_keys=keys, near_miss=True)
        return True
    return False


# ---- concurrent_benefits -----------------------------------------------------------------------------------
def concurrent(pl: Planner, variant: str) -> bool:
    """低保 and 特困供养 in the same months: for several months (``both``) or one overlapping month when one
    replaced the other (``overlap``)."""
    rng = pl.rng
    for p in _pristine(pl, 1935, 1965)[:30]:
        if variant == "both":
            m0 = int(rng.integers(1, 7))
            a, b = range(1, 13), range(m0, m0 + int(rng.integers(2, 6)))
        else:
            m0 = int(rng.integers(4, 9))
            a, b = range(1, m0 + 1), range(m0, 13)
        k1 = _dibao(pl, p, a)
        k2 = give(pl, p, "特困供养", None, [pl.day(p, m, 2) for m in b]) if k1 else None
        if not k1 or not k2:
            continue
        pl.take(p)
        both = [k for k, m in zip(k1, a) if m in b] + k2
        pl.plant(
            CB,
            variant,
            f"{pl.name(p)}在{b[0]}月至{b[-1]}月同时领取低保和特困供养",
            [p],
            pay_keys=sorted(both),
        )
        return True
    return False


def nm_concurrent(pl: Planner, variant: str) -> bool:
    """Not concurrent: 低保 and 临时救助 in one month (``allowed_pair``: not exclusive), or 低保 ended before
    特困供养 began (``switched``)."""
    rng = pl.rng
    for p in _pristine(pl, 1935, 1965)[:30]:
        m0 = int(rng.integers(4, 9))
        if variant == "allowed_pair":
            k1 = _dibao(pl, p)
            k2 = give(pl, p, "临时救助", None, [pl.day(p, m0, 3)]) if k1 else None
            what = f"{m0}月同时领取低保和临时救助（二者不互斥）"
        else:
            k1 = _dibao(pl, p, range(1, m0))
            k2 = give(pl, p, "特困供养", None, [pl.day(p, m) for m in range(m0, 13)]) if k1 else None
            what = f"低保发放至{m0 - 1}月，{m0}月起改领特困供养（不重叠）"
        if not k1 or not k2:
            continue
        pl.take(p)
        pl.plant(CB, variant, f"{pl.name(p)}{what}（不应报）", [p], pay_keys=k1 + k2, near_miss=True)
        return True
    return False


# ---- above_standard ----------------------------------------------------------------------------------------
def above(pl: Planner, variant: str) -> bool:
    """低保 paid above the monthly standard in some months (``dibao``) or 特困供养 above its standard
    (``tekun``)."""
    std = default_policy().standards
    rng = pl.rng
    prog = "低保" if variant == "dibao" else "特困供养"
    limit = std[prog]
    for p in _pristine(pl, 1935, 1990)[:30]:
        months = list(range(1, 13))
        high = set(rng.choice(months, int(rng.integers(1, 4)), replace=False).tolist())
        base = float(np.round(rng.uniform(0.5, 0.9) * limit, -1))
        over = float(np.round(limit * rng.uniform(1.15, 1.8), -1))
        dates = [pl.day(p, m) for m in months]
        if not pl.free(p, prog, dates):
            continue
        approver = pl.approver_for(p, dates)
        if approver is None:
            continue
        keys = pl.pay(
            prog, p, [over if m in high else base for m in months], dates, approver, remark="按月发放"
        )
        if not keys:
            continue
        pl.take(p)
        hit = [k for k, m in zip(keys, months) if m in high]
        pl.plant(
            AS,
            variant,
            f"{pl.name(p)}的{prog}有{len(hit)}个月按{over:g}元发放，超过标准{limit:g}元",
            [approver, p],
            pay_keys=hit,
        )
        return True
    return False


def nm_at_standard(pl: Planner) -> bool:
    """低保 paid at exactly the standard every month (not above it)."""
    limit = default_policy().standards["低保"]
    for p in _pristine(pl, 1935, 1990)[:30]:
        dates = series(pl, p)
        approver = pl.approver_for(p, dates) if pl.free(p, "低保", dates) else None
        keys = pl.pay("低保", p, limit, dates, approver, remark="按月发放") if approver is not None else []
        if keys:
            pl.take(p)
            pl.plant(
                AS,
                "at_standard",
                f"{pl.name(p)}的低保每月{limit:g}元，恰为标准（不应报）",
                [p],
                pay_keys=keys,
                near_miss=True,
            )
            return True
    return False


# ---- deceased_recipient from the cremation list ------------------------------------------------------------
def cremation(pl: Planner) -> bool:
    """低保 kept paid to someone the register still lists as alive, dead by the cremation list."""
    w = pl.w
    rng = pl.rng
    for p in _pristine(pl, 1930, 1960)[:30]:
        keys = _dibao(pl, p)
        if not keys:
            continue
        died = pl.day(p, int(rng.integers(3, 10)), -int(rng.integers(2, 25)))
        w.death_list.append({"person": p, "date": died, "source": "火化"})
        pl.take(p)
        pay = w.payments()
        after = pay[pay["key"].isin(keys) & (pay["date"] > died)]["key"].tolist()
        pl.plant(
            DR,
            "cremation_only",
            f"{pl.name(p)}户籍未销户，火化记录{str(died)}死亡，其后仍发放低保{len(after)}笔",
            [p],
            pay_keys=after,
        )
        return True
    return False


def nm_cremation_after(pl: Planner) -> bool:
    """The cremation list dates a death after the last payment."""
    w = pl.w
    rng = pl.rng
    for p in _pristine(pl, 1930, 1960)[:30]:
        last = int(rng.integers(3, 10))
        keys = _dibao(pl, p, range(1, last + 1))
        if not keys:
            continue
        died = pl.day(p, last) + int(rng.integers(5, 25))
        w.death_list.append({"person": p, "date": died, "source": "火化"})
        pl.take(p)
        pl.plant(
            DR,
            "cremation_after_last",
            f"{pl.name(p)}低保发放至{last}月，火化记录{str(died)}死亡（不应报）",
            [p],
            pay_keys=keys,
            near_miss=True,
        )
        return True
    return False


def plant_company_kin(w: World) -> None:
    """A planted 低保 (a cadre's relative) whose household holds a company's legal representative or
    shareholder (planted by a contract case) is ineligible as well: plant that as truth."""
    pol = default_policy()
    pay = w.payments()
    planted = {k for p in w.plants if p.check != IR for k in p.pay_keys}  # near-misses of other checks too
    owners: dict[int, list[int]] = {}
    for c in w.companies:
        owners.setdefault(int(w.hh[int(c["legal_rep"])]), []).append(int(c["legal_rep"]))
    for sh in w.shareholders:
        if sh["kind"] == "p":
            owners.setdefault(int(w.hh[int(sh["holder"])]), []).append(int(sh["holder"]))
    mt = pay[pay["program"].isin(pol.means_tested) & pay["key"].isin(planted)]
    mt = mt[mt["hh"].isin(list(owners))]
    for _key, g in mt.groupby("recipient", sort=True):
        r = int(g["recipient"].to_numpy()[0])
        member = sorted(set(owners[int(g["hh"].to_numpy()[0])]))[0]
        who = "本人" if member == r else f"户内成员{w.names[member]}"
        w.plant(
            Plant(
                IR,
                "company_kin",
                f"{w.names[r]}领取{'、'.join(sorted(set(g['program'])))}{len(g)}笔，{who}为企业法定代表人或股东"
                "（与亲属承揽工程案例叠加）",
                [r, member],
                pay_keys=sorted(g["key"].tolist()),
            )
        )
