"""A staff API and console mounted as the service mounts them, on the real stores, Redis and a case feed."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from argon2 import PasswordHasher
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.types import NewCase, Proxy
from bot.security import passwords
from bot.security.crypto import Cipher
from bot.staff.api import create_staff_app
from bot.staff.console import create_console_app
from bot.staff.live import AnnouncingCaseStore, CaseFeed
from bot.staff.replies import load_replies
from bot.staff.sessions import StaffSessions
from bot.staff.users import StaffUserStore
from tests.bot.staff.fakes import RecordingDelivery
from tests.paths import CONTENT_DIR

PASSWORD = "correct-horse-battery"
PHONE = "13912345678"
PROXY_PHONE = "13698765432"
ID_NUMBER = "450202199001011234"

Client = TestClient[web.Request, web.Application]
AiohttpClient = Callable[[web.Application], Awaitable[Client]]
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def build_app(
    cases: AnnouncingCaseStore, users: StaffUserStore, redis: Redis, delivery: RecordingDelivery
) -> web.Application:
    """The staff parts of ``bot.app.create_app``: the API first, the console after it."""
    app = web.Application()
    staff_api = create_staff_app(
        cases=cases,
        users=users,
        sessions=StaffSessions(redis, timedelta(minutes=30)),
        delivery=delivery,
        notices={"claimed": "您的申请 {case_id} 号已有工作人员处理。", "resolved": "您的申请 {case_id} 号办结了。"},
        canned_replies=load_replies(CONTENT_DIR),
    )
    app.add_subapp("/staff/api", staff_api)
    app.add_subapp("/staff", create_console_app(staff_api, cases.feed))
    return app


@dataclass
class Console:
    client: Client
    cases: AnnouncingCaseStore
    users: StaffUserStore
    delivery: RecordingDelivery

    async def add_user(self, username: str, role: str = "agent", teams: tuple[str, ...] = ("subsidy",)) -> None:
        await self.users.add(username, PASSWORD, role, teams)

    async def csrf(self, path: str = "/staff/") -> str:
        """The token the forms of ``path`` carry (the page also sets the cookie it must match)."""
        page = await self.client.get(path)
        found = _CSRF.search(await page.text())
        assert found is not None, "no CSRF field on " + path
        return found.group(1)

    async def login(self, username: str, password: str = PASSWORD) -> None:
        self.client.session.cookie_jar.clear()
        token = await self.csrf()
        response = await self.client.post(
            "/staff/login", data={"csrf": token, "username": username, "password": password}, allow_redirects=False
        )
        assert response.status == 303, await response.text()

    async def post(self, path: str, fields: dict[str, str], *, page: str = "/staff/") -> tuple[int, str]:
        """Submit a form as the browser would after loading ``page``; the answer after redirects."""
        token = await self.csrf(page)
        response = await self.client.post(path, data={"csrf": token, **fields})
        return response.status, await response.text()

    async def new_case(
        self, key: str = "k1", *, team: str = "subsidy", urgent: bool = False, name: str = "韦小明"
    ) -> int:
        case_id, created = await self.cases.create(
            NewCase(
                idempotency_key=key,
                service="nursing-allowance",
                team=team,
                channel="wechat",
                user_ref="openid-resident",
                mode="voice",
                district="城中区",
                contact_phone=PHONE,
                beneficiary_name=name,
                proxy=Proxy(relationship="子女", name="韦大明", phone=PROXY_PHONE),
                answers={"id_number": ID_NUMBER, "level": "一级"},
                transcript=[{"from": "resident", "text": f"我想申请护理补贴，电话{PHONE}"}],
                summary="重度残疾人护理补贴，电话 139****5678",
                urgent=urgent,
            )
        )
        assert created
        return case_id


@pytest.fixture
async def feed(real_redis: Redis) -> AsyncIterator[CaseFeed]:
    found = CaseFeed(real_redis)
    yield found
    await found.close()


@pytest.fixture
async def console(
    aiohttp_client: AiohttpClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    cipher: Cipher,
    staff_users: StaffUserStore,
    real_redis: Redis,
    feed: CaseFeed,
) -> Console:
    cases = AnnouncingCaseStore(sessionmaker, cipher, feed=feed)
    delivery = RecordingDelivery()
    client = await aiohttp_client(build_app(cases, staff_users, real_redis, delivery))
    return Console(client, cases, staff_users, delivery)
