"""Disposal and the cockpit in a real headless Chromium (network blocked; tests/test_web.py has the set-up):
a case walked from 新线索 through 处置方式, 交办, 反馈 with a file, 审核 and 销号 by the roles allowed to; the
cockpit's charts drawn by the vendored ECharts, with totals equal to ``graphaudit report``'s, a click on a
chart opening the filtered case list; screenshots at desktop and phone width."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from graphaudit.api.app import create_app
from graphaudit.api.checks import save
from graphaudit.api.roles import Role
from graphaudit.cases.store import CaseStore
from graphaudit.checks import run_checks
from graphaudit.cli.main import app as cli
from tests.stores import loaded_store
from tests.test_api import WORLD_CHECKS
from tests.test_checks import world
from tests.test_web import Site, chromium, open_page, serving, shot


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("web-disposal")
    store = loaded_store(tmp, world().write(tmp / "world"))
    app = create_app(store, tmp / "state")
    svc = app.state.services
    tokens = {r.value: svc.tokens.create(f"{r.value}用户", r.value)[1] for r in Role}
    save(svc, run_checks(store, WORLD_CHECKS), {}, svc.tokens.verify(tokens["auditor"]), 0.0)
    app.state.state_dir = tmp / "state"
    with serving(app) as url:
        yield Site(url, tokens, app)
    store.close()


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[Any]:
    yield from chromium(site)


def stage(page: Any, want: str) -> None:
    page.wait_for_function(
        "(w) => { const e = document.querySelector('#disposal-stage');"
        " return !!(e && e.textContent === w && window.gaDisposal && gaDisposal.stage === w); }",
        arg=want,
    )


def test_a_case_is_walked_from_new_lead_to_closing(browser: Any, site: Site, tmp_path: Path) -> None:
    cases = CaseStore(site.app.state.services.state)
    cid = cases.query(status="新线索")[1][0]["case_id"]
    site.app.state.walked = cid
    page = open_page(browser, site, "auditor")
    page.goto(f"{site.base}/cases/{cid}")
    stage(page, "未处置")
    page.wait_for_function("() => (document.querySelector('#current-status') || {}).textContent === '新线索'")
    page.select_option("#dispose-form select[name=method]", "初步核实")
    page.fill("#dispose-form input[name=comment]", "涉及低保审批，需核实")
    page.click("#dispose-form button")
    stage(page, "已定处置方式")
    due = (date.today() + timedelta(days=15)).isoformat()
    page.fill("#handoff-form input[name=to]", "西坪镇纪委")
    page.fill("#handoff-form input[name=due]", due)
    page.fill("#handoff-form textarea[name=note]", "核实审批材料和亲属关系")
    page.click("#handoff-form button")
    stage(page, "已交办")
    # handed off, so being verified
    page.wait_for_function("() => (document.querySelector('#current-status') || {}).textContent === '核查中'")
    assert "西坪镇纪委" in page.inner_text("#disposal-facts") and due in page.inner_text("#disposal-facts")
    assert not page.is_visible("#disposal-overdue")
    # the township's feedback, with its report attached
    report = tmp_path / "核查报告.pdf"
    report.write_bytes("%PDF-1.4 核查报告".encode())
    page.fill("#feedback-form textarea[name=facts]", "审批人与领取人系父子关系，审批时未回避")
    page.fill("#feedback-form input[name=removed]", "1")
    page.fill("#feedback-form input[name=recovered]", "3600")
    page.fill("#feedback-form textarea[name=measures]", "取消低保资格，追回已发资金")
    page.set_input_files("#feedback-form input[name=files]", str(report))
    page.click("#feedback-form button")
    stage(page, "已反馈")
    assert page.locator("#disposal-facts a", has_text="核查报告.pdf").count() == 1
    page.click("#review-feedback-form button[value='1']")
    stage(page, "反馈已审核")
    # the office concludes the review; an auditor may not close
    page.select_option("#review-select", "属实")
    page.fill("#review-comment", "经核实，审批人与领取人系父子关系，未回避")
    page.click("#review-form button")
    page.wait_for_function("() => document.querySelector('#current-status').textContent === '属实'")
    stage(page, "反馈已审核")
    assert page.locator("#close-form").count() == 0 and "销号权限" in page.inner_text("#disposal")
    assert page.errors == []
    page.close()
    # the leader (admin) closes it
    page = open_page(browser, site, "admin")
    page.goto(f"{site.base}/cases/{cid}")
    stage(page, "反馈已审核")
    assert page.input_value("#close-form input[name=recovered]") == "3600"
    page.select_option("#close-form select[name=form]", "第一种形态")
    page.fill("#close-form textarea[name=comment]", "对审批人诫勉谈话")
    page.click("#close-form button")
    stage(page, "已销号")
    assert not page.is_visible("#disposal-overdue")
    facts = page.inner_text("#disposal-facts")
    assert "第一种形态" in facts and "3,600" in facts
    steps = page.inner_text("#disposal-steps")
    for kind, who in (("销号", "admin用户"), ("交办", "auditor用户"), ("反馈", "auditor用户")):
        assert kind in steps and who in steps
    page.wait_for_function("() => document.querySelector('#change-history').textContent.includes('销号')")
    page.wait_for_function("() => window.gaGraph && gaGraph.nodes.length > 0")
    shot(page, "case-disposed")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    stage(page, "已销号")
    # the disposal panel and its forms fit a phone (the rest of the case page is laid out elsewhere)
    assert page.evaluate("document.querySelector('#disposal').getBoundingClientRect().right") <= 390
    shot(page, "case-disposed-phone")
    assert page.errors == []
    page.close()


def test_the_cockpit_draws_its_charts_with_the_reports_totals(
    browser: Any, site: Site, tmp_path: Path
) -> None:
    out = tmp_path / "通报.xlsx"
    res = CliRunner().invoke(cli, ["report", "--state", str(site.app.state.state_dir), "--out", str(out)])
    assert res.exit_code == 0, res.output
    wb = load_workbook(out)
    summary = {r[0]: r[1] for r in wb["汇总"].iter_rows(values_only=True) if r and r[0]}
    page = open_page(browser, site, "investigator")
    page.goto(site.base + "/cockpit")
    page.wait_for_selector("body[data-rendered='1']")
    fig = page.evaluate("window.gaCockpit")
    t = fig["totals"]
    assert t["cases"] == summary["线索总数"] > 0
    assert t["amount"] == summary["涉及金额（元）"] and t["recovered"] == summary["累计追缴金额（元）"]
    assert t["new_this_month"] == summary["本月新增线索"] and t["overdue"] == summary["逾期未反馈的交办"]
    if getattr(site.app.state, "walked", None):
        assert t["recovered"] == 3600 and t["closed_this_month"] == 1
    cards = page.inner_text("#totals")
    assert f"{t['cases']}\n线索总数" in cards or f"{t['cases']}线索总数" in cards.replace("\n", "")
    # every chart is drawn on a canvas, and what each draws adds up to the report's total
    for cid in ("chart-town", "chart-village", "chart-money", "chart-check", "chart-month", "chart-status",
                "chart-disposal"):  # fmt: skip
        assert page.locator(f"#{cid} canvas").count() >= 1, cid
    drawn = page.evaluate("""() => Object.fromEntries(Object.entries(gaCharts).map(([k, c]) =>
        [k, c.getOption().series[0].data.map((d) => typeof d === 'object' ? d.value : d)
             .reduce((a, b) => a + b, 0)]))""")
    total_row = {ws: list(wb[ws].iter_rows(values_only=True))[-1] for ws in ("按乡镇", "按检查")}
    assert drawn["chart-town"] == t["cases"] == total_row["按乡镇"][4]
    assert drawn["chart-check"] == t["cases"] == total_row["按检查"][2]
    assert drawn["chart-status"] == t["cases"] and drawn["chart-disposal"] == t["cases"]
    painted = page.evaluate("""() => [...document.querySelectorAll('.chart canvas')].map((c) => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0) n++; return n; })""")
    assert all(n > 500 for n in painted), painted
    shot(page, "cockpit")
    # a click on the first bar of the check chart opens the case list filtered to that check
    first = fig["by_check"][0]
    x, y = page.evaluate(
        """(v) => { const c = gaCharts['chart-check']; const r = c.getDom().getBoundingClientRect();
        const p = c.convertToPixel({ seriesIndex: 0 }, [v / 2, 0]);
        return [r.left + p[0], r.top + p[1]]; }""",
        first["cases"],
    )
    page.mouse.click(x, y)
    page.wait_for_url(f"**/cases?check={first['check']}*")
    page.wait_for_selector("tr.row")
    assert page.input_value("select[name=check]") == first["check"]
    assert page.locator("tr.row").count() >= first["cases"]
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site.base + "/cockpit")
    page.wait_for_selector("body[data-rendered='1']")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 2
    shot(page, "cockpit-phone")
    assert page.errors == []
    page.close()
