"""Name a kinship path in Chinese: "配偶→兄弟" (the arrow form) and the kin term "妻弟".

A path is a sequence of SPOUSE_OF / PARENT_OF / SIBLING_OF steps from *ego* (the cadre or approver) to the
relative.  Each step is named from the previous person's view by the next person's gender:

    SPOUSE_OF → 配偶;  PARENT_OF towards the parent → 父亲 / 母亲;  towards the child → 子 / 女;
    SIBLING_OF → 兄弟 / 姐妹                    (父母 / 子女 / 兄弟姐妹 when the gender is unknown)

The arrow form joins the step words ("配偶→兄弟") and is always given.  The kin term is the standard
written term where one exists (妻弟, 岳父, 叔父, 舅舅, 儿媳, 女婿, 侄子, 外甥, 连襟 …), using ego's gender
where the term depends on it (配偶→父亲: 岳父 for a man, 公公 for a woman) and birth dates where it depends on
age (妻兄 / 妻弟, 伯父 / 叔父, 嫂子 / 弟媳); without the dates it falls back to the neutral term (妻之兄弟,
叔伯).  A path with no
standard term is named with 的: "配偶的兄弟的配偶".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

__all__ = ["KinStep", "KinName", "name_path", "step_word"]

KIN_TYPES = ("SPOUSE_OF", "PARENT_OF", "SIBLING_OF")

# step code → arrow word
WORDS = {
    "spouse": "配偶",
    "father": "父亲",
    "mother": "母亲",
    "parent": "父母",
    "son": "子",
    "daughter": "女",
    "child": "子女",
    "brother": "兄弟",
    "sister": "姐妹",
    "sibling": "兄弟姐妹",
}


@dataclass(frozen=True)
class KinStep:
    """One kinship edge walked from ``nodes[i]`` to ``nodes[i + 1]``: its type and whether the stored edge
    points the way it is walked (for PARENT_OF: forward means the next person is the child)."""

    type: str
    forward: bool


@dataclass(frozen=True)
class KinName:
    """``arrow`` e.g. "配偶→兄弟" ("本人" for ego), ``term`` e.g. "妻弟", ``hops`` the number of steps."""

    arrow: str
    term: str
    hops: int


def _gender(node: Mapping[str, Any]) -> str | None:
    g = node.get("gender")
    return g if g in ("男", "女") else None


def step_code(step: KinStep, nxt: Mapping[str, Any]) -> str:
    """The step's code (spouse, father, son, sister …) from the next person's gender."""
    g = _gender(nxt)
    if step.type == "SPOUSE_OF":
        return "spouse"
    if step.type == "SIBLING_OF":
        return {"男": "brother", "女": "sister"}.get(g or "", "sibling")
    if step.type == "PARENT_OF":
        if step.forward:  # walking parent → child
            return {"男": "son", "女": "daughter"}.get(g or "", "child")
        return {"男": "father", "女": "mother"}.get(g or "", "parent")
    raise ValueError(f"not a kinship relationship: {step.type}")


def step_word(step: KinStep, nxt: Mapping[str, Any]) -> str:
    """The arrow word of one step: 配偶, 父亲, 女, 兄弟 …"""
    return WORDS[step_code(step, nxt)]


def _older(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool | None:
    """True if a was born before b, False if after, None when unknown or equal."""
    da, db = a.get("birth_date"), b.get("birth_date")
    if not isinstance(da, date) or not isinstance(db, date) or da == db:
        return None
    return da < db


def _by_age(older: bool | None, if_older: str, if_younger: str, unknown: str) -> str:
    return unknown if older is None else if_older if older else if_younger


# Terms that need neither ego's gender nor ages.
FIXED: dict[tuple[str, ...], str] = {
    ("father",): "父亲",
    ("mother",): "母亲",
    ("parent",): "父母",
    ("son",): "儿子",
    ("daughter",): "女儿",
    ("child",): "子女",
    ("spouse", "son"): "继子",
    ("spouse", "daughter"): "继女",
    ("father", "father"): "祖父",
    ("father", "mother"): "祖母",
    ("mother", "father"): "外祖父",
    ("mother", "mother"): "外祖母",
    ("father", "sister"): "姑母",
    ("mother", "brother"): "舅舅",
    ("mother", "sister"): "姨母",
    ("father", "spouse"): "继母",
    ("mother", "spouse"): "继父",
    ("son", "spouse"): "儿媳",
    ("daughter", "spouse"): "女婿",
    ("son", "son"): "孙子",
    ("son", "daughter"): "孙女",
    ("daughter", "son"): "外孙",
    ("daughter", "daughter"): "外孙女",
    ("brother", "son"): "侄子",
    ("brother", "daughter"): "侄女",
    ("sister", "son"): "外甥",
    ("sister", "daughter"): "外甥女",
    ("father", "brother", "son"): "堂兄弟",
    ("father", "brother", "daughter"): "堂姐妹",
    ("father", "sister", "son"): "表兄弟",
    ("father", "sister", "daughter"): "表姐妹",
    ("mother", "brother", "son"): "表兄弟",
    ("mother", "brother", "daughter"): "表姐妹",
    ("mother", "sister", "son"): "表兄弟",
    ("mother", "sister", "daughter"): "表姐妹",
    ("father", "sister", "spouse"): "姑父",
    ("mother", "brother", "spouse"): "舅母",
    ("mother", "sister", "spouse"): "姨父",
    ("brother", "son", "spouse"): "侄媳",
    ("brother", "daughter", "spouse"): "侄女婿",
    ("sister", "son", "spouse"): "外甥媳",
    ("sister", "daughter", "spouse"): "外甥女婿",
    ("son", "spouse", "father"): "亲家公",
    ("son", "spouse", "mother"): "亲家母",
    ("daughter", "spouse", "father"): "亲家公",
    ("daughter", "spouse", "mother"): "亲家母",
    ("son", "son", "son"): "曾孙",
    ("son", "son", "daughter"): "曾孙女",
    ("father", "father", "father"): "曾祖父",
    ("father", "father", "mother"): "曾祖母",
}

# Terms that depend on ego's gender: codes → (ego a man, ego a woman).
BY_EGO: dict[tuple[str, ...], tuple[str, str]] = {
    ("spouse",): ("妻子", "丈夫"),
    ("spouse", "father"): ("岳父", "公公"),
    ("spouse", "mother"): ("岳母", "婆婆"),
    ("spouse", "brother", "son"): ("内侄", "侄子"),
    ("spouse", "brother", "daughter"): ("内侄女", "侄女"),
    ("spouse", "sister", "son"): ("内甥", "外甥"),
    ("spouse", "sister", "daughter"): ("内甥女", "外甥女"),
    ("spouse", "sister", "spouse"): ("连襟", "夫之姐妹之夫"),
    ("spouse", "brother", "spouse"): ("妻之兄弟之妻", "妯娌"),
}


def _term(codes: tuple[str, ...], nodes: Sequence[Mapping[str, Any]]) -> str | None:
    ego = _gender(nodes[0])
    if codes in FIXED:
        return FIXED[codes]
    if codes in BY_EGO:
        man, woman = BY_EGO[codes]
        return man if ego == "男" else woman if ego == "女" else None
    if codes == ("brother",):
        return _by_age(_older(nodes[1], nodes[0]), "哥哥", "弟弟", "兄弟")
    if codes == ("sister",):
        return _by_age(_older(nodes[1], nodes[0]), "姐姐", "妹妹", "姐妹")
    if codes in (("spouse", "brother"), ("spouse", "sister")):
        if ego is None:
            return None
        side = "妻" if ego == "男" else "夫"
        older = _older(nodes[2], nodes[1])
        if codes[1] == "brother":
            return _by_age(older, f"{side}兄", f"{side}弟", f"{side}之兄弟")
        return _by_age(older, f"{side}姐", f"{side}妹", f"{side}之姐妹")
    if codes == ("father", "brother"):
        return _by_age(_older(nodes[2], nodes[1]), "伯父", "叔父", "叔伯")
    if codes == ("brother", "spouse"):
        return _by_age(_older(nodes[1], nodes[0]), "嫂子", "弟媳", "兄弟之妻")
    if codes == ("sister", "spouse"):
        return _by_age(_older(nodes[1], nodes[0]), "姐夫", "妹夫", "姐妹之夫")
    if codes == ("father", "brother", "spouse"):
        return _by_age(_older(nodes[2], nodes[1]), "伯母", "婶母", "叔伯母")
    return None


def _genders_from_spouses(
    nodes: Sequence[Mapping[str, Any]], steps: Sequence[KinStep]
) -> list[dict[str, Any]]:
    """The nodes, a missing gender filled in from a spouse's (the register's spouses are husband and wife),
    so a daughter's husband is 女婿 and a brother's wife 嫂子 / 弟媳 even when the middle person has no
    gender."""
    out = [dict(n) for n in nodes]
    for _ in range(len(steps)):
        for i, s in enumerate(steps):
            if s.type != "SPOUSE_OF":
                continue
            a, b = out[i], out[i + 1]
            if _gender(a) is None and _gender(b) is not None:
                a["gender"] = "女" if b["gender"] == "男" else "男"
            elif _gender(b) is None and _gender(a) is not None:
                b["gender"] = "女" if a["gender"] == "男" else "男"
    return out


def name_path(nodes: Sequence[Mapping[str, Any]], steps: Sequence[KinStep]) -> KinName:
    """The arrow form and kin term of a kinship path; ``nodes`` are person property dicts (gender,
    birth_date) from ego to the relative, one more than ``steps``."""
    if len(nodes) != len(steps) + 1:
        raise ValueError("a path has one more node than steps")
    if not steps:
        return KinName("本人", "本人", 0)
    nodes = _genders_from_spouses(nodes, steps)
    codes = tuple(step_code(s, nodes[i + 1]) for i, s in enumerate(steps))
    words = [WORDS[c] for c in codes]
    term = _term(codes, nodes) or "的".join(words)
    return KinName("→".join(words), term, len(steps))
