"""The web pages in a real headless Chromium (Debian's, driven by Playwright), served by uvicorn on loopback
over a real embedded store.  Every request to anything but this server is blocked, and the tests assert that
none was even attempted.  Screenshots go to tests/artifacts/ (ignored by git)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import uvicorn

from graphaudit.api.app import create_app
from graphaudit.api.roles import Role
from graphaudit.checks import CHECKS
from tests.stores import loaded_store
from tests.test_api import WORLD_CHECKS
from tests.test_checks import world

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).parent / "artifacts"


@dataclass
class Site:
    base: str
    tokens: dict[str, str]
    app: Any
    outside: list[str] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("web")
    store = loaded_store(tmp, world().write(tmp / "world"))
    app = create_app(store, tmp / "state")
    tokens = {r.value: app.state.services.tokens.create(f"{r.value}用户", r.value)[1] for r in Role}
    with serving(app) as url:
        yield Site(url, tokens, app)
    store.close()


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port in a thread, until the block ends: its URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def chromium(site: Site) -> Iterator[Any]:
    """Debian's headless Chromium for a module's pages; afterwards, no request may have left loopback."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (the Makefile does)")
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()
    assert site.outside == [], f"requests outside loopback were attempted: {site.outside}"


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[Any]:
    yield from chromium(site)


