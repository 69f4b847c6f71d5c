"""The collision registers (数据碰撞) in the background: public employees, vehicles, real estate, the
cremation list, prisoners and 备案 — in realistic shares, and innocent by construction.

They are drawn after the cases are planted (:func:`make_registers`), so they can keep clear of every
household that receives a means-tested payment (低保, 特困供养 — the policy file's ``means_tested``): such a
household gets no public employee, no counted vehicle, at most the housing the policy allows and no company
role (:func:`drop_background_ineligible` removes the background payments a planted company would make
ineligible).  Exempt vehicles (motorcycles, three-wheelers) and one house are left to poor households, as in a
real county.  People on the cremation list but alive in the register, and people in custody, are never paid
after the date; a background 备案 names a relative who is paid nothing.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from graphaudit.policy import default_policy
from graphaudit.synth.world import World

__all__ = [
    "make_registers",
    "drop_background_ineligible",
    "register_tables",
    "REGISTERS",
    "COUNTED_TYPES",
    "EXEMPT_TYPES",
    "plate",
    "property_id",
    "employer",
]

REGISTERS = ("public_employees", "vehicles", "real_estate", "deaths", "prisoners", "declarations")
COUNTED_TYPES = ("小型轿车", "小型普通客车", "小型越野客车", "轻型普通货车", "中型普通货车")
EXEMPT_TYPES = ("普通二轮摩托车", "三轮汽车", "低速货车", "轮式拖拉机", "正三轮摩托车")
DEATH_SOURCES = ("火化", "火化", "火化", "殡葬", "医院", "公安")
PROVINCE_PLATE = {"山西": "晋", "河北": "冀", "河南": "豫", "陕西": "陕", "山东": "鲁", "甘肃": "甘"}
JOBS = ("中心小学", "初级中学", "卫生院", "人民政府", "农业综合服务中心", "财政所", "派出所", "中心幼儿园")
COUNTY_JOBS = ("第一中学", "人民医院", "财政局", "教育局", "公安局", "自然资源局", "实验小学", "职业中学")
D = np.timedelta64(1, "D")
NAT = np.datetime64("NaT", "D")


def _means_tested_households(w: World) -> np.ndarray:
    """Households with any means-tested payment (planted ones included)."""
    pay = w.payments()
    pol = default_policy()
    poor = np.zeros(len(w.households), dtype=bool)
    poor[pay[pay["program"].isin(pol.means_tested)]["hh"].to_numpy().astype(np.int64)] = True
    return poor


def _company_people(w: World) -> np.ndarray:
    """Persons who are a company's legal rep or person shareholder."""
    out = {int(c["legal_rep"]) for c in w.companies}
    out |= {int(s["holder"]) for s in w.shareholders if s["kind"] == "p"}
    return np.array(sorted(out), dtype=np.int64)


def drop_background_ineligible(w: World) -> None:
    """Remove background means-tested payments to households with a company's legal rep or shareholder (a
    planted company may have made one): no accidental ineligible_recipient."""
    pay = w.payments()
    pol = default_policy()
    comp_hh = np.zeros(len(w.households), dtype=bool)
    comp_hh[w.hh[_company_people(w)]] = True
    planted = {k for p in w.plants for k in p.pay_keys}
    drop = (
        pay["program"].isin(pol.means_tested).to_numpy()
        & comp_hh[pay["hh"].to_numpy().astype(np.int64)]
        & ~pay["key"].isin(planted).to_numpy()
    )
    if drop.any():
        w.pay_frames = [pay[~drop].reset_index(drop=True)]


def plate(w: World) -> str:
    """A plate number of the county's province (晋J·3K512)."""
    rng = w.rng
    head = PROVINCE_PLATE.get(w.county.province[:2], "晋")
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    tail = "".join(str(int(x)) if rng.random() < 0.7 else letters[int(x)] for x in rng.integers(0, 10, 5))
    return f"{head}{letters[int(w.county.code[3]) % 24]}·{tail}"


def property_id(w: World, year: int) -> str:
    """A certificate number: 晋(2021)临县不动产权第0012345号."""
    head = PROVINCE_PLATE.get(w.county.province[:2], "晋")
    return f"{head}({year}){w.county.name}不动产权第{int(w.rng.integers(1, 10**7)):07d}号"


def employer(w: World, p: int) -> str:
    """A public employer near the person: a township school or office, or a county bureau."""
    rng = w.rng
    town = w.village[str(w.vcode[p])].township.name
    if rng.random() < 0.55:
        return f"{town}{JOBS[int(rng.integers(len(JOBS)))]}"
    return f"{w.county.name}{COUNTY_JOBS[int(rng.integers(len(COUNTY_JOBS)))]}"


def _day(rng: np.random.Generator, lo: str, hi: str, n: int) -> np.ndarray:
    a, b = np.datetime64(lo, "D"), np.datetime64(hi, "D")
    return a + rng.integers(0, int((b - a) / D), n)


