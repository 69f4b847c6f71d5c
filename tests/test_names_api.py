"""The name review queue over the API (graphaudit.api.names): candidates side by side with their evidence,
masked per role (a masked role recovers no ID: no key, no birth date, no item id), decisions in bulk by the
roles that may decide, all or none, each in the audit log, and applied by the next load."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graphaudit.ingest.pipeline import ingest, prepare
from graphaudit.ingest.review import NameReviews
from graphaudit.state import State
from graphaudit.store.embedded import LadybugStore
from tests.stores import SMALL_DB
from tests.test_api import Env, make_env
from tests.test_matching import TW, V1, V2, A, C, E, county  # noqa: F401  (county: the fixture)

VILLAGES = {V1: "东坪村", V2: "西坪村", TW: "坪上镇"}


def append(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open(encoding="utf-8") as fh:
        head = next(csv.reader(fh))
    with path.open("a", encoding="utf-8", newline="") as fh:
        csv.DictWriter(fh, fieldnames=head, restval="").writerows(rows)


def names_world(county: Path, out: Path) -> Path:  # noqa: F811
    """The matching county, with three names to review: 刘玮 (a sound-alike of 刘伟 in the household), 张伟
    approving in 西坪村 (a common name found only county-wide: the cadre 张伟) and 张伟 contracting with the
    township (two 张伟 in it), and village names."""
    d = shutil.copytree(county, out)
    (d / "orgs.csv").write_text(
        "单位代码,单位名称\n" + "".join(f"{c},{n}\n" for c, n in VILLAGES.items()), encoding="utf-8"
    )
    append(
        d / "subsidies_2024-01.csv",
        [
            {
                "发放编号": "P8",
                "补贴项目": "低保",
                "领取人身份证号": E,
                "领取人姓名": "张伟",
                "户号": "H4",
                "村代码": V2,
                "发放金额": "600",
                "发放日期": "2024-01-15",
                "审核人": "张伟",
            }
        ],
    )
    append(
        d / "contracts.csv",
        [
            {
                "合同编号": "K8",
                "发包单位代码": TW,
                "承包方名称": "张伟",
                "合同金额": "90000",
                "签订日期": "2024-03-01",
            }
        ],
    )
    return d


def load_names_world(county: Path, tmp: Path) -> tuple[Path, LadybugStore]:  # noqa: F811
    """The names world written and loaded with the state's decisions; its review queue saved in the state."""
    data = names_world(county, tmp / "world")
    reviews = NameReviews(State(tmp / "state"))
    store = LadybugStore(tmp / "g.db", max_db_size=SMALL_DB)
    rep = ingest(data, store, None, reviews.decisions())
    assert rep.names is not None
    reviews.save_queue(rep.names.pending)
    return data, store


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, county: Path) -> Iterator[Env]:  # noqa: F811
    tmp = tmp_path_factory.mktemp("names-api")
    data, store = load_names_world(county, tmp)
    e = make_env(store, tmp / "state")
    e.app.state.data = data
    yield e
    store.close()


