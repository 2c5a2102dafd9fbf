"""Queued staff replies: kept encrypted with their reason until the resident writes, claimed by one
worker at a time, marked delivered (with an event on the case) exactly once, and back in their place
when the window refuses them again."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import QueuedReplyRow, utcnow
from bot.cases.queued_replies import LEASE, QueuedReplyStore
from bot.cases.store import CaseStore
from bot.cases.types import StaffUser
from bot.security.crypto import Cipher
from bot.storage.db import create_engine, create_sessionmaker
from tests.bot.cases.factories import add_staff, new_case

RESIDENT = "o6_resident_1"
WAITS = "未送达：居民超过48小时没有发消息，等居民下次发消息时送出。"


class MovableClock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def queued(sessionmaker: async_sessionmaker[AsyncSession], cipher: Cipher, clock: MovableClock) -> QueuedReplyStore:
    return QueuedReplyStore(sessionmaker, cipher, clock=clock)


async def _queue(case_store: CaseStore, queued: QueuedReplyStore, agent: StaffUser, texts: list[str]) -> int:
    case_id, _ = await case_store.create(new_case())
    await case_store.claim(case_id, staff=agent)
    for text in texts:
        event = await case_store.add_reply(case_id, staff=agent, text=text)
        await queued.add(
            case_id=case_id, event_id=event.id, channel="wechat", user_ref=RESIDENT, text=text, reason="outside_window",
            detail=WAITS,
        )  # fmt: skip
    return case_id


async def test_a_queued_reply_is_kept_encrypted_with_its_reason_and_the_case_says_it_waits(
    case_store: CaseStore, queued: QueuedReplyStore, agent: StaffUser, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    case_id = await _queue(case_store, queued, agent, ["请带身份证原件来。"])

    async with sessionmaker() as session:
        row = (await session.scalars(select(QueuedReplyRow))).one()
    assert (row.status, row.reason) == ("queued", "outside_window")
    assert "身份证".encode() not in row.text_enc
    detail = await case_store.get(case_id, actor="li.agent")
    (event,) = [e for e in detail.events if e.kind == "reply_queued"]
    assert event.detail["detail"] == WAITS
    assert await queued.waiting("wechat", RESIDENT) == 1


async def test_claimed_replies_come_oldest_first_and_are_delivered_once(
    case_store: CaseStore, queued: QueuedReplyStore, agent: StaffUser
) -> None:
    case_id = await _queue(case_store, queued, agent, ["第一条", "第二条"])

    first, second = await queued.claim("wechat", RESIDENT)
    assert [first.text, second.text] == ["第一条", "第二条"]
    assert first.mode == "voice"
    assert await queued.claim("wechat", RESIDENT) == []  # claimed: nobody else takes them
    assert await queued.delivered(first, "已送达") is True
    assert await queued.delivered(first, "已送达") is False  # a second mark records nothing
    await queued.wait_again(second, "quota")

    detail = await case_store.get(case_id, actor="li.agent")
    assert [e.detail["event_id"] for e in detail.events if e.kind == "delivered"] == [first.event_id]
    (again,) = await queued.claim("wechat", RESIDENT)
    assert (again.id, again.attempts) == (second.id, 2)
    assert await queued.waiting("wechat", RESIDENT) == 1


async def test_a_claim_whose_lease_ran_out_is_taken_over_and_the_late_worker_records_nothing(
    case_store: CaseStore, queued: QueuedReplyStore, agent: StaffUser, clock: MovableClock
) -> None:
    await _queue(case_store, queued, agent, ["请来一趟。"])
    (stale,) = await queued.claim("wechat", RESIDENT)
    clock.now += LEASE + timedelta(seconds=1)

    (fresh,) = await queued.claim("wechat", RESIDENT)

    assert fresh.id == stale.id
    assert await queued.delivered(stale, "已送达") is False
    assert await queued.delivered(fresh, "已送达") is True


async def test_a_reply_the_channel_refuses_for_good_is_failed_on_the_case(
    case_store: CaseStore, queued: QueuedReplyStore, agent: StaffUser
) -> None:
    case_id = await _queue(case_store, queued, agent, ["……"])
    (reply,) = await queued.claim("wechat", RESIDENT)

    assert await queued.failed(reply, "微信不接受这条回复。") is True

    detail = await case_store.get(case_id, actor="li.agent")
    (failed,) = [e for e in detail.events if e.kind == "delivery_failed"]
    assert failed.detail == {"event_id": reply.event_id, "reason": "微信不接受这条回复。", "queued": True}
    assert await queued.waiting("wechat", RESIDENT) == 0


async def test_two_workers_claiming_at_once_never_both_get_a_reply(postgres_database_url: str, cipher: Cipher) -> None:
    """On PostgreSQL, with real row locks: each queued reply goes to exactly one of the claimers."""
    engines = [create_engine(postgres_database_url) for _ in range(4)]
    try:
        sessions = create_sessionmaker(engines[0])
        store = CaseStore(sessions, cipher)
        agent = await add_staff(sessions, "li.agent")
        writer = QueuedReplyStore(sessions, cipher)
        await _queue(store, writer, agent, [f"第{n}条" for n in range(12)])
        claimers = [QueuedReplyStore(create_sessionmaker(engine), cipher) for engine in engines]

        batches = await asyncio.gather(*(claimer.claim("wechat", RESIDENT, limit=4) for claimer in claimers))

        claimed = [reply.text for batch in batches for reply in batch]
        assert sorted(claimed) == sorted(f"第{n}条" for n in range(12))
    finally:
        for engine in engines:
            await engine.dispose()
