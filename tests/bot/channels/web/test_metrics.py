"""``GET /metrics`` after real posts to ``/chat/``: web chat messages are counted per channel as WeChat's
pushes are (by type and what became of them), their answers apart from WeChat's, and no resident is named."""

from __future__ import annotations

import asyncio
import dataclasses

import aiohttp
from aiohttp import web

from bot.channels.web import WEB_CHAT
from bot.channels.web.channel import CHANNEL
from bot.channels.web.identity import COOKIE
from bot.services import Services
from bot.storage.keys import UserKey
from bot.storage.locks import UserLocks
from tests.bot.channels.web.conftest import Browser
from tests.bot.observability.scrape import Scrape


async def _metrics(browser: Browser) -> Scrape:
    response = await browser.client.get("/metrics")
    assert response.status == 200
    return Scrape(await response.text())


def _moved(before: Scrape, after: Scrape, name: str, **labels: str) -> float:
    return after.value(name, **labels) - before.value(name, **labels)


async def test_a_message_answered_on_the_page_is_counted_as_a_web_message_not_a_wechat_push(
    browser: Browser,
) -> None:
    before = await _metrics(browser)

    assert (await browser.say("你好")).status == 303
    assert (await browser.say_by_script("护理补贴"))["status"] == 200

    after = await _metrics(browser)
    assert _moved(before, after, "bot_web_messages_total", kind="text", result="answered") == 2
    assert _moved(before, after, "bot_web_answers_total", path="page") == 2
    assert _moved(before, after, "bot_turn_seconds_count", input="text") == 2
    assert _moved(before, after, "bot_wechat_pushes_total", kind="text", result="answered") == 0
    assert _moved(before, after, "bot_wechat_answers_total", path="passive") == 0
    user = browser.client.session.cookie_jar.filter_cookies(browser.client.make_url("/chat/"))[COOKIE].value
    assert user.rpartition(".")[0] not in after.text


async def test_refused_and_repeated_posts_are_counted_as_such(browser: Browser) -> None:
    await browser.say("你好")
    before = await _metrics(browser)

    assert (await browser.say("   ")).status == 400
    form = {"csrf": await browser.csrf(), "message_id": "same-form-twice", "text": "你好"}
    for _ in range(2):
        await browser.client.post("/chat/send", data=form, allow_redirects=False)
    forged = aiohttp.FormData()
    forged.add_field("csrf", "forged")
    forged.add_field("audio", b"\x1a\x45\xdf\xa3", filename="voice.webm", content_type="audio/webm")
    assert (await browser.client.post("/chat/voice", data=forged)).status == 403

    after = await _metrics(browser)
    assert _moved(before, after, "bot_web_messages_total", kind="text", result="refused") == 1
    assert _moved(before, after, "bot_web_messages_total", kind="text", result="repeat") == 1
    assert _moved(before, after, "bot_web_messages_total", kind="voice", result="refused") == 1


async def test_an_answer_past_the_pages_deadline_is_counted_late_for_the_web_only(
    browser: Browser, app: web.Application, services: Services
) -> None:
    await browser.say("你好")
    chat = app[WEB_CHAT]
    chat.channel.limits = dataclasses.replace(chat.channel.limits, deadline=0.1)
    user = browser.client.session.cookie_jar.filter_cookies(browser.client.make_url("/chat/"))[COOKIE].value
    before = await _metrics(browser)

    async with UserLocks(services.redis).hold(UserKey(CHANNEL, user.rpartition(".")[0])):
        assert (await browser.say("护理补贴")).status == 303
        await asyncio.sleep(0.2)
    await services.runner.drain()

    after = await _metrics(browser)
    assert _moved(before, after, "bot_web_messages_total", kind="text", result="late") == 1
    assert _moved(before, after, "bot_web_answers_total", path="late") == 1
    assert _moved(before, after, "bot_wechat_answers_total", path="late") == 0
