"""Kinship edges from the household register and the relations file, exactly as DOMAIN.md says.

From the register (relation to head):
- 配偶 is the head's spouse; 父亲 and 母亲 are the head's parents (and each other's spouse when both are
  there);
- 子/女 (长子, 次女 …) are children of the head and of the head's spouse;
- 兄/弟/姐/妹 are the head's siblings (and children of the head's registered parents);
- 儿媳/女婿 is the spouse of the household's only son/daughter; 孙子/孙女 are that couple's children;
- 公公/婆婆/岳父/岳母 are the parents of the head's spouse.
Where the register is ambiguous (two heads, two spouses, 儿媳 with two sons, 孙子 with no single child couple)
the link is left out and reported.  Then children of a common parent are siblings, across households too.
Spouse and sibling edges are stored once per pair (smaller key first); parent edges run parent → child.
An edge found in several ways keeps the first source: register, then relations, then derived.

The rules are applied to whole tables at once — one row of role counts per household, joins between members —
so a county's register costs a few joins rather than a Python loop per household.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from graphaudit.ingest.columns import map_unique, stable_order
from graphaudit.ingest.issue import FILE, ROW, Issue
from graphaudit.ingest.mapping import Derive, RelKey, Tables

__all__ = ["role_of", "derive_kinship", "kin_relationships", "Kinship", "KINSHIP", "ROLES", "RELATIONS"]

# What A is to B → (kind, direction): parent edges run parent → child.
RELATIONS: dict[str, tuple[str, str]] = {}
for words, kind, direction in (
    (("父母", "父亲", "母亲", "父", "母", "parent", "father", "mother"), "parent", "a->b"),
    (("子女", "儿子", "女儿", "子", "女", "child", "son", "daughter"), "parent", "b->a"),
    (("配偶", "夫妻", "丈夫", "妻子", "夫", "妻", "spouse", "husband", "wife"), "spouse", "a-b"),
    (
        (
            "兄弟姐妹",
            "兄弟",
            "姐妹",
            "兄",
            "弟",
            "姐",
            "妹",
            "哥哥",
            "弟弟",
            "姐姐",
            "妹妹",
            "sibling",
            "brother",
            "sister",
        ),
        "sibling",
        "a-b",
    ),
):
    for w in words:
        RELATIONS[w] = (kind, direction)

ROLES: dict[str, str] = {}
for _role, _words in {
    "head": ("户主", "本人", "head", "self"),
    "spouse": ("配偶", "妻", "妻子", "夫", "丈夫", "spouse", "wife", "husband"),
    "son": ("子", "儿子", "长子", "次子", "三子", "四子", "五子", "独生子", "养子", "继子", "son"),
    "daughter": ("女", "女儿", "长女", "次女", "三女", "四女", "五女", "独生女", "养女", "继女", "daughter"),
    "father": ("父亲", "父", "father"),
    "mother": ("母亲", "母", "mother"),
    "sibling": (
        "兄",
        "弟",
        "姐",
        "妹",
        "哥哥",
        "弟弟",
        "姐姐",
        "妹妹",
        "兄弟姐妹",
        "brother",
        "sister",
        "sibling",
    ),
    "grandchild": ("孙子", "孙女", "外孙子", "外孙女", "外孙", "grandson", "granddaughter", "grandchild"),
    "daughter_in_law": ("儿媳", "儿媳妇", "媳妇", "daughter_in_law", "daughter-in-law"),
    "son_in_law": ("女婿", "son_in_law", "son-in-law"),
    "spouse_parent": ("公公", "婆婆", "岳父", "岳母", "father_in_law", "mother_in_law"),
    "other": ("其他", "其它", "祖父", "祖母", "外祖父", "外祖母", "侄子", "侄女", "other"),
}.items():
    for _w in _words:
        ROLES[_w] = _role


def role_of(relation: object) -> str | None:
    """The kinship role of a register's 与户主关系 value, or None when unknown."""
    if relation is None:
        return None
    s = str(relation).strip().lower().replace(" ", "_")
    return ROLES.get(s)


KINDS = (("spouse", "SPOUSE_OF"), ("parent", "PARENT_OF"), ("sibling", "SIBLING_OF"))
_EDGE = ["kind", "a", "b", "source"]