def make_registers(w: World) -> None:
    """Background rows of every register (after the cases: see the module docstring)."""
    rng = w.rng
    poor = _means_tested_households(w)
    busy = np.zeros(len(w.households), dtype=bool)
    busy[w.hh[w.used]] = True  # planted households: their registers are the case's
    free_hh = ~poor & ~busy
    pay = w.payments()
    paid = np.zeros(w.n, dtype=bool)
    paid[pay["recipient"].to_numpy().astype(np.int64)] = True
    age = 2024 - w.byear
    alive = w.alive
    member_ok = free_hh[w.hh] & ~w.used

    # public employees: about 2.5 % of adults of working age (teachers, doctors, township staff)
    cand = np.flatnonzero(member_ok & alive & (age >= 23) & (age <= 62) & (rng.random(w.n) < 0.04))
    cadres = set(w.posts[w.posts["org_code"].str.len() == 9]["person"].tolist())
    town = np.array(sorted(cadres), dtype=np.int64)
    cand = np.union1d(cand, town[member_ok[town] & alive[town]])  # township cadres are on the payroll
    for p in cand.tolist():
        if w.is_cadre[p] and p not in cadres:
            continue  # village cadres are paid allowances, not from the payroll
        start = w.birth[p] + int(rng.integers(21 * 365, 30 * 365))
        start = min(start, np.datetime64("2024-06-30"))
        end = NAT
        if rng.random() < 0.1 and not w.is_cadre[p]:
            end = start + int(rng.integers(365, max(366, int((np.datetime64("2024-10-31") - start) / D))))
        where = employer(w, p) if p not in cadres else f"{w.village[str(w.vcode[p])].township.name}人民政府"
        w.jobs.append({"person": p, "employer": where, "start": start, "end": end})

    # vehicles: a car in about 30 % of households, a motorcycle, three-wheeler or tractor in about 35 %
    heads = np.flatnonzero(w.is_head & alive)
    hh_of = w.hh[heads]
    for h, p in zip(hh_of.tolist(), heads.tolist()):
        r = rng.random()
        if free_hh[h] and r < 0.3 and not w.used[p]:
            owner = p
            mates = [int(m) for m in w.members(h) if alive[m] and 20 <= age[m] <= 55 and not w.used[m]]
            if mates and rng.random() < 0.5:
                owner = mates[int(rng.integers(len(mates)))]
            t = COUNTED_TYPES[int(rng.choice(5, p=[0.55, 0.15, 0.08, 0.17, 0.05]))]
            start = _day(rng, "2008-01-01", "2024-10-31", 1)[0]
            end = NAT
            if rng.random() < 0.08 and start < np.datetime64("2022-01-01"):
                end = start + int(rng.integers(365, 4 * 365))
            w.vehicles.append({"person": owner, "plate": plate(w), "type": t, "start": start, "end": end})
        elif 0.3 <= r < 0.65 and not busy[h] and not w.used[p]:
            t = EXEMPT_TYPES[int(rng.integers(len(EXEMPT_TYPES)))]
            start = _day(rng, "2010-01-01", "2024-06-30", 1)[0]
            w.vehicles.append({"person": p, "plate": plate(w), "type": t, "start": start, "end": NAT})
        elif poor[h] and r < 0.05 and not busy[h] and not w.used[p]:
            # a car scrapped years before the payments: not an asset on any pay date
            start = _day(rng, "2006-01-01", "2012-12-31", 1)[0]
            end = _day(rng, "2016-01-01", "2023-06-30", 1)[0]
            t = COUNTED_TYPES[0]
            w.vehicles.append({"person": p, "plate": plate(w), "type": t, "start": start, "end": end})

    # real estate: a registered house in about half of the households (rural 宅基地 registration is patchy),
    # a second house or a shop in non-poor ones
    for h, p in zip(hh_of.tolist(), heads.tolist()):
        if busy[h] or w.used[p]:
            continue
        r = rng.random()
        if r > (0.5 if free_hh[h] else 0.4):
            continue
        n = 1
        if free_hh[h]:
            n = 1 + int(rng.random() < 0.12) + int(rng.random() < 0.04)
        for k in range(n):
            kind = "住宅" if k == 0 or rng.random() < 0.7 else "商业服务"
            start = _day(rng, "2016-01-01", "2024-09-30", 1)[0]
            year = int(str(start)[:4])
            pid = property_id(w, year)
            area = float(np.round(rng.uniform(60, 180), 2))
            w.properties.append(
                {"person": p, "property_id": pid, "kind": kind, "area": area, "start": start, "end": NAT}
            )
            mates = [int(m) for m in w.members(h) if m != p and w.relation[m] == "配偶" and not w.used[m]]
            if mates and rng.random() < 0.25:  # co-owned by the spouse: one row per owner
                w.properties.append(
                    {
                        "person": mates[0],
                        "property_id": pid,
                        "kind": kind,
                        "area": area,
                        "start": start,
                        "end": NAT,
                    }
                )

    # the cremation list: most deaths the register dates since 2020, and a few it has not recorded yet
    dead = np.flatnonzero(
        (w.status == "死亡") & ~np.isnat(w.death) & (w.death >= np.datetime64("2020-01-01")) & ~w.used
    )
    dead = dead[rng.random(len(dead)) < 0.85]
    src = rng.integers(0, len(DEATH_SOURCES), len(dead))
    for p, s in zip(dead.tolist(), src.tolist()):
        w.death_list.append({"person": p, "date": w.death[p], "source": DEATH_SOURCES[s]})
    quiet = np.flatnonzero(alive & ~paid & ~w.used & ~w.is_cadre & (age >= 70) & (rng.random(w.n) < 0.006))
    for p in quiet.tolist():
        w.death_list.append(
            {"person": p, "date": _day(rng, "2023-03-01", "2024-11-30", 1)[0], "source": "火化"}
        )

    # prisoners: about 0.12 % of the population, mostly men 18–55; never paid
    inmates = np.flatnonzero(
        alive & ~paid & ~w.used & ~w.is_cadre & (age >= 18) & (age <= 55) & w.male & (rng.random(w.n) < 0.003)
    )
    for p in inmates.tolist():
        start = _day(rng, "2016-01-01", "2024-10-31", 1)[0]
        end = start + int(rng.integers(180, 8 * 365))
        w.custody.append(
            {"person": p, "start": start, "end": end if end < np.datetime64("2024-12-31") else NAT}
        )

    # 备案: some village cadres declared a near relative's 低保 in earlier years (paid nothing in 2024)
    nf = w.near.frame()
    nf = nf[(nf["dist"] >= 1) & (nf["dist"] <= 2)]
    vil_posts = w.posts[w.posts["org_code"].str.len() == 12]
    for c in vil_posts["person"].drop_duplicates().tolist():
        if w.declarations and rng.random() > 0.15:  # the first cadre with a relative to declare always does
            continue
        a, b = np.searchsorted(nf["cadre"].to_numpy(), [c, c + 1])
        rel = [
            int(x) for x in nf.iloc[a:b]["node"] if not paid[int(x)] and not w.used[int(x)] and alive[int(x)]
        ]
        if rel:
            r = rel[int(rng.integers(len(rel)))]
            day = _day(rng, "2019-03-01", "2023-06-30", 1)[0]
            w.declarations.append({"cadre": int(c), "relative": r, "program": "低保", "date": day})


