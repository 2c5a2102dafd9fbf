"""The daily erasure job: a run that erased cases is in the audit; the job stops at once on shutdown."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import CaseRow, utcnow
from bot.cases.retention import PersonalData
from bot.cases.store import CaseStore
from bot.retention_job import erase_once, keep_erasing
from bot.security.crypto import Cipher
from bot.staff.audit import AuditQuery, StaffAudit
from tests.bot.cases.factories import add_staff, new_case


async def test_a_run_that_erased_cases_is_recorded_and_an_empty_one_is_not(
    case_store: CaseStore, sessionmaker: async_sessionmaker[AsyncSession], cipher: Cipher
) -> None:
    staff = await add_staff(sessionmaker, "anna")
    case_id, _ = await case_store.create(new_case())
    await case_store.claim(case_id, staff=staff)
    await case_store.resolve(case_id, staff=staff, outcome="approved", note="")
    async with sessionmaker.begin() as session:
        await session.execute(update(CaseRow).values(updated_at=utcnow() - timedelta(days=1100)))
    data, audit = PersonalData(sessionmaker, cipher), StaffAudit(sessionmaker, cipher)
    assert await erase_once(data, audit, timedelta(days=1095)) == 1
    assert await erase_once(data, audit, timedelta(days=1095)) == 0
    entries = await audit.search(AuditQuery(actor="system"))
    assert [(e.action, e.detail) for e in entries if e.action == "retention_run"] == [
        ("retention_run", {"cases": 1, "keep_days": 1095})
    ]


async def test_the_job_stops_at_once_when_the_service_stops(
    sessionmaker: async_sessionmaker[AsyncSession], cipher: Cipher
) -> None:
    stop = asyncio.Event()
    job = asyncio.create_task(
        keep_erasing(PersonalData(sessionmaker, cipher), StaffAudit(sessionmaker, cipher), timedelta(days=1), stop)
    )
    await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(job, 1)
