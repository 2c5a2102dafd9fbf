"""The web chat in a real browser (Debian's chromium through Playwright): a whole application by keyboard
alone, a staff reply appearing live, the display settings remembered, the page without JavaScript, and
axe-core on every state of the page with no WCAG 2.2 A/AA violation.

The whole service runs in a thread of its own on a real port, on SQLite and the real Redis. One browser
serves the module.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.app import create_app
from bot.channels.web.channel import CHANNEL
from bot.channels.web.identity import COOKIE
from bot.config import Settings
from bot.services import Services, open_services
from tests.bot.scripts import CONFIRM, NURSING_ALLOWANCE_FOR_MY_MOTHER
from tests.fixtures.browser import ServiceThread, assert_accessible, launched_chromium
from tests.paths import CONTENT_DIR
from tests.shipped import shipped_catalog

playwright_api = pytest.importorskip("playwright.sync_api")
pytest.importorskip("axe_playwright_python.sync_playwright")


class LiveService(ServiceThread):
    """``bot.app.create_app`` on 127.0.0.1, served from an event loop in a background thread."""

    def __init__(self, var_dir: Path, redis_url: str, *, vosk_model: Path | None = None) -> None:
        """``vosk_model``: recognise voice with this model (in one speech worker process)."""
        super().__init__("chat-service")
        self.settings = Settings(
            redis_url=redis_url,
            database_url=f"sqlite+aiosqlite:///{var_dir / 'chat.sqlite3'}",
            secret_key="b" * 48,
            var_dir=var_dir,
            content_dir=CONTENT_DIR,
            vosk_model=vosk_model,
        )
        self._stack = AsyncExitStack()
        self.services: Services
        self.app: web.Application
        self.url = ""

    async def start(self) -> None:
        self.services = await self._stack.enter_async_context(
            open_services(self.settings, shipped_catalog(), speech_workers=1)
        )
        await self.services.redis.flushdb()
        self.app = create_app(self.services)
        runner = web.AppRunner(self.app, shutdown_timeout=1)
        await runner.setup()
        self._stack.push_async_callback(runner.cleanup)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{runner.addresses[0][1]}/chat/"

    def close(self) -> None:
        self.run(self._stack.aclose())
        self.stop_loop()

    async def _web_case_id(self) -> int:
        (case,) = [c for c in await self.services.cases.list() if c.channel == CHANNEL]
        return case.id

    def web_case_id(self) -> int:
        return self.run(self._web_case_id())

    def reply_as_staff(self, text: str) -> None:
        async def reply() -> None:
            detail = await self.services.cases.get(await self._web_case_id(), actor="test")
            await self.services.delivery.deliver(detail, text)

        self.run(reply())

    def notify(self, page: Any, text: str) -> None:
        """A notice from staff to the resident whose cookie ``page`` holds (no case needed)."""
        (cookie,) = [c["value"] for c in page.context.cookies() if c["name"] == COOKIE]
        self.run(self.services.delivery.notify(CHANNEL, cookie.rpartition(".")[0], text))


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[LiveService]:
    found = LiveService(tmp_path_factory.mktemp("chat"), redis_url)
    try:
        found.run(found.start())
        yield found
    finally:
        found.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_chromium() as launched:
        yield launched


def new_page(browser: Any, **options: Any) -> Any:
    context = browser.new_context(locale="zh-CN", viewport={"width": 800, "height": 900}, **options)
    context.set_default_timeout(10_000)
    return context.new_page()


def entries(page: Any) -> Any:
    return page.get_by_role("log").get_by_role("listitem")


def test_a_whole_application_by_keyboard_alone_and_a_staff_reply_appears_live(
    service: LiveService, browser: Any
) -> None:
    expect = playwright_api.expect
    page = new_page(browser)
    page.goto(service.url)
    assert_accessible(page, "the empty chat")
    box = page.get_by_label("输入消息")
    expect(box).to_be_focused()
    for text in (*NURSING_ALLOWANCE_FOR_MY_MOTHER, CONFIRM):
        page.keyboard.type(text)
        page.keyboard.press("Enter")
        expect(entries(page).filter(has_text=f"您：{text}").last).to_be_visible()
        expect(box).to_have_value("")
        expect(box).to_be_focused()  # focus stays in the box after sending
    expect(entries(page).filter(has_text=f"编号是{service.web_case_id()}")).not_to_have_count(0)
    assert_accessible(page, "the chat after an application")
    service.reply_as_staff("您好，请带上残疾人证原件。")
    expect(entries(page).filter(has_text="工作人员：您好，请带上残疾人证原件。")).to_have_count(1)
    page.get_by_role("button", name="发送").click()
    expect(page.get_by_role("status")).to_have_text("请先写下您要说的话，再发送。")
    assert_accessible(page, "the chat with a staff reply and a refusal")


def test_text_size_contrast_and_elder_mode_are_remembered_and_stay_accessible(
    service: LiveService, browser: Any
) -> None:
    page = new_page(browser)
    page.goto(service.url)
    for _ in range(5):
        page.get_by_role("button", name="A+").click()
    assert page.evaluate("document.documentElement.dataset.scale") == "200"
    page.get_by_role("button", name="高对比度").click()
    page.reload()
    assert page.evaluate("document.documentElement.dataset.scale") == "200"
    playwright_api.expect(page.get_by_role("button", name="高对比度")).to_have_attribute("aria-pressed", "true")
    assert_accessible(page, "200 % and high contrast")
    page.get_by_role("button", name="A-").click()
    page.get_by_role("button", name="大字/长辈模式").click()
    for _ in range(4):
        page.get_by_role("button", name="A-").click()
    base = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    send = page.get_by_role("button", name="发送").bounding_box()
    assert base >= 18
    assert send["height"] >= 44
    assert send["width"] >= 44
    assert_accessible(page, "elder mode")


def test_without_javascript_the_form_posts_and_the_page_is_drawn_again(service: LiveService, browser: Any) -> None:
    page = new_page(browser, java_script_enabled=False)
    page.goto(service.url)
    page.get_by_label("输入消息").fill("护理补贴")
    page.get_by_role("button", name="发送").click()
    playwright_api.expect(entries(page).filter(has_text="您：护理补贴")).to_have_count(1)
    assert entries(page).count() >= 2
    # (axe itself is a script, so it cannot judge this page: the same markup is judged with JavaScript on.)


def test_at_200_percent_zoom_nothing_needs_scrolling_sideways(service: LiveService, browser: Any) -> None:
    # A 1280 × 900 screen at 200 % zoom lays the page out in 640 × 450 CSS pixels.
    page = new_page(browser)
    page.set_viewport_size({"width": 640, "height": 450})
    page.goto(service.url)
    page.get_by_label("输入消息").fill("护理补贴")
    page.keyboard.press("Enter")
    playwright_api.expect(entries(page).filter(has_text="您：护理补贴")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page, "200 % zoom")


_WATCH_THE_LOG = """() => {
    window.earlier = Array.from(document.querySelectorAll("#entries > li"));
    window.changes = { added: [], removed: 0, text: 0 };
    new MutationObserver((records) => {
        for (const record of records) {
            if (record.type === "characterData") { window.changes.text += 1; }
            window.changes.removed += record.removedNodes.length;
            record.addedNodes.forEach((node) => window.changes.added.push(node));
        }
    }).observe(document.getElementById("log"), { childList: true, subtree: true, characterData: true });
}"""
_WHAT_CHANGED = """() => {
    const now = Array.from(document.querySelectorAll("#entries > li"));
    const added = window.changes.added;
    return {
        earlier: window.earlier.length,
        now: now.length,
        kept: window.earlier.every((node, i) => node.isConnected && now[i] === node),
        added: added.length,
        addedAreNewItemsAtTheEnd: added.every((node) => !window.earlier.includes(node)
            && node.parentElement === document.getElementById("entries")
            && now.indexOf(node) >= window.earlier.length),
        removed: window.changes.removed,
        text: window.changes.text,
    };
}"""


def test_only_new_messages_are_added_to_the_log_so_only_they_are_announced(service: LiveService, browser: Any) -> None:
    expect = playwright_api.expect
    page = new_page(browser)
    page.goto(service.url)
    log = page.get_by_role("log")
    # A log is polite by nature; assertive, atomic or "all" would read out more than the new message.
    assert log.get_attribute("aria-live") in (None, "polite")
    assert log.get_attribute("aria-atomic") in (None, "false")
    assert log.get_attribute("aria-relevant") in (None, "additions", "additions text")
    box = page.get_by_label("输入消息")
    box.fill("你好")
    box.press("Enter")
    expect(entries(page).filter(has_text="您：你好")).to_have_count(1)
    expect(entries(page).filter(has_text="助手：")).not_to_have_count(0)
    page.reload()  # the earlier messages drawn by the server, as after any visit
    expect(entries(page).filter(has_text="您：你好")).to_have_count(1)
    page.evaluate(_WATCH_THE_LOG)

    box.fill("护理补贴")
    box.press("Enter")
    expect(entries(page).filter(has_text="您：护理补贴")).to_have_count(1)
    service.notify(page, "工作人员已经收到您的消息。")
    expect(entries(page).filter(has_text="工作人员：工作人员已经收到您的消息。")).to_have_count(1)
    page.wait_for_timeout(500)  # a stray re-insertion would have happened by now

    changed = page.evaluate(_WHAT_CHANGED)
    assert changed["kept"], changed  # every earlier message is the very same node, where it was
    assert changed["removed"] == 0, changed
    assert changed["text"] == 0, changed  # no earlier words rewritten
    assert changed["addedAreNewItemsAtTheEnd"], changed
    assert changed["added"] == changed["now"] - changed["earlier"] >= 3, changed  # yours, its answer, staff's
