"""一户一档 through the API: a household's members, every payment, programmes, approvers, accounts, posts and
the cases touching any member; masked per role, written to the audit log, reached from the person card and
the case tables (the browser side is in tests/test_web_outputs.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.stores import loaded_store
from tests.test_api import RESIDENT_ID, WORLD_CHECKS, Env, make_env, person_ref
from tests.test_outputs_api import outputs_data  # noqa: F401  (the fixture: world + the orgs source)
from tests.test_outputs_chinese import CODE12, chinese


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, outputs_data: Path) -> Iterator[Env]:  # noqa: F811
    tmp = tmp_path_factory.mktemp("household-api")
    store = loaded_store(tmp, outputs_data)
    e = make_env(store, tmp / "state")
    r = e.call("auditor", "POST", "/api/checks/run", json={"checks": WORLD_CHECKS})
    assert r.status_code == 200, r.text
    yield e
    store.close()


def household_of(env: Env, role: str, name: str) -> dict:
    card = env.ok(role, f"/api/people/{quote(person_ref(env, role, name), safe='')}")
    row = next(m for m in card["household"] if m["self"])
    assert row["household_ref"].startswith("Household:")
    return env.ok(role, f"/api/households/{quote(row['household_ref'], safe='')}")


def test_household_has_members_payments_programmes_approvers_and_cases(env: Env) -> None:
    h = household_of(env, "investigator", "赵书记")
    assert h["id"] == "A1" and h["head"] == "赵书记"
    assert [m["name"] for m in h["members"]][0] == "赵书记"  # the head first
    assert {m["name"] for m in h["members"]} == {"赵书记", "钱妻", "赵儿"}
    assert h["village"].endswith("东坪村") and h["address"] == "东坪村A1号"  # not 东坪村村A1号
    assert all(chinese(s) for s in h["sections"].values())
    # every payment the members received, once, adding up; the programmes and approvers say the same sum
    card = env.ok("investigator", f"/api/people/{quote(person_ref(env, 'investigator', '赵儿'), safe='')}")
    son_got = {p["id"] for p in card["received"]}
    assert son_got and son_got <= {p["id"] for p in h["received"]}
    ids = [(p["id"], p["recipient"]) for p in h["received"]]
    assert len(ids) == len(set(ids))
    total = round(sum(p["amount"] for p in h["received"]), 2)
    assert h["received_total"] == total == round(sum(g["amount"] for g in h["programs"]), 2)
    assert round(sum(a["amount"] for a in h["approvers"]), 2) == total
    assert sum(g["count"] for g in h["programs"]) == len(h["received"])
    # 赵书记 approved payments: the household page lists them under the members' approvals
    assert {"KA-S1", "KA-B1"} <= {p["id"] for p in h["approved"]}
    assert any(p["title"] == "村党支部书记" and p["name"] == "赵书记" for p in h["posts"])
    assert any("村党支部书记" in m["posts"] for m in h["members"] if m["name"] == "赵书记")
    # the cases touching any member, each saying which members
    assert h["cases"] and all(c["members"] for c in h["cases"])
    assert any("赵书记" in c["members"] for c in h["cases"])
    blob = json.dumps(h, ensure_ascii=False)
    assert not RESIDENT_ID.search(blob), "an investigator sees no resident ID"
    assert not CODE12.search(blob), re.findall(r".{40}" + CODE12.pattern + ".{10}", blob)
    # every member's card is one click away
    son = next(m for m in h["members"] if m["name"] == "赵儿")
    assert env.ok("investigator", f"/api/people/{quote(son['ref'], safe='')}")["name"] == "赵儿"


def test_household_masks_per_role_and_is_audit_logged(env: Env) -> None:
    full = household_of(env, "auditor", "赵书记")
    assert any(RESIDENT_ID.search(m["id"]) for m in full["members"])
    masked = household_of(env, "investigator", "赵书记")
    assert [m["name"] for m in masked["members"]] == [m["name"] for m in full["members"]]
    assert all("*" in m["id"] for m in masked["members"])
    log = env.ok("admin", "/api/audit", action="household_card")
    assert log["total"] >= 2 and {e["who"] for e in log["items"]} >= {"auditor用户", "investigator用户"}
    # not a household, a forged or a person's ref: 404; a role without read_findings: no
    assert env.get("investigator", "/api/households/Household:NOPE").status_code == 404
    assert env.get("investigator", "/api/households/Person:140107196001010031").status_code == 404
    assert env.get(None, f"/api/households/{quote(full['ref'], safe='')}").status_code == 401


def test_case_tables_link_people_to_their_household(env: Env) -> None:
    items = env.ok("auditor", "/api/cases", limit=500)["items"]
    case = next(c for c in items if "KA-S1" in c["record_ids"])
    t = env.ok("investigator", f"/api/cases/{case['case_id']}/tables")
    assert t["labels"]["people"]["household"] == "户号"
    cadre = next(p for p in t["people"] if p["name"] == "赵书记")
    assert cadre["household"] == "A1"
    assert env.ok("investigator", f"/api/households/{quote(cadre['household_ref'], safe='')}")["id"] == "A1"
