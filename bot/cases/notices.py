"""Case notices in SQL: what a resident must be told about their case, kept until it is known to have arrived.

A notice is written in the same transaction as its case, due a little later. The conversation normally
tells the case number at once and marks the notice ``told``; when it could not (Redis stalled, the
answer past the platform's deadline, a worker killed), a sender in some worker claims the notice once it
is due and sends it through the channel (``bot/notice_sender.py``). Claiming moves ``due_at`` on by a
lease, in one UPDATE, so two workers never claim the same notice at once, and a sender that died lets
another try after the lease.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import CaseEventRow, CaseNoticeRow, CaseRow, utcnow
from bot.storage.db import execute_alone, execute_sql_alone

NOTICE_FILED = "filed"  # the request was filed: its number
# The conversation tells the number within seconds; the notice waits this long for it to do so.
FIRST_TRY_AFTER = timedelta(seconds=60)
LEASE = timedelta(seconds=60)  # a claimed notice is not claimed again for this long
FIRST_RETRY = timedelta(seconds=5)
LONGEST_RETRY = timedelta(hours=2)
# Retries every two hours at most: about two days, as long as WeChat lets a reply reach a resident.
MAX_ATTEMPTS = 30
CLAIM_BATCH = 20
UNTOLD = "没能把申请编号告诉居民，请用其他方式联系。"  # shown to staff on the case
# ``told`` on PostgreSQL, written out: on the message path, building and compiling it cost more than running it.
_TOLD_SQL = (
    "UPDATE case_notices SET status = 'told', updated_at = $1"
    " WHERE case_id = ANY($2::integer[]) AND kind = $3 AND status = 'pending'"
)


@dataclass(frozen=True)
class DueNotice:
    id: int
    case_id: int
    kind: str
    channel: str
    user_ref: str
    service: str
    mode: str
    attempts: int  # including this one


def retry_delay(attempts: int) -> timedelta:
    """5 s, 15 s, 45 s… tripling up to two hours."""
    seconds = FIRST_RETRY.total_seconds() * 3.0 ** min(max(0, attempts - 1), 16)
    return min(LONGEST_RETRY, timedelta(seconds=seconds))


def new_notice_values(case_id: int, kind: str = NOTICE_FILED) -> dict[str, Any]:
    """The row to insert in the transaction that files the case."""
    return {"case_id": case_id, "kind": kind, "status": "pending", "due_at": utcnow() + FIRST_TRY_AFTER}


class NoticeStore:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], clock: Callable[[], datetime] = utcnow) -> None:
        self._sessions = sessionmaker
        self.clock = clock
        bind = sessionmaker.kw.get("bind")
        self._postgresql = bind is not None and bind.dialect.name == "postgresql"

    async def told(self, case_ids: Sequence[int], kind: str = NOTICE_FILED) -> int:
        """The conversation told these cases' residents; their pending notices need not be sent."""
        if not case_ids:
            return 0
        if self._postgresql:
            parameters = (self.clock(), list(case_ids), kind)
            return await execute_sql_alone(self._sessions, _TOLD_SQL, parameters, lambda result: result.rowcount)
        statement = (
            update(CaseNoticeRow)
            .where(
                CaseNoticeRow.case_id.in_(list(case_ids)),
                CaseNoticeRow.kind == kind,
                CaseNoticeRow.status == "pending",
            )
            .values(status="told", updated_at=self.clock())
            .execution_options(synchronize_session=False)
        )
        return await execute_alone(self._sessions, statement, lambda result: cast(CursorResult[Any], result).rowcount)

    async def claim_due(self, limit: int = CLAIM_BATCH) -> list[DueNotice]:
        """Notices due now, each claimed for ``LEASE`` by this caller alone."""
        now = self.clock()
        due = (
            select(CaseNoticeRow.id)
            .where(CaseNoticeRow.status == "pending", CaseNoticeRow.due_at <= now)
            .order_by(CaseNoticeRow.due_at, CaseNoticeRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claimed: list[DueNotice] = []
        async with self._sessions.begin() as session:
            for notice_id in (await session.scalars(due)).all():
                # The condition repeats the choice, so the UPDATE itself decides where rows are not locked (SQLite).
                taken = await session.execute(
                    update(CaseNoticeRow)
                    .where(
                        CaseNoticeRow.id == notice_id,
                        CaseNoticeRow.status == "pending",
                        CaseNoticeRow.due_at <= now,
                    )
                    .values(due_at=now + LEASE, attempts=CaseNoticeRow.attempts + 1, updated_at=now)
                    .execution_options(synchronize_session=False)
                )
                if cast(CursorResult[Any], taken).rowcount != 1:
                    continue
                row = (
                    await session.execute(
                        select(CaseNoticeRow, CaseRow)
                        .join(CaseRow, CaseRow.id == CaseNoticeRow.case_id)
                        .where(CaseNoticeRow.id == notice_id)
                    )
                ).one()
                notice, case = row
                claimed.append(
                    DueNotice(
                        id=notice.id,
                        case_id=case.id,
                        kind=notice.kind,
                        channel=case.channel,
                        user_ref=case.user_ref,
                        service=case.service,
                        mode=case.mode,
                        attempts=notice.attempts,
                    )
                )
        return claimed

    async def sent(self, notice: DueNotice) -> None:
        """It reached the resident: done, and recorded on the case."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(CaseNoticeRow)
                .where(CaseNoticeRow.id == notice.id)
                .values(status="sent", last_error=None, updated_at=self.clock())
                .execution_options(synchronize_session=False)
            )
            session.add(_event(notice, "notified", {"notice": notice.kind}))

    async def not_sent(self, notice: DueNotice, reason: str) -> bool:
        """It did not arrive: try again later, or give up after ``MAX_ATTEMPTS`` (then the case asks staff to
        get in touch another way). True when given up."""
        now = self.clock()
        final = notice.attempts >= MAX_ATTEMPTS
        values: dict[str, Any] = {"last_error": reason[:200], "updated_at": now}
        values |= {"status": "failed"} if final else {"due_at": now + retry_delay(notice.attempts)}
        async with self._sessions.begin() as session:
            await session.execute(
                update(CaseNoticeRow)
                .where(CaseNoticeRow.id == notice.id, CaseNoticeRow.status == "pending")
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if final:
                session.add(_event(notice, "notice_not_sent", {"notice": notice.kind, "detail": reason[:200]}))
                session.add(_event(notice, "contact_required", {"reason": UNTOLD}))
        return final

    async def backlog(self) -> int:
        """Notices not yet told or sent (for the metrics)."""
        async with self._sessions() as session:
            count = await session.scalar(
                select(func.count()).select_from(CaseNoticeRow).where(CaseNoticeRow.status == "pending")
            )
        return int(count or 0)

    async def status_of(self, case_id: int, kind: str = NOTICE_FILED) -> str | None:
        async with self._sessions() as session:
            return await session.scalar(
                select(CaseNoticeRow.status).where(CaseNoticeRow.case_id == case_id, CaseNoticeRow.kind == kind)
            )


def _event(notice: DueNotice, kind: str, detail: dict[str, Any]) -> CaseEventRow:
    return CaseEventRow(case_id=notice.case_id, kind=kind, actor="system", detail=detail, body_enc=None)
