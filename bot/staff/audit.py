"""The audit trail staff administrators read: every case event that records a staff member's work or
reading (views, showings of personal numbers, replies, transfers, resolves…) and every staff action that is
not about one case (exports, account changes, retention runs, erasures), searchable by staff member, case
and date. Entries are only ever added; nothing here changes or removes one."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import CaseEventRow, StaffAuditRow, utcnow
from bot.security.crypto import Cipher

MAX_REASON_CHARS = 200
SEARCH_LIMIT = 200


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str  # a case event's kind, or a staff action (export, account_created, …)
    case_id: int | None
    detail: dict[str, Any]
    reason: str | None = None


@dataclass(frozen=True)
class AuditQuery:
    actor: str | None = None
    case_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None


class StaffAudit:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], cipher: Cipher) -> None:
        self._sessions = sessionmaker
        self._cipher = cipher

    async def record(
        self,
        actor: str,
        action: str,
        detail: dict[str, Any],
        *,
        reason: str | None = None,
        case_id: int | None = None,
        case_events: list[int] | None = None,
        case_kind: str | None = None,
    ) -> None:
        """One staff action; ``detail`` holds nothing personal (the reason, which may, is encrypted).
        ``case_events``: cases whose own trail also gets a ``case_kind`` event (in the same transaction)."""
        json.dumps(detail, allow_nan=False)
        now = utcnow()
        async with self._sessions.begin() as session:
            session.add(
                StaffAuditRow(
                    actor=actor,
                    action=action,
                    case_id=case_id,
                    detail=detail,
                    reason_enc=self._cipher.encrypt_text(reason) if reason else None,
                    created_at=now,
                )
            )
            if case_events:
                kind = case_kind or action
                rows: list[dict[str, Any]] = [
                    {"case_id": case, "kind": kind, "actor": actor, "detail": {}, "body_enc": None, "created_at": now}
                    for case in case_events
                ]
                for first in range(0, len(rows), 1000):
                    await session.execute(insert(CaseEventRow), rows[first : first + 1000])

    async def search(self, query: AuditQuery, *, limit: int = SEARCH_LIMIT) -> list[AuditEntry]:
        """The newest ``limit`` entries that match, from both trails, newest first."""
        events = select(CaseEventRow).where(CaseEventRow.actor.not_in(("resident", "system")))
        actions = select(StaffAuditRow)
        if query.actor is not None:
            events = events.where(CaseEventRow.actor == query.actor)
            actions = actions.where(StaffAuditRow.actor == query.actor)
        if query.case_id is not None:
            events = events.where(CaseEventRow.case_id == query.case_id)
            actions = actions.where(StaffAuditRow.case_id == query.case_id)
        if query.start is not None:
            events = events.where(CaseEventRow.created_at >= query.start)
            actions = actions.where(StaffAuditRow.created_at >= query.start)
        if query.end is not None:
            events = events.where(CaseEventRow.created_at < query.end)
            actions = actions.where(StaffAuditRow.created_at < query.end)
        events = events.order_by(CaseEventRow.created_at.desc(), CaseEventRow.id.desc()).limit(limit)
        actions = actions.order_by(StaffAuditRow.created_at.desc(), StaffAuditRow.id.desc()).limit(limit)
        async with self._sessions() as session:
            event_rows = (await session.scalars(events)).all()
            action_rows = (await session.scalars(actions)).all()
        found = [
            AuditEntry(row.created_at, row.actor, row.kind, row.case_id, _public(row.detail)) for row in event_rows
        ]
        found += [
            AuditEntry(
                row.created_at,
                row.actor,
                row.action,
                row.case_id,
                dict(row.detail),
                None if row.reason_enc is None else self._cipher.decrypt_text(row.reason_enc),
            )
            for row in action_rows
        ]
        found.sort(key=lambda entry: entry.at, reverse=True)
        return found[:limit]


def _public(detail: dict[str, Any]) -> dict[str, Any]:
    # Case events keep personal words encrypted in their body, never in ``detail``; shown as they are.
    return dict(detail)
