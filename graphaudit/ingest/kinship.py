"""Kinship edges from the household register and the relations file, exactly as DOMAIN.md says.

From the register (relation to head):
- 配偶 is the head's spouse; 父亲 and 母亲 are the head's parents (and each other's spouse when both are there);
- 子/女 (长子, 次女 …) are children of the head and of the head's spouse;
- 兄/弟/姐/妹 are the head's siblings (and children of the head's registered parents);
- 儿媳/女婿 is the spouse of the household's only son/daughter; 孙子/孙女 are that couple's children;
- 公公/婆婆/岳父/岳母 are the parents of the head's spouse.
Where the register is ambiguous (two heads, two spouses, 儿媳 with two sons, 孙子 with no single child couple)
the link is left out and reported.  Then children of a common parent are siblings, across households too.
Spouse and sibling edges are stored once per pair (smaller key first); parent edges run parent → child.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd

from graphaudit.ingest.issue import FILE, ROW, Issue

__all__ = ["role_of", "derive_kinship", "Kinship", "ROLES", "RELATIONS"]

# What A is to B → (kind, direction): parent edges run parent → child.
RELATIONS: dict[str, tuple[str, str]] = {}
for words, kind, direction in (
    (("父母", "父亲", "母亲", "父", "母", "parent", "father", "mother"), "parent", "a->b"),
    (("子女", "儿子", "女儿", "子", "女", "child", "son", "daughter"), "parent", "b->a"),
    (("配偶", "夫妻", "丈夫", "妻子", "夫", "妻", "spouse", "husband", "wife"), "spouse", "a-b"),
    (("兄弟姐妹", "兄弟", "姐妹", "兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹", "sibling", "brother", "sister"),
     "sibling", "a-b"),
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
    "sibling": ("兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹", "兄弟姐妹", "brother", "sister", "sibling"),
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


@dataclass
class Kinship:
    spouse: set[tuple[str, str]] = field(default_factory=set)
    parent: set[tuple[str, str]] = field(default_factory=set)   # (parent, child)
    sibling: set[tuple[str, str]] = field(default_factory=set)
    source: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (kind, a, b) -> register/relations/derived

    def add(self, kind: str, a: str, b: str, source: str) -> None:
        if a == b:
            return
        if kind != "parent" and a > b:
            a, b = b, a
        getattr(self, kind).add((a, b))
        self.source.setdefault((kind, a, b), source)

    def frames(self) -> dict[str, pd.DataFrame]:
        """One frame per kin relationship type with columns from, to, source (sorted, deterministic)."""
        out = {}
        for kind, rtype in (("spouse", "SPOUSE_OF"), ("parent", "PARENT_OF"), ("sibling", "SIBLING_OF")):
            pairs = sorted(getattr(self, kind))
            out[rtype] = pd.DataFrame({
                "from": [a for a, _ in pairs], "to": [b for _, b in pairs],
                "source": [self.source[(kind, a, b)] for a, b in pairs]}, dtype=object)
        return out


def derive_kinship(households: pd.DataFrame, relations: pd.DataFrame | None,
                   known: set[str] | None = None) -> tuple[Kinship, list[Issue]]:
    """Kin edges between person keys.  ``households`` needs person_key, household_id, role, gender, _file, _row;
    ``relations`` person_id_a, person_id_b, relation.  ``known`` limits relations to these person keys."""
    kin = Kinship()
    issues: list[Issue] = []
    cols = ["household_id", "person_key", "role", FILE, ROW]
    hh = households[cols].sort_values(["household_id", ROW], kind="stable")
    members: list[tuple[str, str, str, int]] = []
    current = None
    for hid, key, role, f, r in hh.itertuples(index=False, name=None):
        if hid != current and members:
            _household(str(current), members, kin, issues)
            members = []
        current = hid
        members.append((key, role, f, int(r)))
    if members:
        _household(str(current), members, kin, issues)
    if relations is not None and len(relations):
        for a, b, rel in relations[["person_id_a", "person_id_b", "relation"]].itertuples(index=False):
            kind, direction = RELATIONS[str(rel).lower()]
            if direction == "b->a":
                a, b = b, a
            kin.add(kind, a, b, "relations")
    # Children of a common parent are siblings, across households too.
    children: dict[str, list[str]] = defaultdict(list)
    for p, c in kin.parent:
        children[p].append(c)
    for kids in children.values():
        kids.sort()
        for i, a in enumerate(kids):
            for b in kids[i + 1:]:
                kin.add("sibling", a, b, "derived")
    # Parents of the same child who are not otherwise linked stay unlinked: a shared child is not a marriage.
    return kin, issues


def _household(hid: str, members: list[tuple[str, str, str, int]], kin: Kinship, issues: list[Issue]) -> None:
    by: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for key, role, f, r in members:
        by[role].append((key, f, r))

    def ambiguous(role: str, reason: str) -> None:
        for _key, f, r in by[role]:
            issues.append(Issue("households", f, r, "relation", "warning",
                                f"户号{hid}: {reason}，未推导该亲属关系 ambiguous register, link left out"))

    keys = {role: [k for k, _, _ in v] for role, v in by.items()}
    heads = keys.get("head", [])
    if len(heads) != 1:
        if len(heads) > 1:
            ambiguous("head", "户主不唯一")
        elif len(members) > 1:
            issues.append(Issue("households", members[0][2], members[0][3], "relation", "warning",
                                f"户号{hid}: 无户主，未推导户内亲属关系 no head of household, no links derived"))
        return
    head = heads[0]
    spouses = keys.get("spouse", [])
    spouse = spouses[0] if len(spouses) == 1 else None
    if len(spouses) > 1:
        ambiguous("spouse", "配偶不唯一")
    if spouse:
        kin.add("spouse", head, spouse, "register")
    sons, daughters = keys.get("son", []), keys.get("daughter", [])
    for c in sons + daughters:
        kin.add("parent", head, c, "register")
        if spouse:
            kin.add("parent", spouse, c, "register")
    fathers, mothers = keys.get("father", []), keys.get("mother", [])
    for p in fathers + mothers:
        kin.add("parent", p, head, "register")
    if len(fathers) == 1 and len(mothers) == 1:
        kin.add("spouse", fathers[0], mothers[0], "register")
    for s in keys.get("sibling", []):
        kin.add("sibling", head, s, "register")
        for p in fathers + mothers:
            kin.add("parent", p, s, "register")
    for p in keys.get("spouse_parent", []):
        if spouse:
            kin.add("parent", p, spouse, "register")
        else:
            ambiguous("spouse_parent", "无唯一配偶，公婆/岳父母关系不明")
    couple: tuple[str, str] | None = None
    for role, kids, what in (("daughter_in_law", sons, "儿子"), ("son_in_law", daughters, "女儿")):
        inlaws = keys.get(role, [])
        if not inlaws:
            continue
        if len(inlaws) == 1 and len(kids) == 1:
            kin.add("spouse", kids[0], inlaws[0], "register")
            couple = (kids[0], inlaws[0]) if couple is None else None
        else:
            ambiguous(role, f"{len(inlaws)}个{'儿媳' if role == 'daughter_in_law' else '女婿'}对应{len(kids)}个{what}")
    grandkids = keys.get("grandchild", [])
    if grandkids:
        has_inlaws = bool(keys.get("daughter_in_law") or keys.get("son_in_law"))
        if couple is not None:
            parents: tuple[str, ...] = couple
        elif not has_inlaws and len(sons) + len(daughters) == 1:
            parents = tuple(sons + daughters)
        else:
            ambiguous("grandchild", "孙辈的父母无法唯一确定")
            return
        for c in grandkids:
            for p in parents:
                kin.add("parent", p, c, "register")
