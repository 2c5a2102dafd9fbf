"""From a resident's conversation to a claimed, answered and resolved case, through the staff API."""

from __future__ import annotations

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
from tests.bot.scripts import CONFIRM, ID_NUMBER, NURSING_ALLOWANCE_FOR_MY_MOTHER, PHONE, PROXY_PHONE
from tests.bot.stored import stored_conversation
from tests.paths import CONTENT_DIR
from tests.shipped import shipped_catalog

RESIDENT = UserKey("cli", "family-member")
PASSWORD = "a-long-enough-password"


@pytest.fixture
async def services(database_url: str, redis_url: str, real_redis: Redis, tmp_path: Path) -> AsyncIterator[Services]:
    settings = Settings(
        redis_url=redis_url, database_url=database_url, secret_key="s" * 48, var_dir=tmp_path, content_dir=CONTENT_DIR
    )
    async with open_services(settings, shipped_catalog()) as opened:
        yield opened


@pytest.fixture
async def staff(services: Services, aiohttp_client: AiohttpClient) -> TestClient:  # type: ignore[type-arg]
    await services.staff_users.add("wang.agent", PASSWORD, "agent", ["subsidy"])
    client = await aiohttp_client(create_app(services))
    response = await client.post("/staff/api/login", json={"username": "wang.agent", "password": PASSWORD})
    assert response.status == 200
    return client


async def test_a_family_members_application_reaches_the_subsidy_queue_and_is_resolved(
    services: Services,
    staff: TestClient,  # type: ignore[type-arg]
) -> None:
    for n, text in enumerate(NURSING_ALLOWANCE_FOR_MY_MOTHER):
        await services.pipeline.handle(RESIDENT, text, f"m{n}")
    submitted = await services.pipeline.handle(RESIDENT, CONFIRM, "confirm")
    (case_id,) = submitted.case_ids

    listing = await (await staff.get("/staff/api/cases", params={"team": "subsidy", "status": "new"})).json()
    assert [c["id"] for c in listing["cases"]] == [case_id]
    row = listing["cases"][0]
    assert (row["service"], row["proxy"], row["district"]) == ("nursing-allowance", "子女", "三江侗族自治县")
    for number in (ID_NUMBER, PHONE, PROXY_PHONE, "王芳"):
        assert number not in str(listing)

    claimed = await staff.post(f"/staff/api/cases/{case_id}/claim")
    assert claimed.status == 200
    assert (await claimed.json())["status"] == "claimed"

    detail = await (await staff.get(f"/staff/api/cases/{case_id}")).json()
    assert detail["beneficiary_name"] == "王芳"
    assert detail["proxy"]["name"] == "李明"
    assert any(event["kind"] == "viewed" and event["actor"] == "wang.agent" for event in detail["events"])

    replied = await staff.post(f"/staff/api/cases/{case_id}/reply", json={"text": "材料收到了，请下周一带原件来。"})
    assert (await replied.json())["delivered"] is True
    assert await services.outbox.collect(RESIDENT) == [
        f"您的申请，编号{case_id}，已经有工作人员在办理了。有新消息会在这里告诉您。",
        "材料收到了，请下周一带原件来。",
    ]

    resolved = await staff.post(
        f"/staff/api/cases/{case_id}/resolve", json={"outcome": "approved", "note": "已受理，转乡镇窗口。"}
    )
    assert resolved.status == 200
    assert (await resolved.json())["status"] == "resolved"
    assert await services.outbox.collect(RESIDENT) == [
        f"您的申请，编号{case_id}，已经办结了。申请通过了。还有问题可以在这里说，或者说“转人工”。"
    ]
    events = (await (await staff.get(f"/staff/api/cases/{case_id}")).json())["events"]
    assert [e["detail"]["notice"] for e in events if e["kind"] == "notified"] == ["claimed", "resolved"]


async def test_health_check_names_each_component(staff: TestClient) -> None:  # type: ignore[type-arg]
    response = await staff.get("/healthz")
    body = await response.json()
    assert response.status == 200
    assert body["components"]["redis"]["state"] == "ok"
    assert body["components"]["database"]["state"] == "ok"
    assert body["components"]["speech"]["state"] == "disabled"


async def test_a_resident_in_danger_is_first_in_the_hotline_queue(
    services: Services,
    staff: TestClient,  # type: ignore[type-arg]
) -> None:
    await services.staff_users.add("zhou.hotline", PASSWORD, "agent", ["hotline"])
    await services.pipeline.handle(UserKey("cli", "asking"), "转人工", "h1")
    await services.pipeline.handle(UserKey("cli", "asking"), "想问问补贴的事", "h2")
    for n, text in enumerate(NURSING_ALLOWANCE_FOR_MY_MOTHER[:5]):
        await services.pipeline.handle(RESIDENT, text, f"m{n}")

    answer = await services.pipeline.handle(RESIDENT, "我儿子天天打我", "danger")

    assert "110" in answer.replies[0].text
    assert len(answer.case_ids) == 1
    login = await staff.post("/staff/api/login", json={"username": "zhou.hotline", "password": PASSWORD})
    assert login.status == 200
    queue = (await (await staff.get("/staff/api/cases", params={"team": "hotline"})).json())["cases"]
    assert queue[0]["id"] == answer.case_ids[0]
    assert len(queue) == 2
    assert queue[0]["urgent"] is True
    assert queue[0]["summary"].startswith("紧急")
    # The application she was filling in is still there.
    stored = await stored_conversation(services.redis, services.pipeline, RESIDENT)
    assert stored is not None
    assert stored["application"]["service"] == "nursing-allowance"
