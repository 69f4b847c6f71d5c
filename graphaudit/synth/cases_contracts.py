"""Planted contract cases and near-misses: kin contractors, hidden links, split contracts, family contractor
rings."""

from __future__ import annotations

import numpy as np

from graphaudit.synth.background import THRESHOLD, contract_title, new_company
from graphaudit.synth.casekit import D, Planner, elsewhere_in_township
from graphaudit.synth.cases_money import give

__all__ = [
    "kin_contract",
    "hidden_link",
    "split",
    "family_ring",
    "nm_kc_4hop",
    "nm_kc_other_org",
    "nm_kc_out_of_office",
    "nm_hl_3hop",
    "nm_split_below",
    "nm_split_91",
    "nm_clan_companies",
]

KC, HL, SC = "kin_contract", "hidden_link", "split_contracts"
ORDINAL = "一二三四五六"


def _age_ok(pl: Planner, p: int, lo: int = 1955, hi: int = 2000) -> bool:
    return lo <= int(pl.w.byear[p]) <= hi


def _nominee(pl: Planner) -> int | None:
    for p in pl.pristine(1960, 1998):
        return p
    return None


def _company_for(pl: Planner, variant: str, r: int, town: str) -> list[int] | None:
    """The contractor company (and its holding, for 'parent') through which relative ``r`` benefits."""
    w = pl.w
    if variant in ("legal_rep", "self", "township"):
        return [new_company(w, r, town)]
    p = _nominee(pl)
    if p is None:
        return None
    pl.take(p)
    if variant == "shareholder":
        s = float(np.round(pl.rng.uniform(0.3, 0.49), 2))
        return [new_company(w, p, town, [("p", p, round(1 - s, 2)), ("p", r, s)])]
    holding = new_company(w, r, town, [("p", r, 1.0)], holding=True)
    s = float(np.round(pl.rng.uniform(0.51, 1.0), 2))
    holders = [("c", holding, s)] + ([("p", p, round(1 - s, 2))] if s < 1 else [])
    return [new_company(w, p, town, holders), holding]


def kin_contract(pl: Planner, variant: str, hops: int) -> bool:
    """kin_contract: a contract of the cadre's org to the relative (person), or to a company the relative
    leads (legal_rep), co-owns (shareholder) or owns through a holding company (parent); 'self' is the cadre's
    own company; 'township' a township cadre's relative's company and a township contract."""
    w = pl.w
    level = "township" if variant == "township" else "village"
    for c, org, title in pl.cadres(level=level, whole_year=False):
        if c in w.used_cadre:
            continue
        terms = pl.term_days(c, org)
        if not terms:
            continue
        if variant == "self":
            cands = [c] if w.cnt3[c] == 1 and w.alive[c] and not w.used[c] else []
        else:
            cands = [r for r in pl.relatives(c, [hops]) if _age_ok(pl, r)]
        for r in cands[:3]:
            lo, hi = terms[int(pl.rng.integers(len(terms)))]
            day = pl.random_day(lo, hi)
            town = org[:9]
            if variant == "person":
                key = pl.contract(org, "p", r, day)
                comps: list[int] = []
            else:
                made = _company_for(pl, variant, r, town)
                if made is None:
                    return False
                comps = made
                key = pl.contract(org, "c", comps[0], day)
            if key is None:
                continue
            pl.take(r)
            w.used_cadre.add(c)
            how = {
                "person": "本人承包",
                "legal_rep": "任法定代表人的企业",
                "shareholder": "参股的企业",
                "parent": "通过控股公司间接持股的企业",
                "self": "本人任法定代表人的企业",
                "township": "任法定代表人的企业",
            }[variant]
            rel = "本人" if r == c else f"{hops}跳亲属（{pl.path_text(c, r)}）{pl.name(r)}"
            pl.plant(
                KC,
                variant,
                f"{title}{pl.name(c)}在任期间，本单位工程发包给其{rel}{how}",
                [c, r],
                con_keys=[key],
                companies=comps,
                hops=0 if r == c else hops,
            )
            return True
    return False


def _sharing(pl: Planner, kind: str, r: int) -> tuple[str, list[int]]:
    """The phone or address of r's household and every household that has it."""
    w = pl.w
    hh = int(w.hh[r])
    value = str(w.households[kind].iat[hh])
    hhs = np.flatnonzero(w.households[kind].to_numpy() == value).tolist()
    return value, hhs


