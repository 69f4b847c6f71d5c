"""Outputs in a real headless Chromium (network blocked): a cluster case's page built around tables with its
whole group drawn, usable at 390 px; the person card reached from the case page and from the search; the
township → village picker; the A4 print.  Screenshots in tests/artifacts/ (desktop and phone)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from graphaudit.api.app import create_app
from graphaudit.api.checks import save
from graphaudit.api.roles import Role
from graphaudit.cases.store import CaseStore
from graphaudit.checks import CHECKS, run_checks
from tests.stores import loaded_store
from tests.test_clusters import F1, R1, R2, V1, ring_world
from tests.test_outputs_chinese import CODE12, chinese
from tests.test_web import (
    ARTIFACTS,
    Site,
    chromium,
    open_page,
    serving,
    shot,
)

PHONE = {"width": 390, "height": 844}


def view_shot(page: Any, name: str, selector: str) -> None:
    """A screenshot of the viewport with ``selector`` scrolled to the top (a phone-sized look)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.eval_on_selector(selector, "e => e.scrollIntoView()")
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


VILLAGES = {R1: "东坪村", R2: "西坪村", F1: "南坪村", V1: "北坪村"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("web-outputs")
    data = ring_world().write(tmp / "world")
    lines = "\n".join(f"{c},{n}" for c, n in VILLAGES.items())
    (data / "orgs.csv").write_text(f"单位代码,单位名称\n{lines}\n", encoding="utf-8")
    store = loaded_store(tmp, data)
    app = create_app(store, tmp / "state")
    svc = app.state.services
    tokens = {r.value: svc.tokens.create(f"{r.value}用户", r.value)[1] for r in Role}
    save(svc, run_checks(store, list(CHECKS)), {}, svc.tokens.verify(tokens["auditor"]), 0.0)
    cases = CaseStore(svc.state).query(limit=None)[1]
    ring = next(c["case_id"] for c in cases if "RING-1" in c["record_ids"])
    app.state.ring = next(c["case_id"] for c in cases if ring in c["linked_cases"])  # the ring's cluster
    with serving(app) as url:
        yield Site(url, tokens, app)
    store.close()


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[Any]:
    yield from chromium(site)


def labels_are_chinese(page: Any) -> None:
    heads = page.eval_on_selector_all(
        "main th, main .panel-title, main label", "els => els.map(e => e.innerText)"
    )
    bad = [h for h in heads if h.strip() and not chinese(h.split("（")[0])]
    assert not bad, f"labels not in Chinese: {bad}"


def no_known_codes(page: Any) -> None:
    """No 12-digit village code on the page where the village has a name."""
    text = page.inner_text("main")
    shown = [c for c in CODE12.findall(text) if c in VILLAGES]
    assert not shown, f"codes shown instead of names: {shown}"


def test_cluster_case_page_has_tables_and_the_whole_group(browser: Any, site: Site) -> None:
    page = open_page(browser, site, "investigator")
    page.goto(f"{site.base}/cases/{site.app.state.ring}")
    page.wait_for_selector("#tables-body table")
    heads = page.eval_on_selector_all(
        "#tables-body table", "ts => ts.map(t => [...t.querySelectorAll('th')].map(h => h.innerText))"
    )
    assert heads[0] == ["日期", "项目", "金额（元）", "审批人", "领取人", "村"]
    assert heads[-1] == ["姓名", "职务", "与干部关系", "村", "户号"]
    body = page.inner_text("#tables-body")
    assert "甲会计" in body and "乙会计" in body and "东坪村" in body and "临时救助" in body
    page.wait_for_function("() => window.gaGroup && gaGroup.nodes.length > 0")
    people = page.evaluate("gaGroup.nodes.get().filter(n => n.data.label === 'Person').length")
    records = page.evaluate("gaGroup.nodes.get().filter(n => n.data.label === 'Payment').length")
    assert (people, records) == (6, 4)  # the whole group (A's and B's families, 4 payments), not a path
    assert page.evaluate("gaGroup.edges.length") >= 8
    assert "相互审批 1 对" in page.inner_text("#group-note")
    # a node's properties (the panel shown on a click) in Chinese, with the village named
    panel = page.evaluate("GA.props(gaGroup.nodes.get().find(n => n.data.ref === 'Payment:RING-1').data)")
    assert "<dt>村</dt><dd>巨轮街道 东坪村</dd>" in panel and "<dt>项目</dt>" in panel, panel
    assert R1 not in panel and "village_code" not in panel
    page.wait_for_function("() => window.gaGraph && gaGraph.nodes.length > 0")
    assert page.get_attribute("#docx-handoff", "href").endswith("form=handoff")
    labels_are_chinese(page)
    no_known_codes(page)
    shot(page, "outputs-case-desktop")
    # print: A4, no navigation or buttons
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('.top')).display") == "none"
    assert page.evaluate("getComputedStyle(document.querySelector('#paper')).display") == "none"
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi: how the print looks
    shot(page, "outputs-case-print")
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = page.pdf(path=str(ARTIFACTS / "outputs-case.pdf"), format="A4", print_background=True)
    assert len(pdf) > 10_000
    assert page.errors == []
    page.close()


