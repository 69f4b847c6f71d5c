"""The disposal of a case: 处置方式 → 交办 → 反馈 (with files) → 审核 → 销号, its rules, its survival across
loads and merges, overdue hand-offs, roles in the API, the audit log, the CLI, and the cockpit's figures and
the monthly report agreeing with each other."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from graphaudit.api.roles import Permission, Role, allowed
from graphaudit.cases.disposal import (
    MAX_FILE_BYTES,
    Attachment,
    DisposalError,
    DisposalStore,
    Method,
    Stage,
    safe_name,
)
from graphaudit.cases.report import SHEETS, write_report
from graphaudit.cases.review import Status
from graphaudit.cases.stats import figures
from graphaudit.cases.store import CaseStore
from graphaudit.cli.main import app
from graphaudit.state import DB_FILE, State
from tests.stores import loaded_store
from tests.test_api import WORLD_CHECKS, Env, make_env
from tests.test_cases import F, ids, record
from tests.test_checks import world

runner = CliRunner()
SOON = date.today() + timedelta(days=10)


@pytest.fixture
def store(tmp_path: Path) -> CaseStore:
    return CaseStore(State(tmp_path / "state"))


def one_case(store: CaseStore) -> str:
    record(store, 1, F("kin_approved_subsidy", "R", {"P1": 600, "P2": 600}))
    (cid,) = ids(store)
    return cid


def test_a_case_goes_from_new_lead_through_handoff_feedback_review_to_closing(store: CaseStore) -> None:
    cid = one_case(store)
    d = DisposalStore(store.state)
    assert d.current(cid)["stage"] == Stage.none.value
    with pytest.raises(DisposalError, match="交办前须先确定处置方式"):
        d.handoff(cid, "西坪镇纪委", SOON, "", "甲")
    d.dispose(cid, Method.verify, "涉及低保审批", "甲")
    got = d.handoff(cid, "西坪镇纪委", SOON, "核实审批材料", "甲")
    assert got["stage"] == "已交办" and got["handoff"]["to"] == "西坪镇纪委" and not got["overdue"]
    # a hand-off takes a new lead into verification, with a review entry by whoever handed it off
    case = store.get(cid)
    assert case is not None and case["status"] == "核查中" and case["reviews"][-1]["by"] == "甲"
    with pytest.raises(DisposalError, match="不能再改处置方式"):
        d.dispose(cid, Method.hold, "", "甲")
    with pytest.raises(DisposalError, match="核实情况"):
        d.feedback(cid, facts=" ", by="乙")
    with pytest.raises(DisposalError, match="类型不允许"):
        d.feedback(cid, facts="x", files=[Attachment("run.exe", b"MZ")], by="乙")
    with pytest.raises(DisposalError, match="超过10MB"):
        d.feedback(cid, facts="x", files=[Attachment("big.pdf", b"0" * (MAX_FILE_BYTES + 1))], by="乙")
    d.feedback(cid, facts="审批人与领取人系父子", removed=1, recovered=1200, by="乙",
               files=[Attachment("../../etc/核查 报告<1>.PDF", b"%PDF-1.4 report")])  # fmt: skip
    with pytest.raises(DisposalError, match="理由"):
        d.review_feedback(cid, False, "", "甲")
    back = d.review_feedback(cid, False, "未附银行流水", "甲")
    assert back["stage"] == "已交办" and back["feedback_review"]["accepted"] is False
    fb = d.feedback(cid, facts="审批人与领取人系父子，已取消低保", removed=1, recovered=1200,
                    measures="取消低保资格，追回资金", by="乙",
                    files=[Attachment("银行流水.xlsx", b"PK\x03\x04")])  # fmt: skip
    (f,) = fb["feedback"]["files"]
    assert f["name"] == "银行流水.xlsx" and d.file_path(cid, f["stored"]) is not None
    assert d.file_path(cid, "../../" + DB_FILE) is None
    files = list((store.state.folder / "attachments").rglob("*"))
    assert any(p.name.endswith("核查_报告_1_.pdf") for p in files), files
    assert all(store.state.folder / "attachments" in p.parents for p in files)
    d.review_feedback(cid, True, "", "甲")
    with pytest.raises(DisposalError, match="属实或不属实"):
        d.close(cid, "第一种形态", None, "", "丙")
    store.review(cid, Status.substantiated, "经核实属实", "甲")
    with pytest.raises(DisposalError, match="四种形态"):
        d.close(cid, "不予处理", None, "", "丙")
    with pytest.raises(DisposalError, match="应为"):
        d.close(cid, "第五种形态", None, "", "丙")
    done = d.close(cid, "第一种形态", None, "诫勉谈话", "丙")
    assert done["stage"] == "已销号" and done["closing"]["recovered"] == 1200.0  # the feedback's money
    with pytest.raises(DisposalError, match="已销号"):
        d.dispose(cid, Method.talk, "", "丙")
    kinds = [s["kind"] for s in d.steps(cid)]
    assert kinds == ["处置", "交办", "反馈", "审核反馈", "反馈", "审核反馈", "销号"]
    hist = [h for h in (store.get(cid) or {})["history"] if h["kind"] in ("交办", "销号")]
    assert [h["kind"] for h in hist] == ["交办", "销号"] and hist[0]["text"].startswith("甲：交办西坪镇纪委")


def test_a_case_concluded_without_handoff_and_an_untrue_one(store: CaseStore) -> None:
    cid = one_case(store)
    d = DisposalStore(store.state)
    d.dispose(cid, Method.conclude, "反映问题不具体", "甲")
    with pytest.raises(DisposalError, match="交办前"):
        d.handoff(cid, "镇纪委", SOON, "", "甲")
    store.review(cid, Status.verifying, "", "甲")
    store.review(cid, Status.unsubstantiated, "经核查不属实", "甲")
    with pytest.raises(DisposalError, match="不予处理"):
        d.close(cid, "第二种形态", 0, "", "丙")
    assert d.close(cid, "不予处理", 0, "", "丙")["stage"] == "已销号"


def test_a_disposal_survives_later_loads_and_merges(store: CaseStore) -> None:
    cid = one_case(store)
    d = DisposalStore(store.state)
    d.dispose(cid, Method.verify, "", "甲")
    d.handoff(cid, "镇纪委", SOON, "", "甲")
    # next month: one more payment, and a second case that a later finding joins to this one
    record(store, 2, F("kin_approved_subsidy", "R", {"P1": 600, "P2": 600, "P3": 600}),
           F("shared_account", "acct", {"Q1": 1, "Q2": 1}))  # fmt: skip
    assert d.current(cid)["stage"] == "已交办" and d.current(cid)["handoff"]["to"] == "镇纪委"
    other = next(c for c in ids(store) if c != cid)
    record(store, 3, F("kin_approved_subsidy", "R", {"P1": 600, "P2": 600, "P3": 600}),
           F("shared_account", "acct", {"Q1": 1, "Q2": 1, "P1": 600}))  # fmt: skip
    assert store.resolve(other) == cid
    assert [s["kind"] for s in d.steps(cid)] == ["处置", "交办"]
    assert d.current(cid)["stage"] == "已交办"


def test_overdue_handoffs_are_listed(store: CaseStore) -> None:
    cid = one_case(store)
    d = DisposalStore(store.state)
    d.dispose(cid, Method.talk, "", "甲")
    d.handoff(cid, "民政局", SOON, "", "甲")
    assert d.overdue() == []
    later = SOON + timedelta(days=1)
    (late,) = d.overdue(today=later)
    assert late["case_id"] == cid and late["to"] == "民政局" and d.current(cid, later)["overdue"]
    assert figures(store.state, today=later)["totals"]["overdue"] == 1
    d.feedback(cid, facts="已谈话", by="乙")
    assert d.overdue(today=later) == []


def test_an_old_state_file_gets_the_disposal_table(tmp_path: Path) -> None:
    State(tmp_path)
    with sqlite3.connect(tmp_path / DB_FILE) as c:
        c.execute("DROP TABLE case_disposal_events")
    State(tmp_path)
    with sqlite3.connect(tmp_path / DB_FILE) as c:
        assert c.execute("SELECT count(*) FROM case_disposal_events").fetchone()[0] == 0


def test_safe_names() -> None:
    assert safe_name("..\\..\\a b.PDF") == "a_b.pdf"
    assert safe_name("/etc/passwd") == "passwd"
    assert safe_name(".hidden.txt") == "hidden.txt"
    assert safe_name("核查报告（一）.docx") == "核查报告（一）.docx"


def test_roles_decide_who_hands_off_and_who_closes() -> None:
    assert not allowed(Role.investigator, Permission.handoff)
    assert allowed(Role.auditor, Permission.handoff) and not allowed(Role.auditor, Permission.close)
    assert allowed(Role.analyst, Permission.feedback) and not allowed(Role.analyst, Permission.handoff)
    assert allowed(Role.admin, Permission.close)


# -- figures and the report ---------------------------------------------------------------------------------
def test_figures_add_up_and_the_report_writes_them(store: CaseStore, tmp_path: Path) -> None:
    record(store, 1, F("kin_approved_subsidy", "R", {"P1": 600}),
           F("shared_account", "acct", {"Q1": 100, "Q2": 50}))  # fmt: skip
    cid = next(iter(ids(store)))
    d = DisposalStore(store.state)
    d.dispose(cid, Method.conclude, "", "甲")
    store.review(cid, Status.verifying, "", "甲")
    store.review(cid, Status.substantiated, "属实", "甲")
    d.close(cid, "第一种形态", 300, "", "丙")
    f = figures(store.state)
    t = f["totals"]
    assert t["cases"] == 2 and t["amount"] == 750 and t["recovered"] == 300 and t["new_this_month"] == 2
    assert t["closed_this_month"] == 1 and t["recovered_this_month"] == 300
    for key in ("by_township", "by_check", "by_status", "by_disposal"):
        assert sum(r["cases"] for r in f[key]) == t["cases"], key
        assert round(sum(r["amount"] for r in f[key]), 2) == t["amount"], key
        assert round(sum(r["recovered"] for r in f[key]), 2) == t["recovered"], key
    (town,) = f["by_township"]
    assert town["code"] == "141124107" and town["villages"][0]["code"] == "141124107201"
    assert town["name"] == "林家坪镇"  # a township's name from the shipped divisions, never its 9-digit code
    assert {r["stage"]: r["cases"] for r in f["by_disposal"]}["已销号"] == 1
    out = write_report(f, tmp_path / "r.xlsx")
    wb = load_workbook(out)
    assert wb.sheetnames == list(SHEETS)
    summary = {r[0]: r[1] for r in wb["汇总"].iter_rows(min_row=3, values_only=True) if r and r[0]}
    assert summary["线索总数"] == 2 and summary["累计追缴金额（元）"] == 300
    for name in SHEETS[1:]:
        ws = wb[name]
        head = [c.value for c in ws[1]]
        assert "线索数" in head and all(not str(h).isascii() for h in head if h), head
        rows = list(ws.iter_rows(min_row=2, values_only=True))
        col = head.index("线索数")
        total = rows[-1]
        assert total[0].startswith("合计") and total[col] == 2
        body = [r for r in rows[:-1] if not (name == "按乡镇" and r[2] != "（乡镇合计）")]
        if name == "按状态":
            for group in ("核查状态", "处置阶段"):
                assert sum(r[col] for r in body if r[0] == group) == 2
        else:
            assert sum(r[col] for r in body) == 2


# -- the command line and the API ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    tmp = tmp_path_factory.mktemp("disposal-cli")
    store = loaded_store(tmp, world().write(tmp / "world"))
    store.close()
    db = tmp / "g.db"
    res = runner.invoke(app, ["check", "--db", str(db), "--out", str(tmp / "f.json")])
    assert res.exit_code == 0, res.output
    yield db


def test_cli_disposes_hands_off_feeds_back_and_closes(checked: Path, tmp_path: Path) -> None:
    db = ["--db", str(checked)]
    cases = json.loads(runner.invoke(app, ["cases", "list", *db, "--json"]).output)
    cid = cases[0]["case_id"]

    def run(*args: str) -> dict[str, Any]:
        res = runner.invoke(app, ["cases", *args, *db, "--by", "张三", "--json"])
        assert res.exit_code == 0, res.output
        out: dict[str, Any] = json.loads(res.output)
        return out

    bad = runner.invoke(app, ["cases", "handoff", cid, *db, "--to", "镇纪委", "--due", SOON.isoformat()])
    assert bad.exit_code != 0 and "交办前须先确定处置方式" in bad.output
    assert run("dispose", cid, "--method", "初步核实")["stage"] == "已定处置方式"
    assert run("handoff", cid, "--to", "西坪镇纪委", "--due", SOON.isoformat())["stage"] == "已交办"
    report = tmp_path / "核查报告.pdf"
    report.write_bytes(b"%PDF-1.4")
    fb = run(
        "feedback", cid, "--facts", "属实", "--removed", "2", "--recovered", "3600", "--file", str(report)
    )
    assert fb["feedback"]["files"][0]["name"] == "核查报告.pdf"
    assert run("feedback-review", cid, "--accept")["stage"] == "反馈已审核"
    assert (
        runner.invoke(app, ["cases", "review", cid, *db, "--status", "属实", "--comment", "属实"]).exit_code
        == 0
    )
    assert run("close", cid, "--form", "第二种形态")["closing"]["recovered"] == 3600
    shown = json.loads(runner.invoke(app, ["cases", "show", cid, *db, "--json"]).output)
    assert shown["disposal"]["stage"] == "已销号" and len(shown["disposal_steps"]) == 5
    with sqlite3.connect(checked / "state" / DB_FILE) as c:
        acts = [r[0] for r in c.execute("SELECT action FROM audit_log WHERE who = '张三' ORDER BY id")]
    assert acts == ["case_dispose", "case_handoff", "case_feedback", "case_feedback_review", "case_close"]
    out = tmp_path / "通报.xlsx"
    res = runner.invoke(app, ["report", *db, "--out", str(out)])
    assert res.exit_code == 0, res.output
    summary = {r[0]: r[1] for r in load_workbook(out)["汇总"].iter_rows(values_only=True) if r and r[0]}
    assert summary["累计追缴金额（元）"] == 3600 and summary["线索总数"] == len(cases)
    assert summary["清退人数"] == 2
    assert runner.invoke(app, ["report", *db, "--month", "2024-13", "--out", str(out)]).exit_code != 0


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    tmp = tmp_path_factory.mktemp("disposal-api")
    store = loaded_store(tmp, world().write(tmp / "world"))
    e = make_env(store, tmp / "state")
    r = e.call("auditor", "POST", "/api/checks/run", json={"checks": WORLD_CHECKS})
    assert r.status_code == 200, r.text
    yield e
    store.close()


def test_api_roles_steps_audit_log_and_cockpit(api: Env) -> None:
    cid = api.ok("investigator", "/api/cases")["items"][0]["case_id"]
    base = f"/api/cases/{cid}"
    assert api.call("investigator", "POST", base + "/dispose", json={"method": "初步核实"}).status_code == 403
    assert api.call("auditor", "POST", base + "/dispose", json={"method": "初步核实"}).status_code == 200
    assert api.call("auditor", "POST", base + "/close", json={"form": "第一种形态"}).status_code == 403
    r = api.call("auditor", "POST", base + "/handoff", json={"to": "西坪镇", "due": "2000-01-01"})
    assert r.status_code == 409 and "早于今天" in r.json()["detail"]
    r = api.call("auditor", "POST", base + "/handoff", json={"to": "西坪镇", "due": SOON.isoformat()})
    assert r.status_code == 200 and r.json()["stage"] == "已交办"
    assert api.ok("investigator", "/api/cases", stage="已交办")["total"] == 1
    import base64

    r = api.call("analyst", "POST", base + "/feedback", json={
        "facts": "属实", "removed": 1, "recovered": 500,
        "files": [{"name": "报告.pdf", "content_base64": base64.b64encode(b"%PDF").decode()}]})  # fmt: skip
    assert r.status_code == 200, r.text
    stored = r.json()["feedback"]["files"][0]["stored"]
    got = api.call("investigator", "GET", f"{base}/files/{stored}")
    assert got.status_code == 200 and got.content == b"%PDF"
    assert api.call("investigator", "GET", f"{base}/files/..%2F..%2F{DB_FILE}").status_code == 404
    assert api.call("auditor", "POST", base + "/feedback-review", json={"accept": True}).status_code == 200
    assert (
        api.call("auditor", "POST", base + "/review", json={"status": "属实", "comment": "属实"}).status_code
        == 200
    )
    r = api.call("admin", "POST", base + "/close", json={"form": "第一种形态"})
    assert r.status_code == 200 and r.json()["closing"]["recovered"] == 500
    d = api.ok("investigator", base + "/disposal")
    assert d["stage"] == "已销号" and [s["by"] for s in d["steps"]][-1] == "admin用户"
    assert d["may"] == {"handoff": False, "feedback": False, "close": False}
    log = api.ok("admin", "/api/audit", limit=200)["items"]
    acts = {(e["action"], e["who"]) for e in log}
    assert {
        ("case_handoff", "auditor用户"),
        ("case_feedback", "analyst用户"),
        ("case_close", "admin用户"),
    } <= acts
    fig = api.ok("investigator", "/api/cockpit")
    assert (
        fig["totals"]["recovered"] == 500
        and fig["totals"]["cases"] == api.ok("investigator", "/api/cases")["total"]
    )
    assert api.ok("investigator", "/api/disposal/overdue") == []
    assert api.get("investigator", "/api/cockpit", month="2024-1").status_code == 422
