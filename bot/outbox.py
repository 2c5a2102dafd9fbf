"""Staff replies and notices for channels that cannot push: kept per person until their client collects them.

The terminal chat (``python -m bot chat``) reads from here; WeChat delivers through its own API. The
messages live in SQL (table ``outbox_messages``), so the chat sees what the service's staff wrote even
on the embedded default, where the two processes share no Redis.
"""

from __future__ import annotations

import logging

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import OutboxMessageRow, utcnow
from bot.cases.types import CaseDetail
from bot.security.crypto import Cipher
from bot.staff.delivery import DeliveryResult, Reach
from bot.storage.keys import UserKey

log = logging.getLogger(__name__)

MAX_COLLECTED = 50  # at one look; the rest wait for the next


class Outbox:
    """Implements the staff API's ``ReplyDelivery`` port for channels whose client comes to collect."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], cipher: Cipher) -> None:
        self._sessions = sessionmaker
        self._cipher = cipher

    async def deliver(self, case: CaseDetail, text: str) -> DeliveryResult:
        return await self.notify(case.summary.channel, case.user_ref, text)

    async def notify(self, channel: str, user_ref: str, text: str, *, mode: str = "text") -> DeliveryResult:
        try:
            async with self._sessions.begin() as session:
                session.add(
                    OutboxMessageRow(channel=channel, user_ref=user_ref, text_enc=self._cipher.encrypt_text(text))
                )
        except (SQLAlchemyError, OSError) as error:
            log.warning("outbox message not stored: %s", type(error).__name__)
            return DeliveryResult(ok=False, detail="消息没有存进待发队列，请稍后再试。")
        return DeliveryResult(ok=True, detail="已放进居民的对话，居民下次打开对话时会看到。")

    async def reach(self, channel: str, user_ref: str) -> Reach:
        """The client collects whenever the resident next looks: always reachable."""
        return Reach(can_send=True)

    async def collect(self, key: UserKey) -> list[str]:
        """Take the waiting messages for one person, oldest first, marking them collected."""
        async with self._sessions.begin() as session:
            rows = (
                await session.scalars(
                    select(OutboxMessageRow)
                    .where(
                        OutboxMessageRow.channel == key.channel,
                        OutboxMessageRow.user_ref == key.user_id,
                        OutboxMessageRow.collected_at.is_(None),
                    )
                    .order_by(OutboxMessageRow.id)
                    .limit(MAX_COLLECTED)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if rows:
                await session.execute(
                    update(OutboxMessageRow)
                    .where(OutboxMessageRow.id.in_([row.id for row in rows]))
                    .values(collected_at=utcnow())
                )
            return [self._cipher.decrypt_text(row.text_enc) for row in rows]
