"""Synthetic rural population: villages with clans, lineages, households and cross-household kin.

The model works in lineage units (a senior couple, their children and grandchildren). Sons marry daughters of
other lineages in the same township (married-out daughters) or women from outside; daughters of son-less
lineages may bring in a husband (女婿). Households are then formed the way rural registers look: seniors
heading a household with a married son (儿媳, 孙子/孙女), seniors living in a son's household (父亲/母亲, the
head's siblings 兄弟姐妹), married sons heading their own households, parents living apart. Kin across
households goes to relations.csv. A few households are deliberately ambiguous (two sons and one 儿媳; two
married sons with grandchildren).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from graphaudit.synth import _codes
from graphaudit.synth.households import GONE, MO, MS, UD, US, UX, form_households
from graphaudit.synth.names import draw_surnames, given_names, village_names
from graphaudit.synth.places import County, Township, Village

__all__ = ["Population", "make_villages", "generate_population", "unique_mobiles", "REFERENCE_DATE"]

REFERENCE_DATE = np.datetime64("2024-12-31")
REL_ORDER = {
    r: i
    for i, r in enumerate(
        "户主 配偶 父亲 母亲 长子 次子 子 长女 次女 女 儿媳 女婿 孙子 孙女 兄 姐 弟 妹 其他".split()
    )
}


@dataclass
class Population:
    """One county's register. ``people`` is indexed 0..n-1 in file order (by household, then relation)."""

    villages: list[Village]
    people: pd.DataFrame  # pid name gender birth hh relation village status death lu
    households: pd.DataFrame  # household_id village_code address phone ambiguous (index = hh)
    relations: pd.DataFrame  # a b relation (person indices)


def make_villages(
    rng: np.random.Generator, townships: list[Township], per_township: int, taken: set[str]
) -> tuple[list[Village], list[list[str]]]:
    """Villages (township code + 2xx) and, for each, its leading clan surnames."""
    villages: list[Village] = []
    clans: list[list[str]] = []
    for t in townships:
        lead = []
        for _ in range(per_township):
            k = int(rng.integers(2, 5))
            cl: list[str] = []
            while len(cl) < k:
                s = str(draw_surnames(rng, 1)[0])
                if s not in cl:
                    cl.append(s)
            clans.append(cl)
            lead.append(cl[0])
        for i, name in enumerate(village_names(rng, lead, taken)):
            villages.append(Village(f"{t.code}{201 + i:03d}", name, t))
    return villages, clans


def _year_starts() -> np.ndarray:
    return np.array([f"{y}-01-01" for y in range(1900, 2026)], dtype="datetime64[D]")


