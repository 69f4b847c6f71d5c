"""Planted 备案 cases (村干部近亲属享受低保备案): 低保 to cadres' relatives declared only after the payments
(undeclared_kin_benefit), declared in time (a near-miss: context, not a finding), and a declared relative's
other relief (cadre_family_beneficiary, the 备案 named as context).  Relatives are spread over villages and
kept out of the ring villages, so no village turns into a cluster of planted kin.
"""

from __future__ import annotations

from graphaudit.policy import default_policy
from graphaudit.synth.casekit import Planner, living_in
from graphaudit.synth.cases_money import give
from graphaudit.synth.cases_registers import CFB, UKB, _d, _dibao, _ring_villages
from graphaudit.synth.world import World

__all__ = ["undeclared", "nm_declared_before", "cfb_declared", "relabel_declared"]


def _kin_load(pl: Planner) -> dict[str, int]:
    """Per village, how many cases pay a cadre's relative there (spread so no village becomes a cluster)."""
    w = pl.w
    kin = (CFB, UKB, "kin_approved_subsidy")
    out: dict[str, int] = {}
    for x in w.plants:
        if x.check in kin and x.persons:
            v = str(w.vcode[x.persons[-1]])
            out[v] = out.get(v, 0) + 1
    return out


# ---- 备案: undeclared_kin_benefit and the declared relative as context ------------------------------------
def _relative(pl: Planner, hops: int, loose: bool = False) -> list[tuple[int, str, str, int]]:
    """(cadre, village, title, relative at ``hops``) candidates; ``loose``: other cadres may be 3 hops away
    (beyond what cadre_family_beneficiary, undeclared_kin_benefit and reciprocal_approval look at)."""
    away, load = _ring_villages(pl), _kin_load(pl)
    out = []
    for c, org, title in pl.cadres(level="village")[:40]:
        if org in away:
            continue
        for r in pl.relatives(c, [hops], living_in("vil", org), loose=loose)[:2]:
            out.append((c, org, title, r))
    return sorted(out, key=lambda x: load.get(x[1], 0))  # stable: the least loaded villages first


def undeclared(pl: Planner, variant: str) -> bool:
    """低保 to a village cadre's relative (1 or 2 hops) with the 备案 made only after some payments
    (``late``: mid-year; ``after_all``: after the last one)."""
    w = pl.w
    rng = pl.rng
    for c, _org, title, r in _relative(pl, 1 if variant == "late" else 2):
        keys = _dibao(pl, r)
        if not keys:
            continue
        m = int(rng.integers(4, 10)) if variant == "late" else 12
        day = pl.day(r, m, 5)
        w.declarations.append({"cadre": c, "relative": r, "program": "低保", "date": day})
        pl.take(r)
        w.used_cadre.add(c)
        early = [k for k, mo in zip(keys, range(1, 13)) if pl.day(r, mo) < day]
        pl.plant(
            UKB,
            variant,
            f"{title}{pl.name(c)}的亲属（{pl.path_text(c, r)}）{pl.name(r)}领取低保，{str(day)}才备案，"
            f"此前{len(early)}笔未备案",
            [c, r],
            pay_keys=early,
            hops=int(w.dist(c, r)),
        )
        return True
    return False


def nm_declared_before(pl: Planner) -> bool:
    """低保 to a cadre's relative declared (备案) before the first payment: context, not a finding."""
    w = pl.w
    for c, _org, title, r in _relative(pl, 1):
        keys = _dibao(pl, r)
        if not keys:
            continue
        day = _d("2023-01-01") + int(pl.rng.integers(0, 330))
        w.declarations.append({"cadre": c, "relative": r, "program": "低保", "date": day})
        pl.take(r)
        w.used_cadre.add(c)
        pl.plant(
            UKB,
            "declared_before",
            f"{title}{pl.name(c)}的亲属{pl.name(r)}领取低保，已于{str(day)}备案（不应报）",
            [c, r],
            pay_keys=keys,
            hops=1,
            near_miss=True,
        )
        return True
    return False


def _spare_relatives(pl: Planner) -> list[tuple[int, str, str, int]]:
    """When every village cadre has a case already (a one-village dataset): cadres outside the ring and
    reciprocal cases, with a relative 1 hop away whom no other cadre is near."""
    w = pl.w
    ring = {p for x in w.plants if x.check in ("collusive_cluster", "reciprocal_approval") for p in x.persons}
    posts = pl.posts[(pl.posts["level"] == "village") & pl.whole_year]
    out = []
    for c, org, title in zip(posts["person"], posts["org_code"], posts["title"]):
        if int(c) in ring or int(c) in pl.reserved or not w.alive[int(c)]:
            continue
        for r in pl.relatives(int(c), [1], living_in("vil", str(org)))[:2]:
            out.append((int(c), str(org), str(title), r))
    return out


def cfb_declared(pl: Planner) -> bool:
    """A relative whose 低保 is declared (备案, not a finding) also gets 临时救助 (no 备案 exists for it):
    cadre_family_beneficiary lists the 临时救助 and names the 备案 as context."""
    w = pl.w
    for c, _org, title, r in _relative(pl, 1) + _relative(pl, 2) + _relative(
        pl, 1, loose=True
    ) or _spare_relatives(pl):
        k1 = _dibao(pl, r)
        k2 = give(pl, r, "临时救助", None) if k1 else None
        if not k1 or not k2:
            continue
        day = _d("2023-02-01") + int(pl.rng.integers(0, 300))
        w.declarations.append({"cadre": c, "relative": r, "program": "低保", "date": day})
        pl.take(r)
        w.used_cadre.add(c)
        note = f"{title}{pl.name(c)}的亲属{pl.name(r)}低保已于{str(day)}备案"
        h = int(w.dist(c, r))
        pl.plant(CFB, "declared_relief", note + "，另在本村领取临时救助", [c, r], pay_keys=k2, hops=h)
        pl.plant(UKB, "declared_before", note + "（低保不应报）", [c, r], pay_keys=k1, hops=h, near_miss=True)
        return True
    return False


def relabel_declared(w: World) -> None:
    """Planted cadre_family_beneficiary cases paid under a programme that needs 备案 (低保) are, once the
    declarations register holds any 备案, undeclared_kin_benefit's (no 备案 was planted for them)."""
    if not w.declarations:
        return
    needs = set(default_policy().declared_programs)
    pay = w.payments()
    prog = dict(zip(pay["key"].tolist(), pay["program"].tolist()))
    for p in w.plants:
        if p.check == CFB and p.pay_keys and all(prog.get(k) in needs for k in p.pay_keys):
            p.check = UKB
