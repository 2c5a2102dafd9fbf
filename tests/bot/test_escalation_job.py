"""Urgent cases unclaimed after their team's claim time (15 minutes as shipped) are escalated once each, and
announced to open consoles."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import CaseRow, utcnow
from bot.cases.store import CaseStore
from bot.escalation_job import ESCALATED, escalate_once, keep_escalating
from bot.staff.dashboard import sla
from bot.staff.live import CaseFeed
from tests.bot.cases.factories import add_staff, new_case
from tests.paths import CONTENT_DIR


async def _filed(
    store: CaseStore, sessionmaker: async_sessionmaker[AsyncSession], minutes_ago: int, **kw: object
) -> int:
    case_id, _ = await store.create(new_case(**kw))
    async with sessionmaker.begin() as session:
        moved = utcnow() - timedelta(minutes=minutes_ago)
        await session.execute(update(CaseRow).where(CaseRow.id == case_id).values(created_at=moved))
    return case_id


async def test_only_urgent_cases_waiting_unclaimed_past_15_minutes_are_escalated_once(
    case_store: CaseStore, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    late = await _filed(case_store, sessionmaker, 20, urgent=True, team="hotline")
    await _filed(case_store, sessionmaker, 10, urgent=True, team="hotline")  # not yet
    await _filed(case_store, sessionmaker, 60, team="hotline")  # not urgent
    claimed = await _filed(case_store, sessionmaker, 30, urgent=True)
    await case_store.claim(claimed, staff=await add_staff(sessionmaker, "anna"))
    feed = CaseFeed(None)
    async with feed.subscribe() as changes:
        assert await escalate_once(sessionmaker, feed) == [late]
        assert await escalate_once(sessionmaker, feed) == []
        [change] = (await changes.take(wait=1)).changes
    assert (change.kind, change.case_id, change.team, change.urgent) == (ESCALATED, late, "hotline", True)
    events = (await case_store.get(late, actor="auditor")).events
    [escalated] = [event for event in events if event.kind == ESCALATED]
    assert escalated.actor == "system"
    assert escalated.detail["to"] == "hotline_supervisor"
    assert escalated.detail["waited_minutes"] >= 20


async def test_the_check_stops_at_once_when_the_service_stops(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    stop = asyncio.Event()
    job = asyncio.create_task(keep_escalating(sessionmaker, CaseFeed(None), stop))
    await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(job, 1)


async def test_each_team_escalates_after_its_own_claim_time_from_the_content_file(
    case_store: CaseStore, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    (tmp_path / "sla.yaml").write_text(
        "default: {due_days: 7, urgent_claim_minutes: 30}\nteams:\n  hotline: {urgent_claim_minutes: 5}\n", "utf-8"
    )
    sla.use(sla.load_sla(tmp_path))
    try:
        hotline = await _filed(case_store, sessionmaker, 10, urgent=True, team="hotline")
        await _filed(case_store, sessionmaker, 10, urgent=True, team="rehab")  # 30 minutes for rehab
        rehab = await _filed(case_store, sessionmaker, 40, urgent=True, team="rehab")
        assert sorted(await escalate_once(sessionmaker, CaseFeed(None))) == sorted([hotline, rehab])
    finally:
        sla.use(sla.load_sla(CONTENT_DIR))
