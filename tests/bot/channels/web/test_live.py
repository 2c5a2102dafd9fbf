"""Staff replies and notices reach an open web chat page at once: across worker processes through Redis
(two whole apps on one Redis and one database stand for two ``--workers``), and in-process on the embedded
store. The outbox stays the record: a page that (re)connects gets what it missed first, then live
messages, each exactly once; staff are told whether the resident's page is open."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer
from pytest_aiohttp import AiohttpClient
from redis.asyncio import Redis

from bot.app import create_app
from bot.broadcast import Broadcast, scoped_to_database
from bot.channels.web.channel import CHANNEL
from bot.channels.web.delivery import KEPT_FOR_LATER, SHOWN_LIVE
from bot.channels.web.identity import COOKIE
from bot.config import Settings
from bot.services import Services, open_services
from bot.storage.redis import create_redis
from tests.bot.channels.web.conftest import Browser
from tests.paths import CONTENT_DIR
from tests.shipped import shipped_catalog

Client = TestClient[web.Request, web.Application]
# Far below the page's 20 s heartbeat, at which it would look again anyway: a pass is a live delivery.
LIVE = 5.0
_ENTRY = re.compile(r"id: (\d+)\nevent: entry\ndata: (.*)\n")


class Stream:
    """An open ``/chat/events`` stream, read as the page's EventSource reads it."""

    def __init__(self, response: ClientResponse) -> None:
        self.response = response
        self.buffer = ""
        self.entries: list[dict[str, object]] = []

    async def until(self, text: str) -> float:
        """Seconds until an entry saying ``text`` arrived (at most ``LIVE``)."""
        started = time.monotonic()
        while not any(entry["text"] == text for entry in self.entries):
            chunk = await asyncio.wait_for(self.response.content.readany(), started + LIVE - time.monotonic())
            assert chunk, "the stream ended"
            self.buffer += chunk.decode()
            *complete, self.buffer = self.buffer.split("\n\n")
            for event in complete:
                found = _ENTRY.search(event + "\n")
                if found is not None:
                    entry = json.loads(found.group(2))
                    assert entry["n"] == int(found.group(1))
                    self.entries.append(entry)
        return time.monotonic() - started

    def numbers(self) -> list[int]:
        return [int(str(entry["n"])) for entry in self.entries]


def _settings(redis_url: str | None, database_url: str, var_dir: Path) -> Settings:
    return Settings(
        redis_url=redis_url,
        database_url=database_url,
        secret_key="s" * 48,
        var_dir=var_dir,
        content_dir=CONTENT_DIR,
    )


@pytest.fixture
async def two_workers(
    redis_url: str, real_redis: Redis, sqlite_database_url: str, tmp_path: Path, aiohttp_client: AiohttpClient
) -> AsyncIterator[tuple[tuple[Services, Client], tuple[Services, Client]]]:
    """Two whole services, as two ``--workers`` processes are: one Redis, one database, one secret."""
    async with AsyncExitStack() as stack:
        workers = []
        for _ in range(2):
            settings = _settings(redis_url, sqlite_database_url, tmp_path)
            services = await stack.enter_async_context(open_services(settings, shipped_catalog(), migrate=False))
            workers.append((services, await aiohttp_client(create_app(services))))
        yield workers[0], workers[1]


async def _resident(client: Client) -> tuple[Browser, str]:
    """A resident who has written once; their cookie and id."""
    browser = Browser(client)
    assert (await browser.say("护理补贴")).status == 303
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/chat/"))[COOKIE].value
    return browser, cookie


def _user(cookie: str) -> str:
    return cookie.rpartition(".")[0]


async def _eventually(services: Services, cookie: str, *, is_open: bool, seconds: float = 5.0) -> bool:
    for _ in range(int(seconds * 10)):
        if await services.web_live.is_open(_user(cookie)) == is_open:
            return True
        await asyncio.sleep(0.1)
    return False


async def _shown_so_far(browser: Browser) -> int:
    return len((await browser.page()).split('class="entry ')) - 1


async def test_a_staff_reply_stored_by_one_worker_reaches_a_page_streaming_from_another(
    two_workers: tuple[tuple[Services, Client], tuple[Services, Client]],
) -> None:
    (staff_side, _), (_, page_side) = two_workers
    browser, cookie = await _resident(page_side)
    last = await _shown_so_far(browser)
    async with page_side.get(f"/chat/events?after={last}") as response:
        stream = Stream(response)
        assert await _eventually(staff_side, cookie, is_open=True)  # the page has connected
        sent = await staff_side.delivery.notify(CHANNEL, _user(cookie), "工作人员已经在看您的申请。")
        assert sent.ok
        assert sent.detail == SHOWN_LIVE
        assert await stream.until("工作人员已经在看您的申请。") < LIVE
        await staff_side.delivery.notify(CHANNEL, _user(cookie), "请准备好身份证。")
        await stream.until("请准备好身份证。")
    assert stream.numbers() == [last + 1, last + 2]


