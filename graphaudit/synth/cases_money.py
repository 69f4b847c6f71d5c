"""Planted payment cases and their near-misses: kin approvals, cadre families, shared accounts, dead and
doubly paid recipients.

Each function tries candidates until one fits and returns True when it planted something.
"""

from __future__ import annotations

import numpy as np

from graphaudit.synth.casekit import D, Planner, elsewhere_in_township, living_in
from graphaudit.synth.officials import ACCOUNTANT, CHAIR

__all__ = [
    "give",
    "one_off",
    "series",
    "amount_for",
    "kas",
    "cfb",
    "shared_account",
    "deceased",
    "duplicate",
    "nm_kas_4hop",
    "nm_cfb_3hop",
    "nm_cfb_other_village",
    "nm_cfb_out_of_office",
    "nm_shared_household",
    "nm_deceased_before",
    "nm_dup_adjacent",
    "nm_dup_programs",
]

KAS, CFB = "kin_approved_subsidy", "cadre_family_beneficiary"


def amount_for(pl: Planner, program: str) -> float:
    lo, hi, r = {
        "低保": (400, 1200, -1),
        "临时救助": (800, 3000, -2),
        "医疗救助": (1500, 18000, 2),
        "危房改造": (18000, 35000, -2),
        "产业扶贫": (4000, 10000, -2),
        "特困供养": (650, 900, -1),
        "耕地地力保护补贴": (600, 2400, 2),
    }[program]
    return float(np.round(pl.rng.uniform(lo, hi), r))


def one_off(pl: Planner, p: int, program: str, lo: int = 30, hi: int = 330) -> list[np.datetime64]:
    return [np.datetime64("2024-01-01") + int(pl.rng.integers(lo, hi))]


def series(pl: Planner, p: int, m0: int = 1, m1: int = 12) -> list[np.datetime64]:
    return [pl.day(p, m) for m in range(m0, m1 + 1)]


def give(
    pl: Planner,
    p: int,
    program: str,
    approver: int | None,
    dates: list[np.datetime64] | None = None,
    account: str | None = None,
) -> list[int] | None:
    """Pay ``p`` under ``program`` (series for 低保) approved by ``approver`` (None: a clean one)."""
    if dates is None:
        dates = series(pl, p) if program == "低保" else one_off(pl, p, program)
    if not pl.free(p, program, dates):
        return None
    if approver is None:
        approver = pl.approver_for(p, dates)
        if approver is None:
            return None
    return pl.pay(
        program, p, amount_for(pl, program), dates, approver, account, "按月发放" if program == "低保" else ""
    )


def kas(pl: Planner, variant: str) -> bool:
    """kin_approved_subsidy: a township approver pays a relative at 0–3 hops; a village approver at 3 hops; or
    a village approver pays a 1-hop relative in his own village (also cadre_family_beneficiary)."""
    w = pl.w
    if variant.startswith("cw"):
        h = int(variant[2])
        program = {0: "临时救助", 1: "低保", 2: "临时救助", 3: "医疗救助"}[h]
        for c, org, title in pl.cadres(level="township", approver=True):
            if h == 0:
                cands = [c] if pl.ok(c, cadre_ok=True) and w.cnt3[c] == 1 else []
            else:
                cands = pl.relatives(c, [h], living_in("town", org))
            for r in cands[:4]:
                keys = give(pl, r, program, c)
                if keys:
                    pl.take(r)
                    w.used_cadre.add(c)
                    who = "本人" if h == 0 else f"{h}跳亲属（{pl.path_text(c, r)}）"
                    pl.plant(
                        KAS,
                        variant,
                        f"{title}{pl.name(c)}审批{who}{pl.name(r)}的{program}，共{len(keys)}笔",
                        [c, r],
                        pay_keys=keys,
                        hops=h,
                    )
                    return True
        return False
    h = {"v3": 3, "combo2": 2}.get(variant, 1)
    program = {"v3": "产业扶贫", "combo2": "临时救助"}.get(variant, "低保")
    for c, org, title in pl.cadres(level="village", titles=[ACCOUNTANT, CHAIR]):
        for r in pl.relatives(c, [h], living_in("vil", org))[:4]:
            keys = give(pl, r, program, c)
            if keys:
                pl.take(r)
                w.used_cadre.add(c)
                note = (
                    f"{title}{pl.name(c)}审批其{h}跳亲属（{pl.path_text(c, r)}）"
                    f"{pl.name(r)}的{program}，共{len(keys)}笔"
                )
                pl.plant(KAS, variant, note, [c, r], pay_keys=keys, hops=h)
                if h <= 2:
                    pl.plant(
                        CFB, "approved_by_cadre", note + "（本村在任干部亲属）", [c, r], pay_keys=keys, hops=h
                    )
                return True
    return False


