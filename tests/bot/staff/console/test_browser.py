"""The staff console in a real browser (Debian's chromium, driven by Playwright): the day's main path by
mouse and by keyboard alone, a new urgent case appearing live in an open queue, and axe-core on every
page with no WCAG 2.2 A/AA violation.

The service runs in a thread of its own on a real port, on SQLite and the real Redis (so live updates
take the pub/sub path that crosses workers). One browser serves the whole module.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cases.types import NewCase, Proxy
from bot.security.crypto import Cipher
from bot.staff.live import AnnouncingCaseStore, CaseFeed
from bot.staff.users import StaffUserStore
from bot.storage.db import create_engine, create_sessionmaker, upgrade_database
from bot.storage.redis import create_redis
from tests.bot.staff.console.conftest import PHONE, PROXY_PHONE, build_app
from tests.bot.staff.fakes import RecordingDelivery
from tests.fixtures.browser import ServiceThread, assert_accessible, launched_chromium
from tests.fixtures.database import TEST_SECRET_KEY

playwright_api = pytest.importorskip("playwright.sync_api")
pytest.importorskip("axe_playwright_python.sync_playwright")

PASSWORD = "console-test-password"


class LiveService(ServiceThread):
    """The staff API and console on 127.0.0.1, served from an event loop in a background thread."""

    def __init__(self, database: Path, redis_url: str) -> None:
        super().__init__("console-service")
        self._database = database
        self._redis_url = redis_url
        self.url = ""
        self.cases: AnnouncingCaseStore
        self.users: StaffUserStore
        self.delivery = RecordingDelivery()
        self._runner: web.AppRunner
        self._engine: AsyncEngine
        self._redis: Redis
        self._feed: CaseFeed
        self._keys = 0

    async def start(self) -> None:
        url = f"sqlite+aiosqlite:///{self._database}"
        await upgrade_database(url)
        self._engine = create_engine(url)
        sessionmaker = create_sessionmaker(self._engine)
        self._redis = create_redis(self._redis_url)
        await self._redis.flushdb()
        self._feed = CaseFeed(self._redis)
        self.cases = AnnouncingCaseStore(sessionmaker, Cipher(TEST_SECRET_KEY), feed=self._feed)
        self.users = StaffUserStore(sessionmaker)
        self._runner = web.AppRunner(build_app(self.cases, self.users, self._redis, self.delivery), shutdown_timeout=2)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        await self._runner.cleanup()
        await self._feed.close()
        await self._redis.flushdb()
        await self._redis.aclose()
        await self._engine.dispose()

    def close(self) -> None:
        self.run(self.stop())
        self.stop_loop()

    def add_user(self, username: str, role: str = "agent", teams: tuple[str, ...] = ("subsidy",)) -> None:
        self.run(self.users.add(username, PASSWORD, role, teams))

    def new_case(
        self, *, team: str = "subsidy", urgent: bool = False, name: str = "韦小明", said: str = "我想申请护理补贴"
    ) -> int:
        self._keys += 1
        request = NewCase(
            idempotency_key=f"browser-{self._keys}",
            service="nursing-allowance",
            team=team,
            channel="wechat",
            user_ref=f"openid-{name}",
            mode="voice",
            district="城中区",
            contact_phone=PHONE,
            beneficiary_name=name,
            proxy=Proxy(relationship="子女", name="韦大明", phone=PROXY_PHONE),
            answers={"id_number": "450202199001011234", "level": "一级"},
            transcript=[{"from": "resident", "text": said}],
            summary="重度残疾人护理补贴，电话 139****5678",
            urgent=urgent,
        )
        case_id, _ = self.run(self.cases.create(request))
        return case_id


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[LiveService]:
    found = LiveService(tmp_path_factory.mktemp("console") / "console.sqlite3", redis_url)
    try:
        found.run(found.start())
        yield found
    finally:
        found.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_chromium() as launched:
        yield launched


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    opened = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    opened.set_default_timeout(10_000)
    try:
        yield opened
    finally:
        opened.close()


def login(page: Any, service: LiveService, username: str) -> None:
    page.goto(service.url + "/staff/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    playwright_api.expect(page.get_by_role("heading", name="案件队列")).to_be_visible()


# ---------------------------------------------------------------- the main path, by mouse


def test_login_claim_next_and_reply(service: LiveService, context: Any) -> None:
    service.add_user("anna")
    service.new_case()
    urgent = service.new_case(urgent=True)
    page = context.new_page()
    login(page, service, "anna")
    expect = playwright_api.expect
    expect(page.get_by_role("link", name=f"{urgent} 号")).to_be_visible()
    page.get_by_role("button", name="认领下一个").click()
    expect(page.get_by_role("heading", name=f"{urgent} 号案件")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="已认领")).to_be_visible()
    page.get_by_label("回复居民").fill("您好，请带上残疾人证。<b>不是标记</b>")
    page.get_by_role("button", name="发送回复").click()
    expect(page.get_by_text("回复已发出")).to_be_visible()
    expect(page.get_by_text("您好，请带上残疾人证。<b>不是标记</b>")).to_be_visible()
    assert service.delivery.sent[-1] == (urgent, "您好，请带上残疾人证。<b>不是标记</b>")


def test_search_by_name_and_phone_tail(service: LiveService, context: Any) -> None:
    service.add_user("bella")
    wanted = service.new_case(name="覃秀英")
    page = context.new_page()
    login(page, service, "bella")
    page.get_by_role("searchbox", name="搜索").fill("覃秀英")
    page.get_by_role("button", name="查找").click()
    expect = playwright_api.expect
    expect(page.get_by_role("heading", name="搜索结果（本页 1 件）")).to_be_visible()
    expect(page.get_by_role("link", name=f"{wanted} 号")).to_be_visible()
    page.get_by_role("searchbox", name="搜索").fill("0000")
    page.get_by_role("button", name="查找").click()
    expect(page.get_by_text("没有找到符合的案件。")).to_be_visible()


def test_transfer_with_a_reason_and_resolve_with_a_note(service: LiveService, context: Any) -> None:
    service.add_user("carl", teams=("subsidy", "rehab"))
    case_id = service.new_case()
    page = context.new_page()
    login(page, service, "carl")
    page.get_by_role("button", name=f"认领 {case_id} 号").click()
    expect = playwright_api.expect
    expect(page.get_by_role("heading", name=f"{case_id} 号案件")).to_be_visible()
    page.get_by_label("转给", exact=True).select_option("rehab")
    page.get_by_label("转交原因").fill("需要先做康复评估")
    page.get_by_role("button", name="转交").click()
    expect(page.get_by_role("status").filter(has_text="已转交。")).to_be_visible()
    expect(page.get_by_text("需要先做康复评估")).to_be_visible()
    page.get_by_role("button", name="认领这个案件").click()
    page.get_by_label("办理结果").select_option("approved")
    page.get_by_label("给居民的说明（可不填）").fill("下周一到社区领取")
    page.get_by_role("button", name="办结").click()
    expect(page.get_by_role("status").filter(has_text="已办结。")).to_be_visible()
    summary = service.run(service.cases.summary(case_id))
    assert (summary.status, summary.team) == ("resolved", "rehab")


def test_a_case_claimed_in_another_tab_is_refused_with_a_clear_message(service: LiveService, context: Any) -> None:
    service.add_user("dora")
    service.add_user("emil")
    case_id = service.new_case()
    mine = context.new_page()
    login(mine, service, "dora")
    mine.goto(f"{service.url}/staff/cases/{case_id}")
    other = context.browser.new_context()
    try:
        theirs = other.new_page()
        login(theirs, service, "emil")
        theirs.get_by_role("button", name=f"认领 {case_id} 号").click()
        playwright_api.expect(theirs.get_by_text("已认领。")).to_be_visible()
    finally:
        other.close()
    mine.get_by_role("button", name="认领这个案件").click()
    playwright_api.expect(mine.get_by_role("alert")).to_contain_text("emil")


def test_canned_replies_by_slash_search_and_list_notes_and_contact_preference(
    service: LiveService, context: Any
) -> None:
    service.add_user("kira")
    case_id = service.new_case(said="我听不见，别打电话")
    page = context.new_page()
    login(page, service, "kira")
    expect = playwright_api.expect
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=f"{case_id} 号"))
    expect(row.get_by_role("cell", name="只发文字")).to_be_visible()
    page.get_by_role("button", name=f"认领 {case_id} 号").click()
    expect(page.get_by_role("heading", name="联系方式：只发文字，不要打电话")).to_be_visible()
    page.evaluate("window.notReloaded = true")
    # "/" and a keyword in the reply box, then the keyboard alone.
    reply = page.get_by_label("回复居民")
    page.wait_for_load_state("load")  # the shortcut is the deferred script's
    page.keyboard.press("Alt+Shift+R")
    page.keyboard.type("/核实")
    status = page.locator("#canned-status")
    expect(status).to_have_text("找到 1 条常用回复，按下箭头选择，按 Esc 返回。")
    assert status.get_attribute("role") == "status"
    assert_accessible(page, "canned reply search")
    assert _small_targets(page) == []
    page.keyboard.press("ArrowDown")
    assert _focused(page)["text"].startswith("需要时间核实：")
    page.keyboard.press("Enter")
    waiting = "这件事需要几天时间核实，请您耐心等一等。办好了我们会告诉您。"
    expect(reply).to_have_value(waiting)
    assert _focused(page)["id"] == "reply-text"
    expect(status).to_have_text("已放进回复框，可以改了再发送。")
    page.keyboard.type("\n/没有这种回复")
    page.keyboard.press("Escape")  # a "/" not at the start searches nothing
    expect(page.locator("#canned-matches")).to_be_hidden()
    reply.fill("/不客气")
    page.keyboard.press("Escape")
    expect(page.locator("#canned-matches")).to_be_hidden()
    # The list below works too, and puts the reply in without reloading the page.
    reply.fill(waiting)
    page.get_by_label("常用回复", exact=True).select_option("thanks")
    page.get_by_role("button", name="放进回复框").click()
    expect(reply).to_have_value(waiting + "\n不客气。还有别的事，随时给我们发消息。")
    assert page.evaluate("window.notReloaded") is True
    # A private note, and the preference changed by staff.
    page.get_by_label("写备注").fill("要请手语翻译<b>上门</b>")
    page.get_by_role("button", name="保存备注").click()
    expect(page.get_by_role("status").filter(has_text="备注已保存。")).to_be_visible()
    expect(page.get_by_text("要请手语翻译<b>上门</b>")).to_be_visible()
    page.get_by_label("改成").select_option("via_family")
    page.get_by_role("button", name="保存联系方式").click()
    expect(page.get_by_role("heading", name="联系方式：通过家人联系")).to_be_visible()
    assert_accessible(page, "case with a note and a changed contact preference")
    assert all(sent_case != case_id for sent_case, _ in service.delivery.sent)


# ---------------------------------------------------------------- live updates


def test_a_new_urgent_case_appears_on_an_open_queue_without_reload(service: LiveService, context: Any) -> None:
    service.add_user("fang")
    queue = context.new_page()
    login(queue, service, "fang")
    queue.evaluate("window.notReloaded = true")
    other_tab = context.new_page()  # the same staff member works on in another tab meanwhile
    other_tab.goto(service.url + "/staff/help")
    urgent = service.new_case(urgent=True, name="黎阿婆")
    expect = playwright_api.expect
    expect(queue.get_by_role("link", name=f"{urgent} 号")).to_be_visible(timeout=5_000)
    row = queue.get_by_role("row").filter(has=queue.get_by_role("link", name=f"{urgent} 号"))
    expect(row.get_by_text("紧急")).to_be_visible()
    live = queue.locator("#live")
    expect(live).to_have_text(f"新的紧急案件：{urgent} 号，补贴组。")
    assert live.get_attribute("aria-live") == "polite"
    assert queue.evaluate("window.notReloaded") is True


# ---------------------------------------------------------------- keyboard alone


def _focused(page: Any) -> dict[str, Any]:
    info: dict[str, Any] = page.evaluate(
        """() => {
            const el = document.activeElement;
            const box = el.getBoundingClientRect();
            const style = getComputedStyle(el);
            return {
                tag: el.tagName, text: (el.innerText || el.value || "").trim(), id: el.id,
                outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
                top: box.top, bottom: box.bottom, viewport: window.innerHeight,
            };
        }"""
    )
    return info


def _tab_to(page: Any, wanted: str, limit: int = 60) -> dict[str, Any]:
    """Press Tab until the focused control's text or id is ``wanted``; every stop must show its focus."""
    page.wait_for_load_state("load")
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = _focused(page)
        assert focused["outline"] != "none", f"focus not visible on {focused}"
        assert focused["outlineWidth"] >= 2, f"focus outline too thin on {focused}"
        assert focused["top"] >= 0, f"focus above the window: {focused}"
        assert focused["bottom"] <= focused["viewport"], f"focus below the window: {focused}"
        if wanted in (focused["text"], focused["id"]):
            return focused
    raise AssertionError(f"Tab never reached {wanted!r}")


