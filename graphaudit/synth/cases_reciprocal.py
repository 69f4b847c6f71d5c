"""Planted reciprocal approvals (A pays B's relatives, B pays A's) and the approval rings built from them,
with their near-misses (one-way approvals; the return favour beyond 2 hops).

Pairs come in three kinds: two township approvers; approvers of two villages whose relatives live in each
other's village; a village approver and a township approver. Relatives have no other cadre within 2 hops and
are more than 3 hops from whoever pays them, so no other check fires on these payments.
"""

from __future__ import annotations

import pandas as pd

from graphaudit.synth.casekit import Planner
from graphaudit.synth.cases_money import amount_for, give, one_off
from graphaudit.synth.officials import ACCOUNTANT, CHAIR

__all__ = ["reciprocal", "money_ring", "pairs", "nm_ra_one_way", "nm_ra_3hop"]

RA = "reciprocal_approval"


def _pairs_cw(pl: Planner, k: int) -> list[list[tuple[int, str, str]]]:
    """Groups of k unused township approvers of one township (every combination, shuffled)."""
    from itertools import combinations

    by_town: dict[str, list[tuple[int, str, str]]] = {}
    for c in pl.cadres(level="township", approver=True):
        if c[0] not in pl.w.used_cadre and all(c[0] != x[0] for x in by_town.get(c[1], [])):
            by_town.setdefault(c[1], []).append(c)
    out = [list(g) for _t, v in sorted(by_town.items()) for g in combinations(v, k)]
    return [out[i] for i in pl.rng.permutation(len(out))]


Pair = tuple[
    int, str, str, str, int, str, str, str
]  # a, title_a, col, where A's kin live; b, title_b, col, where


def pairs(pl: Planner, kind: str, both: bool = True) -> list[Pair]:
    """Approver pairs (A, B) where B has relatives A can pay (and, with ``both``, the other way round).

    ``cw``: two township approvers, relatives anywhere in the township. ``village``: approvers of villages X
    and Y of one township; B's relatives living in X (A's village), A's relatives in Y. ``mixed``: a village
    approver A of X and a township approver B; B's relatives in X, A's relatives elsewhere in the township."""
    w = pl.w
    if kind == "cw":
        out = []
        for grp in _pairs_cw(pl, 2):
            (a, town, ta), (b, _t, tb) = grp[0], grp[1]
            out.append((a, ta, "town", town, b, tb, "town", town))
        return out
    apr = pd.DataFrame(
        pl.cadres(level="village", titles=[ACCOUNTANT, CHAIR]), columns=["cadre", "org", "title"]
    )
    apr = apr[~apr["cadre"].isin(list(w.used_cadre))].drop_duplicates("cadre")
    nf = pl.nf
    cross = nf[(nf["dist"] <= 2) & (nf["cnt2"] == 1) & ~w.used[nf["node"].to_numpy()]]
    side = cross.merge(apr, on="cadre")
    side = side[(side["vil"] != side["org"]) & (side["town"] == side["org"].str[:9])]
    side = side[["cadre", "org", "title", "vil"]]
    side = side.drop_duplicates(["cadre", "vil"])
    if kind == "mixed":
        tw = pd.DataFrame(pl.cadres(level="township", approver=True), columns=["cadre", "org", "title"])
        tw = tw.drop_duplicates("cadre")
        tside = cross.merge(tw, on="cadre")
        tside = tside[tside["town"] == tside["org"]][["cadre", "title", "vil"]].drop_duplicates(
            ["cadre", "vil"]
        )
        j = tside.rename(columns={"cadre": "b", "title": "tb", "vil": "x"}).merge(
            apr.rename(columns={"cadre": "a", "org": "x", "title": "ta"}), on="x"
        )
        j = j[j["x"].str[:9].isin(tw["org"])]
        if both:
            j = j[j["a"].isin(side["cadre"])]
        j = j[j["a"] != j["b"]].drop_duplicates(["a", "b"]).sort_values(["a", "b"])
        order = pl.rng.permutation(len(j))
        return [
            (int(r.a), str(r.ta), "townnot", f"{r.x[:9]}!{r.x}", int(r.b), str(r.tb), "vil", str(r.x))
            for r in j.iloc[order].itertuples(index=False)
        ]
    # B (org Y) has kin in X; A is an approver of X
    j = side.rename(columns={"cadre": "b", "org": "y", "title": "tb", "vil": "x"}).merge(
        apr.rename(columns={"cadre": "a", "org": "x", "title": "ta"}), on="x"
    )
    if both:
        j = j.merge(
            side.rename(columns={"cadre": "a", "org": "x2", "title": "t2", "vil": "y"}), on=["a", "y"]
        )
        j = j[j["x2"] == j["x"]]
    j = j[j["a"] != j["b"]].drop_duplicates(["a", "b"]).sort_values(["a", "b"])
    order = pl.rng.permutation(len(j))
    return [
        (int(r.a), str(r.ta), "vil", str(r.y), int(r.b), str(r.tb), "vil", str(r.x))
        for r in j.iloc[order].itertuples(index=False)
    ]