@dataclass
class Kinship:
    """Kin edges as one table (kind, a, b, source), each edge once; parent edges run a → b (parent → child),
    spouse and sibling edges have a < b."""

    edges: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_EDGE, dtype=object))

    def _pairs(self, kind: str) -> set[tuple[str, str]]:
        e = self.edges[self.edges["kind"] == kind]
        return set(zip(e["a"].tolist(), e["b"].tolist()))

    @cached_property
    def spouse(self) -> set[tuple[str, str]]:
        return self._pairs("spouse")

    @cached_property
    def parent(self) -> set[tuple[str, str]]:
        """(parent, child) pairs."""
        return self._pairs("parent")

    @cached_property
    def sibling(self) -> set[tuple[str, str]]:
        return self._pairs("sibling")

    @cached_property
    def source(self) -> dict[tuple[str, str, str], str]:
        """(kind, a, b) → register / relations / derived."""
        e = self.edges
        return dict(zip(zip(e["kind"].tolist(), e["a"].tolist(), e["b"].tolist()), e["source"].tolist()))

    def frames(self) -> dict[str, pd.DataFrame]:
        """One frame per kin relationship type with columns from, to, source (sorted, deterministic)."""
        out = {}
        for kind, rtype in KINDS:
            e = self.edges[self.edges["kind"] == kind]  # each (kind, a, b) once already
            e = e.take(stable_order(e, ["a", "b"]))
            out[rtype] = pd.DataFrame(
                {
                    "from": e["a"].to_numpy(dtype=object),
                    "to": e["b"].to_numpy(dtype=object),
                    "source": e["source"].to_numpy(dtype=object),
                },
                dtype=object,
            )
        return out


_SOURCES = ("register", "relations", "derived")  # an edge found several ways keeps the first of these
_SPOUSE, _PARENT, _SIBLING = (0, 1, 2)  # kinds by their place in KINDS
_ROLE_NAMES = tuple(dict.fromkeys(ROLES.values()))
_Part = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # kind, a, b, source (int64 each)


def _part(kind: int, a: np.ndarray, b: np.ndarray, source: int) -> _Part:
    """Edges of one kind and source on person codes; spouse and sibling edges get the smaller code first."""
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    if kind != _PARENT:
        a, b = np.minimum(a, b), np.maximum(a, b)
    return np.full(len(a), kind, dtype=np.int64), a, b, np.full(len(a), source, dtype=np.int64)


def _unique(parts: list[_Part], n: int) -> _Part:
    """The edges of ``parts`` without self-loops, each (kind, a, b) once with its first source (register,
    then relations, then derived), sorted by (kind, a, b).  ``n``: the number of person codes."""
    kind, a, b, src = (np.concatenate([p[i] for p in parts]) for i in range(4))
    keep = (a != b) & (a >= 0) & (b >= 0)
    width, ns = max(n, 1), len(_SOURCES)
    # one int64 per edge, ordered as (kind, a, b, source): after a sort each edge's first source leads
    key = ((kind[keep] * width + a[keep]) * width + b[keep]) * ns + src[keep]
    key.sort()
    src = key % ns
    key //= ns
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    key, src = key[first], src[first]
    b = key % width
    key //= width
    return key // width, key % width, b, src


def _derive(
    households: pd.DataFrame, relations: pd.DataFrame | None
) -> tuple[_Part, np.ndarray, list[Issue]]:
    """Kin edges on person codes (sorted by kind, a, b), the person keys by code, and the register's
    issues.  Codes follow the keys' order, so sorting codes sorts keys."""
    rel = relations if relations is not None and len(relations) else None
    keys = [households["person_key"].to_numpy(dtype=object)]
    if rel is not None:
        kd = map_unique(rel["relation"], lambda r: RELATIONS[str(r).lower()])
        kinds = np.array([k for k, _ in kd], dtype=object)
        flip = np.array([d == "b->a" for _, d in kd], dtype=bool)
        a = rel["person_id_a"].to_numpy(dtype=object)
        b = rel["person_id_b"].to_numpy(dtype=object)
        keys += [np.where(flip, b, a), np.where(flip, a, b)]
    codes, people = pd.factorize(np.concatenate(keys), sort=True)
    people = np.asarray(people, dtype=object)
    n, nh = len(people), len(households)
    parts: list[_Part] = []
    issues: list[Issue] = []
    if nh:
        parts, issues = _register(households, codes[:nh])
    if rel is not None:
        nr = len(rel)
        ra, rb = codes[nh : nh + nr], codes[nh + nr :]
        for kind, (name, _) in enumerate(KINDS):
            sel = kinds == name
            parts.append(_part(kind, ra[sel], rb[sel], 1))
    parts.append(_part(_SPOUSE, np.zeros(0), np.zeros(0), 0))  # never empty
    kin = _unique(parts, n)
    # Children of a common parent are siblings, across households too.
    par = kin[0] == _PARENT
    pairs = pd.DataFrame({"p": kin[1][par], "c": kin[2][par]})
    both = pairs.merge(pairs, on="p")
    cx, cy = both["c_x"].to_numpy(), both["c_y"].to_numpy()
    # Parents of the same child who are not otherwise linked stay unlinked: a shared child is not a marriage.
    kin = _unique([kin, _part(_SIBLING, cx[cx < cy], cy[cx < cy], 2)], n)
    return kin, people, issues


