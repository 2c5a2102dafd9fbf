"""Staff replies waiting for the resident to write again, in SQL so that no worker or restart loses them.

A reply the channel cannot take now (WeChat: the 48-hour window closed, or this message's quota used) is
kept here, encrypted, with its reason, and the case records a ``reply_queued`` event. When the resident
next writes, one worker claims the waiting replies (``FOR UPDATE SKIP LOCKED`` and a lease, so two workers
never both take one) and sends them; each is marked ``delivered`` once, and only once the channel accepted
it, with a ``delivered`` event on the case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import CaseEventRow, CaseRow, QueuedReplyRow, utcnow
from bot.security.crypto import Cipher

QUEUED = "queued"
SENDING = "sending"
DELIVERED = "delivered"
FAILED = "failed"
LEASE = timedelta(seconds=60)  # a claimed reply is not claimed again for this long
CLAIM_BATCH = 10
REPLY_QUEUED = "reply_queued"  # the case event saying a reply waits


@dataclass(frozen=True)
class QueuedReply:
    id: int
    case_id: int
    event_id: int
    channel: str
    user_ref: str
    text: str
    mode: str  # the case's accessibility mode, for a resident whose profile is unknown
    attempts: int  # including this one: the claim it belongs to


class QueuedReplyStore:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], cipher: Cipher, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._sessions = sessionmaker
        self._cipher = cipher
        self.clock = clock

    async def add(
        self, *, case_id: int, event_id: int, channel: str, user_ref: str, text: str, reason: str, detail: str
    ) -> None:
        """Keep reply ``event_id`` until the resident writes; the case says why it waits (``detail``)."""
        async with self._sessions.begin() as session:
            session.add(
                QueuedReplyRow(
                    case_id=case_id,
                    event_id=event_id,
                    channel=channel,
                    user_ref=user_ref,
                    text_enc=self._cipher.encrypt_text(text),
                    reason=reason,
                    status=QUEUED,
                )
            )
            session.add(_event(case_id, REPLY_QUEUED, {"event_id": event_id, "reason": reason, "detail": detail}))

    async def waiting(self, channel: str, user_ref: str) -> int:
        """How many replies still wait for this resident (queued, or claimed and not yet settled)."""
        async with self._sessions() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(QueuedReplyRow)
                .where(
                    QueuedReplyRow.channel == channel,
                    QueuedReplyRow.user_ref == user_ref,
                    QueuedReplyRow.status.in_((QUEUED, SENDING)),
                )
            )
        return int(count or 0)

    async def claim(self, channel: str, user_ref: str, limit: int = CLAIM_BATCH) -> list[QueuedReply]:
        """The resident's waiting replies, oldest first, each claimed for ``LEASE`` by this caller alone."""
        now = self.clock()
        claimable = and_(
            QueuedReplyRow.channel == channel,
            QueuedReplyRow.user_ref == user_ref,
            or_(
                QueuedReplyRow.status == QUEUED,
                and_(QueuedReplyRow.status == SENDING, QueuedReplyRow.lease_until <= now),
            ),
        )
        due = (
            select(QueuedReplyRow.id)
            .where(claimable)
            .order_by(QueuedReplyRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claimed: list[QueuedReply] = []
        async with self._sessions.begin() as session:
            for reply_id in (await session.scalars(due)).all():
                # The condition repeats the choice, so the UPDATE itself decides where rows are not locked (SQLite).
                taken = await session.execute(
                    update(QueuedReplyRow)
                    .where(QueuedReplyRow.id == reply_id, claimable)
                    .values(status=SENDING, lease_until=now + LEASE, attempts=QueuedReplyRow.attempts + 1)
                    .execution_options(synchronize_session=False)
                )
                if cast(CursorResult[Any], taken).rowcount != 1:
                    continue
                row, mode = (
                    await session.execute(
                        select(QueuedReplyRow, CaseRow.mode)
                        .join(CaseRow, CaseRow.id == QueuedReplyRow.case_id)
                        .where(QueuedReplyRow.id == reply_id)
                    )
                ).one()
                claimed.append(
                    QueuedReply(
                        id=row.id,
                        case_id=row.case_id,
                        event_id=row.event_id,
                        channel=row.channel,
                        user_ref=row.user_ref,
                        text=self._cipher.decrypt_text(row.text_enc),
                        mode=str(mode),
                        attempts=row.attempts,
                    )
                )
        return claimed

    async def delivered(self, reply: QueuedReply, detail: str) -> bool:
        """The channel accepted it: marked once, with a ``delivered`` event. False when this claim had
        expired and another worker owns the reply now (nothing is recorded twice)."""
        return await self._settle(
            reply, {"status": DELIVERED, "delivered_at": self.clock(), "lease_until": None}, detail
        )

    async def failed(self, reply: QueuedReply, detail: str) -> bool:
        """The channel refused its content: it will never go; the case says so (``delivery_failed``)."""
        return await self._settle(reply, {"status": FAILED, "lease_until": None}, detail)

    async def wait_again(self, reply: QueuedReply, reason: str) -> None:
        """Not sent this time (the window closed again, the platform busy): back in the queue, in its place."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(QueuedReplyRow)
                .where(*_owned(reply))
                .values(status=QUEUED, reason=reason, lease_until=None)
                .execution_options(synchronize_session=False)
            )

    async def _settle(self, reply: QueuedReply, values: dict[str, Any], detail: str) -> bool:
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(QueuedReplyRow)
                .where(*_owned(reply))
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if cast(CursorResult[Any], result).rowcount != 1:
                return False
            kind = "delivered" if values["status"] == DELIVERED else "delivery_failed"
            session.add(
                _event(reply.case_id, kind, {"event_id": reply.event_id, "reason": detail[:200], "queued": True})
            )
        return True


def _owned(reply: QueuedReply) -> tuple[Any, ...]:
    """The row as this claim left it: still ``sending`` under the same attempt."""
    return (QueuedReplyRow.id == reply.id, QueuedReplyRow.status == SENDING, QueuedReplyRow.attempts == reply.attempts)


def _event(case_id: int, kind: str, detail: dict[str, Any]) -> CaseEventRow:
    return CaseEventRow(case_id=case_id, kind=kind, actor="system", detail=detail, body_enc=None)