def test_case_page_and_person_card_at_390_px(browser: Any, site: Site) -> None:
    page = open_page(browser, site, "investigator")
    page.set_viewport_size(PHONE)
    page.goto(f"{site.base}/cases/{site.app.state.ring}")
    page.wait_for_selector("#tables-body table")
    page.wait_for_function("() => window.gaGroup && gaGroup.nodes.length > 0")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1  # no sideways scroll
    # the table rows stack with their labels
    assert page.evaluate("getComputedStyle(document.querySelector('#tables-body thead')).display") == "none"
    label = page.evaluate("getComputedStyle(document.querySelector('#tables-body td'), '::before').content")
    assert label == '"日期"'
    shot(page, "outputs-case-phone")
    view_shot(page, "outputs-case-phone-head", "main")
    view_shot(page, "outputs-case-phone-tables", "#record-tables")
    # from the case's people to a person's card
    page.click("#tables-body a:text('甲会计')")
    page.wait_for_selector("#person-name")
    assert page.inner_text("#person-name").startswith("甲会计")
    assert site.app.state.ring in page.inner_text("#sec-cases")
    assert "村会计" in page.inner_text("#sec-posts") and "东坪村" in page.inner_text("#sec-posts")
    assert "临时救助" in page.inner_text("#sec-approved")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    assert not re.search(r"\d{17}[\dX]", page.inner_text("main"))  # masked for the investigator
    assert re.search(
        r"身份证号\s+\d{6}\*{8}\d{2}\*\*\s", page.inner_text("#person-facts")
    )  # masked, not "named"
    no_known_codes(page)
    shot(page, "outputs-person-phone")
    view_shot(page, "outputs-person-phone-head", "main")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.reload()
    page.wait_for_selector("#sec-kin table")
    labels_are_chinese(page)
    shot(page, "outputs-person-desktop")
    assert page.errors == []
    page.close()


def test_person_card_from_the_search(browser: Any, site: Site) -> None:
    page = open_page(browser, site, "auditor")
    page.goto(site.base + "/explorer")
    page.fill("#q", "乙会计")
    page.click("#search-form button")
    page.click("#results a.card-link")
    page.wait_for_selector("#person-name")
    assert page.inner_text("#person-name").startswith("乙会计")
    assert re.search(r"\d{17}[\dX]", page.inner_text("#person-head"))  # the auditor sees the ID
    assert page.errors == []
    page.close()


def test_case_list_filters_by_township_then_village(browser: Any, site: Site) -> None:
    page = open_page(browser, site, "investigator")
    page.goto(site.base + "/cases")
    page.wait_for_selector("tr.row")
    page.wait_for_function("() => document.querySelectorAll('#org-town option').length > 1")
    towns = page.eval_on_selector_all("#org-town option", "os => os.map(o => o.textContent)")
    assert all(not re.fullmatch(r"\d+", t) for t in towns), towns
    page.select_option("#org-town", R1[:9])
    page.wait_for_function("() => !document.querySelector('#org-village').disabled")
    villages = page.eval_on_selector_all("#org-village option", "os => os.map(o => o.textContent)")
    assert "东坪村" in villages and "北坪村" in villages
    page.select_option("#org-village", label="北坪村")
    page.wait_for_function("() => location.search.includes('org=" + V1 + "')")
    page.wait_for_timeout(300)
    orgs = page.eval_on_selector_all("tr.row td:nth-child(6)", "tds => tds.map(t => t.innerText)")
    assert orgs and all("北坪村" in o for o in orgs), orgs
    no_known_codes(page)
    labels_are_chinese(page)
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    shot(page, "outputs-cases-phone")
    view_shot(page, "outputs-cases-phone-list", "#filters")
    assert page.errors == []
    page.close()


