"""The console as the service serves it (``bot.app.create_app`` on ``open_services``): beside the JSON API,
and hearing live the cases residents file through the conversation."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient
from redis.asyncio import Redis

from bot.app import create_app
from bot.config import Settings
from bot.services import Services, open_services
from bot.storage.keys import UserKey
from dialogs.loader import load_catalog
from tests.paths import CONTENT_DIR

PASSWORD = "a-long-enough-password"


@pytest.fixture
async def services(redis_url: str, real_redis: Redis, tmp_path: Path) -> AsyncIterator[Services]:
    settings = Settings(
        redis_url=redis_url,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
        secret_key="s" * 48,
        var_dir=tmp_path,
        content_dir=CONTENT_DIR,
    )
    async with open_services(settings, load_catalog(CONTENT_DIR)) as opened:
        yield opened


@pytest.fixture
async def client(services: Services, aiohttp_client: AiohttpClient) -> TestClient:  # type: ignore[type-arg]
    return await aiohttp_client(create_app(services))


async def test_the_console_is_served_beside_the_api(client: TestClient) -> None:  # type: ignore[type-arg]
    page = await client.get("/staff/")
    assert page.status == 200
    assert "用户名" in await page.text()
    api = await client.get("/staff/api/cases")
    assert api.status == 401
    assert (await api.json())["error"]["code"] == "not_logged_in"


async def test_a_case_a_resident_files_in_danger_reaches_an_open_console_at_once(
    services: Services,
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    await services.staff_users.add("zhou.hotline", PASSWORD, "agent", ["hotline"])
    form = await (await client.get("/staff/")).text()
    token = re.search(r'name="csrf" value="([^"]+)"', form)
    assert token is not None
    login = await client.post(
        "/staff/login",
        data={"csrf": token.group(1), "username": "zhou.hotline", "password": PASSWORD},
        allow_redirects=False,
    )
    assert login.status == 303
    stream = await client.get("/staff/events")
    assert stream.status == 200
    answer = await services.pipeline.handle(UserKey("cli", "resident"), "我儿子天天打我", "danger")
    (case_id,) = answer.case_ids
    while True:
        line = await asyncio.wait_for(stream.content.readline(), timeout=5)
        if line.startswith(b"data: "):
            break
    event = json.loads(line[6:])
    assert (event["case_id"], event["urgent"], event["kind"]) == (case_id, True, "created")
    assert event["message"] == f"新的紧急案件：{case_id} 号，热线组。"
    stream.close()
