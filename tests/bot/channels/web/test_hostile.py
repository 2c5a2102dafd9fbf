"""Hostile and huge inputs at ``/chat/``: form posts, the voice upload, picking a conversation up, cookies
and CSRF. Each gets the status it must and a plain Chinese sentence; never a traceback, never an echo of
the input as markup, never a 5xx.

Every case is a new resident with a browser of its own on one service shared by the module (opening the
whole service for each of these cases cost most of their time): Redis, where the service keeps
conversations and rate limits, is emptied before each case, and no case files anything in the database.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
import redis
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.channels.web.identity import COOKIE
from bot.channels.web.texts import WebTexts, load_web_texts
from bot.config import Settings
from bot.services import open_services
from tests.bot.channels.web.conftest import Browser
from tests.paths import CONTENT_DIR
from tests.shipped import shipped_catalog

TEXTS: WebTexts = load_web_texts(CONTENT_DIR)
MARK = "<b>hostile-7f3a</b>"

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server(
    redis_url: str, _sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[TestServer]:
    """The whole service on real Redis and SQLite, as ``tests/bot/channels/web/conftest.py`` opens it."""
    folder = tmp_path_factory.mktemp("hostile")
    database = folder / "bot.sqlite3"
    shutil.copyfile(_sqlite_template, database)
    settings = Settings(
        redis_url=redis_url,
        database_url=f"sqlite+aiosqlite:///{database}",
        secret_key="s" * 48,
        var_dir=folder,
        content_dir=CONTENT_DIR,
    )
    async with open_services(settings, shipped_catalog(), migrate=False) as services:
        running = TestServer(create_app(services))
        await running.start_server()
        try:
            yield running
        finally:
            await running.close()


@pytest.fixture
def empty_redis(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        client.flushdb()
    finally:
        client.close()


@pytest_asyncio.fixture(loop_scope="module")
async def browser(server: TestServer, empty_redis: None) -> AsyncIterator[Browser]:
    """A new resident's browser: its own cookies and connections, on the module's service."""
    client = TestClient(server)
    try:
        yield Browser(client)
    finally:
        await client.session.close()  # the client's own close() would stop the shared server


async def _answer(response: aiohttp.ClientResponse) -> str:
    body = await response.text(errors="replace")
    assert "Traceback" not in body
    assert MARK not in body  # escaped, if shown at all
    assert response.status < 500, body[:300]
    return body


async def _resident(browser: Browser) -> str:
    assert (await browser.say("你好")).status == 303
    return await browser.csrf()


@pytest.mark.parametrize(
    ("text", "status", "sentence"),
    [
        ("", 400, TEXTS.empty),
        (" \t\n\u3000", 400, TEXTS.empty),
        ("长" * 501, 400, TEXTS.too_long),
        ("长" * 30_000, 413, TEXTS.too_long),  # past what the page takes at all
    ],
)
async def test_an_empty_long_or_huge_message_is_answered_with_a_sentence_saying_so(
    browser: Browser, text: str, status: int, sentence: str
) -> None:
    csrf = await _resident(browser)
    response = await browser.client.post("/chat/send", data={"csrf": csrf, "text": text}, allow_redirects=False)
    assert response.status == status
    assert sentence in await _answer(response)


@pytest.mark.parametrize(
    "text",
    [
        MARK + "<script>alert(1)</script>",
        "\x00\x01\x1b[31m零字节",
        "\ud800半个代理对",
        "‮从右往左",
        "&lt;已经转义&gt;&amp;",
    ],
)
async def test_markup_control_characters_and_broken_unicode_are_taken_as_plain_words(
    browser: Browser, text: str
) -> None:
    csrf = await _resident(browser)
    body = text.encode("utf-8", "surrogatepass")
    form = b"csrf=" + csrf.encode() + b"&text=" + aiohttp.helpers.quote(body, safe="").encode()  # type: ignore[attr-defined]
    response = await browser.client.post(
        "/chat/send",
        data=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        allow_redirects=False,
    )
    assert response.status in (303, 400)
    await _answer(response)
    page = await browser.page()
    assert "<script>alert(1)</script>" not in page
    assert MARK not in page


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"csrf=%ZZ&text=%E4%BD", "application/x-www-form-urlencoded"),
        (b"\xff\xfe\x00garbage", "application/x-www-form-urlencoded"),
        (b'{"text": "hi"}', "application/json"),
        (b"--x\r\nContent-Disposition: form-data; name=text\r\n\r\nhi", "multipart/form-data; boundary=x"),
        (b"text=hi", "multipart/form-data"),
    ],
)
async def test_a_malformed_form_is_refused_as_an_expired_page(browser: Browser, body: bytes, content_type: str) -> None:
    await _resident(browser)
    response = await browser.client.post(
        "/chat/send", data=body, headers={"Content-Type": content_type}, allow_redirects=False
    )
    assert response.status in (400, 403)
    answer = await _answer(response)
    assert TEXTS.expired in answer


@pytest.mark.parametrize(
    "csrf",
    ["", "forged", "é" * 40, "x" * 10_000, "0" * 24],
)
async def test_a_post_without_its_pages_token_is_refused_and_the_message_is_not_taken(
    browser: Browser, csrf: str
) -> None:
    await _resident(browser)
    response = await browser.client.post("/chat/send", data={"csrf": csrf, "text": "你好"}, allow_redirects=False)
    assert response.status == 403
    assert TEXTS.expired in await _answer(response)


async def test_a_post_from_another_site_is_refused_even_with_the_right_token(browser: Browser) -> None:
    csrf = await _resident(browser)
    response = await browser.client.post(
        "/chat/send",
        data={"csrf": csrf, "text": "你好"},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
        allow_redirects=False,
    )
    assert response.status == 403
    assert TEXTS.expired in await _answer(response)


async def test_another_residents_token_does_not_pass(browser: Browser) -> None:
    others = await _resident(browser)
    browser.client.session.cookie_jar.clear()
    await _resident(browser)
    response = await browser.client.post("/chat/send", data={"csrf": others, "text": "你好"}, allow_redirects=False)
    assert response.status == 403


@pytest.mark.parametrize(
    "cookie",
    [
        "wforged.AAAAAAAAAAAAAAAAAAAAAAAA",
        "no-dot-at-all",
        ".",
        "..." * 60,
        "我是中文",
        "x" * 4000,
        "w%00.%ff",
    ],
)
async def test_a_forged_or_garbled_cookie_is_a_new_anonymous_resident(browser: Browser, cookie: str) -> None:
    csrf = await _resident(browser)
    jar = browser.client.session.cookie_jar

    def only_the_forged_cookie() -> None:
        jar.clear()
        jar.update_cookies({COOKIE: cookie})

    only_the_forged_cookie()
    page = await browser.client.get("/chat/")
    assert page.status == 200
    await _answer(page)
    assert "你好" not in (await page.text()).split('role="log"', 1)[1].split("</ol>", 1)[0]
    assert page.cookies[COOKIE].value != cookie  # a new signed cookie replaces it
    only_the_forged_cookie()
    posted = await browser.client.post("/chat/send", data={"csrf": csrf, "text": "你好"}, allow_redirects=False)
    assert posted.status == 403
    assert TEXTS.expired in await _answer(posted)
    only_the_forged_cookie()
    async with browser.client.get("/chat/events") as stream:
        assert stream.status == 403
        await _answer(stream)


@pytest.mark.parametrize(
    ("case", "phone4"),
    [
        ("", ""),
        ("abc", "1234"),
        ("-1", "1234"),
        ("0", "1234"),
        ("１２３", "１２３４"),
        ("9" * 12, "1234"),
        ("2147483648", "1234"),
        ("9" * 5000, "9" * 5000),
        ("1", "12345"),
        ("1' OR '1'='1", "1234"),
        (MARK, MARK),
    ],
)
async def test_a_wrong_or_malformed_case_number_or_digits_are_not_found(
    browser: Browser, case: str, phone4: str
) -> None:
    csrf = await _resident(browser)
    response = await browser.client.post(
        "/chat/resume", data={"csrf": csrf, "case": case, "phone4": phone4}, allow_redirects=False
    )
    assert response.status == 400
    assert TEXTS.resume_failed in await _answer(response)


def _voice_form(csrf: str, audio: bytes, *, content_type: str = "audio/webm") -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("csrf", csrf)
    form.add_field("message_id", "hostile-voice-1")
    form.add_field("audio", io.BytesIO(audio), filename="voice.webm", content_type=content_type)
    return form


@pytest.mark.parametrize(
    ("audio", "status", "sentence"),
    [
        (b"", 400, TEXTS.no_audio),
        (os.urandom(64 * 1024), 303, ""),  # taken; what it says is the recogniser's to tell
        (b"\x1a\x45\xdf\xa3" + b"\x00" * 100, 303, ""),  # a WebM header and nothing else
        (os.urandom(3 * 1024 * 1024), 413, TEXTS.audio_too_long),
    ],
)
async def test_an_empty_garbled_or_huge_recording_gets_a_plain_answer(
    browser: Browser, audio: bytes, status: int, sentence: str
) -> None:
    csrf = await _resident(browser)
    response = await browser.client.post("/chat/voice", data=_voice_form(csrf, audio), allow_redirects=False)
    assert response.status == status
    body = await _answer(response)
    if sentence:
        assert sentence in body


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"csrf=x&audio=abc", "application/x-www-form-urlencoded"),
        (b"--x\r\n\r\n", "multipart/form-data; boundary=x"),
        (b"garbage", "multipart/form-data"),
        (b"--" + b"x" * 100 + b"\r\n", "multipart/form-data; boundary=" + "x" * 100),
    ],
)
async def test_a_voice_post_that_is_not_a_recording_form_is_refused_plainly(
    browser: Browser, body: bytes, content_type: str
) -> None:
    await _resident(browser)
    response = await browser.client.post(
        "/chat/voice", data=body, headers={"Content-Type": content_type}, allow_redirects=False
    )
    assert response.status in (400, 403)
    answer = await _answer(response)
    assert TEXTS.no_audio in answer or TEXTS.expired in answer


async def test_a_recording_with_a_forged_token_is_refused(browser: Browser) -> None:
    await _resident(browser)
    response = await browser.client.post("/chat/voice", data=_voice_form("forged", b"\x1a\x45\xdf\xa3"))
    assert response.status == 403
    assert TEXTS.expired in await _answer(response)


@pytest.mark.parametrize("name", ["..%2F..%2Fetc%2Fpasswd", "x" * 3000, "%00", "clip.mp3"])
async def test_an_unknown_or_crafted_clip_name_is_not_found(browser: Browser, name: str) -> None:
    await _resident(browser)
    response = await browser.client.get(f"/chat/audio/{name}")
    assert response.status == 404
    await _answer(response)


@pytest.mark.parametrize("after", ["-1", "abc", "9" * 40, "1e9"])
async def test_a_crafted_stream_position_starts_from_the_beginning(browser: Browser, after: str) -> None:
    await _resident(browser)
    async with browser.client.get(f"/chat/events?after={after}", headers={"Last-Event-ID": after}) as stream:
        assert stream.status == 200
        first = await stream.content.readuntil(b"\n\n")
        assert first.startswith(b"retry:")
