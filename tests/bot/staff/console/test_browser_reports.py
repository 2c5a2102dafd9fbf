"""The supervisors' and administrators' pages in a real browser: axe-core finds no WCAG 2.2 A/AA
violation on any of them, with figures on them, and an agent is refused every one.

One browser and one service for the module, as in test_browser.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.bot.staff.console.test_browser import LiveService, login
from tests.fixtures.browser import assert_accessible, launched_chromium

playwright_api = pytest.importorskip("playwright.sync_api")

SUPERVISOR_PAGES = ("/staff/stats", "/staff/reports", "/staff/reports?month=2026-11")
ADMIN_PAGES = ("/staff/accounts", "/staff/audit")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[LiveService]:
    found = LiveService(tmp_path_factory.mktemp("reports") / "console.sqlite3", redis_url)
    try:
        found.run(found.start())
        yield found
    finally:
        found.close()


@pytest.fixture(scope="module")
def page(service: LiveService) -> Iterator[Any]:
    with launched_chromium() as browser:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        yield context.new_page()


def test_every_supervisor_and_admin_page_passes_axe(service: LiveService, page: Any) -> None:
    service.add_user("ada", "admin", ())
    page.context.clear_cookies()
    case_id = service.new_case(urgent=True)
    service.new_case(team="hotline")
    login(page, service, "ada")
    page.goto(f"{service.url}/staff/cases/{case_id}")  # a view, for the audit to show
    for path in SUPERVISOR_PAGES + ADMIN_PAGES + ("/staff/password", f"/staff/cases/{case_id}/erase"):
        page.goto(service.url + path)
        assert_accessible(page, path)
    page.goto(service.url + "/staff/accounts")
    page.get_by_role("link", name="ada").click()
    assert_accessible(page, "one account")
    page.goto(service.url + "/staff/accounts")
    page.get_by_label("用户名").fill("x")
    page.get_by_label("初始密码").fill("long-enough-password")
    page.get_by_role("button", name="建立账号").click()
    playwright_api.expect(page.get_by_role("alert")).to_contain_text("用户名要 3 到 40 个字符")
    assert_accessible(page, "refused account")
    page.goto(service.url + "/staff/stats")
    chart = page.get_by_role("img", name="按服务分的申请")
    playwright_api.expect(chart).to_be_visible()
    table = page.get_by_role("table", name="按服务分的申请")
    playwright_api.expect(table.get_by_role("cell", name="2 件")).to_be_visible()


def test_an_agent_is_refused_every_supervisor_and_admin_page(service: LiveService, page: Any) -> None:
    service.add_user("agnes")
    page.context.clear_cookies()
    login(page, service, "agnes")
    case_id = service.new_case()
    for path in SUPERVISOR_PAGES + ADMIN_PAGES + (f"/staff/cases/{case_id}/erase",):
        response = page.goto(service.url + path)
        assert response is not None
        assert response.status == 403, path
    assert_accessible(page, "refused")


def test_the_new_pages_fit_a_narrow_window_at_200_percent_text(service: LiveService, page: Any) -> None:
    service.add_user("abel", "admin", ())
    page.context.clear_cookies()
    page.set_viewport_size({"width": 640, "height": 800})
    login(page, service, "abel")
    for path in SUPERVISOR_PAGES[:2] + ADMIN_PAGES:
        page.goto(service.url + path)
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 200 % text"
    assert_accessible(page, "statistics in a narrow window")