def cfb(pl: Planner, variant: str) -> bool:
    """cadre_family_beneficiary: a village cadre in office, or a relative within 2 hops, paid in his village
    by a township approver who is not kin. ``partial``: the cadre's post began or ended in 2024 (only
    in-office months)."""
    w = pl.w
    h = {"self": 0, "h1": 1, "h2": 2, "partial": 1}[variant]
    program = {"self": "危房改造", "h1": "低保", "h2": "临时救助", "partial": "低保"}[variant]
    for c, org, title in pl.cadres(level="village", whole_year=variant != "partial"):
        if variant == "partial":
            m = (w.post_person == c) & (w.post_org == org)
            s, e = w.post_start[m], w.post_end[m]
            if not (
                ((s > np.datetime64("2024-02-01")) & (s < np.datetime64("2024-11-01"))).any()
                or ((e > np.datetime64("2024-02-01")) & (e < np.datetime64("2024-11-01"))).any()
            ):
                continue
        if h == 0:
            cands = [c] if pl.ok(c, cadre_ok=True) and w.cnt3[c] == 1 else []
        else:
            cands = pl.relatives(c, [h], living_in("vil", org))
        for r in cands[:4]:
            keys = give(pl, r, program, None)
            if keys:
                pl.take(r)
                w.used_cadre.add(c)
                who = "本人" if h == 0 else f"其{h}跳亲属（{pl.path_text(c, r)}）{pl.name(r)}"
                extra = "（仅在任期间的发放计入）" if variant == "partial" else ""
                pl.plant(
                    CFB,
                    variant,
                    f"{title}{pl.name(c)}在任期间，{who}在本村领取{program}{len(keys)}笔，未见备案{extra}",
                    [c, r],
                    pay_keys=keys,
                    hops=h,
                )
                return True
    return False


def _heads(pl: Planner, village: str | None = None) -> list[int]:
    w = pl.w
    if village is None:
        return [p for p in pl.pristine(1940, 1995, limit=200) if w.is_head[p]]
    pool = np.flatnonzero(
        (w.vcode == village) & w.is_head & (w.cnt4 == 0) & w.alive & ~w.used & ~w.ambiguous & ~w.is_cadre
    )
    return pool[pl.rng.permutation(len(pool))].tolist()


def shared_account(pl: Planner, variant: str) -> bool:
    """shared_account: payments for other households' members paid into one household's account."""
    w = pl.w
    k = 2 if variant == "n2" else 3
    for h1 in _heads(pl)[:40]:
        if w.hh_account[w.hh[h1]] is None:
            continue
        acc = w.account(int(w.hh[h1]))
        others = [p for p in _heads(pl, str(w.vcode[h1])) if w.hh[p] != w.hh[h1]][: k + 3]
        got: list[int] = []
        keys: list[int] = []
        for x in others:
            prog = ("临时救助", "产业扶贫", "危房改造", "医疗救助")[len(got) % 4]
            ks = give(pl, x, prog, None, account=acc)
            if ks:
                got.append(x)
                keys += ks
                pl.take(x)
            if len(got) == k - 1:
                break
        if len(got) == k - 1:
            pl.take(h1)
            pl.plant(
                "shared_account",
                variant,
                f"{pl.name(h1)}户的银行账户收取了另外{k - 1}户（{'、'.join(pl.name(x) for x in got)}）的补贴",
                [h1] + got,
                pay_keys=keys,
            )
            return True
    return False


def _dead(pl: Planner, lo: str, hi: str) -> list[int]:
    w = pl.w
    m = (
        (w.status == "死亡")
        & ~np.isnat(w.death)
        & (w.death >= np.datetime64(lo))
        & (w.death <= np.datetime64(hi))
        & ~w.used
        & ~w.ambiguous
        & ~w.is_cadre
        & (w.cnt4 == 0)
        & ~pl.paid
    )
    c = np.flatnonzero(m)
    return c[pl.rng.permutation(len(c))].tolist()


