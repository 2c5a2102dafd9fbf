"""Cases waiting on the resident (staff asked and wait for their answer) that hear nothing for
``BOT_WAITING_CLOSE_DAYS`` are closed, outcome ``unreachable``, and the resident is told, when the channel
still lets us, how to go on (the ``notice_closed_no_reply`` prompt). Checked hourly in every worker; the
status condition in the UPDATE closes each case once, whichever worker gets there first."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import CaseEventRow, CaseRow, utcnow
from bot.cases.types import CaseStatus
from bot.periodic import keep_running
from bot.staff.delivery import DeliveryResult, ReplyDelivery

log = logging.getLogger(__name__)

CLOSED_NO_REPLY = "closed_no_reply"
EVERY = timedelta(hours=1)
_BATCH = 200


@dataclass(frozen=True)
class Closed:
    case_id: int
    channel: str
    user_ref: str


async def close_stale(sessionmaker: async_sessionmaker[AsyncSession], days: int) -> list[Closed]:
    """Close every case that has waited on the resident for ``days`` without an answer."""
    now = utcnow()
    stale = (CaseRow.status == CaseStatus.WAITING, CaseRow.updated_at < now - timedelta(days=days))
    async with sessionmaker.begin() as session:
        rows = (
            await session.execute(
                select(CaseRow.id, CaseRow.channel, CaseRow.user_ref).where(*stale).order_by(CaseRow.id).limit(_BATCH)
            )
        ).all()
        closed = []
        for case_id, channel, user_ref in rows:
            result = await session.execute(
                update(CaseRow)
                .where(CaseRow.id == case_id, *stale)
                .values(status=CaseStatus.CLOSED, outcome="unreachable", updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if getattr(result, "rowcount", 0) == 1:
                detail = {"days": days, "outcome": "unreachable"}
                session.add(
                    CaseEventRow(case_id=case_id, kind=CLOSED_NO_REPLY, actor="system", detail=detail, created_at=now)
                )
                closed.append(Closed(int(case_id), str(channel), str(user_ref)))
    return closed


async def close_and_tell(
    sessionmaker: async_sessionmaker[AsyncSession], delivery: ReplyDelivery, notice: str, days: int
) -> list[int]:
    """Close the stale cases and tell each resident (unless ``notice`` is empty: residents are not notified);
    the case records whether the notice went out."""
    closed = await close_stale(sessionmaker, days)
    for case in closed if notice else []:
        text = notice.replace("{case_id}", str(case.case_id)).replace("{days}", str(days))
        try:
            reach = await delivery.reach(case.channel, case.user_ref)
            if reach.can_send:
                result = await delivery.notify(case.channel, case.user_ref, text)
            else:
                result = DeliveryResult(ok=False, detail=reach.reason)
        except Exception:
            log.exception("waiting cases: the notice for case %s failed", case.case_id)
            result = DeliveryResult(ok=False, detail="error")
        async with sessionmaker.begin() as session:
            kind = "notified" if result.ok else "notice_not_sent"
            detail = {"notice": CLOSED_NO_REPLY, "detail": (result.detail or "")[:200]}
            session.add(CaseEventRow(case_id=case.case_id, kind=kind, actor="system", detail=detail))
    if closed:
        log.info("waiting cases: %d closed after %d days without an answer", len(closed), days)
    return [case.case_id for case in closed]


async def keep_closing(
    sessionmaker: async_sessionmaker[AsyncSession],
    delivery: ReplyDelivery,
    notice: str,
    days: int,
    stop: asyncio.Event,
    *,
    every: timedelta = EVERY,
) -> None:
    await keep_running(
        lambda: close_and_tell(sessionmaker, delivery, notice, days),
        stop,
        every=every,
        log=log,
        failed="waiting cases: the check failed",
    )