def test_the_main_path_by_keyboard_alone(service: LiveService, context: Any) -> None:
    service.add_user("gina")
    case_id = service.new_case(urgent=True, name="韦阿公")
    page = context.new_page()
    page.goto(service.url + "/staff/")
    _tab_to(page, "username")
    page.keyboard.type("gina")
    _tab_to(page, "password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect = playwright_api.expect
    expect(page.get_by_role("heading", name="案件队列")).to_be_visible()
    # The shortcut moves to the search box; the search is typed and sent from there. The shortcuts are the
    # deferred script's: a page can be drawn before it runs.
    page.wait_for_load_state("load")
    page.keyboard.press("Alt+Shift+S")
    assert _focused(page)["id"] == "q"
    page.keyboard.type(str(case_id))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="搜索结果（本页 1 件）")).to_be_visible()
    _tab_to(page, f"认领 {case_id} 号")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"{case_id} 号案件")).to_be_visible()
    page.wait_for_load_state("load")
    page.keyboard.press("Alt+Shift+R")
    assert _focused(page)["id"] == "reply-text"
    page.keyboard.type("我们明天打电话给您。")
    _tab_to(page, "await")
    page.keyboard.press("Space")
    _tab_to(page, "发送回复")
    page.keyboard.press("Enter")
    expect(page.get_by_text("回复已发出")).to_be_visible()
    assert service.run(service.cases.summary(case_id)).status == "waiting"
    _tab_to(page, "outcome")
    page.keyboard.press("ArrowDown")  # 已转介其他部门
    _tab_to(page, "办结")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="已办结。")).to_be_visible()


