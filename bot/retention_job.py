"""The daily erasure of personal data from cases finished longer ago than ``BOT_RETENTION_DAYS``, run in
the background of every worker (the erasure skips cases already erased, so workers repeating it do no
harm). Each run that erased something is recorded in the staff audit."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.cases.models import utcnow
from bot.cases.retention import PersonalData
from bot.periodic import keep_running
from bot.staff.audit import StaffAudit

log = logging.getLogger(__name__)

FIRST_RUN_AFTER = timedelta(minutes=5)
EVERY = timedelta(days=1)


async def erase_once(data: PersonalData, audit: StaffAudit, keep_for: timedelta) -> int:
    erased = await data.erase_expired(utcnow() - keep_for)
    if erased:
        await audit.record("system", "retention_run", {"cases": erased, "keep_days": keep_for.days})
        log.info("retention: personal data erased from %d finished cases older than %d days", erased, keep_for.days)
    return erased


async def keep_erasing(
    data: PersonalData,
    audit: StaffAudit,
    keep_for: timedelta,
    stop: asyncio.Event,
    *,
    first_after: timedelta = FIRST_RUN_AFTER,
    every: timedelta = EVERY,
) -> None:
    await keep_running(
        lambda: erase_once(data, audit, keep_for),
        stop,
        every=every,
        first_after=first_after,
        log=log,
        failed="retention: the erasure run failed",
    )
