"""名称核对 in a real headless Chromium (network blocked): reached from the nav, an auditor picks two names
and decides them at once — 是同一人, each with its candidate —, then one more 不是; they leave the open list
and stay decided after a reload; an analyst sees the same queue, masked, without the decision buttons."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graphaudit.api.app import create_app
from graphaudit.api.roles import Role
from tests.test_matching import A, C, E, county  # noqa: F401  (county: the fixture)
from tests.test_names_api import load_names_world
from tests.test_web import Site, chromium, open_page, playwright_api, serving, shot


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, county: Path) -> Iterator[Site]:  # noqa: F811
    tmp = tmp_path_factory.mktemp("web-names")
    _, store = load_names_world(county, tmp)
    app = create_app(store, tmp / "state")
    tokens = {r.value: app.state.services.tokens.create(f"{r.value}用户", r.value)[1] for r in Role}
    with serving(app) as url:
        yield Site(url, tokens, app)
    store.close()


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[Any]:
    yield from chromium(site)


def item(page: Any, role_zh: str, name: str) -> Any:
    return page.locator(".name-item", has=page.locator(".name-written", has_text=name)).filter(
        has_text=role_zh
    )


def test_auditor_decides_in_bulk_and_the_decisions_stay(browser: Any, site: Site) -> None:
    page = open_page(browser, site, "auditor")
    page.click("nav >> text=名称核对")
    page.wait_for_selector(".name-item")
    assert page.locator(".name-item").count() == 3
    assert page.inner_text("#names-count") == "待核对 3 项"
    several = item(page, "承包方", "张伟")
    assert several.locator(".name-cand").count() == 2  # side by side, with the village by name
    assert "坪上镇 西坪村" in several.inner_text() and "坪上镇 东坪村" in several.inner_text()
    assert C in item(page, "领取人", "刘玮").inner_text()  # an auditor sees the ID and the birth date
    assert "出生日期" in item(page, "领取人", "刘玮").inner_text()
    shot(page, "names-queue")

    # 是同一人 on an item of two candidates needs the candidate chosen: nothing is sent without it
    several.locator(".pick-item").check()
    page.click("#names-bar button[data-verdict=是同一人]")
    assert "请先选定候选人" in page.inner_text("#names-status")
    several.locator(f".pick-cand[value='{E}']").check()
    item(page, "领取人", "刘玮").locator(".pick-item").check()
    assert page.inner_text("#names-selected") == "2"
    page.click("#names-bar button[data-verdict=是同一人]")
    playwright_api.expect(page.locator(".name-item")).to_have_count(1)
    assert "已记录 2 项" in page.inner_text("#names-status")
    item(page, "审核/审批人", "张伟").locator(".pick-item").check()
    page.click("#names-bar button[data-verdict=不是]")
    page.wait_for_selector("#names-empty")
    shot(page, "names-decided")

    page.reload()  # resumable: what was decided stays decided
    page.wait_for_selector("#names-empty")
    assert page.inner_text("#names-count") == "待核对 0 项"
    page.check("#names-all")
    page.wait_for_selector(".name-item.decided")
    assert page.locator(".name-item.decided").count() == 3
    assert "是同一人" in item(page, "承包方", "张伟").inner_text()
    assert page.errors == []

    analyst = open_page(browser, site, "analyst")
    analyst.goto(site.base + "/names")
    analyst.check("#names-all")
    analyst.wait_for_selector(".name-item.decided")
    text = analyst.inner_text("main")
    assert analyst.locator("#names-bar").count() == 0 and "只能查看" in text
    assert analyst.locator(".pick-item").count() == 0
    assert not [p for p in (A, C, E) if p in text] and "出生日期" not in text
    assert analyst.errors == []
