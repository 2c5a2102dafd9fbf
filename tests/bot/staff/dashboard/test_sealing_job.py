"""Past months are sealed in the background soon after start-up and every hour after, so a supervisor's first
dashboard after a deployment counts nothing itself; the current month is never sealed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import CaseMonthSealedRow
from bot.staff.dashboard.sealing_job import keep_sealing, seal_recent

NOW = datetime(2027, 1, 3, 6, 0, tzinfo=UTC)


async def _sealed(sessionmaker: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessionmaker() as session:
        return list((await session.scalars(select(CaseMonthSealedRow.month).order_by(CaseMonthSealedRow.month))).all())


async def test_every_month_over_within_three_years_is_sealed_and_the_current_one_is_not(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    sealed = await seal_recent(sessionmaker, NOW)

    assert sealed is not None
    months = await _sealed(sessionmaker)
    assert months[-1] == "2026-12"
    assert "2027-01" not in months
    assert months[0] == f"{sealed.first.year:04d}-{sealed.first.month:02d}" == "2024-02"
    assert len(months) == 35  # the whole months of the longest period the dashboard shows


async def test_sealing_again_finds_every_month_sealed(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    first = await seal_recent(sessionmaker, NOW)
    before = await _sealed(sessionmaker)

    again = await seal_recent(sessionmaker, NOW)

    assert again == first
    assert await _sealed(sessionmaker) == before


async def test_the_job_seals_soon_after_start_and_ends_when_told(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    stop = asyncio.Event()
    job = asyncio.create_task(keep_sealing(sessionmaker, stop, first_after=timedelta(0), every=timedelta(hours=1)))
    for _ in range(100):
        if await _sealed(sessionmaker):
            break
        await asyncio.sleep(0.05)

    stop.set()
    async with asyncio.timeout(5):
        await job

    assert await _sealed(sessionmaker)


async def test_a_job_told_to_end_before_its_first_run_seals_nothing(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    stop = asyncio.Event()
    job = asyncio.create_task(keep_sealing(sessionmaker, stop, first_after=timedelta(seconds=30)))
    stop.set()
    async with asyncio.timeout(5):
        await job

    assert await _sealed(sessionmaker) == []
