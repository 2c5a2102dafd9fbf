"""Creating cases: once per idempotency key, in one transaction with its event, personal data sealed."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cases.errors import InvalidRequest
from bot.cases.store import CaseStore
from bot.cases.types import CaseStatus, Proxy
from tests.bot.cases.factories import (
    DISABILITY_CARD,
    ID_NUMBER,
    NAME,
    PHONE,
    PROXY_NAME,
    PROXY_PHONE,
    new_case,
)

PERSONAL = [PHONE, ID_NUMBER, DISABILITY_CARD, NAME, PROXY_NAME, PROXY_PHONE]


async def _count(engine: AsyncEngine, table: str) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())  # noqa: S608


async def test_create_returns_a_new_case_number(case_store: CaseStore) -> None:
    first, created_first = await case_store.create(new_case())
    second, created_second = await case_store.create(new_case())
    assert created_first is created_second is True
    assert second > first


async def test_a_new_case_is_new_and_has_a_created_event(case_store: CaseStore) -> None:
    case_id, _ = await case_store.create(new_case(urgent=True))
    detail = await case_store.get(case_id, actor="li.agent")
    assert detail.summary.status == CaseStatus.NEW
    assert detail.summary.urgent is True
    assert detail.summary.claimed_by is None
    assert detail.summary.created_at.tzinfo is not None
    created = detail.events[0]
    assert (created.kind, created.actor) == ("created", "resident")


async def test_a_new_case_comes_with_its_created_event_then_the_preference_heard_and_a_pending_notice(
    case_store: CaseStore, engine: AsyncEngine
) -> None:
    words = [{"who": "resident", "text": "我听不见，别打电话，有事发微信"}]
    for _ in range(3):
        case_id, _created = await case_store.create(new_case(transcript=words))
        detail = await case_store.get(case_id, actor="li.agent")
        assert [(event.kind, event.actor) for event in detail.events[:2]] == [
            ("created", "resident"),
            ("contact_preference", "resident"),
        ]
        assert detail.events[0].id < detail.events[1].id
        assert detail.events[0].created_at.tzinfo is not None
    async with engine.connect() as connection:
        notices = (await connection.execute(text("SELECT case_id, status FROM case_notices ORDER BY id"))).all()
    assert [status for _case, status in notices] == ["pending"] * 3
    assert len({case for case, _status in notices}) == 3


async def test_same_idempotency_key_twice_gives_the_first_case_and_writes_nothing(
    case_store: CaseStore, engine: AsyncEngine
) -> None:
    request = new_case(idempotency_key="wechat:msg-repeated")
    first = await case_store.create(request)
    again = await case_store.create(replace(request, summary="a retried delivery"))
    assert again == (first[0], False)
    assert await _count(engine, "cases") == 1
    assert await _count(engine, "case_events") == 1


async def test_concurrent_creates_with_one_key_make_exactly_one_case(
    case_store: CaseStore, engine: AsyncEngine
) -> None:
    request = new_case(idempotency_key="wechat:msg-burst")
    results = await asyncio.gather(*(case_store.create(request) for _ in range(10)))
    assert len({case_id for case_id, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert await _count(engine, "cases") == 1
    assert await _count(engine, "case_events") == 1


async def test_personal_numbers_and_names_are_not_stored_in_plain(case_store: CaseStore, engine: AsyncEngine) -> None:
    case_id, _ = await case_store.create(new_case())
    await case_store.record_event(case_id, kind="note", actor="system", detail={"channel": "wechat"})
    async with engine.connect() as connection:
        rows = [
            *(await connection.execute(text("SELECT * FROM cases"))).all(),
            *(await connection.execute(text("SELECT * FROM case_events"))).all(),
        ]
    stored = b"".join(value if isinstance(value, bytes) else str(value).encode() for row in rows for value in row)
    for secret in PERSONAL:
        assert secret.encode() not in stored


async def test_plain_columns_keep_what_queues_and_status_lookups_need(
    case_store: CaseStore, engine: AsyncEngine
) -> None:
    await case_store.create(new_case())
    async with engine.connect() as connection:
        row = (
            await connection.execute(text("SELECT user_ref, proxy_relationship, summary, district FROM cases"))
        ).one()
    assert tuple(row) == ("o6_resident_1", "子女", "生活补贴 · 城中区 · 电话 138****2345", "城中区")


async def test_a_case_without_a_proxy_or_phone_round_trips(case_store: CaseStore) -> None:
    case_id, _ = await case_store.create(new_case(proxy=None, contact_phone=None, beneficiary_name=None))
    detail = await case_store.get(case_id, actor="li.agent")
    assert detail.proxy is None
    assert detail.summary.proxy is None
    assert detail.contact_phone is None
    assert detail.beneficiary_name is None


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"team": "kitchen"}, "unknown_team"),
        ({"mode": "braille"}, "unknown_mode"),
        ({"idempotency_key": ""}, "bad_idempotency_key"),
        ({"idempotency_key": "k" * 201}, "bad_idempotency_key"),
        ({"service": "s" * 65}, "bad_service"),
        ({"channel": ""}, "bad_channel"),
        ({"user_ref": "u" * 129}, "bad_user_ref"),
        ({"district": "区" * 65}, "bad_district"),
        ({"summary": "摘要\x00"}, "bad_summary"),
        ({"proxy": Proxy("亲" * 33, "韦大山", "13900001111")}, "bad_proxy"),
    ],
)
async def test_invalid_requests_are_refused_before_reaching_the_database(
    case_store: CaseStore, engine: AsyncEngine, changes: dict[str, object], code: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await case_store.create(new_case(**changes))
    assert caught.value.code == code
    assert await _count(engine, "cases") == 0