def _iso(d: Any) -> str:
    return "" if d is None or np.isnat(np.datetime64(d, "D")) else str(np.datetime64(d, "D"))


def register_tables(w: World) -> dict[str, pd.DataFrame]:
    """The six registers as canonical tables (English columns, ISO dates), in a stable order."""
    pid, name = w.pids, w.names

    def frame(rows: list[dict[str, Any]], cols: dict[str, Any], sort: list[str]) -> pd.DataFrame:
        df = pd.DataFrame({k: [f(r) for r in rows] for k, f in cols.items()}, columns=list(cols))
        return df.sort_values(sort, kind="stable").reset_index(drop=True) if len(df) else df

    return {
        "public_employees": frame(
            w.jobs,
            {
                "person_id": lambda r: pid[r["person"]],
                "name": lambda r: name[r["person"]],
                "employer": lambda r: r["employer"],
                "start_date": lambda r: _iso(r["start"]),
                "end_date": lambda r: _iso(r["end"]),
            },
            ["employer", "start_date", "person_id"],
        ),
        "vehicles": frame(
            w.vehicles,
            {
                "owner_id": lambda r: pid[r["person"]],
                "owner_name": lambda r: name[r["person"]],
                "plate": lambda r: r["plate"],
                "vehicle_type": lambda r: r["type"],
                "register_date": lambda r: _iso(r["start"]),
                "deregister_date": lambda r: _iso(r["end"]),
            },
            ["register_date", "plate", "owner_id"],
        ),
        "real_estate": frame(
            w.properties,
            {
                "owner_id": lambda r: pid[r["person"]],
                "owner_name": lambda r: name[r["person"]],
                "property_id": lambda r: r["property_id"],
                "kind": lambda r: r["kind"],
                "area": lambda r: f"{r['area']:.2f}",
                "register_date": lambda r: _iso(r["start"]),
                "deregister_date": lambda r: _iso(r["end"]),
            },
            ["register_date", "property_id", "owner_id"],
        ),
        "deaths": frame(
            w.death_list,
            {
                "person_id": lambda r: pid[r["person"]],
                "name": lambda r: name[r["person"]],
                "death_date": lambda r: _iso(r["date"]),
                "source": lambda r: r["source"],
            },
            ["death_date", "person_id"],
        ),
        "prisoners": frame(
            w.custody,
            {
                "person_id": lambda r: pid[r["person"]],
                "name": lambda r: name[r["person"]],
                "start_date": lambda r: _iso(r["start"]),
                "end_date": lambda r: _iso(r["end"]),
            },
            ["start_date", "person_id"],
        ),
        "declarations": frame(
            w.declarations,
            {
                "cadre_id": lambda r: pid[r["cadre"]],
                "relative_id": lambda r: pid[r["relative"]],
                "program": lambda r: r["program"],
                "declare_date": lambda r: _iso(r["date"]),
            },
            ["declare_date", "cadre_id", "relative_id"],
        ),
    }
