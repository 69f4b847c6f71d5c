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

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from graphaudit.ingest.columns import dedupe_sorted, map_unique, stable_order
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


def _edges(kind: str, a: pd.Series | np.ndarray, b: pd.Series | np.ndarray, source: str) -> pd.DataFrame:
    a = np.asarray(a, dtype=object)
    b = np.asarray(b, dtype=object)
    if kind != "parent":  # one edge per pair: smaller key first
        swap = a > b
        a, b = np.where(swap, b, a), np.where(swap, a, b)
    return pd.DataFrame({"kind": kind, "a": a, "b": b, "source": source})


def derive_kinship(
    households: pd.DataFrame, relations: pd.DataFrame | None, known: set[str] | None = None
) -> tuple[Kinship, list[Issue]]:
    """Kin edges between person keys.  ``households`` needs person_key, household_id, role, _file, _row;
    ``relations`` person_id_a, person_id_b, relation.  ``known`` is accepted for compatibility and unused."""
    m = households[["household_id", "person_key", "role", FILE, ROW]].sort_values(
        ["household_id", ROW], kind="stable"
    )
    m = pd.DataFrame(
        {
            "hid": m["household_id"].to_numpy(dtype=object),
            "key": m["person_key"].to_numpy(dtype=object),
            "role": m["role"].to_numpy(dtype=object),
            "file": m[FILE].to_numpy(dtype=object),
            "row": m[ROW].to_numpy(),
        }
    )
    m["pos"] = np.arange(len(m))
    m["h"] = (m["hid"] != m["hid"].shift()).cumsum() - 1 if len(m) else 0
    found = [_register(m)] if len(m) else []
    edges, issues = found[0] if found else ([], [])
    if relations is not None and len(relations):
        kd = map_unique(relations["relation"], lambda r: RELATIONS[str(r).lower()])
        kinds = np.array([k for k, _ in kd], dtype=object)
        flip = np.array([d == "b->a" for _, d in kd], dtype=bool)
        a = relations["person_id_a"].to_numpy(dtype=object)
        b = relations["person_id_b"].to_numpy(dtype=object)
        a, b = np.where(flip, b, a), np.where(flip, a, b)
        for kind in ("parent", "spouse", "sibling"):
            sel = kinds == kind
            edges.append(_edges(kind, a[sel], b[sel], "relations"))
    kin = _collect(edges)
    # Children of a common parent are siblings, across households too.
    par = kin.edges[kin.edges["kind"] == "parent"][["a", "b"]]
    both = par.merge(par, on="a")
    both = both[both["b_x"] < both["b_y"]]
    # Parents of the same child who are not otherwise linked stay unlinked: a shared child is not a marriage.
    kin = _collect([kin.edges, _edges("sibling", both["b_x"], both["b_y"], "derived")])
    return kin, issues


def kin_relationships(tables: Tables) -> tuple[dict[RelKey, pd.DataFrame], list[Issue]]:
    """The kin relationship frames (from, to, source) of the register and the relations file, and the
    register's ambiguities: the graph mapping's kinship derivation (:data:`KINSHIP`)."""
    hh, rel = tables.get("households"), tables.get("relations")
    if hh is None or not len(hh):
        hh = pd.DataFrame(columns=["household_id", "person_key", "role", FILE, ROW])
    kin, issues = derive_kinship(hh, rel)
    return {(rtype, "Person", "Person"): df for rtype, df in kin.frames().items()}, issues


#: Kinship as the household register's graph mapping declares it (graphaudit.ingest.households).
KINSHIP = Derive(
    "kinship",
    kin_relationships,
    reads=("households", "relations"),
    emits=tuple((rtype, "Person", "Person") for _, rtype in KINDS),
)