# ---------------------------------------------------------------- accessibility of every page


def test_every_page_passes_axe_at_wcag_2_2_a_and_aa(service: LiveService, context: Any) -> None:
    service.add_user("hana", "admin", ())
    new_case = service.new_case(urgent=True, name="潘阿姨")
    page = context.new_page()
    page.goto(service.url + "/staff/")
    assert_accessible(page, "login")
    page.get_by_label("用户名").fill("hana")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    assert_accessible(page, "login refused")
    login(page, service, "hana")
    assert_accessible(page, "queue")
    page.goto(service.url + "/staff/?status=all&q=" + PHONE[-4:])
    assert_accessible(page, "search results")
    for path, name in (("/staff/help", "help"), ("/staff/stats", "stats"), ("/staff/accounts", "accounts")):
        page.goto(service.url + path)
        assert_accessible(page, name)
    page.goto(service.url + "/staff/audit")
    assert_accessible(page, "audit")
    page.goto(service.url + "/staff/cases/999999")
    assert_accessible(page, "not found")
    page.goto(f"{service.url}/staff/cases/{new_case}")
    assert_accessible(page, "new case")
    page.get_by_role("button", name="显示").click()
    assert_accessible(page, "case with numbers shown")
    page.get_by_role("button", name="认领这个案件").click()
    assert_accessible(page, "claimed case")
    page.get_by_role("button", name="发送回复").click()  # empty: the browser asks for text first
    page.get_by_label("回复居民").fill("x" * 10)
    page.get_by_label("回复居民").evaluate("el => el.removeAttribute('required')")
    page.get_by_role("button", name="转交").click()  # no reason given: refused by the server
    assert_accessible(page, "refused transfer")


