"""The HTML evidence bundle in a real headless Chromium with the network off: it must ask for nothing
but its own file, draw the graph on its canvas with the right number of nodes and edges, and show a
finding's explanation, evidence and source rows when its card is clicked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from graphaudit.export import Selection, export_selection
from graphaudit.store.embedded import LadybugStore
from graphaudit.viz import graph_html
from tests.stores import TINY, loaded_store

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


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LadybugStore]:
    s = loaded_store(tmp_path_factory.mktemp("tiny"), TINY)
    yield s
    s.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        yield b
        b.close()


def open_offline(browser, path: Path) -> tuple[Page, list[str], list[str]]:  # type: ignore[no-untyped-def]
    """The page at ``path`` with every non-file request blocked and recorded; JS errors recorded."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    attempted: list[str] = []
    errors: list[str] = []

    def route(r):  # type: ignore[no-untyped-def]
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            attempted.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    # polled with evaluate: wait_for_function evaluates strings in the page, which its CSP forbids
    for _ in range(600):
        if page.evaluate("() => window.gaDrawn === true"):
            break
        page.wait_for_timeout(100)
    else:
        raise AssertionError(f"{path.name}: the graph was never drawn ({errors})")
    return page, attempted, errors


DRAWN = """() => { const c = document.querySelector('#net canvas'); const x = c.getContext('2d');
  const d = x.getImageData(0, 0, c.width, c.height).data; let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }"""


def test_flagged_bundle_renders_offline(store: LadybugStore, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    res = export_selection(store, Selection("flagged"), "html", tmp_path / "flagged.html")
    html = res.files[0].read_text(encoding="utf-8")
    assert (
        "http://" not in html.split("<script>", 1)[0] and 'src="http' not in html and 'href="http' not in html
    )
    page, attempted, errors = open_offline(browser, res.files[0])
    try:
        assert attempted == [] and errors == []
        assert page.evaluate("window.gaNetwork.body.data.nodes.length") == res.nodes > 5
        assert page.evaluate("window.gaNetwork.body.data.edges.length") == res.relationships > 5
        assert page.evaluate(DRAWN) > 1000  # the canvas has been drawn on
        cards = page.locator(".card")
        assert cards.count() == res.findings
        cards.first.click()
        info = page.locator("#info").inner_text()
        assert "证据链" in info and "来源记录" in info and "村党支部书记" in info
        assert page.evaluate("window.gaNetwork.getSelectedNodes().length") >= 3
        assert "HT-2024-001" in info or "FF-0001" in info  # the source record of the top finding
        assert "140107196503020117" not in page.content()  # masked by default
    finally:
        page.close()


def test_one_finding_bundle_and_a_plain_subgraph(store: LadybugStore, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from graphaudit.checks import run_checks

    f = run_checks(store, ["deceased_recipient"])["deceased_recipient"][0]
    res = export_selection(
        store, Selection("findings", finding_ids=(f.finding_id,)), "html", tmp_path / "one.html"
    )
    page, attempted, errors = open_offline(browser, res.files[0])
    try:
        assert attempted == [] and errors == []
        assert page.evaluate("window.gaNodeCount") == len({(n["label"], n["id"]) for n in f.path["nodes"]})
        assert page.locator(".card").count() == 1
    finally:
        page.close()
    # viz.graph_html on a raw store subgraph (what a notebook does)
    g = store.subgraph(["140107196503020117"], hops=1)
    path = tmp_path / "sub.html"
    path.write_text(graph_html(g, title="张伟 周边一跳"), encoding="utf-8")
    page, attempted, errors = open_offline(browser, path)
    try:
        assert attempted == [] and errors == []
        assert page.evaluate("window.gaNodeCount") == g.number_of_nodes()
        assert page.evaluate("window.gaEdgeCount") == g.number_of_edges()
        assert page.locator(".card").count() == 0 and page.evaluate(DRAWN) > 1000
        legend = page.locator("#legend").inner_text()
        assert "人员" in legend and "Person" in legend
    finally:
        page.close()