def queue(e: Env, who: str, **params: Any) -> dict[str, Any]:
    r = e.call(who, "GET", "/api/names/review", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def by_name(q: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(it["role"], it["name"]): it for it in q["items"]}


def test_queue_shows_candidates_side_by_side_with_their_evidence(env: Env) -> None:
    q = queue(env, "auditor")
    items = by_name(q)
    assert (
        q["may_decide"]
        and q["open"] == 3
        and set(items)
        == {
            ("recipient", "刘玮"),
            ("approver", "张伟"),
            ("contractor", "张伟"),
        }
    )
    (c,) = items[("recipient", "刘玮")]["candidates"]
    assert (c["key"], c["name"], c["household"], c["village"]) == (C, "刘伟", "H2", "坪上镇 东坪村")
    assert c["birth_date"] and c["birth_date"][:4] == "1970" and c["registered"]
    assert items[("recipient", "刘玮")]["rows"] == [
        {"source": "补贴发放", "file": "subsidies_2024-01.csv", "row": 8}
    ]
    (cadre,) = items[("approver", "张伟")]["candidates"]
    assert cadre["key"] == A and any("村党支部书记" in p for p in cadre["posts"])
    assert items[("approver", "张伟")]["reason_zh"] == "常见姓名、范围较宽"
    assert {x["key"] for x in items[("contractor", "张伟")]["candidates"]} == {A, E}
    assert {x["village"] for x in items[("contractor", "张伟")]["candidates"]} == {
        "坪上镇 东坪村",
        "坪上镇 西坪村",
    }
    assert queue(env, "auditor", role="contractor")["total"] == 1


@pytest.mark.parametrize("role", ["analyst", "investigator"])
def test_a_masked_role_sees_the_queue_but_recovers_no_id(env: Env, role: str) -> None:
    full = queue(env, "auditor")
    masked = queue(env, role)
    assert not masked["may_decide"] and masked["open"] == 3
    text = json.dumps(masked, ensure_ascii=False)
    secrets = {A, C, E} | {it["item_id"] for it in full["items"]}
    secrets |= {c["birth_date"] for it in full["items"] for c in it["candidates"] if c["birth_date"]}
    assert not [s for s in secrets if s in text]
    cands = [c for it in masked["items"] for c in it["candidates"]]
    assert all(c["birth_date"] is None for c in cands)
    # region, eight stars, digits 15-16, two stars (docs/findings.md §2)
    assert {c["key"] for c in cands} == {x[:6] + "*" * 8 + x[14:16] + "**" for x in (A, C, E)}
    assert {c["village"] for c in cands} >= {"坪上镇 东坪村"}  # the evidence is there, by name


def audit(e: Env, action: str) -> list[dict[str, Any]]:
    with State(e.state).connect() as c:
        rows = c.execute("SELECT * FROM audit_log WHERE action = ? ORDER BY id", (action,)).fetchall()
    return [dict(r, params=json.loads(r["params"])) for r in rows]


def test_roles_that_may_not_decide_are_refused_and_logged(env: Env) -> None:
    item = by_name(queue(env, "auditor"))[("recipient", "刘玮")]["item_id"]
    body = {"decisions": [{"item_id": item, "verdict": "是同一人"}]}
    for role in ("analyst", "investigator"):
        r = env.call(role, "POST", "/api/names/decisions", json=body)
        assert r.status_code == 403, r.text
    assert env.call(None, "POST", "/api/names/decisions", json=body).status_code == 401
    assert [(a["role"], a["status"]) for a in audit(env, "names.decide")] == [
        ("analyst", 403),
        ("investigator", 403),
        ("", 401),
    ]
    assert queue(env, "auditor")["open"] == 3 and not audit(env, "names.decision")


def test_bulk_decisions_all_or_none_audited_and_applied_by_the_next_load(env: Env) -> None:
    items = by_name(queue(env, "auditor"))
    soundalike = items[("recipient", "刘玮")]["item_id"]
    common = items[("approver", "张伟")]["item_id"]
    several = items[("contractor", "张伟")]["item_id"]
    good0 = {"item_id": soundalike, "verdict": "是同一人", "candidate": C}
    bad = [
        good0,
        {"item_id": several, "verdict": "是同一人"},  # two candidates: which one?
    ]
    r = env.call("auditor", "POST", "/api/names/decisions", json={"decisions": bad})
    assert r.status_code == 400 and "候选人" in r.json()["detail"]
    assert queue(env, "auditor")["open"] == 3  # none recorded
    r = env.call("auditor", "POST", "/api/names/decisions", json={"decisions": [{**good0, "item_id": "x"}]})
    assert r.status_code == 404 and "没有待核对项" in r.json()["detail"]
    r = env.call(
        "auditor",
        "POST",
        "/api/names/decisions",
        json={"decisions": [{"item_id": soundalike, "verdict": "也许"}]},
    )
    assert r.status_code == 422
    good = [
        {"item_id": soundalike, "verdict": "是同一人", "candidate": C},
        {"item_id": common, "verdict": "不是"},
        {"item_id": several, "verdict": "不确定"},
    ]
    r = env.call("auditor", "POST", "/api/names/decisions", json={"decisions": good})
    assert r.status_code == 200, r.text
    assert r.json()["left"] == 1  # 不确定 leaves the item open: asked again
    q = queue(env, "auditor")
    assert [it["name"] for it in q["items"]] == ["张伟"] and q["items"][0]["role"] == "contractor"
    assert {c["decision"] for c in q["items"][0]["candidates"]} == {"不确定"}
    done = {
        (x["name"], c["decision"])
        for x in by_name(queue(env, "auditor", all="true")).values()
        if x["decided"]
        for c in x["candidates"]
    }
    assert done == {("刘玮", "是同一人"), ("张伟", "不是")}
    logged = audit(env, "names.decision")
    assert sorted(
        (a["who"], a["status"], a["params"]["candidate"], a["params"]["verdict"]) for a in logged
    ) == sorted(
        [
            ("auditor用户", 200, C, "是同一人"),
            ("auditor用户", 200, A, "不是"),
            ("auditor用户", 200, A, "不确定"),
            ("auditor用户", 200, E, "不确定"),
        ]
    )
    # the next load applies them: 刘玮 is 刘伟 (by review); the approver 张伟 is not the cadre: unmatched
    _, graph, rep = prepare({}, env.app.state.data, decisions=NameReviews(State(env.state)).decisions())
    paid = {r["from"]: r for r in graph.rels[("PAID_TO", "Payment", "Person")].to_dict("records")}
    assert (paid["P7"]["to"], paid["P7"]["matched_by"]) == (C, "review")
    approved = {r["to"]: r for r in graph.rels[("APPROVED", "Person", "Payment")].to_dict("records")}
    assert approved["P8"]["matched_by"] == "unmatched" and approved["P8"]["from"] != A
    assert rep.names is not None and [p["name"] for p in rep.names.pending] == ["张伟"]