OVERFLOW_JS = """() => {
  // elements sticking out of the viewport on the right, unless a scrolling box holds them
  const w = window.innerWidth, out = [];
  const held = (e) => { for (let p = e.parentElement; p; p = p.parentElement) {
    const o = getComputedStyle(p).overflowX;
    if (o === 'auto' || o === 'scroll' || o === 'hidden') return true; }
    return false; };
  for (const e of document.querySelectorAll('header *, main *')) {
    const r = e.getBoundingClientRect();
    if (r.width && r.height && r.right > w + 1 && !held(e))
      out.push(e.tagName + '.' + e.className + ' ' + r.right);
  }
  return out; }"""


def fits_the_phone(page: Any) -> None:
    """No sideways scroll of the page, nothing out on the right, the header's tabs clear of each other."""
    width = PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate("document.body.scrollWidth") <= width
    assert page.evaluate(OVERFLOW_JS) == []
    boxes = page.eval_on_selector_all(
        "header .brand, header .who > *:not(form), header nav a",
        "els => els.filter(e => e.offsetParent).map(e => { const r = e.getBoundingClientRect();"
        " return [e.textContent.trim(), r.left, r.top, r.right, r.bottom]; })",
    )
    for i, a in enumerate(boxes):
        assert 0 <= a[1] and a[3] <= width, a
        for b in boxes[i + 1 :]:
            apart = a[3] <= b[1] or b[3] <= a[1] or a[4] <= b[2] or b[4] <= a[2]
            assert apart, f"header items overlap: {a} {b}"


def amounts_in_view(page: Any, selector: str) -> list[str]:
    """The texts of the amount cells matched by ``selector``, each asserted visible inside the viewport."""
    cells = page.eval_on_selector_all(
        selector,
        "els => els.map(e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);"
        " return [e.innerText, r.left, r.right, r.width, s.display, s.visibility]; })",
    )
    assert cells, selector
    for text, left, right, w, display, vis in cells:
        assert display != "none" and vis == "visible" and w > 0, (selector, text)
        assert 0 <= left and right <= PHONE["width"], (selector, text, left, right)
    return [c[0] for c in cells]


def test_findings_cases_and_case_pages_fit_390_px_with_the_amounts_in_view(browser: Any, site: Site) -> None:
    page = open_page(browser, site, "investigator")
    page.set_viewport_size(PHONE)
    page.goto(site.base + "/findings")
    page.wait_for_selector("tr.row")
    fits_the_phone(page)
    texts = amounts_in_view(page, "#rows tr.row td.c-num")
    svc = site.app.state.services
    first = svc.findings.query(sort="-severity", limit=1)[1][0]
    assert texts[0] == f"{first['amount']:,.0f}"
    label = page.evaluate("getComputedStyle(document.querySelector('#rows td.c-num'), '::before').content")
    assert "金额（元）" in label  # the card says what the figure is
    view_shot(page, "phone-findings", "#filters")
    page.goto(site.base + "/cases")
    page.wait_for_selector("tr.row")
    fits_the_phone(page)
    amounts_in_view(page, "#rows tr.row td.c-num")
    page.goto(f"{site.base}/cases/{site.app.state.ring}")
    page.wait_for_selector("#tables-body table")
    page.wait_for_function("() => window.gaGroup && gaGroup.nodes.length > 0")
    fits_the_phone(page)
    amounts_in_view(page, "#case-findings td.c-num")
    amounts_in_view(page, "#tables-body td.num")
    assert page.is_visible("#case-amount")
    view_shot(page, "phone-case-findings", "#findings-panel")
    # the header: a tab row under the brand, every tab reachable; the same on a wide screen
    assert page.locator("header nav a").count() >= 4
    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    page.wait_for_selector("#tables-body table")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert page.evaluate("getComputedStyle(document.querySelector('#findings-panel thead') || document.body)"
                         ".display") != "none"  # fmt: skip
    assert page.errors == []
    page.close()


