"""A case that waited on the resident for BOT_WAITING_CLOSE_DAYS without an answer is closed once, as
unreachable, and the resident is told how to go on."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import CaseRow, utcnow
from bot.cases.store import CaseStore
from bot.staff.delivery import Reach
from bot.waiting_job import CLOSED_NO_REPLY, close_and_tell, keep_closing
from tests.bot.cases.factories import add_staff, new_case
from tests.bot.staff.fakes import RecordingDelivery

NOTICE = "编号{case_id}，{days}天没有回复，先关闭了。"


async def _waiting(store: CaseStore, sessionmaker: async_sessionmaker[AsyncSession], days_ago: int) -> int:
    staff = await add_staff(sessionmaker, f"anna{days_ago}")
    case_id, _ = await store.create(new_case(user_ref=f"resident-{days_ago}"))
    await store.claim(case_id, staff=staff)
    await store.add_reply(case_id, staff=staff, text="请把残疾人证号发给我们。", await_resident=True)
    async with sessionmaker.begin() as session:
        moved = utcnow() - timedelta(days=days_ago)
        await session.execute(update(CaseRow).where(CaseRow.id == case_id).values(updated_at=moved))
    return case_id


async def test_a_case_waiting_past_the_days_is_closed_once_and_the_resident_told(
    case_store: CaseStore, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    stale = await _waiting(case_store, sessionmaker, 15)
    fresh = await _waiting(case_store, sessionmaker, 3)
    delivery = RecordingDelivery()
    assert await close_and_tell(sessionmaker, delivery, NOTICE, 14) == [stale]
    assert await close_and_tell(sessionmaker, delivery, NOTICE, 14) == []
    assert delivery.notices == [("resident-15", f"编号{stale}，14天没有回复，先关闭了。")]
    detail = await case_store.get(stale, actor="auditor")
    assert detail.summary.status == "closed"
    kinds = [event.kind for event in detail.events]
    assert kinds[-3:-1] == [CLOSED_NO_REPLY, "notified"]
    async with sessionmaker() as session:
        row = await session.get(CaseRow, stale)
        assert row is not None
        assert row.outcome == "unreachable"
    assert (await case_store.summary(fresh)).status == "waiting"


async def test_a_resident_out_of_reach_is_not_sent_the_notice_and_the_case_says_so(
    case_store: CaseStore, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    stale = await _waiting(case_store, sessionmaker, 20)
    delivery = RecordingDelivery(reachable=Reach(can_send=False, remaining=0, closes_at=None, reason="已超过48小时"))
    assert await close_and_tell(sessionmaker, delivery, NOTICE, 14) == [stale]
    assert delivery.notices == []
    kinds = [event.kind for event in (await case_store.get(stale, actor="auditor")).events]
    assert "notice_not_sent" in kinds


async def test_the_check_stops_at_once_when_the_service_stops(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    stop = asyncio.Event()
    job = asyncio.create_task(keep_closing(sessionmaker, RecordingDelivery(), NOTICE, 14, stop))
    await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(job, 1)
