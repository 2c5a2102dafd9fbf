"""Erasing a finished case's personal data (on SQLite and PostgreSQL): names, numbers, answers, transcript
and reply bodies go; what the reports count stays; open cases are never touched."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.errors import CaseConflict
from bot.cases.models import CaseEventRow, CaseRow, utcnow
from bot.cases.retention import ERASED, ERASED_SUMMARY, PersonalData
from bot.cases.store import CaseStore
from bot.cases.types import Proxy
from bot.security.crypto import Cipher
from tests.bot.cases.factories import NAME, PHONE, add_staff, new_case


async def _finished(store: CaseStore, sessionmaker: async_sessionmaker[AsyncSession], days_ago: int) -> int:
    staff = await add_staff(sessionmaker, f"agent{days_ago}")
    case_id, _ = await store.create(new_case())
    await store.claim(case_id, staff=staff)
    await store.add_reply(case_id, staff=staff, text=f"您好，我们会打 {PHONE}")
    await store.resolve(case_id, staff=staff, outcome="approved", note="已批准")
    async with sessionmaker.begin() as session:
        await session.execute(
            update(CaseRow).where(CaseRow.id == case_id).values(updated_at=utcnow() - timedelta(days=days_ago))
        )
    return case_id


async def test_cases_finished_before_the_cutoff_lose_their_personal_data_and_keep_their_counts(
    case_store: CaseStore, sessionmaker: async_sessionmaker[AsyncSession], cipher: Cipher
) -> None:
    old = await _finished(case_store, sessionmaker, 1200)
    recent = await _finished(case_store, sessionmaker, 10)
    still_open, _ = await case_store.create(new_case())
    data = PersonalData(sessionmaker, cipher)
    assert await data.erase_expired(utcnow() - timedelta(days=3 * 365)) == 1
    assert await data.erase_expired(utcnow() - timedelta(days=3 * 365)) == 0
    detail = await case_store.get(old, actor="auditor")
    assert (detail.beneficiary_name, detail.contact_phone, detail.answers) == (None, None, {})
    assert detail.proxy == Proxy("子女", "", "")  # who applied is counted; their name and phone are gone
    assert detail.transcript == []
    assert detail.summary.summary == ERASED_SUMMARY
    assert (detail.summary.service, detail.summary.district, detail.summary.status) == (
        "living_subsidy",
        "城中区",
        "resolved",
    )
    assert [e.kind for e in detail.events if e.kind == ERASED] == [ERASED]
    assert all("text" not in e.detail and "note" not in e.detail for e in detail.events)
    async with sessionmaker() as session:
        row = await session.get(CaseRow, old)
        assert row is not None
        assert (row.outcome, row.user_ref) == ("approved", f"erased:{old}")
        assert row.erased_at is not None
        bodies = (await session.scalars(select(CaseEventRow.body_enc).where(CaseEventRow.case_id == old))).all()
        assert set(bodies) == {None}
    for kept in (recent, still_open):
        assert (await case_store.get(kept, actor="auditor")).beneficiary_name == NAME


async def test_a_residents_request_erases_a_finished_case_once_and_never_an_open_one(
    case_store: CaseStore, sessionmaker: async_sessionmaker[AsyncSession], cipher: Cipher
) -> None:
    data = PersonalData(sessionmaker, cipher)
    finished = await _finished(case_store, sessionmaker, 1)
    await data.erase(finished, actor="sara", why="resident_request")
    with pytest.raises(CaseConflict, match="已经删除"):
        await data.erase(finished, actor="sara", why="resident_request")
    still_open, _ = await case_store.create(new_case())
    with pytest.raises(CaseConflict, match="还没办结"):
        await data.erase(still_open, actor="sara", why="resident_request")
    erased = [e for e in (await case_store.get(finished, actor="auditor")).events if e.kind == ERASED]
    assert [(e.actor, e.detail) for e in erased] == [("sara", {"why": "resident_request"})]