async def test_a_page_that_reconnects_first_gets_what_it_missed_then_live_messages_each_once(
    two_workers: tuple[tuple[Services, Client], tuple[Services, Client]],
) -> None:
    (staff_side, _), (_, page_side) = two_workers
    browser, cookie = await _resident(page_side)
    last = await _shown_so_far(browser)
    missed = await staff_side.delivery.notify(CHANNEL, _user(cookie), "您的申请已经受理。")
    assert missed.detail == KEPT_FOR_LATER
    async with page_side.get(f"/chat/events?after={last}") as response:
        stream = Stream(response)
        await stream.until("您的申请已经受理。")
        await staff_side.delivery.notify(CHANNEL, _user(cookie), "材料请带身份证原件。")
        await stream.until("材料请带身份证原件。")
        await asyncio.sleep(0.5)  # anything sent twice would be here by now
        await staff_side.delivery.notify(CHANNEL, _user(cookie), "有问题请再问。")
        await stream.until("有问题请再问。")
    assert stream.numbers() == [last + 1, last + 2, last + 3]
    # The page drawn again shows each once too: they were moved from the outbox to the conversation once.
    page = await browser.page()
    assert page.count("材料请带身份证原件。") == 1


async def test_staff_are_told_the_reply_waits_once_the_page_is_closed(
    two_workers: tuple[tuple[Services, Client], tuple[Services, Client]],
) -> None:
    (staff_side, _), (_, page_side) = two_workers
    browser, cookie = await _resident(page_side)
    async with page_side.get("/chat/events?after=0"):
        assert await _eventually(staff_side, cookie, is_open=True)
    assert await _eventually(staff_side, cookie, is_open=False)  # once the server notices the page left
    assert (await staff_side.delivery.notify(CHANNEL, _user(cookie), "已经办好了。")).detail == KEPT_FOR_LATER
    assert "已经办好了。" in await browser.page()


class _ServedAsInProduction(TestServer):
    """Serves as ``web.run_app`` does: a handler is not cancelled when its client goes away (aiohttp's test
    server cancels it, which would hide a stream that never notices)."""

    async def _make_runner(self, handler_cancellation: bool = False, **kwargs: Any) -> web.BaseRunner:
        return await super()._make_runner(handler_cancellation=False, **kwargs)


@pytest.fixture
async def production_worker(
    redis_url: str, real_redis: Redis, sqlite_database_url: str, tmp_path: Path
) -> AsyncIterator[tuple[Services, Client]]:
    settings = _settings(redis_url, sqlite_database_url, tmp_path)
    async with (
        open_services(settings, shipped_catalog(), migrate=False) as services,
        TestClient(_ServedAsInProduction(create_app(services))) as client,
    ):
        yield services, client


async def test_a_page_whose_connection_closes_stops_counting_as_open_within_seconds(
    production_worker: tuple[Services, Client],
) -> None:
    services, client = production_worker
    _, cookie = await _resident(client)
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(
        f"GET /chat/events?after=0 HTTP/1.1\r\nHost: {client.host}\r\nCookie: {COOKIE}={cookie}\r\n\r\n".encode()
    )
    await writer.drain()
    assert b"retry: 3000" in await asyncio.wait_for(reader.readuntil(b"retry: 3000"), LIVE)
    assert await _eventually(services, cookie, is_open=True)

    writer.close()  # the tab is closed: no goodbye, only the connection ends
    await writer.wait_closed()

    assert await _eventually(services, cookie, is_open=False, seconds=3.0)
    assert (await services.delivery.notify(CHANNEL, _user(cookie), "已经办好了。")).detail == KEPT_FOR_LATER


async def test_on_the_embedded_store_a_reply_reaches_the_open_page_in_process(
    sqlite_database_url: str, tmp_path: Path, aiohttp_client: AiohttpClient
) -> None:
    settings = _settings(None, sqlite_database_url, tmp_path)
    assert settings.uses_embedded_redis
    async with open_services(settings, shipped_catalog(), migrate=False) as services:
        client = await aiohttp_client(create_app(services))
        browser, cookie = await _resident(client)
        last = await _shown_so_far(browser)
        async with client.get(f"/chat/events?after={last}") as response:
            stream = Stream(response)
            assert await _eventually(services, cookie, is_open=True)
            sent = await services.delivery.notify(CHANNEL, _user(cookie), "工作人员已经在看您的申请。")
            assert sent.detail == SHOWN_LIVE
            assert await stream.until("工作人员已经在看您的申请。") < LIVE
        assert stream.numbers() == [last + 1]


async def test_a_message_published_on_one_redis_database_is_not_heard_on_another(redis_url: str) -> None:
    redis = create_redis(redis_url)
    try:
        database = int(redis.connection_pool.connection_kwargs.get("db", 0) or 0)
        channel = scoped_to_database(redis, "bot:web:new")
        assert channel == ("bot:web:new" if database == 0 else f"bot:web:new:db{database}")
    finally:
        await redis.aclose()


async def test_every_listener_of_every_broadcast_on_one_redis_hears_a_message(real_redis: Redis) -> None:
    first, second = Broadcast(real_redis, "bot:test:bell"), Broadcast(real_redis, "bot:test:bell")
    page_one: list[str] = []
    page_two: list[str] = []
    try:
        async with second.listening(page_one.append), second.listening(page_two.append):
            await first.publish("hello")
            for _ in range(50):
                if page_one and page_two:
                    break
                await asyncio.sleep(0.05)
        assert (page_one, page_two) == (["hello"], ["hello"])
    finally:
        await first.close()
        await second.close()
