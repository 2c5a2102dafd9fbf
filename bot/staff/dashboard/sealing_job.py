"""The months the dashboard can show (up to three years back) are sealed in the background soon after the
service starts and then every hour, so that no supervisor's first page after a deployment or a new month pays
for counting them (a year of months takes a few hundred milliseconds once; each later month about 15 ms).

Every worker runs it; sealing a month twice at once counts it once (``month_counts.seal``)."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import utcnow
from bot.periodic import keep_running
from bot.staff.dashboard.month_counts import seal_months
from bot.staff.dashboard.period import MAX_DAYS, Period, today

log = logging.getLogger(__name__)

FIRST_AFTER = timedelta(seconds=30)  # after start-up's own work, not during it
EVERY = timedelta(hours=1)


async def seal_recent(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> Period | None:
    """Seal every month that is over within the longest period the dashboard shows; the months sealed."""
    last = today(now)
    return await seal_months(sessionmaker, Period(last - timedelta(days=MAX_DAYS - 1), last), now)


async def keep_sealing(
    sessionmaker: async_sessionmaker[AsyncSession],
    stop: asyncio.Event,
    *,
    first_after: timedelta = FIRST_AFTER,
    every: timedelta = EVERY,
) -> None:
    # A failed run costs nothing but time: the dashboard seals what a page needs itself.
    await keep_running(
        lambda: seal_recent(sessionmaker, utcnow()),
        stop,
        every=every,
        first_after=first_after,
        log=log,
        failed="dashboard: sealing past months failed",
    )
