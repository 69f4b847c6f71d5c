"""Cases: folding findings by subject, money bands, identity across runs (merge, split, gone), re-opening, and
the command line and API over them."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from graphaudit.cases.fold import BAND_BELOW, BAND_REACHED, CLUSTER, CORROBORATION, fold
from graphaudit.cases.review import CommentRequired, Status, TransitionError
from graphaudit.cases.store import CaseStore, Change
from graphaudit.cli.main import app
from graphaudit.findings import Finding, make_finding_id
from graphaudit.state import State
from tests.stores import loaded_store
from tests.test_api import WORLD_CHECKS, Env, make_env
from tests.test_checks import world

runner = CliRunner()
TITLES = {"kin_approved_subsidy": "审批人向亲属发放补贴"}


def paid(recipient: str) -> dict[str, Any]:
    """An evidence path ending in a payment paid to ``recipient``."""
    return {
        "nodes": [
            {"label": "Person", "id": "A", "caption": "A"},
            {"label": "Payment", "id": "x", "caption": "x"},
            {"label": "Person", "id": recipient, "caption": recipient},
        ],
        "relationships": [{"type": "APPROVED", "direction": "->"}, {"type": "PAID_TO", "direction": "->"}],
    }


def F(
    check: str,
    subject: str,
    records: dict[str, float],
    *,
    severity: int = 60,
    people: tuple[str, ...] = ("A", "R"),
    fund: str = "低保",
    details: dict[str, Any] | None = None,
) -> Finding:
    return Finding(
        finding_id=make_finding_id(check, [subject]),
        check=check,
        severity=severity,
        amount=sum(records.values()),
        org_code="141124107201",
        person_ids=list(people),
        record_ids=sorted(records),
        path=paid(people[-1]),
        explanation=f"{check}:{subject}",
        details={"record_money": {r: [a, fund] for r, a in records.items()}, **(details or {})},
    )


# -- folding ------------------------------------------------------------------------------------------------
def test_findings_on_the_same_records_or_subject_are_one_case() -> None:
    kin = F("kin_approved_subsidy", "R", {"P1": 600, "P2": 600}, severity=80)
    fam = F("cadre_family_beneficiary", "R", {"P1": 600, "P2": 600, "P3": 600}, severity=65)
    dead = F("deceased_recipient", "R", {"P9": 500}, severity=70)  # same recipient, other records
    other = F("shared_account", "acct", {"Q1": 100, "Q2": 100}, people=("B", "S"))
    contract = F("kin_contract", "K1", {"K1": 50_000}, fund="合同", details={"contractor_id": "CO"})
    company = F("hidden_link", "CO", {"K2": 20_000}, fund="合同", details={"company_id": "CO"})
    cases = fold([kin, fam, dead, other, contract, company])
    assert len(cases) == 3
    top = next(c for c in cases if "kin_approved_subsidy" in c.checks)
    assert top.checks == ["kin_approved_subsidy", "deceased_recipient", "cadre_family_beneficiary"]
    assert top.record_ids == ["P1", "P2", "P3", "P9"] and top.amount == 600 * 3 + 500  # each record once
    assert top.severity == 80 + 2 * CORROBORATION
    assert "另有2项检查印证" in top.explanation(TITLES)
    firm = next(c for c in cases if "kin_contract" in c.checks)
    assert set(firm.checks) == {"kin_contract", "hidden_link"} and firm.amount == 70_000
    held = Counter(r for c in cases for r in c.record_ids)
    assert max(held.values()) == 1


def test_severity_is_capped_and_legal_basis_follows_the_checks() -> None:
    fs = [
        F(c, "R", {"P1": 1}, severity=98)
        for c in ("kin_approved_subsidy", "cadre_family_beneficiary", "duplicate_payment")
    ]
    (case,) = fold(fs)
    assert case.severity == 100
    assert len(case.legal_basis) == 2
    for basis, article in zip(case.legal_basis, ("第一百二十四条", "第一百二十二条")):
        assert basis.startswith("《中国共产党纪律处分条例》（2023年修订）" + article), basis


def test_a_cluster_links_the_cases_inside_it_without_counting_them_again() -> None:
    kin = F("kin_approved_subsidy", "R", {"P1": 5000})
    ring = F(CLUSTER, "core", {"P1": 5000, "P7": 800}, severity=75, people=("A", "B", "R"))
    cases = fold([kin, ring])
    assert len(cases) == 2
    cl = next(c for c in cases if c.checks == [CLUSTER])
    assert cl.linked == [kin.finding_id] and cl.record_ids == ["P7"] and cl.amount == 800
    assert sum(c.amount for c in cases) == 5800


def test_money_band_is_summed_per_cadre() -> None:
    # relief money: one cadre's 2 cases at ¥6,000 reach ¥10,000 together; another cadre's ¥9,000 does not
    a = F("kin_approved_subsidy", "R1", {"P1": 6000}, people=("CADRE", "R1"))
    b = F("kin_approved_subsidy", "R2", {"P2": 6000}, people=("CADRE", "R2"))
    c = F("kin_approved_subsidy", "R3", {"P3": 9000}, people=("OTHER", "R3"))
    # other money: ¥29,000 of contracts is below ¥30,000, ¥30,000 reaches it
    d = F(
        "kin_contract", "K1", {"K1": 29_000}, fund="合同", people=("C2", "X"), details={"contractor_id": "1"}
    )
    e = F(
        "kin_contract", "K2", {"K2": 30_000}, fund="合同", people=("C3", "Y"), details={"contractor_id": "2"}
    )
    bands = {c.lead.finding_id: c for c in fold([a, b, c, d, e])}
    assert bands[a.finding_id].money_band == bands[b.finding_id].money_band == BAND_REACHED
    assert "该干部2条线索合计" in bands[a.finding_id].band_note
    assert bands[c.finding_id].money_band == BAND_BELOW
    assert bands[d.finding_id].money_band == BAND_BELOW and bands[e.finding_id].money_band == BAND_REACHED


# -- identity across runs -----------------------------------------------------------------------------------
@pytest.fixture
def store(tmp_path: Path) -> CaseStore:
    return CaseStore(State(tmp_path / "state"))


def record(store: CaseStore, run: int, *fs: Finding) -> dict[str, int]:
    return store.record(run, fold(fs), TITLES)


def ids(store: CaseStore) -> dict[str, dict[str, Any]]:
    return {c["case_id"]: c for c in store.query(limit=None)[1]}


def test_a_case_keeps_its_id_and_review_as_records_grow_and_reopens(store: CaseStore) -> None:
    record(store, 1, F("kin_approved_subsidy", "R", {"P1": 600}))
    (cid,) = ids(store)
    store.review(cid, Status.verifying, "交办", "甲")
    store.review(cid, Status.substantiated, "属实", "甲")
    changes = record(store, 2, F("kin_approved_subsidy", "R", {"P1": 600}))
    assert changes[Change.unchanged] == 1 and ids(store)[cid]["status"] == "属实"
    changes = record(store, 3, F("kin_approved_subsidy", "R", {"P1": 600, "P2": 600}))
    case = ids(store)[cid]
    assert changes[Change.changed] == 1 and case["change"] == Change.changed
    assert case["status"] == "核查中" and case["reviews"][-1]["by"] == "系统"
    assert (
        "新增记录1笔" in case["reviews"][-1]["comment"]
        and "金额由600.00元变为1,200.00元" in case["reviews"][-1]["comment"]
    )
    assert [r["comment"] for r in case["reviews"][:2]] == ["交办", "属实"]
    # gone, then back under the same id
    assert record(store, 4, F("shared_account", "acct", {"Q1": 1, "Q2": 1}))[Change.gone] == 1
    assert ids(store)[cid]["change"] == Change.gone and ids(store)[cid]["gone"]
    record(store, 5, F("kin_approved_subsidy", "R", {"P1": 600, "P2": 600, "P3": 600}))
    assert ids(store)[cid]["change"] == Change.changed and not ids(store)[cid]["gone"]


def test_merged_cases_keep_the_older_id_and_alias_the_other(store: CaseStore) -> None:
    record(store, 1, F("kin_approved_subsidy", "R1", {"P1": 600}))
    (old,) = ids(store)
    record(
        store,
        2,
        F("kin_approved_subsidy", "R1", {"P1": 600}),
        F("shared_account", "acct", {"Q1": 1, "Q2": 1}),
    )
    young = next(c for c in ids(store) if c != old)
    store.review(young, Status.verifying, "账户归属待查", "乙")
    # a new finding shares records with both: one case, the older id survives with both reviews' history
    record(
        store,
        3,
        F("kin_approved_subsidy", "R1", {"P1": 600}),
        F("shared_account", "acct", {"Q1": 1, "Q2": 1, "P1": 600}),
    )
    now = ids(store)
    assert list(now) == [old]
    assert store.resolve(young) == old and store.get(old)["aliases"] == [young]  # type: ignore[index]
    assert now[old]["status"] == "核查中" and now[old]["reviews"][0]["comment"] == "账户归属待查"
    assert any("并入本线索" in h["text"] for h in store.get(old)["history"])  # type: ignore[index]


def test_a_split_case_keeps_its_id_for_the_larger_part_and_its_review_goes_to_both(store: CaseStore) -> None:
    big = F("kin_approved_subsidy", "R1", {"P1": 600, "P2": 600, "P3": 600})
    acct = F("shared_account", "acct", {"P3": 600, "Q1": 1})
    record(store, 1, big, acct)
    (cid,) = ids(store)
    store.review(cid, Status.verifying, "一并核查", "甲")
    # the account no longer receives P3: two cases; the larger part keeps the id, the other starts reviewed
    record(store, 2, big, F("shared_account", "acct", {"Q1": 1, "Q2": 1}))
    now = ids(store)
    assert len(now) == 2 and now[cid]["record_ids"] == ["P1", "P2", "P3"]
    (other,) = [c for c in now if c != cid]
    assert now[other]["status"] == "核查中" and now[other]["reviews"][0]["comment"] == "一并核查"
    assert any(f"由线索{cid}拆分而来" in h["text"] for h in store.get(other)["history"])  # type: ignore[index]
    assert now[cid]["reviews"][0]["comment"] == "一并核查"


def test_reviews_move_through_the_workflow_only(store: CaseStore) -> None:
    record(store, 1, F("kin_approved_subsidy", "R", {"P1": 600}))
    (cid,) = ids(store)
    with pytest.raises(TransitionError):
        store.review(cid, Status.substantiated, "x", "甲")
    store.review(cid, Status.verifying, "", "甲")
    with pytest.raises(CommentRequired):
        store.review(cid, Status.unsubstantiated, "", "甲")


# -- the command line and the API ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    tmp = tmp_path_factory.mktemp("cases-cli")
    store = loaded_store(tmp, world().write(tmp / "world"))
    store.close()
    db = tmp / "g.db"
    res = runner.invoke(app, ["check", "--db", str(db), "--out", str(tmp / "f.json")])
    assert res.exit_code == 0, res.output
    assert "线索" in res.output and "新增" in res.output
    yield db


def test_cases_cli_list_show_review(checked: Path) -> None:
    res = runner.invoke(app, ["cases", "list", "--db", str(checked), "--json"])
    assert res.exit_code == 0, res.output
    cases = json.loads(res.output)
    findings = json.loads((checked.parent / "f.json").read_text(encoding="utf-8"))
    assert 0 < len(cases) < len(findings)
    assert {f["finding_id"] for f in findings} == {fid for c in cases for fid in c["finding_ids"]}
    for key in (
        "case_id", "status", "change", "checks", "finding_ids", "record_ids", "person_ids", "amount",
        "severity", "org_code", "org_name", "explanation", "legal_basis", "money_band", "first_seen",
        "last_changed", "reviews",
    ):  # fmt: skip
        assert key in cases[0], key
    assert all("*" in p for c in cases for p in c["person_ids"] if len(p) == 18)  # masked
    cid = cases[0]["case_id"]
    res = runner.invoke(
        app,
        [
            "cases",
            "review",
            cid,
            "--db",
            str(checked),
            "--status",
            "核查中",
            "--comment",
            "请核实",
            "--by",
            "王审核",
        ],
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["cases", "show", cid, "--db", str(checked), "--json", "--show-ids"])
    shown = json.loads(res.output)
    assert shown["status"] == "核查中" and shown["reviews"][-1]["by"] == "王审核"
    assert any(len(p) == 18 and "*" not in p for p in shown["person_ids"])
    res = runner.invoke(app, ["cases", "list", "--db", str(checked), "--status", "核查中", "--json"])
    assert [c["case_id"] for c in json.loads(res.output)] == [cid]
    res = runner.invoke(app, ["cases", "review", cid, "--db", str(checked), "--status", "属实"])
    assert res.exit_code == 1 and "核查意见" in res.output
    xlsx = checked.parent / "cases.xlsx"
    res = runner.invoke(app, ["cases", "list", "--db", str(checked), "--out", str(xlsx)])
    assert res.exit_code == 0, res.output
    from openpyxl import load_workbook

    ws = load_workbook(xlsx).active
    head = [c.value for c in ws[1]]
    assert (
        head[:3] == ["线索编号", "核查状态", "较上次运行"]
        and "纪律处分条例依据" in head
        and "金额档次" in head
    )
    assert ws.max_row == len(cases) + 1
    row = {h: c.value for h, c in zip(head, ws[2])}
    assert row["纪律处分条例依据"].startswith("《中国共产党纪律处分条例》")
    res = runner.invoke(app, ["cases", "list", "--db", str(checked), "--change", "sideways"])
    assert res.exit_code == 1
    # a second run: nothing changed
    res = runner.invoke(app, ["check", "--db", str(checked), "--out", str(checked.parent / "f2.json")])
    res = runner.invoke(app, ["cases", "list", "--db", str(checked), "--change", "unchanged", "--json"])
    assert len(json.loads(res.output)) == len(cases)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    tmp = tmp_path_factory.mktemp("cases-api")
    store = loaded_store(tmp, world().write(tmp / "world"))
    e = make_env(store, tmp / "state")
    r = e.call("auditor", "POST", "/api/checks/run", json={"checks": WORLD_CHECKS})
    assert r.status_code == 200, r.text
    yield e
    store.close()


def test_api_cases_list_detail_review_and_alias(api: Env) -> None:
    page = api.ok("investigator", "/api/cases")
    assert page["total"] == len(page["items"]) > 0
    sev = [c["severity"] for c in page["items"]]
    assert sev == sorted(sev, reverse=True)
    assert all(c["change"] == "新增" and c["legal_basis"] for c in page["items"])
    assert api.ok("investigator", "/api/cases", change="gone")["total"] == 0
    assert api.ok("investigator", "/api/cases", check="deceased_recipient")["total"] >= 1
    reached = api.ok("investigator", "/api/cases", band="reached")["items"]
    assert reached and all(c["money_band"] == "可能达到刑事立案标准" for c in reached)
    cid = page["items"][0]["case_id"]
    d = api.ok("investigator", f"/api/cases/{cid}")
    assert d["case"]["case_id"] == cid and d["findings"] and d["graph"]["nodes"]
    assert (
        api.call("investigator", "POST", f"/api/cases/{cid}/review", json={"status": "核查中"}).status_code
        == 403
    )
    r = api.call("auditor", "POST", f"/api/cases/{cid}/review", json={"status": "核查中", "comment": "交办"})
    assert r.status_code == 200 and r.json()["status"] == "核查中"
    r = api.call("auditor", "POST", f"/api/cases/{cid}/review", json={"status": "属实"})
    assert r.status_code == 422
    # an absorbed id redirects to its survivor (JSON for the API, a page for the pages)
    with api.app.state.services.state.connect() as c:
        c.execute("INSERT INTO case_aliases VALUES ('Cold', ?, 1, 'now')", (cid,))
    r = api.get("investigator", "/api/cases/Cold")
    assert r.status_code == 307 and r.headers["location"] == f"/api/cases/{cid}"
    r = api.get("investigator", "/cases/Cold")
    assert r.status_code == 303 and r.headers["location"].startswith(f"/cases/{cid}")
    assert api.get("investigator", f"/cases/{cid}").status_code == 200
    missing = api.get("investigator", "/cases/nothing")
    assert missing.status_code == 404 and "没有这条线索" in missing.text and "<html" in missing.text
    assert api.get("investigator", "/api/cases/nothing").status_code == 404
    s = api.ok("investigator", "/api/cases/summary")
    assert s["by_status"]["核查中"] == 1 and s["last_run"]["data_version"]
