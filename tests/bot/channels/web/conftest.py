"""The whole service (``bot.app.create_app``) on real Redis and SQLite, with a resident's browser at ``/chat/``."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient
from redis.asyncio import Redis

from bot.app import create_app
from bot.config import Settings
from bot.services import Services, open_services
from tests.paths import CONTENT_DIR
from tests.shipped import shipped_catalog

Client = TestClient[web.Request, web.Application]
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_MESSAGE_ID = re.compile(r'name="message_id" value="([^"]+)"')


@dataclass
class Browser:
    """A resident's browser without JavaScript: it keeps cookies and posts the page's forms."""

    client: Client

    async def page(self) -> str:
        response = await self.client.get("/chat/")
        assert response.status == 200
        return await response.text()

    async def csrf(self) -> str:
        found = _CSRF.search(await self.page())
        assert found is not None
        return found.group(1)

    async def say(self, text: str, **extra: str) -> Any:
        page = await self.page()
        csrf, message_id = _CSRF.search(page), _MESSAGE_ID.search(page)
        assert csrf is not None
        assert message_id is not None
        form = {"csrf": csrf.group(1), "message_id": message_id.group(1), "text": text, **extra}
        return await self.client.post("/chat/send", data=form, allow_redirects=False)

    async def say_by_script(self, text: str) -> dict[str, Any]:
        """As ``chat.js`` posts: the same form, answered with JSON."""
        form = {"csrf": await self.csrf(), "message_id": f"js-{abs(hash(text))}", "text": text}
        response = await self.client.post("/chat/send", data=form, headers={"Accept": "application/json"})
        body: dict[str, Any] = await response.json()
        body["status"] = response.status
        return body


@pytest.fixture
async def services(
    redis_url: str, real_redis: Redis, sqlite_database_url: str, tmp_path: Path
) -> AsyncIterator[Services]:
    settings = Settings(
        redis_url=redis_url,
        database_url=sqlite_database_url,
        secret_key="s" * 48,
        var_dir=tmp_path,
        content_dir=CONTENT_DIR,
    )
    async with open_services(settings, shipped_catalog(), migrate=False) as opened:
        yield opened


@pytest.fixture
async def app(services: Services) -> web.Application:
    return create_app(services)


@pytest.fixture
async def browser(app: web.Application, aiohttp_client: AiohttpClient) -> Browser:
    return Browser(await aiohttp_client(app))
