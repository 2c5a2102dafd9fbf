"""Urgent cases nobody has claimed within their team's claim time (``content/sla.yaml``) are escalated: each gets an
``escalated`` event (once) and an announcement on the live feed, which every open console of its team and every
supervisor's reads out, so the hotline supervisor can send someone. Checked every minute in every worker; a row lock
(SKIP LOCKED on PostgreSQL) and the event's presence keep it to one escalation per case."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import CaseEventRow, CaseRow, utcnow
from bot.cases.types import CaseStatus
from bot.periodic import keep_running
from bot.staff.dashboard.sla import rules
from bot.staff.live import CaseChange, CaseFeed

log = logging.getLogger(__name__)

ESCALATED = "escalated"
EVERY = timedelta(minutes=1)
_BATCH = 100


async def escalate_once(sessionmaker: async_sessionmaker[AsyncSession], feed: CaseFeed) -> list[int]:
    """Escalate every urgent case still unclaimed after its team's claim time (``content/sla.yaml``); the ids
    escalated now."""
    now = utcnow()
    already = exists().where(CaseEventRow.case_id == CaseRow.id, CaseEventRow.kind == ESCALATED)
    query = (
        select(CaseRow)
        .where(
            CaseRow.urgent.is_(True),
            CaseRow.status == CaseStatus.NEW,
            _past_claim_time(now),
            ~already,
        )
        .order_by(CaseRow.created_at)
        .limit(_BATCH)
        .with_for_update(skip_locked=True, key_share=True)
    )
    async with sessionmaker.begin() as session:
        cases = list((await session.scalars(query)).all())
        for case in cases:
            waited = int((now - case.created_at).total_seconds() // 60)
            detail = {"to": "hotline_supervisor", "waited_minutes": waited}
            session.add(CaseEventRow(case_id=case.id, kind=ESCALATED, actor="system", detail=detail, created_at=now))
        changes = [CaseChange(ESCALATED, case.id, case.team, case.status, True) for case in cases]
    for change in changes:
        await feed.publish(change)
    if changes:
        log.warning("escalation: %d urgent cases unclaimed after their claim time", len(changes))
    return [change.case_id for change in changes]


def _past_claim_time(now: datetime) -> ColumnElement[bool]:
    sla = rules()
    teams = list(sla.teams)
    each = [and_(CaseRow.team == team, CaseRow.created_at < now - sla.urgent_claim_within(team)) for team in teams]
    return or_(*each, and_(CaseRow.team.not_in(teams), CaseRow.created_at < now - sla.default.urgent_claim_within))


async def keep_escalating(
    sessionmaker: async_sessionmaker[AsyncSession], feed: CaseFeed, stop: asyncio.Event, *, every: timedelta = EVERY
) -> None:
    await keep_running(
        lambda: escalate_once(sessionmaker, feed), stop, every=every, log=log, failed="escalation: the check failed"
    )