def derive_kinship(
    households: pd.DataFrame, relations: pd.DataFrame | None, known: set[str] | None = None
) -> tuple[Kinship, list[Issue]]:
    """Kin edges between person keys.  ``households`` needs person_key, household_id, role, _file, _row;
    ``relations`` person_id_a, person_id_b, relation.  ``known`` is accepted for compatibility and unused."""
    (kind, a, b, src), people, issues = _derive(households, relations)
    names = np.array([k for k, _ in KINDS], dtype=object)
    edges = pd.DataFrame(
        {
            "kind": names[kind],
            "a": people[a],
            "b": people[b],
            "source": np.array(_SOURCES, dtype=object)[src],
        },
        dtype=object,
    )
    return Kinship(edges), issues


def kin_relationships(tables: Tables) -> tuple[dict[RelKey, pd.DataFrame], list[Issue]]:
    """The kin relationship frames (from, to, source) of the register and the relations file, and the
    register's ambiguities: the graph mapping's kinship derivation (:data:`KINSHIP`).  Each frame is sorted
    by (from, to), as :meth:`Kinship.frames` gives it."""
    hh, rel = tables.get("households"), tables.get("relations")
    if hh is None or not len(hh):
        hh = pd.DataFrame(columns=["household_id", "person_key", "role", FILE, ROW])
    (kind, a, b, src), people, issues = _derive(hh, rel)
    sources = np.array(_SOURCES, dtype=object)
    out = {}
    for k, (_, rtype) in enumerate(KINDS):
        sel = kind == k
        out[(rtype, "Person", "Person")] = pd.DataFrame(
            {"from": people[a[sel]], "to": people[b[sel]], "source": sources[src[sel]]}, dtype=object
        )
    return out, issues


#: Kinship as the household register's graph mapping declares it (graphaudit.ingest.households).
KINSHIP = Derive(
    "kinship",
    kin_relationships,
    reads=("households", "relations"),
    emits=tuple((rtype, "Person", "Person") for _, rtype in KINDS),
)


def _members(households: pd.DataFrame, codes: np.ndarray) -> dict[str, np.ndarray]:
    """The register's members sorted by household and row (stable): household number ``h`` in that order,
    role number (place in _ROLE_NAMES, -1 unknown), person code, and household ID, file and row for
    issues."""
    hid = households["household_id"]
    hcode, _ = pd.factorize(hid, sort=True)
    hcode = np.where(hcode < 0, np.iinfo(np.int64).max, hcode)  # a missing ID sorts last
    row = pd.factorize(households[ROW], sort=True)[0]
    order = np.lexsort((row, hcode))
    hs = hcode[order]
    h = np.zeros(len(order), dtype=np.int64)
    h[1:] = np.cumsum(hs[1:] != hs[:-1])
    rnum = {r: i for i, r in enumerate(_ROLE_NAMES)}
    role = np.asarray(map_unique(households["role"], lambda r: rnum.get(r, -1)), dtype=np.int64)
    return {
        "h": h,
        "role": role[order],
        "key": np.asarray(codes, dtype=np.int64)[order],
        "hid": hid.to_numpy(dtype=object)[order],
        "file": households[FILE].to_numpy(dtype=object)[order],
        "row": households[ROW].to_numpy()[order],
    }


