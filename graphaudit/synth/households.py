"""Household formation: how one lineage's members are registered in households, and kin across households.

For each lineage (a senior couple, their children and grandchildren) the seniors either head a household
(alone, with unmarried children, with one married son and his wife 儿媳 and children 孙子/孙女, or with a
daughter and her in-married husband 女婿), or live in a married son's household as 父亲/母亲 with his
unmarried siblings (兄弟姐妹), or live apart in two sons' households. Other married sons head their own
households and are linked to their parents in relations.csv, as are daughters who married into other lineages.
A few households with a married son, his 儿媳 and an unmarried brother (or two married sons) are left
ambiguous on purpose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Formed", "form_households", "MS", "US", "UD", "UX", "MO", "GONE"]

# child categories: married son, unmarried son, unmarried daughter at home, daughter with an in-married
# husband, daughter married into another lineage of the township, daughter married away (not registered here)
MS, US, UD, UX, MO, GONE = 0, 1, 2, 3, 4, 5


@dataclass
class Formed:
    """Who lives in which household under which relation, and the relations.csv rows (person registry
    indices)."""

    hh_of: np.ndarray
    rel_of: np.ndarray
    hh_lu: list[int]
    hh_amb: list[bool]
    phone_src: list[int]
    rel_a: list[int]
    rel_b: list[int]
    rel_r: list[str]


def form_households(
    rng: np.random.Generator,
    n_lu: int,
    n_reg: int,
    base_c: int,
    c_lu: np.ndarray,
    cat: np.ndarray,
    by: np.ndarray,
    fem: np.ndarray,
    spouse_of: np.ndarray,
    g_first: np.ndarray,
    g_count: np.ndarray,
    pres: np.ndarray,
) -> Formed:
    """Registry person ``i``: seniors F = lu, M = n_lu + lu; child ``k`` = base_c + k (``cat`` per child)."""
    hh_of = np.full(n_reg, -1)
    rel_of = np.empty(n_reg, dtype=object)
    hh_lu: list[int] = []
    hh_amb: list[bool] = []
    phone_src: list[int] = []
    rel_a: list[int] = []
    rel_b: list[int] = []
    rel_r: list[str] = []
    kid_order = np.argsort(c_lu, kind="stable")
    kid_starts = np.searchsorted(c_lu[kid_order], np.arange(n_lu + 1))
    cat_l, by_l, fem_l = cat.tolist(), by.tolist(), fem.tolist()
    spouse_l, gf_l, gc_l = spouse_of.tolist(), g_first.tolist(), g_count.tolist()
    pres_l = pres.tolist()
    rnd = rng.random((n_lu, 12)).tolist()

    def new_hh(lu: int, amb: bool = False, share: int = -1) -> int:
        hh_lu.append(lu)
        hh_amb.append(amb)
        phone_src.append(share)
        return len(hh_lu) - 1

    def put(p: int, h: int, r: str) -> None:
        hh_of[p] = h
        rel_of[p] = r

    def kids_labels(ps: list[int], numbered: bool) -> list[str]:
        out = []
        for female, one, two, plain in ((False, "长子", "次子", "子"), (True, "长女", "次女", "女")):
            mine = [p for p in ps if fem_l[p] == female]
            use_num = numbered and len(mine) <= 2
            for i, p in enumerate(mine):
                out.append((p, (one if i == 0 else two) if use_num else plain))
        lab = dict(out)
        return [lab[p] for p in ps]

    def put_kids(ps: list[int], h: int, numbered: bool) -> None:
        for p, lab in zip(ps, kids_labels(ps, numbered)):
            put(p, h, lab)

    def grandkids(c: int) -> list[int]:
        return list(range(gf_l[c - base_c], gf_l[c - base_c] + gc_l[c - base_c]))

    def sib_label(p: int, head: int) -> str:
        older = by_l[p] < by_l[head] or (by_l[p] == by_l[head] and p < head)
        return ("姐" if older else "妹") if fem_l[p] else ("兄" if older else "弟")

    def relate(a: int, b: int, relation: str) -> None:
        rel_a.append(a)
        rel_b.append(b)
        rel_r.append(relation)

    def link(child: int, parent: int, r: float) -> None:
        if r < 0.5:
            relate(child, parent, "子女")
        else:
            relate(parent, child, "父母")

    def own_household(lu: int, s: int, numbered: bool, siblings: Sequence[int] = (), share: int = -1) -> int:
        h = new_hh(lu, share=share)
        put(s, h, "户主")
        if spouse_l[s - base_c] >= 0:
            put(spouse_l[s - base_c], h, "配偶")
        put_kids(grandkids(s), h, numbered)
        for q in siblings:
            put(q, h, sib_label(q, s))
        return h

    for lu in range(n_lu):
        r = rnd[lu]
        F, M = lu, n_lu + lu
        pf, pm = pres_l[F], pres_l[M]
        ks = (kid_order[kid_starts[lu] : kid_starts[lu + 1]] + base_c).tolist()
        ms = [k for k in ks if cat_l[k - base_c] == MS]
        us = [k for k in ks if cat_l[k - base_c] == US]
        ud = [k for k in ks if cat_l[k - base_c] == UD]
        ux = [k for k in ks if cat_l[k - base_c] == UX]
        mo = [k for k in ks if cat_l[k - base_c] == MO]
        numbered = r[0] < 0.5
        unmarried = sorted(us + ud, key=lambda p: by_l[p])
        linked_sons: list[int] = []
        if not (pf or pm):
            if ms:
                eldest = ms[0]
                own_household(lu, eldest, numbered, unmarried)
                for s in ms[1:]:
                    own_household(lu, s, r[1] < 0.5)
                    if r[2] < 0.6:
                        relate(s, eldest, "兄弟姐妹")
                brothers = ms
            elif unmarried:
                h = new_hh(lu)
                put(unmarried[0], h, "户主")
                for q in unmarried[1:]:
                    put(q, h, sib_label(q, unmarried[0]))
                brothers = [p for p in unmarried if not fem_l[p]]
            else:
                brothers = []
            for d in mo:
                if brothers and r[3] < 0.4:
                    relate(d, brothers[0], "兄弟姐妹")
            continue
        head, spouse = (F, M if pm else -1) if pf else (M, -1)
        mode = "own"
        if ux:
            mode = "ux"
        elif ms:
            if r[4] < 0.28:
                mode = "A"
            elif r[4] < 0.62:
                mode = "B"
            elif r[4] < 0.68 and pf and pm and len(ms) >= 2:
                mode = "apart"
        if mode == "A" and us and r[5] > 0.3:
            mode = "B"
        if mode == "ux":
            h = new_hh(lu)
            put(head, h, "户主")
            if spouse >= 0:
                put(spouse, h, "配偶")
            d = ux[0]
            put(d, h, "女")
            put(spouse_l[d - base_c], h, "女婿")
            for g in grandkids(d):
                put(g, h, "孙女" if fem_l[g] else "孙子")
        elif mode == "A":
            s = ms[-1]
            amb = bool(us) or (len(ms) >= 2 and r[6] < 0.12)
            co = [s] + (ms[:-1] if amb and len(ms) >= 2 and r[6] < 0.12 else [])
            h = new_hh(lu, amb=amb)
            put(head, h, "户主")
            if spouse >= 0:
                put(spouse, h, "配偶")
            put_kids(sorted(co + us + ud, key=lambda p: by_l[p]), h, numbered and not amb)
            for c in co:
                put(spouse_l[c - base_c], h, "儿媳")
                for g in grandkids(c):
                    put(g, h, "孙女" if fem_l[g] else "孙子")
            for s2 in ms:
                if s2 not in co:
                    own_household(lu, s2, r[7] < 0.5)
                    linked_sons.append(s2)
        elif mode == "B":
            s = ms[int(r[8] * len(ms))]
            h = own_household(lu, s, numbered, [p for p in unmarried])
            if pf:
                put(F, h, "父亲")
            if pm:
                put(M, h, "母亲")
            for s2 in ms:
                if s2 != s:
                    own_household(lu, s2, r[7] < 0.5)
                    linked_sons.append(s2)
        elif mode == "apart":
            h0 = own_household(lu, ms[0], numbered, unmarried)
            put(F, h0, "父亲")
            h1 = own_household(lu, ms[1], r[7] < 0.5)
            put(M, h1, "母亲")
            relate(F, M, "配偶")
            if r[9] < 0.8:
                link(ms[1], F, r[10])
            for s2 in ms[2:]:
                own_household(lu, s2, r[7] < 0.5)
                linked_sons.append(s2)
        else:
            h = new_hh(lu)
            put(head, h, "户主")
            if spouse >= 0:
                put(spouse, h, "配偶")
            put_kids(unmarried, h, numbered)
            for i, s2 in enumerate(ms):
                own_household(lu, s2, r[7] < 0.5, share=h if (i == 0 and r[11] < 0.2) else -1)
                linked_sons.append(s2)
        parents = [p for p in (F, M) if pres_l[p]]
        for j, s2 in enumerate(linked_sons + mo):
            rr = (r[9] + 0.37 * j) % 1.0
            if rr < 0.85:
                link(s2, parents[0], (r[10] + 0.53 * j) % 1.0)
                if len(parents) == 2 and rr < 0.5:
                    link(s2, parents[1], (r[10] + 0.29 * j) % 1.0)

    return Formed(hh_of, rel_of, hh_lu, hh_amb, phone_src, rel_a, rel_b, rel_r)
