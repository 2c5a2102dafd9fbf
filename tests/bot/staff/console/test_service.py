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
from tests.paths import CONTENT_DIR
from tests.shipped import shipped_catalog

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
    async with open_services(settings, shipped_catalog()) as opened:
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


async def _logged_in(client: TestClient, username: str) -> str:  # type: ignore[type-arg]
    """Log in through the console's form; the CSRF token of the session."""
    form = await (await client.get("/staff/")).text()
    token = re.search(r'name="csrf" value="([^"]+)"', form)
    assert token is not None
    login = await client.post(
        "/staff/login",
        data={"csrf": token.group(1), "username": username, "password": PASSWORD},
        allow_redirects=False,
    )
    assert login.status == 303
    page = await (await client.get("/staff/")).text()
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    return token.group(1)


def _form_field(page: str, action: str, name: str) -> str:
    form = page[page.index(f'action="{action}"') :]
    found = re.search(rf'name="{name}" value="([^"]*)"', form)
    assert found is not None, f"{name} not in the form {action}"
    return found.group(1)


async def test_a_reply_from_the_console_opens_the_conversation_and_hand_back_closes_it(
    services: Services,
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    resident = UserKey("cli", "resident-talk")
    await services.staff_users.add("zhou.hotline", PASSWORD, "agent", ["hotline"])
    filed = await services.pipeline.handle(resident, "我儿子天天打我", "danger")
    (case_id,) = filed.case_ids
    await _logged_in(client, "zhou.hotline")
    page_url = f"/staff/cases/{case_id}"

    for action, data in (("claim", {}), ("reply", {"text": "您好，我是小周。您想问什么？"})):
        page = await (await client.get(page_url)).text()
        fields = {name: _form_field(page, f"{page_url}/{action}", name) for name in ("csrf", "seen")}
        done = await client.post(f"{page_url}/{action}", data={**fields, **data}, allow_redirects=False)
        assert done.status == 303, await done.text()

    answer = await services.pipeline.handle(resident, "我想问问轮椅怎么申请", "talk")
    assert "已转给工作人员" in answer.replies[0].text
    page = await (await client.get(page_url)).text()
    assert "我想问问轮椅怎么申请" in page
    assert "交回助手" in page

    fields = {name: _form_field(page, f"{page_url}/handback", name) for name in ("csrf", "seen")}
    handed = await client.post(f"{page_url}/handback", data=fields, allow_redirects=False)
    assert handed.status == 303
    after = await services.pipeline.handle(resident, "护理补贴", "after")
    assert "已转给工作人员" not in after.replies[0].text
    assert "交回助手" not in await (await client.get(page_url)).text()


async def test_a_contact_preference_the_resident_tells_staff_heads_the_case_page(
    services: Services,
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    resident = UserKey("cli", "resident-deaf")
    await services.staff_users.add("zhou.hotline", PASSWORD, "agent", ["hotline"])
    filed = await services.pipeline.handle(resident, "我儿子天天打我", "danger-deaf")
    (case_id,) = filed.case_ids
    await _logged_in(client, "zhou.hotline")
    page_url = f"/staff/cases/{case_id}"
    page = await (await client.get(page_url)).text()
    assert '<h2 id="contact-title">联系方式：没说过</h2>' in page
    for action, data in (("claim", {}), ("reply", {"text": "您好，我是小周。方便打电话吗？"})):
        page = await (await client.get(page_url)).text()
        fields = {name: _form_field(page, f"{page_url}/{action}", name) for name in ("csrf", "seen")}
        done = await client.post(f"{page_url}/{action}", data={**fields, **data}, allow_redirects=False)
        assert done.status == 303, await done.text()

    await services.pipeline.handle(resident, "我耳朵聋，听不见，别打电话，发文字", "talk-deaf")
    page = await (await client.get(page_url)).text()
    assert '<h2 id="contact-title">联系方式：只发文字，不要打电话</h2>' in page
    assert "说：“我耳朵聋，听不见，别打电话，发文字”" in page
    replies = await client.get("/staff/api/replies")
    assert replies.status == 200
    assert len((await replies.json())["replies"]) >= 8  # content/replies.yaml, as the service loads it