def deceased(pl: Planner, variant: str) -> bool:
    """deceased_recipient: 低保 still paid after death (one case, the post-death payments), or a one-off after
    death."""
    w = pl.w
    rel = w.relation
    for p in _dead(pl, "2023-01-01", "2024-09-30")[:30]:
        if variant == "series":
            dates = series(pl, p)
            program = "低保"
        else:
            program = "耕地地力保护补贴" if rel[p] == "户主" else "医疗救助"
            lo = max(w.death[p] + 15 * D, np.datetime64("2024-02-01"))
            dates = [pl.random_day(lo, np.datetime64("2024-12-15"))]
        if dates[-1] <= w.death[p]:
            continue
        approver = None
        keys = give(pl, p, program, approver, dates)
        if keys:
            pl.take(p)
            after = sum(d > w.death[p] for d in dates)
            pl.plant(
                "deceased_recipient",
                variant,
                f"{pl.name(p)}已于{str(w.death[p])}死亡，其后仍发放{program}{after}笔",
                [p],
                pay_keys=keys,
            )
            return True
    return False


def duplicate(pl: Planner, variant: str) -> bool:
    """duplicate_payment: a month of a series paid twice, 临时救助 twice in a month, or 耕地 paid twice."""
    w = pl.w
    if variant == "relief_twice":
        for p in pl.pristine(1950, 2000, unpaid=True)[:30]:
            m = int(pl.rng.integers(1, 12))
            d1 = pl.day(p, m, -5)
            dates = [d1, d1 + int(pl.rng.integers(3, 12))]
            keys = give(pl, p, "临时救助", None, dates)
            if keys:
                pl.take(p)
                pl.plant(
                    "duplicate_payment", variant, f"{pl.name(p)}同月两次领取临时救助", [p], pay_keys=keys
                )
                return True
        return False
    prog = "低保" if variant == "series_dup" else "耕地地力保护补贴"
    pay = pl.bg_pay
    cand = pay[
        (pay["program"] == prog)
        & ~w.used[pay["recipient"].to_numpy()]
        & (w.cnt4[pay["recipient"].to_numpy()] == 0)
    ]
    if not len(cand):
        return False
    row = cand.iloc[int(pl.rng.integers(len(cand)))]
    p = int(row["recipient"])
    d = np.datetime64(row["date"], "D")
    d2 = d + int(pl.rng.integers(5, 10)) if int(str(d)[8:10]) < 20 else d
    keys = w.add_payments(prog, [p], row["amount"], d2, int(row["approver"]), row["account"], "补发")
    pl.take(p)
    pl.plant(
        "duplicate_payment",
        variant,
        f"{pl.name(p)}的{prog}在{str(d)[:7]}重复发放",
        [p],
        pay_keys=keys + [int(row["key"])],
    )
    return True


# ---- near-misses -------------------------------------------------------------------------------------------
def nm_kas_4hop(pl: Planner) -> bool:
    """An approver pays someone exactly 4 hops away (beyond N = 3): a village approver in his village
    first."""
    for level, col in (("village", "vil"), ("township", "town")):
        titles = [ACCOUNTANT, CHAIR] if level == "village" else None
        for c, org, title in pl.cadres(level=level, titles=titles, approver=level == "township"):
            for r in pl.relatives(c, [4], living_in(col, org))[:3]:
                keys = give(pl, r, "临时救助", c)
                if keys:
                    pl.take(r)
                    pl.w.used_cadre.add(c)
                    pl.plant(
                        KAS,
                        "4hop",
                        f"{title}{pl.name(c)}审批4跳之外的远亲{pl.name(r)}的临时救助（超出3跳，不应报）",
                        [c, r],
                        pay_keys=keys,
                        hops=4,
                        near_miss=True,
                    )
                    return True
    return False


def nm_cfb_3hop(pl: Planner) -> bool:
    for c, org, title in pl.cadres(level="village"):
        for r in pl.relatives(c, [3], living_in("vil", org))[:3]:
            keys = give(pl, r, "临时救助", None)
            if keys:
                pl.take(r)
                pl.w.used_cadre.add(c)
                pl.plant(
                    CFB,
                    "3hop",
                    f"{title}{pl.name(c)}的3跳亲属{pl.name(r)}在本村领取临时救助（超出2跳，不应报）",
                    [c, r],
                    pay_keys=keys,
                    hops=3,
                    near_miss=True,
                )
                return True
    return False


def nm_cfb_other_village(pl: Planner) -> bool:
    for c, org, title in pl.cadres(level="village"):
        for r in pl.relatives(c, [1, 2], elsewhere_in_township(org))[:3]:
            keys = give(pl, r, "临时救助", None)
            if keys:
                pl.take(r)
                pl.w.used_cadre.add(c)
                h = int(pl.w.dist(c, r))
                pl.plant(
                    CFB,
                    "other_village",
                    f"{pl.w.village[org].name}{title}{pl.name(c)}的亲属{pl.name(r)}在另一村领取临时救助（非其任职村，不应报）",
                    [c, r],
                    pay_keys=keys,
                    hops=h,
                    near_miss=True,
                )
                return True
    return False