def test_a_cluster_case_heads_with_its_groups_money_and_records(browser: Any, site: Site) -> None:
    cases = CaseStore(site.app.state.services.state)
    ring = cases.get(site.app.state.ring)
    assert (
        ring is not None and ring["amount"] == 0 and not ring["record_ids"]
    )  # its records are the linked cases'
    linked = [cases.get(c) for c in ring["linked_cases"]]
    records = {r for c in linked if c for r in c["record_ids"]}
    amount = sum(c["amount"] for c in linked if c)
    assert records and amount > 0
    page = open_page(browser, site, "investigator")
    page.goto(f"{site.base}/cases/{ring['case_id']}")
    page.wait_for_selector("#case-amount")
    assert page.inner_text("#case-amount") == f"{amount:,.0f} 元"
    assert page.inner_text("#case-records") == str(len(records))
    facts = page.inner_text("#head .facts")
    assert "群体涉及金额" in facts and "群体记录" in facts and "整个群体" in facts and "不重复计" in facts
    # a case that is not a cluster keeps its own figures and wording
    plain = next(c for c in linked if c)
    page.goto(f"{site.base}/cases/{plain['case_id']}")
    page.wait_for_selector("#case-amount")
    assert page.inner_text("#case-amount") == f"{plain['amount']:,.0f} 元"
    assert "群体" not in page.inner_text("#head .facts")
    assert page.errors == []
    page.close()


def test_evidence_graph_captions_name_places_not_codes(browser: Any, site: Site) -> None:
    page = open_page(browser, site, "investigator")
    page.goto(f"{site.base}/cases/{site.app.state.ring}")
    page.wait_for_function("() => window.gaGraph && gaGraph.nodes.length > 0 && window.gaGroup")
    # every person's neighbours (their households, addresses, villages) drawn into the evidence graph
    page.evaluate("""async () => { for (const n of gaGraph.nodes.get())
        if (n.data.label === 'Person' || n.data.label === 'Household') await gaGraph.expand(n.id); }""")
    nodes = page.evaluate(
        "[...gaGraph.nodes.get(), ...gaGroup.nodes.get()].map(n => [n.data.label, n.label])"
    )
    addresses = [c for label, c in nodes if label == "Address"]
    assert addresses and all(any(v in c for v in VILLAGES.values()) for c in addresses), addresses
    assert any(label == "Org" for label, _ in nodes)
    shown = [c for _, c in nodes if any(code in c for code in VILLAGES)]
    assert not shown, f"captions with codes where the name is known: {shown}"
    assert not [c for c in CODE12.findall(page.inner_text("#path")) if c in VILLAGES]
    # the properties panel of an address names the village too
    panel = page.evaluate("GA.props(gaGraph.nodes.get().find(n => n.data.label === 'Address').data)")
    assert not [c for c in CODE12.findall(panel) if c in VILLAGES], panel
    no_known_codes(page)
    assert page.errors == []
    page.close()


def test_household_page_from_the_person_card_and_the_case_page(browser: Any, site: Site) -> None:
    page = open_page(browser, site, "investigator")
    page.goto(f"{site.base}/cases/{site.app.state.ring}")
    page.wait_for_selector("#tables-body table")
    # from the case's people: the household column
    page.click("#tables-body tr:has(a:text('甲会计')) a[href^='/households/']")
    page.wait_for_selector("#household-name")
    assert page.inner_text("#household-name").startswith("甲会计 户")
    members = page.inner_text("#sec-members")
    assert "甲会计妻" in members and "甲会计女" in members
    assert page.locator("#sec-members a[href^='/people/']").count() >= 3
    assert "村会计" in page.inner_text("#sec-posts")
    assert site.app.state.ring in page.inner_text("#sec-cases")
    assert "东坪村" in page.inner_text("#household-facts")
    assert not re.search(r"\d{17}[\dX]", page.inner_text("main"))  # masked for the investigator
    labels_are_chinese(page)
    no_known_codes(page)
    shot(page, "household-desktop")
    page.set_viewport_size(PHONE)
    page.reload()
    page.wait_for_selector("#sec-members table")
    fits_the_phone(page)
    shot(page, "household-phone")
    view_shot(page, "household-phone-head", "main")
    # from a member's card back to the household
    page.click("#sec-members a:text('甲会计妻')")
    page.wait_for_selector("#person-name")
    page.click("a.household-link")
    page.wait_for_selector("#household-name")
    assert page.inner_text("#household-name").startswith("甲会计 户")
    assert page.errors == []
    page.close()