def open_page(browser: Any, site: Site, role: str) -> Any:
    """A new page, logged in through the form as ``role``, with every non-local request blocked."""
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")

    def guard(route: Any) -> None:
        host = urlparse(route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            site.outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors
    page.goto(site.base + "/findings")
    assert "/login" in page.url
    page.fill("#token", site.tokens[role])
    page.click("button[type=submit]")
    page.wait_for_url("**/findings")
    return page


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def run_checks(site: Site) -> None:
    svc = site.app.state.services
    if not svc.findings.summary()["by_check"]:
        from graphaudit.checks import run_checks as run

        who = svc.tokens.verify(site.tokens["auditor"])
        svc.findings.save_run(run(svc.store, WORLD_CHECKS), {}, who, 0.0)


def canvas_painted(page: Any) -> int:
    """How many pixels of the graph's canvas are painted (not transparent, not background)."""
    return int(
        page.evaluate("""() => {
        const c = document.querySelector('#graph canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4)
          if (d[i + 3] > 0 && (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240)) n++;
        return n; }""")
    )


def click_node(page: Any, ref: str) -> None:
    """A real mouse click on a node of the graph, where vis drew it."""
    page.evaluate("(r) => gaGraph.network.stopSimulation()", ref)
    xy = page.evaluate(
        """(r) => { const p = gaGraph.network.getPositions([r])[r];
        const d = gaGraph.network.canvasToDOM(p);
        const b = document.querySelector('#graph canvas').getBoundingClientRect();
        return [b.left + d.x, b.top + d.y]; }""",
        ref,
    )
    page.mouse.click(xy[0], xy[1])


def test_login_rejects_a_bad_token(browser: Any, site: Site) -> None:
    page = browser.new_page()
    page.route(
        "**/*",
        lambda r: (
            r.continue_()
            if urlparse(r.request.url).hostname == "127.0.0.1"
            else (site.outside.append(r.request.url), r.abort())
        ),
    )
    page.goto(site.base + "/explorer")
    page.fill("#token", "ga_wrong")
    page.click("button[type=submit]")
    assert "令牌无效" in page.inner_text("#login-error")
    shot(page, "login")
    page.close()


def test_findings_page_lists_most_severe_first_and_filters(browser: Any, site: Site) -> None:
    run_checks(site)
    page = open_page(browser, site, "investigator")
    page.wait_for_selector("tr.row")
    sev = [int(x) for x in page.locator("tr.row .sev").all_inner_texts()]
    total = sum(site.app.state.services.findings.summary()["by_check"].values())
    assert len(sev) == min(50, total) and sev == sorted(sev, reverse=True)
    assert "已脱敏" in page.inner_text("header") and not page.locator("#run-checks").count()
    assert page.locator(".stat").first.inner_text().startswith(str(total))
    shot(page, "findings")
    page.select_option("select[name=check]", "deceased_recipient")
    page.click("#filters button[type=submit]")
    page.wait_for_function(
        "() => [...document.querySelectorAll('tr.row .check-name')]"
        ".every(e => e.textContent.includes('死亡'))"
    )
    assert 0 < page.locator("tr.row").count() < len(sev)
    assert "check=deceased_recipient" in page.url
    assert page.errors == []
    page.close()


def test_finding_graph_renders_with_the_path_and_expands(browser: Any, site: Site) -> None:
    run_checks(site)
    page = open_page(browser, site, "investigator")
    page.wait_for_selector("tr.row")
    page.select_option("select[name=check]", "kin_approved_subsidy")
    page.click("#filters button[type=submit]")
    page.wait_for_function("() => document.querySelector('tr.row .check-name')?.textContent.includes('审批')")
    page.locator("tr.row a").first.click()
    page.wait_for_url("**/findings/*")
    page.wait_for_function("() => window.gaGraph && gaGraph.drawn && gaGraph.nodes.length > 0")
    n0 = page.evaluate("gaGraph.nodes.length")
    path = page.evaluate("gaGraph.edges.get().filter(e => e.width > 3).length")
    assert n0 >= 4 and path >= 2
    assert "审批" in page.inner_text("#explanation") and page.locator("#path .pn").count() >= 3
    page.wait_for_timeout(800)
    assert canvas_painted(page) > 2000
    shot(page, "finding")
    # the village: its payments and households are not all in the evidence graph yet
    ref = page.evaluate("gaGraph.nodes.get().find(n => n.data.label === 'Org').id")
    click_node(page, ref)
    page.wait_for_function(f"() => gaGraph.expansions === 1 && gaGraph.nodes.length > {n0}")
    loaded = page.evaluate("gaGraph.status")
    assert loaded["ref"] == ref and loaded["loaded"] == min(50, loaded["total"])
    assert "单位" in page.inner_text("#node-info")
    assert page.errors == []
    page.close()


def test_explorer_search_and_expand(browser: Any, site: Site) -> None:
    page = open_page(browser, site, "investigator")
    page.goto(site.base + "/explorer")
    page.fill("#q", "赵书记")
    page.click("#search-form button")
    page.wait_for_selector("#results li[data-i]")
    page.locator("#results li[data-i]").first.click()
    page.wait_for_function("() => gaGraph.expansions === 1 && gaGraph.nodes.length > 1")
    n1 = page.evaluate("gaGraph.nodes.length")
    labels = page.evaluate("[...new Set(gaGraph.nodes.get().map(n => n.data.label))]")
    assert {"Person", "Household"} <= set(labels)
    colours = page.evaluate("[...new Set(gaGraph.nodes.get().map(n => n.color.background))]")
    assert len(colours) == len(labels)  # coloured by label
    assert "户" in page.inner_text("#legend")
    ref = page.evaluate("gaGraph.nodes.get().find(n => n.data.label === 'Org').id")  # the village
    click_node(page, ref)
    page.wait_for_function(f"() => gaGraph.expansions === 2 && gaGraph.nodes.length > {n1}")
    assert "邻居已加载" in page.inner_text("#node-info")
    page.wait_for_timeout(600)
    assert canvas_painted(page) > 2000
    shot(page, "explorer")
    assert page.errors == []
    page.close()


def test_status_change_persists_after_reload(browser: Any, site: Site) -> None:
    run_checks(site)
    page = open_page(browser, site, "auditor")
    page.wait_for_selector("tr.row")
    page.locator("tr.row a").nth(2).click()
    page.wait_for_selector("#current-status")
    fid = page.url.rsplit("/", 1)[1]
    assert page.inner_text("#current-status") == "新线索"
    page.select_option("#review-select", "核查中")
    page.fill("#review-comment", "请村监委会提供审批材料")
    page.click("#review-form button")
    page.wait_for_function("() => document.querySelector('#current-status').textContent === '核查中'")
    page.select_option("#review-select", "属实")
    page.click("#review-form button")
    page.wait_for_function("() => document.querySelector('#review-error').textContent.includes('意见')")
    page.reload()
    page.wait_for_selector("#current-status")
    assert page.inner_text("#current-status") == "核查中"
    assert "请村监委会提供审批材料" in page.inner_text("#review")
    assert site.app.state.services.reviews.status(fid)["status"] == "核查中"
    shot(page, "finding-review")
    page.goto(site.base + "/findings?status=核查中")
    page.wait_for_selector("tr.row")
    assert page.locator("tr.row").count() == 1 and page.inner_text("tr.row .tag") == "核查中"
    assert page.errors == []
    page.close()


def test_auditor_runs_the_checks_from_the_findings_page(browser: Any, site: Site) -> None:
    """The button starts a background run and follows it to the end; the list then shows the new findings."""
    page = open_page(browser, site, "auditor")
    page.wait_for_selector("#run-checks")
    page.click("#run-checks")
    page.wait_for_function(
        "() => document.querySelector('#run-status').textContent.includes('检查完成')", timeout=120_000
    )
    svc = site.app.state.services
    total = sum(svc.findings.summary()["by_check"].values())
    assert f"{total} 条线索" in page.inner_text("#run-status")
    assert set(svc.findings.summary()["by_check"]) <= set(CHECKS) and svc.findings.summary()["last_run"][
        "checks"
    ] == list(CHECKS)
    page.wait_for_function(f"() => document.querySelector('.stat')?.textContent.startsWith('{total}')")
    assert not page.locator("#run-checks").is_disabled()
    shot(page, "findings-run")
    assert page.errors == []
    page.close()