def nm_cfb_out_of_office(pl: Planner) -> bool:
    """A relative paid in the village after the cadre left the post (or before the cadre took it)."""
    w = pl.w
    p = pl.posts[pl.posts["level"] == "village"]
    ended = p[~p["end"].isna() & (p["end"] < np.datetime64("2024-10-15"))]
    for _, row in ended.sample(frac=1, random_state=int(pl.rng.integers(1 << 30))).iterrows():
        c, org = int(row["person"]), str(row["org_code"])
        if c in w.used_cadre:
            continue
        lo = max(np.datetime64(row["end"], "D") + 20, np.datetime64("2024-01-15"))
        day = pl.random_day(lo, np.datetime64("2024-12-15"))
        if w.holds_all(c, org, [day]):
            continue
        for r in pl.relatives(c, [1, 2], living_in("vil", org))[:3]:
            keys = give(pl, r, "临时救助", None, [day])
            if keys:
                pl.take(r)
                w.used_cadre.add(c)
                pl.plant(
                    CFB,
                    "out_of_office",
                    f"{row['title']}{pl.name(c)}已于{str(row['end'])[:10]}离任，其后亲属{pl.name(r)}领取临时救助（不在任，不应报）",
                    [c, r],
                    pay_keys=keys,
                    hops=int(w.dist(c, r)),
                    near_miss=True,
                )
                return True
    return False


def nm_shared_household(pl: Planner) -> bool:
    """Two members of one household paid into the household's one account."""
    w = pl.w
    for h1 in _heads(pl)[:40]:
        hh = int(w.hh[h1])
        mates = [int(m) for m in w.members(hh) if m != h1 and pl.ok(int(m)) and w.cnt4[m] == 0]
        for m in mates[:2]:
            k1 = give(pl, h1, "产业扶贫", None)
            if not k1:
                break
            k2 = give(pl, m, "医疗救助", None)
            if k2:
                pl.take(h1, m)
                pl.plant(
                    "shared_account",
                    "same_household",
                    f"{pl.name(h1)}与同户{pl.name(m)}的补贴进入同一户账户（同户共用，不应报）",
                    [h1, m],
                    pay_keys=k1 + k2,
                    near_miss=True,
                )
                return True
            return False
    return False


def nm_deceased_before(pl: Planner) -> bool:
    """低保 paid until just before death, then stopped."""
    w = pl.w
    for p in _dead(pl, "2024-03-01", "2024-11-30")[:30]:
        months = [m for m in range(1, 13) if pl.day(p, m) < w.death[p]]
        if len(months) < 2:
            continue
        keys = give(pl, p, "低保", None, [pl.day(p, m) for m in months])
        if keys:
            pl.take(p)
            pl.plant(
                "deceased_recipient",
                "stopped_before_death",
                f"{pl.name(p)}于{str(w.death[p])}死亡，低保发放至死亡前停止（不应报）",
                [p],
                pay_keys=keys,
                near_miss=True,
            )
            return True
    return False


def nm_dup_adjacent(pl: Planner) -> bool:
    for p in pl.pristine(1950, 2000, unpaid=True)[:30]:
        m = int(pl.rng.integers(1, 12))
        d1 = (np.datetime64("2024-01", "M") + m).astype("datetime64[D]") - int(pl.rng.integers(1, 4))
        d2 = (np.datetime64("2024-01", "M") + m).astype("datetime64[D]") + int(pl.rng.integers(1, 4))
        keys = give(pl, p, "临时救助", None, [d1, d2])
        if keys:
            pl.take(p)
            pl.plant(
                "duplicate_payment",
                "adjacent_months",
                f"{pl.name(p)}在相邻两个月（月末、月初）各领一次临时救助（不同月，不应报）",
                [p],
                pay_keys=keys,
                near_miss=True,
            )
            return True
    return False


def nm_dup_programs(pl: Planner) -> bool:
    for p in pl.pristine(1950, 2000, unpaid=True)[:30]:
        d = pl.day(p, int(pl.rng.integers(1, 13)))
        k1 = give(pl, p, "临时救助", None, [d])
        k2 = give(pl, p, "医疗救助", None, [d + 3]) if k1 else None
        if k1 and k2:
            pl.take(p)
            pl.plant(
                "duplicate_payment",
                "different_programs",
                f"{pl.name(p)}同月领取临时救助和医疗救助（不同项目，不应报）",
                [p],
                pay_keys=k1 + k2,
                near_miss=True,
            )
            return True
    return False