def hidden_link(pl: Planner, variant: str) -> bool:
    """hidden_link: a company with a nominee legal rep but a cadre's (or a relative's) phone, address or bank
    account wins a contract of the cadre's village."""
    w = pl.w
    dists = [0] if variant.endswith("0") else [1, 2]
    kind = variant.rstrip("0")
    for c, org, title in pl.cadres(level="village", whole_year=False):
        terms = pl.term_days(c, org)
        if not terms or c in w.used_cadre:
            continue
        if dists == [0]:
            cands = [c] if w.cnt3[c] == 1 and not w.used[c] else []
        elif kind == "account":
            cands = pl.relatives(c, [1, 2], elsewhere_in_township(org))
        else:
            cands = pl.relatives(c, dists)
        for r in cands[:4]:
            p = _nominee(pl)
            if p is None:
                return False
            keys_pay: list[int] = []
            if kind == "account":
                if not pl.household_clean(int(w.hh[r]), {c}):
                    continue
                ks = give(pl, r, "产业扶贫", None)
                if not ks:
                    continue
                keys_pay = ks
                comp = new_company(w, p, org[:9], account=w.account(int(w.hh[r])))
            else:
                value, hhs = _sharing(pl, kind, r)
                if not all(pl.household_clean(h, {c}) for h in hhs):
                    continue
                if kind == "phone":
                    comp = new_company(w, p, org[:9], phone=value)
                else:
                    comp = new_company(w, p, org[:9], address=value)
            lo, hi = terms[int(pl.rng.integers(len(terms)))]
            key = pl.contract(org, "c", comp, pl.random_day(lo, hi))
            if key is None:
                continue
            pl.take(r, p)
            w.used_cadre.add(c)
            what = {"phone": "联系电话", "address": "住所", "account": "银行账号"}[kind]
            who = "本人" if r == c else f"亲属{pl.name(r)}"
            pl.plant(
                HL,
                variant,
                f"{pl.name(w.companies[comp]['legal_rep'])}挂名的企业与{title}{pl.name(c)}{who}共用{what}，并承接本村工程",
                [c, r],
                con_keys=[key],
                pay_keys=keys_pay,
                companies=[comp],
                hops=int(w.dist(c, r)),
            )
            return True
    return False


def _orgs(pl: Planner) -> list[str]:
    w = pl.w
    orgs = [v.code for v in w.villages] + sorted({v.township.code for v in w.villages})
    return [orgs[i] for i in pl.rng.permutation(len(orgs))]


def _run(
    pl: Planner,
    offsets: list[int],
    amounts: list[float],
    contractors: list[tuple[str, int]],
    method: str = "直接发包",
) -> tuple[str, list[int]] | None:
    """Contracts of one org at d0 + offsets in a window with no other small contract near it."""
    grid = np.datetime64("2023-02-01") + 7 * pl.rng.permutation(80)
    tries = [(org, d0) for org in _orgs(pl)[:30] for d0 in grid[:25]]
    for org, d0 in tries:
        if not pl.window_free(org, d0, d0 + offsets[-1]):
            continue
        keys = []
        base = contract_title(pl.w, org)
        for i, (off, amt, (kind, who)) in enumerate(zip(offsets, amounts, contractors)):
            k = pl.contract(
                org,
                kind,
                who,
                d0 + off,
                amount=amt,
                suffix=f"（{ORDINAL[i]}标段）",
                method=method,
                title=base,
            )
            if k is None:
                break
            keys.append(k)
        if len(keys) < len(offsets):
            pl.w.contracts = [c for c in pl.w.contracts if c["key"] not in keys]
            continue
        return org, keys
    return None


def _spread(pl: Planner, n: int, span: int) -> list[int]:
    return sorted([0] + pl.rng.choice(np.arange(5, span), n - 1, replace=False).tolist())


def split(pl: Planner, variant: str) -> bool:
    """split_contracts: 3–4 contracts below 100,000 to one contractor (or related ones) within 90 days."""
    rep = _nominee(pl)
    if rep is None:
        return False
    pl.take(rep)
    w = pl.w
    n = 4 if variant == "same4" else 3
    town = str(w.tcode[rep])
    k1 = new_company(w, rep, town)
    if variant == "related":
        k2 = new_company(w, rep, town)
        who = [("c", k1), ("c", k2), ("c", k1)]
    elif variant == "person_company":
        who = [("c", k1), ("p", rep), ("c", k1)]
    else:
        who = [("c", k1)] * n
    amounts = [float(np.round(pl.rng.uniform(36_000, 95_000), -2)) for _ in range(n)]
    got = _run(pl, _spread(pl, n, 86), amounts, who)
    if got is None:
        return False
    org, keys = got
    comps = sorted({x for k, x in who if k == "c"})
    pl.plant(
        SC,
        variant,
        f"同一承包方（{pl.name(rep)}及其企业）90天内{n}次小额发包，合计{sum(amounts):,.0f}元，规避招标",
        [rep],
        con_keys=keys,
        companies=comps,
    )
    return True


