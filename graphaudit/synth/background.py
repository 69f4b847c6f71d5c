"""Ordinary, innocent records: companies, village and township contracts, a year of subsidy payments.

Background records are built so that no check fires on them, under any reading of DOMAIN.md:
- no payment goes to a cadre (any post, any time) or to anyone within 2 hops of one;
- no payment is approved by someone within 3 hops of its recipient;
- contractors, legal representatives and shareholders are more than 3 hops from every cadre;
- companies' phones, addresses and accounts are their own;
- one organisation never has three sub-threshold contracts within 90 days;
- a recipient is paid at most once per program and month, never after death, and accounts stay in one
  household;
- no household with a company's legal representative or shareholder keeps 低保 or 特困供养
  (registers.drop_background_ineligible, after the cases are planted).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from graphaudit.synth import _codes
from graphaudit.synth.names import company_name_parts
from graphaudit.synth.officials import ACCOUNTANT, CHAIR, SECRETARY, approves_payments, in_office
from graphaudit.synth.population import unique_mobiles
from graphaudit.synth.world import World

__all__ = [
    "make_companies",
    "make_contracts",
    "make_payments",
    "PROGRAMS",
    "THRESHOLD",
    "new_company",
    "contract_title",
    "pristine_people",
    "contract_approver",
    "contract_approvers",
    "SUB_METHODS",
    "TENDER_METHODS",
]

PROGRAMS = (
    "低保",
    "特困供养",
    "耕地地力保护补贴",
    "危房改造",
    "临时救助",
    "医疗救助",
    "教育资助",
    "产业扶贫",
)
THRESHOLD = 100_000.0
SUB_METHODS = ("询价", "直接发包", "竞争性谈判", "比选")
TENDER_METHODS = ("公开招标", "公开招标", "公开招标", "邀请招标")
VILLAGE_PROJECTS = (
    "道路硬化工程",
    "水渠修缮工程",
    "村委会办公楼维修工程",
    "路灯安装工程",
    "饮水安全巩固提升工程",
    "文化广场建设工程",
    "排洪渠清淤工程",
    "村级光伏电站维护",
    "危桥加固工程",
    "垃圾收集点建设",
    "农田水利设施维修",
    "梯田修复工程",
    "红枣烘干厂房建设",
    "村内巷道硬化工程",
    "养殖小区建设",
)
TOWN_PROJECTS = (
    "乡村道路提升工程",
    "集镇污水管网工程",
    "中心小学操场改造",
    "卫生院附属设施维修",
    "集镇绿化工程",
    "便民服务中心装修",
    "农村公路安全防护工程",
    "小型水库除险加固",
)
ROADS = (
    "府前街",
    "东关街",
    "西关街",
    "新华路",
    "滨河路",
    "南环路",
    "北环路",
    "工业园区",
    "商贸街",
    "建设路",
    "团结路",
    "文化街",
    "振兴路",
    "迎宾路",
)
DAY = np.timedelta64(1, "D")


def pristine_people(w: World, lo: int = 1959, hi: int = 1999, male: bool | None = None) -> np.ndarray:
    """Adults more than 3 hops from every cadre, alive, in clear households, not used by a case."""
    m = w.alive & (w.cnt3 == 0) & ~w.ambiguous & ~w.used & (w.byear >= lo) & (w.byear <= hi) & ~w.is_cadre
    if male is not None:
        m &= w.male == male
    return np.flatnonzero(m)


def new_company(
    w: World,
    legal_rep: int,
    township: str,
    holders: list[tuple[str, int, float]] | None = None,
    holding: bool = False,
    phone: str | None = None,
    address: str | None = None,
    account: str | None = None,
    industry: str | None = None,
) -> int:
    """A company with its own (unless given) phone, address and bank account; returns its index."""
    rng = w.rng
    trades, industries = company_name_parts()
    town = next((v.township for v in w.villages if v.township.code == township), w.villages[0].township)
    names = {c["name"] for c in w.companies}
    for attempt in range(200):
        trade = trades[int(rng.integers(len(trades)))]
        kinds = ("投资", "实业") if holding else industries
        ind = industry or kinds[int(rng.integers(len(kinds)))]
        prefix = w.county.name if attempt < 60 else w.county.name + town.name[:-1]
        name = f"{prefix}{trade}{ind}有限公司"
        if name not in names:
            break
    usccs = {c["uscc"] for c in w.companies}
    chars = _codes.USCC_CHARS
    while True:
        body = "MA0" + "".join(chars[int(i)] for i in rng.integers(0, len(chars), 5))
        uscc = _codes.make_uscc(w.county.code, body)
        if uscc not in usccs:
            break
    if phone is None:
        while phone is None or phone in w.household_phones or phone in w.company_phones:
            phone = str(unique_mobiles(rng, 1)[0])
    w.company_phones.add(phone)
    if address is None:
        used = {c["address"] for c in w.companies}
        while True:
            road = ROADS[int(rng.integers(len(ROADS)))]
            address = f"{w.county.name}{town.name}{road}{int(rng.integers(1, 300))}号"
            if address not in used:
                break
    if account is None:
        account = "1405" + str(int(rng.integers(10**13, 10**14)))
    if holders is None:
        holders = [("p", legal_rep, 1.0)]
    return w.add_company(name, legal_rep, address, phone, account, uscc, holders, township, holding)


def make_companies(w: World, n: int) -> None:
    """Background companies: legal reps and shareholders far from every cadre; some owned by a holding."""
    rng = w.rng
    pool = pristine_people(w, 1959, 1996)
    reps = rng.choice(pool, min(len(pool), n * 2), replace=False)
    n_hold = max(1, n // 12)
    towns = sorted({v.township.code for v in w.villages})
    for i in range(min(n, len(reps) // 2)):
        rep = int(reps[2 * i])
        town = str(w.tcode[rep])
        holding = i < n_hold
        r = rng.random()
        if holding or r < 0.45:
            holders = [("p", rep, 1.0)]
        elif r < 0.8:
            s = float(np.round(rng.uniform(0.51, 0.9), 2))
            holders = [("p", rep, s), ("p", int(reps[2 * i + 1]), round(1 - s, 2))]
        else:
            parent = int(rng.integers(0, n_hold))
            s = float(np.round(rng.uniform(0.51, 1.0), 2))
            holders = [("c", parent, s)] + ([("p", rep, round(1 - s, 2))] if s < 1 else [])
        new_company(w, rep, town if town in towns else towns[0], holders, holding=holding)


def contract_title(w: World, org: str, suffix: str = "") -> str:
    rng = w.rng
    if len(org) == 12:
        return f"{w.village[org].name}{VILLAGE_PROJECTS[int(rng.integers(len(VILLAGE_PROJECTS)))]}{suffix}"
    town = next(v.township for v in w.villages if v.township.code == org)
    return f"{town.name}{TOWN_PROJECTS[int(rng.integers(len(TOWN_PROJECTS)))]}{suffix}"


def contract_approvers(w: World, org: str, day: np.datetime64) -> list[int]:
    """Who may sign off a contract: the village secretary or chair / the township head, in office that day."""
    titles = (SECRETARY, CHAIR) if len(org) == 12 else ("镇长", "乡长", "党委书记")
    m = (w.post_org == org) & np.isin(w.post_title, titles)
    m &= in_office(w.post_start, w.post_end, np.full(len(m), day))
    return sorted(set(w.post_person[m].tolist()))


def contract_approver(w: World, org: str, day: np.datetime64) -> int | None:
    """One of :func:`contract_approvers`, at random."""
    cands = contract_approvers(w, org, day)
    return int(cands[int(w.rng.integers(len(cands)))]) if cands else None


def _sub_dates_ok(dates: list[np.datetime64]) -> bool:
    d = sorted(dates)
    return all((d[i + 2] - d[i]) / DAY > 90 for i in range(len(d) - 2))


def make_contracts(w: World) -> None:
    """Background contracts 2023–2024 for every village and township."""
    rng = w.rng
    companies = [c["i"] for c in w.companies if not c["holding"]]
    persons = pristine_people(w, 1960, 1994, male=True)
    orgs = [v.code for v in w.villages] + sorted({v.township.code for v in w.villages})
    start = np.datetime64("2023-01-03")
    for org in orgs:
        n = int(np.clip(rng.poisson(2.5 if len(org) == 12 else 6), 1, 9))
        subs: list[np.datetime64] = []
        for _ in range(n):
            day = start + int(rng.integers(0, 720))
            sub = rng.random() < (0.6 if len(org) == 12 else 0.4)
            if sub and not _sub_dates_ok(subs + [day]):
                sub = False
            if sub:
                subs.append(day)
                amount = float(np.round(rng.uniform(15_000, 98_000), -2))
                method = SUB_METHODS[int(rng.integers(len(SUB_METHODS)))]
            else:
                hi = 600_000 if len(org) == 12 else 2_500_000
                amount = float(np.round(rng.uniform(110_000, hi), -3))
                method = TENDER_METHODS[int(rng.integers(len(TENDER_METHODS)))]
            approver = contract_approver(w, org, day)
            if approver is None:
                continue
            if rng.random() < 0.75 or not len(persons):
                kind, who = "c", int(companies[int(rng.integers(len(companies)))])
            else:
                kind, who = "p", int(persons[int(rng.integers(len(persons)))])
            w.add_contract(org, contract_title(w, org), kind, who, amount, day, approver, method)


def _hash01(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (
        (
            a.astype(np.uint64) * np.uint64(2654435761)
            + b.astype(np.uint64) * np.uint64(40503)
            + np.uint64(12345)
        )
        % np.uint64(1 << 32)
    ).astype(np.float64) / float(1 << 32)


def _assign_approvers(w: World, pay: pd.DataFrame, village_level: bool) -> pd.Series:
    """Approver per payment: in office, more than 3 hops from the recipient; -1 when nobody fits."""
    p = w.posts
    town_titles = p["title"].map(approves_payments)
    cand = p[town_titles][["person", "org_code", "start", "end"]].assign(pref=0.0)
    pay = pay.assign(town=pay["village"].str[:9], row=np.arange(len(pay)))
    j = pay[["row", "town", "recipient", "date"]].merge(cand, left_on="town", right_on="org_code")
    if village_level:
        vc = p[p["title"].isin([ACCOUNTANT, CHAIR])][["person", "org_code", "start", "end"]].assign(pref=0.6)
        j2 = pay[["row", "village", "recipient", "date"]].merge(vc, left_on="village", right_on="org_code")
        j = pd.concat([j.drop(columns=["town"]), j2.drop(columns=["village"])], ignore_index=True)
    ok = in_office(j["start"].to_numpy(), j["end"].to_numpy(), j["date"].to_numpy())
    ok &= j["person"].to_numpy() != j["recipient"].to_numpy()
    ok &= w.dist(j["person"].to_numpy(), j["recipient"].to_numpy()) > 3
    j = j[ok]
    j = j.assign(score=_hash01(j["recipient"].to_numpy(), j["person"].to_numpy()) + j["pref"])
    best = j.sort_values(["row", "score"], ascending=[True, False]).drop_duplicates("row")
    out = pd.Series(-1, index=np.arange(len(pay)), dtype=np.int64)
    out[best["row"].to_numpy()] = best["person"].to_numpy()
    return out


def make_payments(w: World) -> None:
    """A year (2024) of payments across the programs, to people far from every cadre."""
    rng = w.rng
    ok = w.alive & (w.cnt2 == 0) & ~w.used & ~w.is_cadre
    rel = w.people["relation"].to_numpy()
    nh = len(w.households)
    size = np.diff(w.hh_ptr)
    head = np.full(nh, -1)
    hm = rel == "户主"
    head[w.hh[hm]] = np.flatnonzero(hm)
    head_ok = (head >= 0) & ok[np.maximum(head, 0)]
    age = 2024 - w.byear
    towns = sorted({v.township.code for v in w.villages})
    payday = {t: int(rng.integers(8, 21)) for t in towns}
    w.payday = payday
    fdate = {v.code: np.datetime64("2024-05-06") + int(rng.integers(0, 50)) for v in w.villages}
    rate = float(np.round(rng.uniform(95, 110), 2))
    frames = []

    def month_dates(ps: np.ndarray, m0: np.ndarray, m1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cnt = m1 - m0 + 1
        rp = np.repeat(ps, cnt)
        months = np.repeat(m0, cnt) + (np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt))
        days = np.array([payday[w.tcode[p]] for p in rp], dtype=int) - 1
        dates = (np.datetime64("2024-01", "M") + (months - 1)).astype("datetime64[D]") + days
        return rp, dates

    # 低保 (households, monthly) and 特困供养 (single elderly, monthly); those of a household with a company's
    # legal representative or shareholder are dropped once the cases are planted (registers.py)
    old_head = head_ok & (age[np.maximum(head, 0)] >= 60)
    dibao = np.flatnonzero(head_ok & (rng.random(nh) < np.where(old_head, 0.07, 0.035)))
    single = np.flatnonzero(old_head & (size == 1) & ~np.isin(np.arange(nh), dibao) & (rng.random(nh) < 0.35))
    for prog, hhs, lo, hi in (("低保", dibao, 300, 1500), ("特困供养", single, 650, 900)):
        ps = head[hhs]
        m0 = np.where(rng.random(len(ps)) < 0.8, 1, rng.integers(2, 11, len(ps)))
        m1 = np.where(rng.random(len(ps)) < 0.9, 12, np.minimum(12, m0 + rng.integers(2, 10, len(ps))))
        amt = np.round(rng.uniform(lo, hi, len(ps)), -1)
        rp, dates = month_dates(ps, m0, m1)
        frames.append(
            pd.DataFrame(
                {
                    "program": prog,
                    "recipient": rp,
                    "date": dates,
                    "amount": np.repeat(amt, m1 - m0 + 1),
                    "remark": "按月发放",
                }
            )
        )
    # 耕地地力保护补贴 (most households, once)
    farm = np.flatnonzero(head_ok & (rng.random(nh) < 0.9))
    ps = head[farm]
    mu = np.round(rng.uniform(2, 25, len(ps)), 1)
    frames.append(
        pd.DataFrame(
            {
                "program": "耕地地力保护补贴",
                "recipient": ps,
                "date": np.array([fdate[w.vcode[p]] for p in ps], dtype="datetime64[D]"),
                "amount": np.round(mu * rate, 2),
                "remark": [f"{m}亩" for m in mu],
            }
        )
    )
    # one-offs
    year = np.datetime64("2024-01-02")
    for prog, mask, p_, lo, hi, rnd, r0, r1 in (
        ("危房改造", None, 0.004, 15_000, 35_000, -2, 90, 330),
        ("产业扶贫", None, 0.01, 3_000, 10_000, -2, 60, 300),
        ("临时救助", ok & (age >= 18), 0.008, 500, 3_000, -2, 0, 360),
        ("医疗救助", ok, 0.012, 800, 20_000, 2, 0, 360),
    ):
        if mask is None:
            ps = head[np.flatnonzero(head_ok & (rng.random(nh) < p_))]
        else:
            ps = np.flatnonzero(mask & (rng.random(w.n) < p_))
        frames.append(
            pd.DataFrame(
                {
                    "program": prog,
                    "recipient": ps,
                    "date": year + rng.integers(r0, r1, len(ps)),
                    "amount": np.round(rng.uniform(lo, hi, len(ps)), rnd),
                    "remark": "",
                }
            )
        )
    # 教育资助: students, spring and autumn terms
    st = np.flatnonzero(ok & (age >= 6) & (age <= 22) & (rng.random(w.n) < 0.04))
    amt = np.round(rng.uniform(1000, 2500, len(st)), -1)
    for month in ("2024-03-", "2024-09-"):
        frames.append(
            pd.DataFrame(
                {
                    "program": "教育资助",
                    "recipient": st,
                    "date": np.datetime64(month + "15") + rng.integers(0, 10, len(st)),
                    "amount": amt,
                    "remark": "学期资助",
                }
            )
        )
    pay = pd.concat(frames, ignore_index=True)
    pay["village"] = w.vcode[pay["recipient"].to_numpy()]
    village_level = pay["program"].isin(["耕地地力保护补贴", "产业扶贫"]).to_numpy()
    appr = np.full(len(pay), -1, dtype=np.int64)
    for lvl in (False, True):
        m = village_level == lvl
        appr[m] = _assign_approvers(w, pay[m].reset_index(drop=True), lvl).to_numpy()
    pay["approver"] = appr
    pay = pay[pay["approver"] >= 0].reset_index(drop=True)
    hhs = w.hh[pay["recipient"].to_numpy()]
    w.set_household_accounts(np.unique(hhs))
    keys = w.next_keys(len(pay))
    w.pay_frames.append(
        pd.DataFrame(
            {
                "key": keys,
                "program": pay["program"].to_numpy(),
                "recipient": pay["recipient"].to_numpy(),
                "hh": hhs,
                "village": pay["village"].to_numpy(),
                "amount": pay["amount"].to_numpy().astype(float),
                "date": pay["date"].to_numpy().astype("datetime64[D]"),
                "approver": pay["approver"].to_numpy(),
                "account": w.hh_account[hhs],
                "remark": pay["remark"].to_numpy(),
            }
        )
    )