def _register(households: pd.DataFrame, codes: np.ndarray) -> tuple[list[_Part], list[Issue]]:
    """Edges (on person codes) and issues of the household register; ``codes`` are its members' person
    codes.  Members are read in household and row order, the households numbered ``h`` in that order."""
    m = _members(households, codes)
    h, role, key = m["h"], m["role"], m["key"]
    n, nr = int(h[-1]) + 1, len(_ROLE_NAMES)
    known = role >= 0
    slot = h[known] * nr + role[known]
    count = np.bincount(slot, minlength=n * nr).reshape(n, nr)
    firsts = np.full(n * nr, -1, dtype=np.int64)
    u, at = np.unique(slot, return_index=True)  # members are in row order: the first of each role
    firsts[u] = key[known][at]
    first = firsts.reshape(n, nr)

    def c(r: str) -> np.ndarray:
        return count[:, _ROLE_NAMES.index(r)]

    def one(r: str) -> np.ndarray:
        return first[:, _ROLE_NAMES.index(r)]

    heads, spouses, sons, daughters = c("head"), c("spouse"), c("son"), c("daughter")
    dils, sils = c("daughter_in_law"), c("son_in_law")
    ok = heads == 1
    has_spouse = ok & (spouses == 1)
    head, spouse = one("head"), one("spouse")
    son_couple = ok & (dils == 1) & (sons == 1)
    daughter_couple = ok & (sils == 1) & (daughters == 1)
    couple = son_couple ^ daughter_couple
    single = ok & (dils == 0) & (sils == 0) & (sons + daughters == 1)
    in_ok = ok[h]

    def members(*roles: str, where: np.ndarray | None = None) -> np.ndarray:
        sel = in_ok & np.isin(role, [_ROLE_NAMES.index(r) for r in roles])
        return sel if where is None else sel & where[h]

    reg = 0
    edges: list[_Part] = []
    edges.append(_part(_SPOUSE, head[has_spouse], spouse[has_spouse], reg))
    kids = members("son", "daughter")
    edges.append(_part(_PARENT, head[h[kids]], key[kids], reg))
    kids_s = members("son", "daughter", where=has_spouse)
    edges.append(_part(_PARENT, spouse[h[kids_s]], key[kids_s], reg))
    elders = members("father", "mother")
    edges.append(_part(_PARENT, key[elders], head[h[elders]], reg))
    pair = ok & (c("father") == 1) & (c("mother") == 1)
    edges.append(_part(_SPOUSE, one("father")[pair], one("mother")[pair], reg))
    sibs = members("sibling")
    edges.append(_part(_SIBLING, head[h[sibs]], key[sibs], reg))
    x = pd.DataFrame({"h": h[sibs], "s": key[sibs]}).merge(
        pd.DataFrame({"h": h[elders], "p": key[elders]}), on="h"
    )
    edges.append(_part(_PARENT, x["p"].to_numpy(), x["s"].to_numpy(), reg))
    sp = members("spouse_parent", where=has_spouse)
    edges.append(_part(_PARENT, key[sp], spouse[h[sp]], reg))
    edges.append(_part(_SPOUSE, one("son")[son_couple], one("daughter_in_law")[son_couple], reg))
    edges.append(_part(_SPOUSE, one("daughter")[daughter_couple], one("son_in_law")[daughter_couple], reg))
    pa_ = np.where(son_couple, one("son"), one("daughter"))
    pb_ = np.where(son_couple, one("daughter_in_law"), one("son_in_law"))
    gk = members("grandchild", where=couple)
    edges.append(_part(_PARENT, pa_[h[gk]], key[gk], reg))
    edges.append(_part(_PARENT, pb_[h[gk]], key[gk], reg))
    gs = members("grandchild", where=single & ~couple)
    only = np.where(sons == 1, one("son"), one("daughter"))
    edges.append(_part(_PARENT, only[h[gs]], key[gs], reg))

    # Issues, in the order a household-by-household reading reports them.
    hid, files, rows = m["hid"], m["file"], m["row"]
    found: list[tuple[int, int, int, int, Issue]] = []

    def report(
        sel: np.ndarray, step: int, reason: str | Callable[[int], str], reps: np.ndarray | None = None
    ) -> None:
        for i in np.flatnonzero(sel).tolist():
            text = reason if isinstance(reason, str) else reason(int(h[i]))
            issue = Issue(
                "households",
                files[i],
                int(rows[i]),
                "relation",
                "warning",
                f"户号{hid[i]}: {text}，未推导该亲属关系 ambiguous register, link left out",
            )
            for rep in range(1 if reps is None else int(reps[h[i]])):
                found.append((int(h[i]), step, rep, i, issue))

    report((heads > 1)[h] & (role == _ROLE_NAMES.index("head")), 0, "户主不唯一")
    lone = (heads == 0) & (np.bincount(h, minlength=n) > 1)
    firsts = np.flatnonzero(np.r_[True, h[1:] != h[:-1]])
    for i in firsts[lone[h[firsts]]].tolist():
        found.append(
            (
                int(h[i]),
                0,
                0,
                i,
                Issue(
                    "households",
                    files[i],
                    int(rows[i]),
                    "relation",
                    "warning",
                    f"户号{hid[i]}: 无户主，未推导户内亲属关系 no head of household, no links derived",
                ),
            )
        )
    report(members("spouse") & (spouses > 1)[h], 1, "配偶不唯一")
    report(
        members("spouse_parent", where=~has_spouse),
        2,
        "无唯一配偶，公婆/岳父母关系不明",
        reps=c("spouse_parent"),
    )
    report(members("daughter_in_law", where=~son_couple), 3, lambda j: f"{dils[j]}个儿媳对应{sons[j]}个儿子")
    report(
        members("son_in_law", where=~daughter_couple), 4, lambda j: f"{sils[j]}个女婿对应{daughters[j]}个女儿"
    )
    report(members("grandchild", where=~couple & ~single), 5, "孙辈的父母无法唯一确定")
    # a household's repeated spouse_parent issues come round by round, each round over the members
    found.sort(key=lambda t: (t[0], t[1], t[2], t[3]))
    return edges, [t[4] for t in found]