def family_ring(pl: Planner) -> bool:
    """collusive_cluster: three companies led by a cadre's relatives take turns winning the village's
    contracts."""
    w = pl.w
    for c, org, title in pl.cadres(level="village", whole_year=False):
        terms = [t for t in pl.term_days(c, org) if (t[1] - t[0]) / D > 500]
        if not terms or c in w.used_cadre:
            continue
        rel: list[int] = []
        for h in (1, 2, 3):
            for r in pl.relatives(c, [h]):
                if _age_ok(pl, r) and r not in rel and all(w.hh[r] != w.hh[x] for x in rel):
                    rel.append(r)
                    break
        if len(rel) < 3:
            rel = [r for r in pl.relatives(c, [1, 2, 3]) if _age_ok(pl, r)][:3]
        if len(rel) < 3:
            continue
        lo, hi = terms[0]
        n = int(pl.rng.integers(5, 7))
        span = int((hi - lo) / D)
        step = span // n
        if step < 100:
            continue
        comps = [new_company(w, r, org[:9]) for r in rel]
        keys = []
        for i in range(n):
            day = lo + i * step + int(pl.rng.integers(0, step - 95))
            k = pl.contract(org, "c", comps[i % 3], day)
            if k is not None:
                keys.append((k, comps[i % 3]))
        pl.take(*rel)
        w.used_cadre.add(c)
        for comp, r in zip(comps, rel):
            ks = [k for k, x in keys if x == comp]
            h = int(w.dist(c, r))
            pl.plant(
                KC,
                "family_ring",
                f"{title}{pl.name(c)}的{h}跳亲属{pl.name(r)}的企业承接本村工程{len(ks)}项（家族轮流中标）",
                [c, r],
                con_keys=ks,
                companies=[comp],
                hops=h,
            )
        pl.plant(
            "collusive_cluster",
            "family_ring",
            f"{title}{pl.name(c)}的三名亲属各自控制企业，轮流承接本村{len(keys)}项工程",
            [c] + rel,
            con_keys=[k for k, _ in keys],
            companies=comps,
        )
        return True
    return False


# ---- near-misses -------------------------------------------------------------------------------------------
def _kc_near(pl: Planner, variant: str, dists: list[int], where_other_org: bool = False) -> bool:
    w = pl.w
    for c, org, title in pl.cadres(level="village", whole_year=False):
        if c in w.used_cadre:
            continue
        for r in [r for r in pl.relatives(c, dists) if _age_ok(pl, r)][:3]:
            if where_other_org:
                others = [v.code for v in w.villages if v.code != org and v.code[:9] == org[:9]]
                if not others:
                    return False
                target = others[int(pl.rng.integers(len(others)))]
                day = pl.random_day(np.datetime64("2023-02-01"), np.datetime64("2024-12-01"))
            else:
                target = org
                terms = pl.term_days(c, org)
                if not terms:
                    break
                lo, hi = terms[int(pl.rng.integers(len(terms)))]
                day = pl.random_day(lo, hi)
            comp = new_company(w, r, target[:9])
            key = pl.contract(target, "c", comp, day)
            if key is None:
                continue
            pl.take(r)
            w.used_cadre.add(c)
            h = int(w.dist(c, r))
            note = {
                "4hop": f"企业法定代表人{pl.name(r)}是{title}{pl.name(c)}的4跳远亲（超出3跳，不应报）",
                "other_org": f"企业法定代表人{pl.name(r)}是另一村{title}{pl.name(c)}的亲属，"
                "与发包村干部无亲属关系（不应报）",
            }[variant]
            pl.plant(KC, variant, note, [c, r], con_keys=[key], companies=[comp], hops=h, near_miss=True)
            return True
    return False


def nm_kc_4hop(pl: Planner) -> bool:
    return _kc_near(pl, "4hop", [4])


def nm_kc_other_org(pl: Planner) -> bool:
    return _kc_near(pl, "other_org", [1, 2], where_other_org=True)


