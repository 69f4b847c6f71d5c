"""The API behind outputs an office can use: a case as tables, the township → village picker, a person's card
(一人一档) and a case's DOCX forms — names instead of codes, Chinese labels, identifiers masked per role."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.stores import loaded_store
from tests.test_api import RESIDENT_ID, WORLD_CHECKS, Env, make_env, person_ref
from tests.test_checks import world
from tests.test_outputs_chinese import CODE12, chinese


@pytest.fixture(scope="module")
def outputs_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = world().write(tmp_path_factory.mktemp("outputs-data") / "world")
    # the optional orgs source (Chinese headers) names every village, over the cadres' register's names
    rows = [
        f"1401070011{i:02d},{v}村"
        for i, v in enumerate("东坪 西坪 南坪 北坪 上庄 下庄 前营 后营 中营".split(), 1)
    ]
    (data / "orgs.csv").write_text(
        "单位代码,名称\n140107001,巨轮街道\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )
    return data


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, outputs_data: Path) -> Iterator[Env]:
    tmp = tmp_path_factory.mktemp("outputs-api")
    store = loaded_store(tmp, outputs_data)
    e = make_env(store, tmp / "state")
    r = e.call("auditor", "POST", "/api/checks/run", json={"checks": WORLD_CHECKS})
    assert r.status_code == 200, r.text
    yield e
    store.close()


def case_with(env: Env, record: str) -> dict:
    items = env.ok("auditor", "/api/cases", limit=500)["items"]
    return next(c for c in items if record in c["record_ids"])


def test_places_are_a_named_township_village_tree(env: Env) -> None:
    tree = env.ok("investigator", "/api/places")
    assert tree and all(len(t["code"]) == 9 for t in tree)
    town = next(t for t in tree if t["code"] == "140107001")
    assert town["name"] == "巨轮街道"
    assert town["villages"] and all(v["name"] and v["name"] != v["code"] for v in town["villages"])
    assert {v["code"]: v["name"] for v in town["villages"]}[
        "140107001101"
    ] == "东坪村"  # not 140107001101单位
    # the picker's village code filters the list
    v = town["villages"][0]["code"]
    page = env.ok("investigator", "/api/cases", org=v)
    assert page["items"] and all(c["org_code"].startswith(v) for c in page["items"])


def test_case_tables_name_people_and_their_kin(env: Env) -> None:
    case = case_with(env, "KA-S1")
    t = env.ok("investigator", f"/api/cases/{case['case_id']}/tables")
    assert all(chinese(x) for group in t["labels"].values() for x in group.values())
    pay = next(p for p in t["payments"] if p["id"] == "KA-S1")
    assert (pay["date"], pay["program"], pay["amount"], pay["approver"], pay["recipient"]) == (
        "2024-04-01",
        "危房改造",
        20000.0,
        "赵书记",
        "赵儿",
    )
    people = {p["name"]: p for p in t["people"]}
    assert people["赵书记"]["kin"] == "本人" and "村党支部书记" in people["赵书记"]["posts"]
    assert people["赵儿"]["kin"] == "子女"
    blob = json.dumps(t, ensure_ascii=False)
    assert not RESIDENT_ID.search(blob)  # masked for the investigator
    assert not CODE12.search(
        json.dumps({k: t[k] for k in ("org", "explanation", "people")}, ensure_ascii=False)
    )
    assert t["group"] is None


def test_person_card_has_everything_and_masks_per_role(env: Env) -> None:
    ref = person_ref(env, "investigator", "赵书记")
    card = env.ok("investigator", f"/api/people/{quote(ref, safe='')}")
    assert card["name"] == "赵书记" and all(chinese(s) for s in card["sections"].values())
    assert all(chinese(f["zh"]) for f in card["fields"])
    assert {p["title"] for p in card["posts"]} == {"村党支部书记"}
    assert {k["relation"] for k in card["kin"]} >= {"配偶", "子女"}
    assert {p["id"] for p in card["approved"]} >= {"KA-S1", "KA-B1"}
    assert card["approved_total"] == round(sum(p["amount"] for p in card["approved"]), 2)
    assert any(m["self"] for m in card["household"])
    assert card["cases"] and all(c["role"] for c in card["cases"])
    assert any("KA-S1" in c["case_id"] or c["checks"] for c in card["cases"])
    blob = json.dumps(card, ensure_ascii=False)
    assert not RESIDENT_ID.search(blob)
    assert not CODE12.search(blob), re.findall(r".{60}" + CODE12.pattern + ".{20}", blob)
    # the auditor sees the IDs; the investigator's opaque ref means nothing to another caller's plain form
    full = env.ok("auditor", f"/api/people/{quote(person_ref(env, 'auditor', '赵书记'), safe='')}")
    assert RESIDENT_ID.search(full["id"])
    assert env.get("investigator", f"/api/people/Person:{full['id']}").status_code == 404
    # a kin's card is one click away
    son = next(k for k in card["kin"] if k["relation"] == "子女")
    assert env.ok("investigator", f"/api/people/{quote(son['ref'], safe='')}")["name"] == son["name"]


def docx_text(content: bytes) -> str:
    xml = zipfile.ZipFile(io.BytesIO(content)).read("word/document.xml").decode("utf-8")
    return re.sub(r"<[^>]+>", "", xml)


@pytest.mark.parametrize(
    "form,title,sign", [("handoff", "问题线索交办单", "签收人"), ("approval", "处置呈批表", "主要领导批示")]
)
def test_case_docx_forms(env: Env, form: str, title: str, sign: str, tmp_path: Path) -> None:
    case = case_with(env, "KA-S1")
    r = env.get("investigator", f"/api/cases/{case['case_id']}/docx", form=form)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessing"
    )
    text = docx_text(r.content)
    for want in (title, sign, "危房改造", "20,000.00", "赵书记", "与干部关系", "第一百二十四条"):
        assert want in text, want
    assert not RESIDENT_ID.search(text)
    assert env.get("investigator", f"/api/cases/{case['case_id']}/docx", form="x").status_code == 422


def test_exported_workbook_carries_the_case_review(env: Env) -> None:
    from openpyxl import load_workbook

    case = case_with(env, "KA-S1")
    r = env.call(
        "auditor",
        "POST",
        f"/api/cases/{case['case_id']}/review",
        json={"status": "核查中", "comment": "已交办镇纪委核实"},
    )
    assert r.status_code == 200, r.text
    fid = case["finding_ids"][0]
    r = env.get("analyst", f"/api/findings/{fid}/export", format="xlsx")
    assert r.status_code == 200, r.text
    rows = list(load_workbook(io.BytesIO(r.content))["线索"].values)
    row = dict(zip(rows[0], next(x for x in rows[1:] if fid in x)))
    assert (row["核查状态"], row["核查意见"]) == ("核查中", "已交办镇纪委核实")