def _collect(parts: list[pd.DataFrame]) -> Kinship:
    """One table of edges: no self-loops, each (kind, a, b) once with the source it was first found by."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return Kinship()
    e = pd.concat(parts, ignore_index=True)
    return Kinship(dedupe_sorted(e[e["a"] != e["b"]], [], ["kind", "a", "b"]))


def _register(m: pd.DataFrame) -> tuple[list[pd.DataFrame], list[Issue]]:
    """Edges and issues of the household register; ``m`` is the members sorted by household and row, with
    ``h`` numbering the households in that order and ``pos`` the members."""
    n = int(m["h"].iloc[-1]) + 1
    count = m.groupby(["h", "role"]).size().unstack(fill_value=0).reindex(index=range(n), fill_value=0)
    first = m.drop_duplicates(["h", "role"]).pivot(index="h", columns="role", values="key").reindex(range(n))

    def c(role: str) -> np.ndarray:
        return count[role].to_numpy() if role in count else np.zeros(n, dtype=np.int64)

    def one(role: str) -> np.ndarray:
        return first[role].to_numpy(dtype=object) if role in first else np.full(n, None, dtype=object)

    heads, spouses, sons, daughters = c("head"), c("spouse"), c("son"), c("daughter")
    dils, sils = c("daughter_in_law"), c("son_in_law")
    ok = heads == 1
    has_spouse = ok & (spouses == 1)
    head, spouse = one("head"), one("spouse")
    son_couple = ok & (dils == 1) & (sons == 1)
    daughter_couple = ok & (sils == 1) & (daughters == 1)
    couple = son_couple ^ daughter_couple
    single = ok & (dils == 0) & (sils == 0) & (sons + daughters == 1)

    h = m["h"].to_numpy()
    role = m["role"].to_numpy(dtype=object)
    key = m["key"].to_numpy(dtype=object)
    in_ok = ok[h]

    def members(*roles: str, where: np.ndarray | None = None) -> np.ndarray:
        sel = in_ok & np.isin(role, roles)
        return sel if where is None else sel & where[h]

    edges: list[pd.DataFrame] = []
    reg = "register"
    edges.append(_edges("spouse", head[has_spouse], spouse[has_spouse], reg))
    kids = members("son", "daughter")
    edges.append(_edges("parent", head[h[kids]], key[kids], reg))
    kids_s = members("son", "daughter", where=has_spouse)
    edges.append(_edges("parent", spouse[h[kids_s]], key[kids_s], reg))
    elders = members("father", "mother")
    edges.append(_edges("parent", key[elders], head[h[elders]], reg))
    pair = ok & (c("father") == 1) & (c("mother") == 1)
    edges.append(_edges("spouse", one("father")[pair], one("mother")[pair], reg))
    sibs = members("sibling")
    edges.append(_edges("sibling", head[h[sibs]], key[sibs], reg))
    el = pd.DataFrame({"h": h[elders], "p": key[elders]})
    sb = pd.DataFrame({"h": h[sibs], "s": key[sibs], "pos": m["pos"].to_numpy()[sibs]})
    x = sb.merge(el, on="h")
    edges.append(_edges("parent", x["p"], x["s"], reg))
    sp = members("spouse_parent", where=has_spouse)
    edges.append(_edges("parent", key[sp], spouse[h[sp]], reg))
    edges.append(_edges("spouse", one("son")[son_couple], one("daughter_in_law")[son_couple], reg))
    edges.append(_edges("spouse", one("daughter")[daughter_couple], one("son_in_law")[daughter_couple], reg))
    pa_, pb_ = (
        np.where(son_couple, one("son"), one("daughter")),
        np.where(son_couple, one("daughter_in_law"), one("son_in_law")),
    )
    gk = members("grandchild", where=couple)
    edges.append(_edges("parent", pa_[h[gk]], key[gk], reg))
    edges.append(_edges("parent", pb_[h[gk]], key[gk], reg))
    gs = members("grandchild", where=single & ~couple)
    only = np.where(sons == 1, one("son"), one("daughter"))
    edges.append(_edges("parent", only[h[gs]], key[gs], reg))

    # Issues, in the order a household-by-household reading reports them.
    hid = m["hid"].to_numpy(dtype=object)
    pos = m["pos"].to_numpy()
    files = m["file"].to_numpy(dtype=object)
    rows = m["row"].to_numpy()
    found: list[tuple[int, int, int, int, Issue]] = []

    def report(sel: np.ndarray, step: int, reason: np.ndarray | str, reps: np.ndarray | None = None) -> None:
        for i in np.flatnonzero(sel).tolist():
            text = reason if isinstance(reason, str) else reason[h[i]]
            issue = Issue(
                "households",
                files[i],
                int(rows[i]),
                "relation",
                "warning",
                f"户号{hid[i]}: {text}，未推导该亲属关系 ambiguous register, link left out",
            )
            for rep in range(1 if reps is None else int(reps[h[i]])):
                found.append((int(h[i]), step, rep, int(pos[i]), issue))

    report((heads > 1)[h] & (role == "head"), 0, "户主不唯一")
    lone = (heads == 0) & (m.groupby("h").size().reindex(range(n)).to_numpy() > 1)
    firsts = np.flatnonzero(np.r_[True, h[1:] != h[:-1]])
    for i in firsts[lone[h[firsts]]].tolist():
        found.append(
            (
                int(h[i]),
                0,
                0,
                int(pos[i]),
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
    dil_text = np.array([f"{a}个儿媳对应{b}个儿子" for a, b in zip(dils, sons)], dtype=object)
    report(members("daughter_in_law", where=~son_couple), 3, dil_text)
    sil_text = np.array([f"{a}个女婿对应{b}个女儿" for a, b in zip(sils, daughters)], dtype=object)
    report(members("son_in_law", where=~daughter_couple), 4, sil_text)
    report(members("grandchild", where=~couple & ~single), 5, "孙辈的父母无法唯一确定")
    # a household's repeated spouse_parent issues come round by round, each round over the members
    found.sort(key=lambda t: (t[0], t[1], t[2], t[3]))
    return edges, [t[4] for t in found]
