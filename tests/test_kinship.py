"""Kinship derivation from the register and the relations file (DOMAIN.md, 'Kinship')."""

from __future__ import annotations

import pandas as pd
import pytest

from graphaudit.ingest.kinship import derive_kinship, role_of


def household(hid: str, *members: tuple[str, str]) -> pd.DataFrame:
    """members: (person_key, relation to head)."""
    return pd.DataFrame(
        {
            "household_id": hid,
            "person_key": [m[0] for m in members],
            "role": [role_of(m[1]) for m in members],
            "_file": "households.csv",
            "_row": range(2, 2 + len(members)),
        }
    )


def kin_of(*households: pd.DataFrame, relations: pd.DataFrame | None = None):
    kin, issues = derive_kinship(pd.concat(households, ignore_index=True), relations)
    return kin, issues


@pytest.mark.parametrize(
    "word,role",
    [
        ("户主", "head"),
        ("配偶", "spouse"),
        ("子", "son"),
        ("长子", "son"),
        ("次子", "son"),
        ("女", "daughter"),
        ("长女", "daughter"),
        ("次女", "daughter"),
        ("父亲", "father"),
        ("母亲", "mother"),
        ("兄", "sibling"),
        ("弟", "sibling"),
        ("姐", "sibling"),
        ("妹", "sibling"),
        ("孙子", "grandchild"),
        ("孙女", "grandchild"),
        ("儿媳", "daughter_in_law"),
        ("女婿", "son_in_law"),
        ("其他", "other"),
        ("head", "head"),
        ("daughter_in_law", "daughter_in_law"),
        ("Son_In_Law", "son_in_law"),
        ("granddaughter", "grandchild"),
        ("岳母", "spouse_parent"),
    ],
)
def test_every_relation_word_has_a_role(word: str, role: str) -> None:
    assert role_of(word) == role


def test_unknown_relation_word_has_no_role() -> None:
    assert role_of("邻居") is None


def test_full_three_generation_household() -> None:
    kin, issues = kin_of(
        household(
            "H1",
            ("head", "户主"),
            ("wife", "配偶"),
            ("son", "长子"),
            ("dil", "儿媳"),
            ("gs", "孙子"),
            ("gd", "孙女"),
            ("fa", "父亲"),
            ("mo", "母亲"),
            ("bro", "弟"),
            ("daughter", "次女"),
            ("x", "其他"),
        )
    )
    assert issues == []
    assert kin.spouse == {("head", "wife"), ("dil", "son"), ("fa", "mo")}
    assert {("head", "son"), ("wife", "son"), ("head", "daughter"), ("wife", "daughter")} <= kin.parent
    assert {("son", "gs"), ("dil", "gs"), ("son", "gd"), ("dil", "gd")} <= kin.parent
    assert {("fa", "head"), ("mo", "head"), ("fa", "bro"), ("mo", "bro")} <= kin.parent
    # siblings: head & brother (registered and shared parents), son & daughter, the grandchildren
    assert {("bro", "head"), ("daughter", "son"), ("gd", "gs")} <= kin.sibling
    # 其他 gets no kinship at all
    assert not any("x" in pair for pair in kin.spouse | kin.parent | kin.sibling)


def test_son_in_law_with_only_daughter() -> None:
    kin, issues = kin_of(household("H2", ("h", "户主"), ("d", "女"), ("sil", "女婿"), ("g", "外孙女")))
    assert ("d", "sil") in kin.spouse and {("d", "g"), ("sil", "g")} <= kin.parent
    assert issues == []


def test_daughter_in_law_with_two_sons_is_ambiguous() -> None:
    kin, issues = kin_of(
        household("H3", ("h", "户主"), ("s1", "长子"), ("s2", "次子"), ("dil", "儿媳"), ("g", "孙子"))
    )
    assert not any("dil" in p for p in kin.spouse)
    assert not any(c == "g" for _, c in kin.parent)  # whose child? left out
    reasons = [i.reason for i in issues]
    assert any("儿媳" in r for r in reasons) and any("孙辈" in r for r in reasons)
    assert all(i.row is not None and i.file == "households.csv" for i in issues)
    assert ("s1", "s2") in kin.sibling


def test_grandchild_with_single_child_and_no_inlaw() -> None:
    kin, _ = kin_of(household("H4", ("h", "户主"), ("s", "子"), ("g", "孙子")))
    assert ("s", "g") in kin.parent


def test_two_heads_and_two_spouses_are_reported() -> None:
    kin, issues = kin_of(household("H5", ("a", "户主"), ("b", "户主"), ("c", "子")))
    assert kin.parent == set() and len(issues) == 2
    kin, issues = kin_of(household("H6", ("a", "户主"), ("w1", "配偶"), ("w2", "配偶"), ("c", "子")))
    assert kin.spouse == set() and ("a", "c") in kin.parent and ("w1", "c") not in kin.parent
    assert any("配偶不唯一" in i.reason for i in issues)


def test_siblings_across_households_through_a_shared_parent() -> None:
    parents = household("P", ("dad", "户主"), ("mum", "配偶"), ("stay", "子"))
    brother = household("B", ("bro", "户主"), ("bw", "配偶"))
    married_out = household("M", ("mh", "户主"), ("sis", "配偶"))
    rel = pd.DataFrame(
        {"person_id_a": ["dad", "sis"], "person_id_b": ["bro", "dad"], "relation": ["父母", "子女"]}
    )
    kin, _ = kin_of(parents, brother, married_out, relations=rel)
    assert {("dad", "bro"), ("dad", "sis")} <= kin.parent
    assert {("bro", "stay"), ("sis", "stay"), ("bro", "sis")} <= kin.sibling
    assert kin.source[("sibling", "bro", "stay")] == "derived"
    assert kin.source[("parent", "dad", "bro")] == "relations"


def test_relations_spouse_and_sibling_are_stored_once() -> None:
    rel = pd.DataFrame(
        {
            "person_id_a": ["b", "a", "y"],
            "person_id_b": ["a", "b", "x"],
            "relation": ["配偶", "spouse", "兄弟姐妹"],
        }
    )
    kin, _ = kin_of(household("E", ("zz", "户主")), relations=rel)
    assert kin.spouse == {("a", "b")} and kin.sibling == {("x", "y")}


def test_frames_are_sorted_and_typed() -> None:
    kin, _ = kin_of(household("H1", ("h", "户主"), ("w", "配偶"), ("c2", "次子"), ("c1", "长子")))
    frames = kin.frames()
    assert list(frames) == ["SPOUSE_OF", "PARENT_OF", "SIBLING_OF"]
    p = frames["PARENT_OF"]
    assert list(p.columns) == ["from", "to", "source"]
    assert list(zip(p["from"], p["to"])) == sorted(zip(p["from"], p["to"]))
