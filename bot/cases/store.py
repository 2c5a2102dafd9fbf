"""The case store: the only code that reads or writes cases and their audit trail.

Personal data lives only in the encrypted ``*_enc`` columns; every state change and every reading of a
whole case is recorded as an event in the same transaction as the change itself.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Select, and_, exists, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.case_notes import CaseNotes, first_heard
from bot.cases.errors import CaseConflict, CaseNotFound, InvalidRequest
from bot.cases.filing import filing_statement
from bot.cases.models import CaseEventRow, CaseNoticeRow, CaseRow, StaffUserRow, utcnow
from bot.cases.notices import new_notice_values
from bot.cases.paging import Cursor, Query
from bot.cases.permissions import Action, check_action, check_transfer_target, check_visible
from bot.cases.types import CaseDetail, CaseEvent, CaseStatus, CaseSummary, NewCase, Proxy, StaffUser
from bot.cases.validation import (
    MAX_KIND_LENGTH,
    check_actor,
    check_new_case,
    check_status,
    check_team,
    check_teams,
    check_text,
)
from bot.security.crypto import Cipher
from bot.storage.db import execute_sql_alone

MAX_LIST_LIMIT = 1000
# Rows decrypted per round while searching by name or number tail.
_SEARCH_BATCH = 2000
MAX_REPLY_LENGTH = 4000
MAX_NOTE_LENGTH = 4000
MAX_REASON_LENGTH = 2000
_CLAIMABLE = (CaseStatus.NEW,)
_FINISHED = (CaseStatus.RESOLVED, CaseStatus.CLOSED)
# Which detail key an event's encrypted body is shown under when a whole case is read.
_BODY_KEYS = {
    "replied": "text",
    "resolved": "note",
    "transferred": "reason",
    "resident_said": "text",
    "note": "text",
    "contact_preference": "heard",
}


class CaseStore(CaseNotes):
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], cipher: Cipher) -> None:
        self._sessions = sessionmaker
        self._cipher = cipher
        bind = sessionmaker.kw.get("bind")
        # PostgreSQL files a case in one statement (``filing.py``); SQLite cannot, and keeps a transaction.
        self._files_in_one_statement = bind is not None and bind.dialect.name == "postgresql"

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        """The same database, for read-only reports (the dashboard's aggregates) and their audit."""
        return self._sessions

    @property
    def cipher(self) -> Cipher:
        return self._cipher

    async def create(self, new: NewCase) -> tuple[int, bool]:
        """Store a resident's request; ``(id, False)`` when one with the same idempotency key exists."""
        check_new_case(new)
        try:
            if self._files_in_one_statement:
                return await self._file_in_one_statement(new), True
            # Core statements, not the ORM's unit of work: filing is on the resident's message path, and a
            # retry with the same key is rare enough to be found by the unique index rather than a read first.
            async with self._sessions.begin() as session:
                inserted = await session.execute(insert(CaseRow).values(self._new_values(new)).returning(CaseRow.id))
                case_id = int(inserted.scalar_one())
                created = {"service": new.service}
                await session.execute(
                    insert(CaseEventRow).values(case_id=case_id, kind="created", actor="resident", detail=created)
                )
                # Kept beside the case: its number reaches the resident even if the answer saying it does not.
                await session.execute(insert(CaseNoticeRow).values(new_notice_values(case_id)))
                # How the resident said they want to be contacted, if they did.
                if (heard := first_heard(case_id, new.transcript, self._cipher)) is not None:
                    session.add(heard)
                return case_id, True
        except IntegrityError:
            # A retry, or a concurrent create with the same key that won the unique index: report its case.
            existing = await self._id_for_key(new.idempotency_key)
            if existing is None:
                raise InvalidRequest("case_rejected", "申请无法保存，请检查内容") from None
            return existing, False

    async def _file_in_one_statement(self, new: NewCase) -> int:
        """``create`` on PostgreSQL: one atomic statement, outside any transaction (``filing.py``)."""
        sql, parameters = filing_statement(
            self._new_values(new),
            {"service": new.service},
            new_notice_values(0),
            first_heard(0, new.transcript, self._cipher),
        )
        return await execute_sql_alone(self._sessions, sql, parameters, lambda result: int(result.scalar_one()))

    async def list(
        self,
        *,
        status: str | None = None,
        team: str | None = None,
        service: str | None = None,
        teams_visible: Sequence[str] | None = None,
        limit: int = 200,
    ) -> builtins.list[CaseSummary]:
        """Urgent cases first, then the oldest first."""
        if status is not None:
            check_status(status)
        if team is not None:
            check_team(team)
        if not 1 <= limit <= MAX_LIST_LIMIT:
            raise InvalidRequest("bad_limit", f"每次最多列出 {MAX_LIST_LIMIT} 条")
        query = _summary_query()
        if status is not None:
            query = query.where(CaseRow.status == status)
        if team is not None:
            query = query.where(CaseRow.team == team)
        if service is not None:
            query = query.where(CaseRow.service == service)
        if teams_visible is not None:
            check_teams(teams_visible)
            query = query.where(CaseRow.team.in_(list(teams_visible)))
        query = query.order_by(CaseRow.urgent.desc(), CaseRow.created_at, CaseRow.id).limit(limit)
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return [_summary(case, claimer) for case, claimer in rows]

    async def page(
        self,
        *,
        status: str | None = None,
        team: str | None = None,
        service: str | None = None,
        teams_visible: Sequence[str] | None = None,
        query: str | None = None,
        limit: int = 50,
        after: Cursor | None = None,
    ) -> tuple[builtins.list[CaseSummary], Cursor | None]:
        """One page of the listing ``list`` gives, after ``after``, and the cursor of the next page (None on
        the last). ``query`` keeps the cases whose number, name (beneficiary or proxy) or a phone or ID
        number's last 4+ digits match; names and numbers are encrypted, so those are decrypted to compare."""
        if status is not None:
            check_status(status)
        if team is not None:
            check_team(team)
        if not 1 <= limit <= MAX_LIST_LIMIT:
            raise InvalidRequest("bad_limit", f"每次最多列出 {MAX_LIST_LIMIT} 条")
        search = Query.parse(query) if query is not None else None
        conditions: builtins.list[ColumnElement[bool]] = []
        if status is not None:
            conditions.append(CaseRow.status == status)
        if team is not None:
            conditions.append(CaseRow.team == team)
        if service is not None:
            conditions.append(CaseRow.service == service)
        if teams_visible is not None:
            check_teams(teams_visible)
            conditions.append(CaseRow.team.in_(list(teams_visible)))
        if after is not None:
            conditions.append(_after(after))
        order = (CaseRow.urgent.desc(), CaseRow.created_at, CaseRow.id)
        async with self._sessions() as session:
            if search is None:
                query_rows = _summary_query().where(*conditions).order_by(*order).limit(limit + 1)
                found = [_summary(case, claimer) for case, claimer in (await session.execute(query_rows)).all()]
            else:
                ids = await self._search(session, search, conditions, limit + 1)
                rows = (await session.execute(_summary_query().where(CaseRow.id.in_(ids)).order_by(*order))).all()
                found = [_summary(case, claimer) for case, claimer in rows]
        if len(found) <= limit:
            return found, None
        shown = found[:limit]
        return shown, Cursor(shown[-1].urgent, shown[-1].created_at, shown[-1].id)

    async def _search(
        self, session: AsyncSession, search: Query, conditions: Sequence[ColumnElement[bool]], wanted: int
    ) -> builtins.list[int]:
        """The ids of the first ``wanted`` cases in queue order that match; only the columns compared are
        read (plain tuples, not whole cases), a batch at a time."""
        columns = select(
            CaseRow.id, CaseRow.urgent, CaseRow.created_at, CaseRow.names_enc, CaseRow.contact_enc, CaseRow.answers_enc
        ).order_by(CaseRow.urgent.desc(), CaseRow.created_at, CaseRow.id)
        found: builtins.list[int] = []
        position: Cursor | None = None
        while True:
            window = columns.where(*conditions)
            if position is not None:
                window = window.where(_after(position))
            rows = (await session.execute(window.limit(_SEARCH_BATCH))).all()
            for case_id, _urgent, _created, names, contact, answers in rows:
                if self._matches(search, case_id, names, contact, answers):
                    found.append(case_id)
                    if len(found) >= wanted:
                        return found
            if len(rows) < _SEARCH_BATCH:
                return found
            last = rows[-1]
            position = Cursor(last.urgent, last.created_at, last.id)

    def _matches(self, search: Query, case_id: int, names: bytes, contact: bytes, answers: bytes) -> bool:
        if search.case_number == case_id:
            return True
        if search.number_tail is None and search.case_number is not None:
            return False  # a short number names a case only
        if search.number_tail is None:
            return search.matches(self._cipher.decrypt_json(names), {}, {})
        return search.matches({}, self._cipher.decrypt_json(contact), self._cipher.decrypt_json(answers))

    async def cases_for_user(self, channel: str, user_ref: str) -> builtins.list[CaseSummary]:
        """A resident's own cases, newest first, for status questions."""
        query = (
            _summary_query()
            .where(CaseRow.channel == channel, CaseRow.user_ref == user_ref)
            .order_by(CaseRow.created_at.desc(), CaseRow.id.desc())
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return [_summary(case, claimer) for case, claimer in rows]

    async def outcomes(self, case_ids: Sequence[int]) -> dict[int, str]:
        """What came of each resolved case among ``case_ids`` (the outcome of its latest resolve), for
        telling a resident in plain words ("申请通过了")."""
        if not case_ids:
            return {}
        query = (
            select(CaseEventRow.case_id, CaseEventRow.detail)
            .where(CaseEventRow.case_id.in_(list(case_ids)), CaseEventRow.kind == "resolved")
            .order_by(CaseEventRow.id)
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        found: dict[int, str] = {}
        for case_id, detail in rows:
            outcome = detail.get("outcome") if isinstance(detail, dict) else None
            if isinstance(outcome, str):
                found[case_id] = outcome  # later rows win: a case resolved again says its last outcome
        return found

    async def get(self, case_id: int, *, actor: str) -> CaseDetail:
        """The whole case, decrypted; the reading itself is recorded as a ``viewed`` event."""
        check_actor(actor)
        async with self._sessions.begin() as session:
            row = (await session.execute(_summary_query().where(CaseRow.id == case_id))).first()
            if row is None:
                raise _not_found()
            case, claimer = row
            names = self._cipher.decrypt_json(case.names_enc)
            contact = self._cipher.decrypt_json(case.contact_enc)
            answers = self._cipher.decrypt_json(case.answers_enc)
            transcript = self._cipher.decrypt_json(case.transcript_enc)
            session.add(_event_row(case_id, "viewed", actor, {}))
            await session.flush()
            event_rows = (
                await session.scalars(
                    select(CaseEventRow).where(CaseEventRow.case_id == case_id).order_by(CaseEventRow.id)
                )
            ).all()
            events = [self._event_with_body(event) for event in event_rows]
        proxy = None
        if case.proxy_relationship is not None:
            proxy = Proxy(case.proxy_relationship, names.get("proxy") or "", contact.get("proxy_phone") or "")
        return CaseDetail(
            summary=_summary(case, claimer),
            user_ref=case.user_ref,
            beneficiary_name=names.get("beneficiary"),
            contact_phone=contact.get("phone"),
            proxy=proxy,
            answers=answers,
            transcript=transcript,
            events=events,
        )

    async def claim(self, case_id: int, *, staff: StaffUser) -> CaseSummary:
        """Take a ``new`` case of one's team for oneself; exactly one of several concurrent claims wins."""
        check_actor(staff.username)
        async with self._sessions.begin() as session:
            case = await _lock(session, case_id, skip_locked=True)
            check_visible(staff, case.team)
            if case.status not in _CLAIMABLE:
                raise _claim_conflict(case.status)
            await self._take(session, case, staff=staff)
        return await self._summary_of(case_id)

    async def claim_next(self, team: str, *, staff: StaffUser) -> CaseSummary | None:
        """Take the team's most pressing ``new`` case (urgent first, then oldest); None when none is left."""
        check_team(team)
        check_actor(staff.username)
        check_visible(staff, team)
        query = (
            select(CaseRow)
            .where(CaseRow.team == team, CaseRow.status == CaseStatus.NEW)
            .order_by(CaseRow.urgent.desc(), CaseRow.created_at, CaseRow.id)
            .limit(1)
            .with_for_update(skip_locked=True, key_share=True)
        )
        async with self._sessions.begin() as session:
            case = await session.scalar(query)
            if case is None:
                return None
            await self._take(session, case, staff=staff)
        return await self._summary_of(case.id)

    async def check_may(self, case_id: int, *, staff: StaffUser, action: Action) -> None:
        """Raise as ``action`` itself would if ``staff`` may not do it now; for checks before side effects.
        The action checks again under its lock."""
        async with self._sessions() as session:
            case = await session.get(CaseRow, case_id)
            if case is None:
                raise _not_found()
            check_action(staff, action, team=case.team, status=case.status, claimed_by=case.claimed_by)

    async def add_reply(self, case_id: int, *, staff: StaffUser, text: str, await_resident: bool = False) -> CaseEvent:
        """Record a staff reply (encrypted); ``await_resident`` moves the case to ``waiting``.
        Only the claimer (or a supervisor, recorded as such) replies."""
        check_actor(staff.username)
        check_text(
            text,
            code="bad_reply",
            message=f"回复不能为空，也不能超过 {MAX_REPLY_LENGTH} 字",
            max_length=MAX_REPLY_LENGTH,
        )
        async with self._sessions.begin() as session:
            case = await _lock(session, case_id)
            acting = check_action(staff, "reply", team=case.team, status=case.status, claimed_by=case.claimed_by)
            if await_resident:
                case.status = CaseStatus.WAITING
            case.updated_at = utcnow()
            detail: dict[str, Any] = {"length": len(text), "await_resident": await_resident, **acting}
            event = _event_row(case_id, "replied", staff.username, detail, self._cipher.encrypt_text(text))
            session.add(event)
            await session.flush()
            return _event(event)

    async def record_delivery(self, case_id: int, *, event_id: int, ok: bool, detail: str) -> CaseEvent:
        """Whether a reply (``event_id``) reached the resident; ``detail`` is a short technical reason."""
        async with self._sessions.begin() as session:
            found = await session.scalar(
                select(exists().where(CaseEventRow.id == event_id, CaseEventRow.case_id == case_id))
            )
            if not found:
                raise CaseNotFound("event_not_found", "找不到这条回复记录")
            kind = "delivered" if ok else "delivery_failed"
            detail = detail.replace("\x00", "")
            event = _event_row(case_id, kind, "system", {"event_id": event_id, "reason": detail[:200]})
            session.add(event)
            await session.flush()
            return _event(event)

    async def transfer(self, case_id: int, *, staff: StaffUser, team: str, reason: str = "") -> CaseSummary:
        """Hand the case to another team's queue, unclaimed; ``reason`` (optional) is kept encrypted."""
        check_team(team)
        check_actor(staff.username)
        check_text(
            reason,
            code="bad_reason",
            message=f"转交原因不能超过 {MAX_REASON_LENGTH} 字",
            max_length=MAX_REASON_LENGTH,
            required=False,
        )
        async with self._sessions.begin() as session:
            case = await _lock(session, case_id)
            acting = check_action(staff, "transfer", team=case.team, status=case.status, claimed_by=case.claimed_by)
            check_transfer_target(staff, team)
            if case.team == team:
                raise InvalidRequest("same_team", "这个申请已经在该组")
            previous = case.team
            case.team = team
            case.status = CaseStatus.NEW
            case.claimed_by = None
            case.updated_at = utcnow()
            detail = {"from": previous, "to": team, **acting}
            body = self._cipher.encrypt_text(reason) if reason else None
            session.add(_event_row(case_id, "transferred", staff.username, detail, body))
        return await self._summary_of(case_id)

    async def resolve(self, case_id: int, *, staff: StaffUser, outcome: str, note: str) -> CaseSummary:
        """Finish a claimed case; the note is kept encrypted."""
        check_actor(staff.username)
        check_text(outcome, code="bad_outcome", message="请选择办理结果", max_length=64)
        check_text(
            note,
            code="bad_note",
            message=f"备注不能超过 {MAX_NOTE_LENGTH} 字",
            max_length=MAX_NOTE_LENGTH,
            required=False,
        )
        async with self._sessions.begin() as session:
            case = await _lock(session, case_id)
            acting = check_action(staff, "resolve", team=case.team, status=case.status, claimed_by=case.claimed_by)
            case.status = CaseStatus.RESOLVED
            case.outcome = outcome
            case.updated_at = utcnow()
            body = self._cipher.encrypt_text(note) if note else None
            session.add(_event_row(case_id, "resolved", staff.username, {"outcome": outcome, **acting}, body))
        return await self._summary_of(case_id)

    async def record_event(self, case_id: int, *, kind: str, actor: str, detail: dict[str, Any]) -> CaseEvent:
        """Any other audit entry; ``detail`` must be JSON and hold nothing personal."""
        check_actor(actor)
        check_text(kind, code="bad_event", message="记录类型不正确", max_length=MAX_KIND_LENGTH)
        try:
            json.dumps(detail, allow_nan=False)
        except (TypeError, ValueError):
            raise InvalidRequest("bad_event", "记录内容格式不正确") from None
        async with self._sessions.begin() as session:
            if not await session.scalar(select(exists().where(CaseRow.id == case_id))):
                raise _not_found()
            event = _event_row(case_id, kind, actor, detail)
            session.add(event)
            await session.flush()
            return _event(event)

    async def _take(self, session: AsyncSession, case: CaseRow, *, staff: StaffUser) -> None:
        # The status condition makes the UPDATE itself the arbiter where row locks do not exist (SQLite).
        statement = (
            update(CaseRow)
            .where(CaseRow.id == case.id, CaseRow.status.in_(_CLAIMABLE))
            .values(status=CaseStatus.CLAIMED, claimed_by=staff.id, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        try:
            result = await session.execute(statement)
        except IntegrityError:
            raise InvalidRequest("unknown_staff", "找不到这个工作人员账号") from None
        if cast(CursorResult[Any], result).rowcount != 1:
            raise _claim_conflict(CaseStatus.CLAIMED)
        session.add(_event_row(case.id, "claimed", staff.username, {"staff_id": staff.id}))

    async def summary(self, case_id: int) -> CaseSummary:
        """A case's list row: nothing personal, so reading it is not audited. Raises ``CaseNotFound``."""
        return await self._summary_of(case_id)

    async def contact_of(self, case_id: int) -> tuple[str, str]:
        """The channel and channel user id a reply to this case goes to (a pseudonymous id, not audited)."""
        async with self._sessions() as session:
            row = (
                await session.execute(select(CaseRow.channel, CaseRow.user_ref).where(CaseRow.id == case_id))
            ).first()
        if row is None:
            raise _not_found()
        return str(row[0]), str(row[1])

    async def contacts_of(self, case_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
        """``contact_of`` for many cases in one query (a queue page); unknown ids are left out."""
        if not case_ids:
            return {}
        query = select(CaseRow.id, CaseRow.channel, CaseRow.user_ref).where(CaseRow.id.in_(list(case_ids)))
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return {int(case_id): (str(channel), str(user_ref)) for case_id, channel, user_ref in rows}

    async def _summary_of(self, case_id: int) -> CaseSummary:
        async with self._sessions() as session:
            row = (await session.execute(_summary_query().where(CaseRow.id == case_id))).first()
        if row is None:
            raise _not_found()
        case, claimer = row
        return _summary(case, claimer)

    async def _id_for_key(self, key: str) -> int | None:
        async with self._sessions() as session:
            return await session.scalar(select(CaseRow.id).where(CaseRow.idempotency_key == key))

    def _new_values(self, new: NewCase) -> dict[str, Any]:
        proxy = new.proxy
        names = {"beneficiary": new.beneficiary_name, "proxy": proxy.name if proxy else None}
        contact = {"phone": new.contact_phone, "proxy_phone": proxy.phone if proxy else None}
        return {
            "idempotency_key": new.idempotency_key,
            "service": new.service,
            "team": new.team,
            "status": CaseStatus.NEW,
            "district": new.district,
            "channel": new.channel,
            "user_ref": new.user_ref,
            "mode": new.mode,
            "proxy_relationship": proxy.relationship if proxy else None,
            "urgent": new.urgent,
            "summary": new.summary,
            "answers_enc": self._cipher.encrypt_json(new.answers),
            "transcript_enc": self._cipher.encrypt_json(new.transcript),
            "contact_enc": self._cipher.encrypt_json(contact),
            "names_enc": self._cipher.encrypt_json(names),
        }

    def _event_with_body(self, row: CaseEventRow) -> CaseEvent:
        event = _event(row)
        if row.body_enc is None:
            return event
        detail = dict(event.detail)
        detail[_BODY_KEYS.get(row.kind, "body")] = self._cipher.decrypt_text(row.body_enc)
        return CaseEvent(event.id, event.case_id, event.kind, event.actor, detail, event.created_at)


async def _lock(session: AsyncSession, case_id: int, *, skip_locked: bool = False) -> CaseRow:
    """The case row, locked for this transaction on PostgreSQL (SQLite's BEGIN IMMEDIATE already
    serialises writers). With ``skip_locked`` a row someone else holds counts as busy.

    ``key_share`` makes it FOR NO KEY UPDATE, which does not wait for the KEY SHARE lock PostgreSQL takes
    on a case while someone inserts one of its events (reading a case records one)."""
    query = select(CaseRow).where(CaseRow.id == case_id).with_for_update(skip_locked=skip_locked, key_share=True)
    case = await session.scalar(query)
    if case is not None:
        return case
    if skip_locked and await session.scalar(select(exists().where(CaseRow.id == case_id))):
        raise CaseConflict("case_busy", "其他人正在处理这个申请，请刷新后再试")
    raise _not_found()


def _after(cursor: Cursor) -> ColumnElement[bool]:
    """Rows that sort after ``cursor`` in the queue order (urgent first, then oldest, then by id)."""
    later = or_(
        CaseRow.created_at > cursor.created_at,
        and_(CaseRow.created_at == cursor.created_at, CaseRow.id > cursor.id),
    )
    same_urgency = and_(CaseRow.urgent == cursor.urgent, later)
    return or_(CaseRow.urgent.is_(False), same_urgency) if cursor.urgent else same_urgency


def _summary_query() -> Select[CaseRow, str]:
    return select(CaseRow, StaffUserRow.username).outerjoin(StaffUserRow, CaseRow.claimed_by == StaffUserRow.id)


def _summary(case: CaseRow, claimer: str | None) -> CaseSummary:
    return CaseSummary(
        id=case.id,
        service=case.service,
        team=case.team,
        status=case.status,
        district=case.district,
        channel=case.channel,
        mode=case.mode,
        proxy=case.proxy_relationship,
        created_at=case.created_at,
        summary=case.summary,
        urgent=case.urgent,
        claimed_by=claimer,
    )


def _event_row(case_id: int, kind: str, actor: str, detail: dict[str, Any], body: bytes | None = None) -> CaseEventRow:
    return CaseEventRow(case_id=case_id, kind=kind, actor=actor, detail=detail, body_enc=body)


def _event(row: CaseEventRow) -> CaseEvent:
    return CaseEvent(row.id, row.case_id, row.kind, row.actor, dict(row.detail), row.created_at)


def _not_found() -> CaseNotFound:
    return CaseNotFound("case_not_found", "找不到这个申请")


def _claim_conflict(status: str) -> CaseConflict:
    if status in _FINISHED:
        return CaseConflict("case_resolved", "这个申请已经办结")
    return CaseConflict("already_claimed", "这个申请已被其他人认领")