def generate_population(
    rng: np.random.Generator,
    county: County,
    villages: list[Village],
    clans: list[list[str]],
    village_pop: int,
    county_index: int,
    other_areas: list[str],
) -> Population:
    """The register of one county: persons, households and cross-household relations."""
    nv = len(villages)
    pops = np.maximum(200, (village_pop * rng.uniform(0.6, 1.4, nv)).astype(int))
    n_lu_v = np.maximum(20, np.round(pops / 6.2).astype(int))
    lu_v = np.repeat(np.arange(nv), n_lu_v)
    n_lu = len(lu_v)
    # lineage surnames: clan-weighted
    lu_surname = np.empty(n_lu, dtype=object)
    national = draw_surnames(rng, n_lu)
    u = rng.random(n_lu)
    for vi in range(nv):
        m = lu_v == vi
        cl = clans[vi]
        shares = np.cumsum([0.38, 0.2, 0.12, 0.08][: len(cl)])
        choice = np.searchsorted(shares, u[m])
        pick = np.where(
            choice < len(cl), np.array(cl + [""], dtype=object)[np.minimum(choice, len(cl))], national[m]
        )
        lu_surname[m] = pick
    f_by = rng.integers(1936, 1972, n_lu)
    m_by = np.clip(f_by + np.round(rng.normal(2, 2, n_lu)).astype(int), f_by - 3, f_by + 8)

    # children
    n_kids = np.where(
        m_by < 1950,
        rng.integers(2, 6, n_lu),
        np.where(m_by < 1960, rng.integers(2, 5, n_lu), rng.integers(1, 4, n_lu)),
    )
    c_lu = np.repeat(np.arange(n_lu), n_kids)
    c_ord = np.arange(len(c_lu)) - np.repeat(np.cumsum(n_kids) - n_kids, n_kids)
    gaps = rng.integers(1, 5, len(c_lu))
    gaps[c_ord == 0] = rng.integers(20, 27, int((c_ord == 0).sum()))
    c_by = m_by[c_lu] + (
        np.cumsum(gaps)
        - np.repeat(np.cumsum(gaps)[np.cumsum(n_kids) - n_kids] - gaps[np.cumsum(n_kids) - n_kids], n_kids)
    )
    keep = (c_by <= 2008) & (c_by <= m_by[c_lu] + 42)
    c_lu, c_by = c_lu[keep], c_by[keep]
    nc = len(c_lu)
    c_fem = rng.random(nc) < 0.48
    age = 2024 - c_by
    cat = np.where(c_fem, UD, US)
    cat[~c_fem & (age >= 24) & (rng.random(nc) < 0.9)] = MS
    married_d = c_fem & (age >= 22) & (rng.random(nc) < 0.93)
    cat[married_d] = MO
    has_son = np.zeros(n_lu, dtype=bool)
    has_son[c_lu[~c_fem]] = True
    has_ud = np.zeros(n_lu, dtype=bool)
    has_ud[c_lu[cat == UD]] = True
    first_md = np.full(n_lu, -1)
    idx_md = np.flatnonzero(married_d)[::-1]
    first_md[c_lu[idx_md]] = idx_md  # eldest married daughter (last write wins → smallest index)
    ux_cand = first_md[(~has_son) & (~has_ud) & (first_md >= 0)]
    cat[ux_cand[rng.random(len(ux_cand)) < 0.45]] = UX

    # matching married sons with married-out daughters, per township
    c_town = np.array([villages[v].township.code for v in lu_v[c_lu]], dtype=object)
    wife_of = np.full(nc, -1)
    for t in np.unique(c_town):
        sons = np.flatnonzero((c_town == t) & (cat == MS))
        daus = np.flatnonzero((c_town == t) & (cat == MO))
        k = int(min(len(sons), len(daus)) * 0.85)
        if k == 0:
            continue
        s = rng.choice(sons, k, replace=False)
        d = rng.choice(daus, k, replace=False)
        s = s[np.argsort(c_by[s] - 2 + rng.random(k) * 1.5, kind="stable")]
        d = d[np.argsort(c_by[d] + rng.random(k) * 1.5, kind="stable")]
        for _ in range(5):
            clash = np.flatnonzero(c_lu[s] == c_lu[d])
            if not len(clash):
                break
            for i in clash:
                j = (i + 1) % k
                d[i], d[j] = d[j], d[i]
        ok = c_lu[s] != c_lu[d]
        wife_of[s[ok]] = d[ok]
    matched_d = np.zeros(nc, dtype=bool)
    matched_d[wife_of[wife_of >= 0]] = True
    cat[(cat == MO) & ~matched_d] = GONE

    # person registry: seniors F, M; children; external spouses; grandchildren
    base_c = 2 * n_lu
    ext_for = np.flatnonzero(((cat == MS) & (wife_of < 0)) | (cat == UX))
    base_e = base_c + nc
    n_ext = len(ext_for)
    spouse_of = np.full(nc, -1)
    spouse_of[cat == MS] = base_c + np.maximum(wife_of[cat == MS], 0)
    spouse_of[ext_for] = base_e + np.arange(n_ext)
    ext_fem = cat[ext_for] == MS
    ext_by = c_by[ext_for] + np.where(
        ext_fem, np.round(rng.normal(2, 2, n_ext)), np.round(rng.normal(-2, 2, n_ext))
    )
    couples = np.flatnonzero((cat == MS) | (cat == UX))
    wife_by = np.where(
        cat[couples] == MS,
        np.where(wife_of[couples] >= 0, c_by[np.maximum(wife_of[couples], 0)], 0),
        c_by[couples],
    )
    ext_pos = np.full(nc, -1)
    ext_pos[ext_for] = np.arange(n_ext)
    wb_ext = ext_by[np.maximum(ext_pos[couples], 0)]
    wife_by = np.where((cat[couples] == MS) & (wife_of[couples] < 0), wb_ext, wife_by).astype(int)
    n_g = np.where(
        wife_by >= 1985,
        rng.choice([0, 1, 2], len(couples), p=[0.15, 0.5, 0.35]),
        rng.integers(1, 4, len(couples)),
    )
    g_par = np.repeat(couples, n_g)
    g_ord = np.arange(len(g_par)) - np.repeat(np.cumsum(n_g) - n_g, n_g)
    g_by = np.repeat(wife_by, n_g) + 22 + g_ord * 3 + rng.integers(0, 4, len(g_par))
    g_keep = g_by <= 2024
    g_par, g_by = g_par[g_keep], g_by[g_keep]
    base_g = base_e + n_ext
    ng = len(g_par)
    g_first = np.full(nc, 0)
    g_count = np.zeros(nc, dtype=int)
    np.add.at(g_count, g_par, 1)
    order = np.argsort(g_par, kind="stable")
    g_par, g_by = g_par[order], g_by[order]
    starts = np.searchsorted(g_par, np.arange(nc))
    g_first[:] = base_g + starts

    n_reg = base_g + ng
    fem = np.concatenate([np.zeros(n_lu, bool), np.ones(n_lu, bool), c_fem, ext_fem, rng.random(ng) < 0.48])
    by = np.concatenate([f_by, m_by, c_by, ext_by.astype(int), g_by])
    ext = np.zeros(n_reg, dtype=bool)
    ext[n_lu : 2 * n_lu] = True
    ext[base_e:base_g] = True
    p_lu = np.concatenate([np.arange(n_lu), np.arange(n_lu), c_lu, c_lu[ext_for], c_lu[g_par]])
    # seniors' deaths: long ago → deregistered; since 2020 → registered as 死亡
    dead_p = np.clip((2024 - by[: 2 * n_lu] - 62) / 40, 0, 0.85)
    s_dead = rng.random(2 * n_lu) < dead_p
    s_death_year = rng.uniform(2008, 2024.9, 2 * n_lu)
    absent = s_dead & (s_death_year < 2020)
    both_gone = (rng.random(n_lu) < 0.12) & (f_by < 1952)
    absent[:n_lu] |= both_gone
    absent[n_lu:] |= both_gone
    pres = ~absent

    f = form_households(rng, n_lu, n_reg, base_c, c_lu, cat, by, fem, spouse_of, g_first, g_count, pres)
    hh_of, rel_of, hh_lu, hh_amb, phone_src = f.hh_of, f.rel_of, f.hh_lu, f.hh_amb, f.phone_src
    rel_a, rel_b, rel_r = f.rel_a, f.rel_b, f.rel_r

    # 其他 members (a relative outside the kinship rules) in ~2% of households
    n_hh = len(hh_lu)
    hh_lu_a = np.array(hh_lu)
    with_other = np.flatnonzero(rng.random(n_hh) < 0.02)
    n_o = len(with_other)
    hh_of = np.concatenate([hh_of, with_other])
    rel_of = np.concatenate([rel_of, np.array(["其他"] * n_o, dtype=object)])
    fem = np.concatenate([fem, rng.random(n_o) < 0.5])
    by = np.concatenate([by, rng.integers(1940, 2012, n_o)])
    ext = np.concatenate([ext, np.ones(n_o, bool)])
    p_lu = np.concatenate([p_lu, hh_lu_a[with_other]])
    n_all = n_reg + n_o

    # status and death dates
    status = np.full(n_all, "正常", dtype=object)
    death = np.full(n_all, np.datetime64("NaT"), dtype="datetime64[D]")
    sd = np.flatnonzero(s_dead & pres)
    dyear = s_death_year[sd]
    ddate = _year_starts()[np.floor(dyear).astype(int) - 1900] + ((dyear % 1) * 365).astype(int)
    ddate = np.minimum(ddate, REFERENCE_DATE - 10)
    status[sd] = "死亡"
    death[sd] = ddate
    ages = 2024 - by
    mid = np.flatnonzero((ages >= 40) & (ages <= 75) & (rng.random(n_all) < 0.004) & (status == "正常"))
    status[mid] = "死亡"
    death[mid] = np.datetime64("2021-01-01") + rng.integers(0, 1450, len(mid))
    cat_full = np.full(n_all, -1)
    cat_full[base_c:base_e] = cat
    moved = np.isin(cat_full, [US, UD]) & (ages >= 18) & (ages <= 35) & (rng.random(n_all) < 0.2)
    status[moved] = "迁出"

    # keep registered persons, order by household serial and relation
    reg = np.flatnonzero(hh_of >= 0)
    hh_village = lu_v[hh_lu_a]
    serial = np.zeros(n_hh, dtype=int)
    for vi in range(nv):
        hs = np.flatnonzero(hh_village == vi)
        serial[hs] = rng.permutation(len(hs)) + 1
    rel_rank = np.array([REL_ORDER[r] for r in rel_of[reg]])
    order = np.lexsort((by[reg], rel_rank, serial[hh_of[reg]], hh_village[hh_of[reg]]))
    reg = reg[order]
    new_index = np.full(n_all, -1)
    new_index[reg] = np.arange(len(reg))
    hh_new, used_hh = pd.factorize(hh_of[reg])
    n = len(reg)

    # names
    fem_r, by_r, hh_r = fem[reg], by[reg], hh_new
    sur = np.empty(n_all, dtype=object)
    sur[:n_lu] = lu_surname
    town_pool = np.array(sum(clans, []), dtype=object)
    wives_local = rng.random(n_lu) < 0.5
    sur[n_lu : 2 * n_lu] = np.where(
        wives_local, town_pool[rng.integers(0, len(town_pool), n_lu)], draw_surnames(rng, n_lu)
    )
    sur[base_c:base_e] = lu_surname[c_lu]
    sur[base_e:base_g] = draw_surnames(rng, n_ext)
    father_sur = np.where(
        cat[g_par] == UX,
        np.where(rng.random(ng) < 0.7, lu_surname[c_lu[g_par]], sur[base_e + np.maximum(ext_pos[g_par], 0)]),
        lu_surname[c_lu[g_par]],
    )
    sur[base_g:n_reg] = father_sur
    sur[n_reg:] = draw_surnames(rng, n_o)
    sur_r = sur[reg]
    names = sur_r + given_names(rng, fem_r, by_r)
    for _ in range(20):
        key = pd.Series(hh_r).astype(str) + "|" + pd.Series(names)
        dup = key.duplicated(keep="first").to_numpy()
        if not dup.any():
            break
        names[dup] = sur_r[dup] + given_names(rng, fem_r[dup], by_r[dup])

    # birth dates and resident IDs
    birth = _year_starts()[by_r - 1900] + rng.integers(0, 365, n)
    birth = np.minimum(birth, REFERENCE_DATE - 1)
    areas = np.full(n, int(county.code))
    ext_r = ext[reg]
    outsider = ext_r & (rng.random(n) < 0.45)
    areas[outsider] = np.array(other_areas, dtype=np.int64)[
        rng.integers(0, len(other_areas), int(outsider.sum()))
    ]
    ymd = _ymd(birth)
    grp = pd.DataFrame({"a": areas, "d": ymd, "f": fem_r, "o": outsider})
    rank = grp.groupby(["a", "d", "f", "o"], sort=False).cumcount().to_numpy()
    gid = grp.groupby(["a", "d", "f", "o"], sort=False).ngroup().to_numpy()
    goff = rng.integers(0, 500, gid.max() + 1)[gid]
    val = np.where(outsider, (county_index * 23 + rank) % 500, (goff + 7 * rank) % 500)
    seq = 2 * val + np.where(fem_r, 0, 1)
    pids = _codes.resident_ids(areas, ymd, seq)

    vcodes = np.array([v.code for v in villages], dtype=object)
    people = pd.DataFrame(
        {
            "pid": pids,
            "name": names,
            "gender": np.where(fem_r, "女", "男"),
            "birth": birth,
            "hh": hh_r,
            "relation": rel_of[reg],
            "village": vcodes[hh_village[used_hh][hh_r]],
            "status": status[reg],
            "death": death[reg],
            "lu": p_lu[reg],
        }
    )
    # households: ids, addresses, phones
    hv = hh_village[used_hh]
    hser = serial[used_hh]
    hids = [f"{villages[v].code}{s:04d}" for v, s in zip(hv, hser)]
    addr = [
        f"{county.name}{villages[v].township.name}{villages[v].name}{(s - 1) // 40 + 1}组{(s - 1) % 40 + 1}号"
        for v, s in zip(hv, hser)
    ]
    nh = len(used_hh)
    phones = unique_mobiles(rng, nh)
    src = np.array(phone_src)[used_hh]
    old_to_new = np.full(n_hh, -1)
    old_to_new[used_hh] = np.arange(nh)
    share = (src >= 0) & (old_to_new[np.maximum(src, 0)] >= 0)
    phones[share] = phones[old_to_new[src[share]]]
    households = pd.DataFrame(
        {
            "household_id": hids,
            "village_code": [villages[v].code for v in hv],
            "address": addr,
            "phone": phones,
            "ambiguous": np.array(hh_amb)[used_hh],
        }
    )
    ra, rb = new_index[np.array(rel_a, dtype=int)], new_index[np.array(rel_b, dtype=int)]
    ok = (ra >= 0) & (rb >= 0)
    relations = pd.DataFrame({"a": ra[ok], "b": rb[ok], "relation": np.array(rel_r, dtype=object)[ok]})
    # senior clan brothers: same surname, same village, close ages
    heads = people[
        people["relation"].isin(["户主", "父亲"])
        & (people["gender"] == "男")
        & (people["birth"] < np.datetime64("1972-01-01"))
    ]
    if len(heads):
        h = heads.assign(s=heads["name"].str[0], r=rng.random(len(heads))).sort_values(["village", "s", "r"])
        a = h.index.to_numpy()
        hv, hs = h["village"].to_numpy(), h["s"].to_numpy()
        same = (hv[1:] == hv[:-1]) & (hs[1:] == hs[:-1])
        diff = np.abs(
            (h["birth"].to_numpy()[1:] - h["birth"].to_numpy()[:-1]).astype("timedelta64[D]").astype(int)
        )
        pick = np.flatnonzero(same & (diff < 3650) & (rng.random(len(a) - 1) < 0.3))
        pick = pick[np.concatenate([[True], np.diff(pick) > 1])] if len(pick) else pick
        extra = pd.DataFrame({"a": a[pick], "b": a[pick + 1], "relation": "兄弟姐妹"})
        relations = pd.concat([relations, extra], ignore_index=True)
    relations = relations.drop_duplicates(["a", "b"]).reset_index(drop=True)
    return Population(villages, people, households, relations)


def _ymd(d: np.ndarray) -> np.ndarray:
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (d - d.astype("datetime64[M]")).astype(np.int64) + 1
    return y * 10000 + m * 100 + day


def unique_mobiles(rng: np.random.Generator, n: int, avoid: set[str] | None = None) -> np.ndarray:
    """``n`` distinct 11-digit mobile numbers, none in ``avoid``."""
    prefixes = np.array(
        [
            130,
            131,
            132,
            133,
            135,
            136,
            137,
            138,
            139,
            150,
            151,
            152,
            155,
            157,
            158,
            159,
            166,
            176,
            177,
            180,
            182,
            183,
            185,
            186,
            187,
            188,
            189,
            191,
            199,
        ]
    )
    out = np.empty(0, dtype=object)
    while len(out) < n:
        k = int((n - len(out)) * 1.1) + 10
        nums = prefixes[rng.integers(0, len(prefixes), k)].astype(np.int64) * 10**8 + rng.integers(
            0, 10**8, k
        )
        out = pd.unique(np.concatenate([out, nums.astype(str).astype(object)]))
        if avoid:
            out = np.array([x for x in out if x not in avoid], dtype=object)
    return out[:n].copy()
