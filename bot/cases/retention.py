"""Erasing a finished case's personal data: when it has been kept as long as the retention setting says
(a daily job), or when the resident asks (a staff action with a reason).

The encrypted fields (names, numbers, answers, transcript, the bodies of replies and notes) are replaced by
empty values, the masked summary by a note that it was erased, and the resident's channel id by a placeholder, so
the case no longer leads back to them. What the reports count stays: service, team, district, channel,
mode, proxy or not, urgency, outcome and every moment. The case's trail records the erasure.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.errors import CaseConflict, CaseNotFound
from bot.cases.models import CaseEventRow, CaseRow, utcnow
from bot.cases.types import CaseStatus
from bot.security.crypto import Cipher

log = logging.getLogger(__name__)

ERASED = "personal_data_erased"
ERASED_SUMMARY = "个人信息已删除"
_FINISHED = (CaseStatus.RESOLVED, CaseStatus.CLOSED)
_BATCH = 500


class PersonalData:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], cipher: Cipher) -> None:
        self._sessions = sessionmaker
        self._cipher = cipher

    async def erase(self, case_id: int, *, actor: str, why: str) -> None:
        """Erase one finished case's personal data now (``why``: ``resident_request`` or ``retention``)."""
        async with self._sessions.begin() as session:
            case = await session.get(CaseRow, case_id, with_for_update=True)
            if case is None:
                raise CaseNotFound("case_not_found", "找不到这个申请")
            if case.status not in _FINISHED:
                raise CaseConflict("case_open", "这个申请还没办结，请先办结再删除个人信息")
            if case.erased_at is not None:
                raise CaseConflict("already_erased", "这个申请的个人信息已经删除了")
            await self._erase(session, [case_id], actor=actor, why=why)

    async def erase_expired(self, finished_before: datetime) -> int:
        """Erase every finished case last changed before ``finished_before``; how many were erased."""
        erased = 0
        while True:
            async with self._sessions.begin() as session:
                ids = list(
                    (
                        await session.scalars(
                            select(CaseRow.id)
                            .where(
                                CaseRow.status.in_(_FINISHED),
                                CaseRow.erased_at.is_(None),
                                CaseRow.updated_at < finished_before,
                            )
                            .order_by(CaseRow.id)
                            .limit(_BATCH)
                        )
                    ).all()
                )
                if not ids:
                    return erased
                await self._erase(session, ids, actor="system", why="retention")
            erased += len(ids)

    async def _erase(self, session: AsyncSession, case_ids: Sequence[int], *, actor: str, why: str) -> None:
        now = utcnow()
        empty = self._cipher.encrypt_json({})
        for case_id in case_ids:
            await session.execute(
                update(CaseRow)
                .where(CaseRow.id == case_id)
                .values(
                    names_enc=empty,
                    contact_enc=empty,
                    answers_enc=empty,
                    transcript_enc=self._cipher.encrypt_json([]),
                    summary=ERASED_SUMMARY,
                    user_ref=f"erased:{case_id}",
                    erased_at=now,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
        await session.execute(
            update(CaseEventRow)
            .where(CaseEventRow.case_id.in_(list(case_ids)), CaseEventRow.body_enc.is_not(None))
            .values(body_enc=None)
            .execution_options(synchronize_session=False)
        )
        session.add_all(
            CaseEventRow(case_id=case_id, kind=ERASED, actor=actor, detail={"why": why}, body_enc=None, created_at=now)
            for case_id in case_ids
        )
