"""The case pages in a real headless Chromium: after a monthly load, a reviewed case's page shows its review,
its change since the previous run and its legal basis; the case list filters on the change; an absorbed id's
old link leads to the case that absorbed it (tests/test_web.py has the browser set-up)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

import pytest

from graphaudit.api.app import create_app
from graphaudit.api.checks import save
from graphaudit.api.roles import Role
from graphaudit.cases.review import Status
from graphaudit.cases.store import CaseStore
from graphaudit.checks import run_checks
from graphaudit.ingest.pipeline import ingest
from tests.stores import loaded_store
from tests.test_api import WORLD_CHECKS
from tests.test_checks import world
from tests.test_web import Site, chromium, open_page, serving, shot


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("web-cases")
    data = world().write(tmp / "world")
    store = loaded_store(tmp, data)
    app = create_app(store, tmp / "state")
    svc = app.state.services
    tokens = {r.value: svc.tokens.create(f"{r.value}用户", r.value)[1] for r in Role}
    auditor = svc.tokens.verify(tokens["auditor"])
    save(svc, run_checks(store, WORLD_CHECKS), {}, auditor, 0.0)
    cases = CaseStore(svc.state)
    # the auditor takes up the kin_approved_subsidy case of the 低保 paid monthly (KA-B*) …
    (case,) = [c for c in cases.query(limit=None)[1] if "KA-B1" in c["record_ids"]]
    cases.review(case["case_id"], Status.verifying, "已交办镇纪委核实审批材料", "王审核")
    # … and next month's payments arrive: one more month of the same 低保
    with (data / "subsidies.csv").open(encoding="utf-8") as fh:
        row = next(r for r in csv.DictReader(fh) if r["payment_id"] == "KA-B3")
    month = tmp / "2024-04"
    month.mkdir()
    with (month / "subsidies_2024-04.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(row))
        w.writeheader()
        w.writerow({**row, "payment_id": "KA-B4", "pay_date": "2024-04-15"})
    ingest(month, store)
    save(svc, run_checks(store, WORLD_CHECKS), {}, auditor, 0.0)
    app.state.case_id = case["case_id"]
    with serving(app) as url:
        yield Site(url, tokens, app)
    store.close()


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[Any]:
    yield from chromium(site)


def test_case_page_after_a_monthly_load_shows_review_change_and_legal_basis(browser: Any, site: Site) -> None:
    cid = site.app.state.case_id
    page = open_page(browser, site, "investigator")
    page.goto(site.base + "/cases?change=changed")
    page.wait_for_selector("tr.row")
    listed = page.evaluate("[...document.querySelectorAll('tr.row')].map(r => r.dataset.id)")
    assert cid in listed
    assert all(t == "有变化" for t in page.locator("tr.row .tag[class*=ch-]").all_inner_texts())
    shot(page, "cases-changed")
    page.goto(f"{site.base}/cases/{cid}")
    page.wait_for_selector("#current-status")
    assert page.inner_text("#current-status") == "核查中"
    assert "已交办镇纪委核实审批材料" in page.inner_text("#review")
    assert page.inner_text("#change") == "有变化"
    assert "第一百二十四条" in page.inner_text("#legal-basis")
    assert "KA-B4" in page.inner_text("#change-history") or "新增记录1笔" in page.inner_text(
        "#change-history"
    )
    assert page.inner_text("#money-band") in ("可能达到刑事立案标准", "未达刑事立案标准")
    assert page.locator("#case-findings tr.row").count() >= 1
    page.wait_for_function("() => window.gaGraph && gaGraph.nodes.length > 0")
    shot(page, "case")
    assert page.errors == []
    page.close()


def test_an_absorbed_case_link_leads_to_its_survivor(browser: Any, site: Site) -> None:
    cid = site.app.state.case_id
    with site.app.state.services.state.connect() as c:
        c.execute("INSERT OR REPLACE INTO case_aliases VALUES ('Cmerged-away', ?, 1, 'now')", (cid,))
    page = open_page(browser, site, "auditor")
    page.goto(site.base + "/cases/Cmerged-away")
    page.wait_for_selector("#current-status")
    assert page.url.split("?")[0].endswith(f"/cases/{cid}")
    assert "Cmerged-away" in page.inner_text("#merged-note")
    # the auditor concludes it from the page
    page.select_option("#review-select", "属实")
    page.fill("#review-comment", "经核实，审批人与领取人系父子关系，未回避")
    page.click("#review-form button")
    page.wait_for_function("() => document.querySelector('#current-status').textContent === '属实'")
    assert (
        site.app.state.services.state
        and CaseStore(site.app.state.services.state).get(cid)["status"] == "属实"
    )  # type: ignore[index]
    assert page.errors == []
    page.close()