def _rel_in(
    pl: Planner,
    b: int,
    where: str,
    col: str,
    used: set[int],
    dists: tuple[int, ...] = (1, 2),
    payer: int = -1,
) -> int | None:
    """A relative of ``b`` living where ``col == where`` (``townnot``: in township T but not village X,
    written ``T!X``): no other cadre within 2 hops, ``payer`` beyond 3."""
    if col == "townnot":
        t, x = where.split("!")
        pred = lambda s: ((s["town"] == t) & (s["vil"] != x)).to_numpy()  # noqa: E731
    else:
        pred = lambda s: (s[col] == where).to_numpy()  # noqa: E731
    for r in pl.relatives(b, list(dists), pred, loose=max(dists) <= 2):
        if r not in used and (payer < 0 or int(pl.w.dist(payer, r)) > 3):
            return r
    return None


def reciprocal(pl: Planner, variant: str, per_side: int = 1, ring: str = "") -> bool:
    """reciprocal_approval: A approves for B's relatives and B for A's (two township approvers, or approvers
    of two villages paying each other's relatives in their own villages). ``per_side`` > 1 makes a ring."""
    w = pl.w
    for a, ta, col_a, where_a, b, tb, col_b, where_b in pairs(pl, variant)[:30]:
        if a in w.used_cadre or b in w.used_cadre:
            continue
        got = _swap(pl, a, b, col_a, where_a, col_b, where_b, per_side)
        if got:
            keys, rel = got
            _plant_ra(pl, [(a, ta), (b, tb)], rel, keys, variant, ring)
            return True
    return False


def _swap(
    pl: Planner, a: int, b: int, col_a: str, where_a: str, col_b: str, where_b: str, per_side: int
) -> tuple[list[int], list[int]] | None:
    """A's relatives (in where_a) paid on B's approval and B's relatives (in where_b) on A's; all or
    nothing."""
    used: set[int] = set()
    ra, rb = [], []
    for _ in range(per_side):
        x = _rel_in(pl, a, where_a, col_a, used, payer=b)
        if x is None:
            return None
        used.add(x)
        ra.append(x)
        y = _rel_in(pl, b, where_b, col_b, used, payer=a)
        if y is None:
            return None
        used.add(y)
        rb.append(y)
    progs = ("临时救助", "医疗救助", "产业扶贫", "危房改造")
    plan = [(x, b, progs[i % 4], one_off(pl, x, "")) for i, x in enumerate(ra)]
    plan += [(y, a, progs[(i + 2) % 4], one_off(pl, y, "")) for i, y in enumerate(rb)]
    for r, approver, prog, dates in plan:
        if not pl.free(r, prog, dates) or not (
            pl.w.holds_all(approver, str(pl.w.vcode[r]), dates)
            or pl.w.holds_all(approver, str(pl.w.tcode[r]), dates)
        ):
            return None
    keys: list[int] = []
    for r, approver, prog, dates in plan:
        keys += pl.pay(prog, r, amount_for(pl, prog), dates, approver, reciprocal=True)
    pl.take(*ra, *rb)
    pl.w.used_cadre.update([a, b])
    return keys, ra + rb


def _plant_ra(
    pl: Planner, cad: list[tuple[int, str]], rel: list[int], keys: list[int], variant: str, ring: str
) -> None:
    (a, ta), (b, tb) = cad
    note = (
        f"{ta}{pl.name(a)}与{tb}{pl.name(b)}互相审批对方亲属（{'、'.join(pl.name(r) for r in rel)}）的补贴"
        + (f"（{ring}）" if ring else "")
    )
    pl.plant(RA, variant, note, [a, b] + rel, pay_keys=keys, hops=2)