def test_text_at_200_percent_still_fits_a_narrow_window(service: LiveService, context: Any) -> None:
    service.add_user("ivan")
    case_id = service.new_case()
    page = context.new_page()
    page.set_viewport_size({"width": 640, "height": 800})
    login(page, service, "ivan")
    for path in ("/staff/", f"/staff/cases/{case_id}", "/staff/help"):
        page.goto(service.url + path)
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 200 % text"


_SMALL_TARGETS = """() => Array.from(document.querySelectorAll(
    "button, input:not([type=hidden]), select, textarea, nav a, td a, th a, a.skip:focus"
)).map(el => ({what: el.outerHTML.slice(0, 80), box: el.getBoundingClientRect()}))
  .filter(t => t.box.width > 0 && (t.box.width < 24 || t.box.height < 24))
  .map(t => `${t.what} is ${t.box.width}x${t.box.height}`)"""


def _small_targets(page: Any) -> list[str]:
    page.wait_for_load_state("load")  # measured with the style sheet applied
    found: list[str] = page.evaluate(_SMALL_TARGETS)
    return found


def test_every_control_is_at_least_24_px_square(service: LiveService, context: Any) -> None:
    service.add_user("jade", "admin", ())
    case_id = service.new_case()
    page = context.new_page()
    login(page, service, "jade")
    assert _small_targets(page) == []
    page.goto(f"{service.url}/staff/cases/{case_id}")
    page.get_by_role("button", name="认领这个案件").click()
    playwright_api.expect(page.get_by_role("status").filter(has_text="已认领")).to_be_visible()
    assert _small_targets(page) == []
    page.goto(service.url + "/staff/help")
    assert _small_targets(page) == []