def nm_kc_out_of_office(pl: Planner) -> bool:
    """A relative's company signs with the village after the cadre left (or before the cadre started)."""
    w = pl.w
    p = pl.posts[(pl.posts["level"] == "village") & ~pl.posts["end"].isna()]
    for _, row in p.sample(frac=1, random_state=int(pl.rng.integers(1 << 30))).iterrows():
        c, org = int(row["person"]), str(row["org_code"])
        end = np.datetime64(row["end"], "D")
        if c in w.used_cadre or end > np.datetime64("2024-10-01"):
            continue
        day = pl.random_day(max(end + 30, np.datetime64("2023-02-01")), np.datetime64("2024-12-10"))
        if w.holds_all(c, org, [day]):
            continue
        for r in [r for r in pl.relatives(c, [1, 2]) if _age_ok(pl, r)][:3]:
            comp = new_company(w, r, org[:9])
            key = pl.contract(org, "c", comp, day)
            if key is None:
                continue
            pl.take(r)
            w.used_cadre.add(c)
            pl.plant(
                KC,
                "out_of_office",
                f"{row['title']}{pl.name(c)}已于{str(end)}离任，其后其亲属{pl.name(r)}的企业承接本村工程（不在任，不应报）",
                [c, r],
                con_keys=[key],
                companies=[comp],
                hops=int(w.dist(c, r)),
                near_miss=True,
            )
            return True
    return False


def nm_hl_3hop(pl: Planner) -> bool:
    """A company shares a phone with a household whose nearest cadre is 3 hops away."""
    w = pl.w
    for c, org, title in pl.cadres(level="village", whole_year=False):
        terms = pl.term_days(c, org)
        if not terms or c in w.used_cadre:
            continue
        for r in pl.relatives(c, [3])[:5]:
            value, hhs = _sharing(pl, "phone", r)
            if not all(pl.household_clean(h, {c}) and all(w.cnt2[m] == 0 for m in w.members(h)) for h in hhs):
                continue
            p = _nominee(pl)
            if p is None:
                return False
            comp = new_company(w, p, org[:9], phone=value)
            lo, hi = terms[0]
            key = pl.contract(org, "c", comp, pl.random_day(lo, hi))
            if key is None:
                continue
            pl.take(r, p)
            w.used_cadre.add(c)
            pl.plant(
                HL,
                "3hop",
                f"企业联系电话与{title}{pl.name(c)}的3跳远亲{pl.name(r)}家相同（超出2跳，不应报）",
                [c, r],
                con_keys=[key],
                companies=[comp],
                hops=3,
                near_miss=True,
            )
            return True
    return False


def _nm_split(pl: Planner, variant: str, offsets: list[int], lo: float, hi: float) -> bool:
    rep = _nominee(pl)
    if rep is None:
        return False
    pl.take(rep)
    k = new_company(pl.w, rep, str(pl.w.tcode[rep]))
    amounts = [float(np.round(pl.rng.uniform(lo, hi), -2)) for _ in offsets]
    got = _run(pl, offsets, amounts, [("c", k)] * len(offsets), method="询价")
    if got is None:
        return False
    total = sum(amounts)
    note = {
        "below": f"同一企业90天内3次小额发包，合计{total:,.0f}元，未达10万元招标限额（不应报）",
        "91days": f"同一企业3次小额发包合计{total:,.0f}元，但首尾相隔{offsets[-1]}天，超过90天（不应报）",
    }[variant]
    pl.plant(SC, variant, note, [rep], con_keys=got[1], companies=[k], near_miss=True)
    return True


def nm_split_below(pl: Planner) -> bool:
    return _nm_split(pl, "below", _spread(pl, 3, 70), 20_000, 32_000)


def nm_split_91(pl: Planner) -> bool:
    a = int(pl.rng.integers(40, 50))
    return _nm_split(pl, "91days", [0, a, 92 + int(pl.rng.integers(0, 9))], 40_000, 90_000)


def nm_clan_companies(pl: Planner) -> bool:
    """Three companies of one family (no cadre within 4 hops) take turns at a village's contracts."""
    w = pl.w
    for p in pl.pristine(1960, 1995)[:60]:
        kin = [
            int(x) for x in w.graph.neighbours(p) if pl.ok(int(x)) and w.cnt4[x] == 0 and _age_ok(pl, int(x))
        ]
        if len(kin) < 2:
            continue
        reps = [p] + kin[:2]
        org = str(w.vcode[p])
        comps = [new_company(w, r, org[:9]) for r in reps]
        lo = np.datetime64("2023-01-10")
        keys = []
        for i in range(5):
            day = lo + i * 140 + int(pl.rng.integers(0, 40))
            k = pl.contract(org, "c", comps[i % 3], day)
            if k is not None:
                keys.append(k)
        pl.take(*reps)
        pl.plant(
            "collusive_cluster",
            "clan_without_cadre",
            f"{pl.name(p)}家族三家企业轮流承接本村工程，但与本村干部无亲属关系（无利益冲突，不应报）",
            reps,
            con_keys=keys,
            companies=comps,
            near_miss=True,
        )
        return True
    return False


_ = THRESHOLD