def money_ring(pl: Planner, variant: str) -> bool:
    """collusive_cluster: two approvers paying two relatives of each other (ring2), or three township
    approvers all paying each other's relatives (ring3). The pairs are reciprocal_approval cases too."""
    before = len(pl.w.plants)
    if variant in ("ring2_cw", "ring2_village"):
        ok = reciprocal(pl, variant.split("_")[1], per_side=2, ring="互惠审批团伙")
    else:
        ok = False
        for grp in _pairs_cw(pl, 3):
            trio = grp[:3]
            snapshot = (
                pl.w.used.copy(),
                set(pl.w.used_cadre),
                list(pl.w.pay_frames),
                len(pl.w.plants),
                set(pl.slots),
                pl.paid.copy(),
                pl.w._key,
                set(pl.favours),
            )
            done = True
            for i in range(3):
                for j in range(i + 1, 3):
                    a, town, ta = trio[i]
                    b, _t, tb = trio[j]
                    pl.w.used_cadre.discard(a)
                    pl.w.used_cadre.discard(b)
                    got = _swap(pl, a, b, "town", town, "town", town, 1)
                    if not got:
                        done = False
                        break
                    _plant_ra(pl, [(a, ta), (b, tb)], got[1], got[0], "ring3", "三人互惠审批团伙")
                if not done:
                    break
            if done:
                ok = True
                break
            pl.w.used, pl.w.used_cadre, pl.w.pay_frames = snapshot[0], snapshot[1], snapshot[2]
            del pl.w.plants[snapshot[3] :]
            pl.slots, pl.paid, pl.w._key, pl.favours = snapshot[4], snapshot[5], snapshot[6], snapshot[7]
    if not ok:
        return False
    subs = pl.w.plants[before:]
    persons = list(dict.fromkeys(p for s in subs for p in s.persons))
    keys = sorted({k for s in subs for k in s.pay_keys})
    n_cad = 3 if variant == "ring3" else 2
    pl.plant(
        "collusive_cluster",
        variant,
        f"{n_cad}名审批人互相为对方亲属审批补贴，形成互惠团伙，共{len(keys)}笔",
        persons,
        pay_keys=keys,
    )
    return True


# ---- near-misses -------------------------------------------------------------------------------------------
def nm_ra_one_way(pl: Planner) -> bool:
    """A approves a payment to B's relative; B approves nothing for A's relatives."""
    for kind in ("village", "mixed", "cw"):
        for a, ta, _ca, _wa, b, tb, col_b, where_b in pairs(pl, kind, both=False)[:20]:
            if (
                a in pl.w.used_cadre
                or b in pl.w.used_cadre
                or (kind == "village" and a in pl.reserved and b in pl.reserved)
            ):
                continue
            r = _rel_in(pl, b, where_b, col_b, set(), payer=a)
            if r is None:
                continue
            dates = one_off(pl, r, "")
            if not pl.w.holds_all(a, str(pl.w.vcode[r]), dates) and not pl.w.holds_all(
                a, str(pl.w.tcode[r]), dates
            ):
                continue
            keys = give(pl, r, "临时救助", a, dates)
            if keys:
                pl.take(r)
                pl.w.used_cadre.update([a, b])
                pl.plant(
                    RA,
                    "one_way",
                    f"{ta}{pl.name(a)}审批了{tb}{pl.name(b)}亲属{pl.name(r)}的补贴，但无反向审批（单向，不应报）",
                    [a, b, r],
                    pay_keys=keys,
                    hops=int(pl.w.dist(b, r)),
                    near_miss=True,
                )
                return True
    return False


def nm_ra_3hop(pl: Planner) -> bool:
    """B's relative paid on A's approval, A's 3-hop relative on B's: not reciprocal at 2 hops."""
    for kind in ("village", "mixed", "cw"):
        for a, ta, col_a, where_a, b, tb, col_b, where_b in pairs(pl, kind, both=False)[:20]:
            if (
                a in pl.w.used_cadre
                or b in pl.w.used_cadre
                or (kind == "village" and a in pl.reserved and b in pl.reserved)
            ):
                continue
            rb = _rel_in(pl, b, where_b, col_b, set(), payer=a)
            ra = _rel_in(pl, a, where_a, col_a, {rb} if rb is not None else set(), dists=(3,), payer=b)
            if rb is None or ra is None:
                continue
            d1, d2 = one_off(pl, rb, ""), one_off(pl, ra, "")
            ok = (
                pl.w.holds_all(a, str(pl.w.vcode[rb]), d1) or pl.w.holds_all(a, str(pl.w.tcode[rb]), d1)
            ) and (pl.w.holds_all(b, str(pl.w.vcode[ra]), d2) or pl.w.holds_all(b, str(pl.w.tcode[ra]), d2))
            if not ok or not pl.free(rb, "临时救助", d1) or not pl.free(ra, "医疗救助", d2):
                continue
            k1 = give(pl, rb, "临时救助", a, d1)
            k2 = give(pl, ra, "医疗救助", b, d2)
            if k1 and k2:
                pl.take(ra, rb)
                pl.w.used_cadre.update([a, b])
                pl.plant(
                    RA,
                    "3hop",
                    f"{ta}{pl.name(a)}审批{tb}{pl.name(b)}亲属的补贴，{pl.name(b)}审批的是{pl.name(a)}的3跳远亲（超出2跳，不应报）",
                    [a, b, rb, ra],
                    pay_keys=k1 + k2,
                    hops=3,
                    near_miss=True,
                )
                return True
    return False
