"""Staff-only notes on a case, and how the resident wants to be contacted.

Both are case events, so they need no table of their own and carry who and when:

- ``note``: a staff member's private note, encrypted like a reply. Never part of the conversation with
  the resident (``case_messages`` shows replies and the resident's words only), never sent anywhere.
- ``contact_preference``: ``text_only``, ``may_call``, ``via_family`` or None (not known), set by staff
  or heard in what the resident said (``bot/cases/contact_preference.py``), with those words encrypted.
  The latest one is the case's preference.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.errors import CaseNotFound, InvalidRequest
from bot.cases.models import CaseEventRow, CaseRow
from bot.cases.permissions import check_visible
from bot.cases.types import CaseDetail, CaseEvent, CaseStatus, StaffUser
from bot.cases.validation import check_actor, check_text
from bot.security.crypto import Cipher
from dialogs.contact_preference import PREFERENCES, Heard, detect, latest

NOTE = "note"
CONTACT_PREFERENCE = "contact_preference"
MAX_NOTE_LENGTH = 2000
RESIDENT = "resident"


@dataclass(frozen=True)
class Note:
    id: int
    author: str
    text: str
    at: datetime


@dataclass(frozen=True)
class PreferenceRecord:
    """The case's contact preference (None: not known) and where it came from."""

    preference: str | None
    source: str  # "resident" (heard in their words) or "staff"
    actor: str
    at: datetime
    heard: str | None = None  # the resident's words, when it was heard in them


def notes_of(detail: CaseDetail) -> list[Note]:
    """The case's notes, oldest first (a whole case's events carry their decrypted text)."""
    return [
        Note(event.id, event.actor, str(event.detail.get("text", "")), event.created_at)
        for event in detail.events
        if event.kind == NOTE
    ]


def preference_of(detail: CaseDetail) -> PreferenceRecord | None:
    """The latest contact preference recorded on a whole case, or None when none ever was."""
    found = [event for event in detail.events if event.kind == CONTACT_PREFERENCE]
    return None if not found else _record(found[-1])


def _record(event: CaseEvent) -> PreferenceRecord:
    heard = event.detail.get("heard")
    return PreferenceRecord(
        preference=event.detail.get("preference"),
        source=str(event.detail.get("source", "staff")),
        actor=event.actor,
        at=event.created_at,
        heard=heard if isinstance(heard, str) else None,
    )


def resident_words(transcript: Iterable[dict[str, str]]) -> list[str]:
    """What the resident said in a filed application's transcript, in order."""
    speakers = ("who", "from", "role")
    return [str(turn.get("text", "")) for turn in transcript if any(turn.get(key) == RESIDENT for key in speakers)]


def heard_event(case_id: int, heard: Heard, cipher: Cipher) -> CaseEventRow:
    """The event recording a preference heard in the resident's words (kept encrypted, as they said them)."""
    return CaseEventRow(
        case_id=case_id,
        kind=CONTACT_PREFERENCE,
        actor=RESIDENT,
        detail={"preference": heard.preference.value, "source": RESIDENT},
        body_enc=cipher.encrypt_text(heard.said[:MAX_NOTE_LENGTH]),
    )


async def current_preference(session: AsyncSession, case_id: int) -> str | None:
    detail = await session.scalar(
        select(CaseEventRow.detail)
        .where(CaseEventRow.case_id == case_id, CaseEventRow.kind == CONTACT_PREFERENCE)
        .order_by(CaseEventRow.id.desc())
        .limit(1)
    )
    return None if detail is None else detail.get("preference")


async def hear_resident(session: AsyncSession, case_id: int, text: str, cipher: Cipher) -> None:
    """Within the transaction that stores the resident's words: record a preference they state, when it
    differs from the case's current one."""
    preference = detect(text)
    if preference is None or await current_preference(session, case_id) == preference.value:
        return
    session.add(heard_event(case_id, Heard(preference, text), cipher))


def first_heard(case_id: int, transcript: Iterable[dict[str, str]], cipher: Cipher) -> CaseEventRow | None:
    """The preference a new case's transcript states, as the event to store with the case."""
    heard = latest(resident_words(transcript))
    return None if heard is None else heard_event(case_id, heard, cipher)


class CaseNotes:
    """Notes and contact preferences; mixed into the case store, whose sessions and cipher it uses."""

    _sessions: async_sessionmaker[AsyncSession]
    _cipher: Cipher

    async def add_note(self, case_id: int, *, staff: StaffUser, text: str) -> Note:
        """A private note by a staff member who may see the case (claimed or not, open or finished)."""
        check_actor(staff.username)
        check_text(
            text, code="bad_note", message=f"备注不能为空，也不能超过 {MAX_NOTE_LENGTH} 字", max_length=MAX_NOTE_LENGTH
        )
        async with self._sessions.begin() as session:
            await self._visible_case(session, case_id, staff)
            event = CaseEventRow(
                case_id=case_id,
                kind=NOTE,
                actor=staff.username,
                detail={"length": len(text)},
                body_enc=self._cipher.encrypt_text(text),
            )
            session.add(event)
            await session.flush()
            return Note(event.id, event.actor, text, event.created_at)

    async def set_contact_preference(
        self, case_id: int, *, staff: StaffUser, preference: str | None
    ) -> PreferenceRecord:
        """Staff record how the resident wants to be contacted (None: not known)."""
        check_actor(staff.username)
        if preference is not None and preference not in PREFERENCES:
            raise InvalidRequest("bad_preference", "联系方式只能是：只发文字、可以打电话、通过家人联系")
        async with self._sessions.begin() as session:
            await self._visible_case(session, case_id, staff)
            detail: dict[str, Any] = {"preference": preference, "source": "staff"}
            event = CaseEventRow(case_id=case_id, kind=CONTACT_PREFERENCE, actor=staff.username, detail=detail)
            session.add(event)
            await session.flush()
            return PreferenceRecord(preference, "staff", staff.username, event.created_at)

    async def hear_on_open_cases(self, channel: str, user_ref: str, heard: Heard) -> list[int]:
        """A preference the resident stated outside any request ("别给我打电话，有事发文字" after filing one),
        recorded on each of their open cases whose preference differs; the cases it was recorded on."""
        open_statuses = (CaseStatus.NEW, CaseStatus.CLAIMED, CaseStatus.WAITING)
        query = select(CaseRow.id).where(
            CaseRow.channel == channel, CaseRow.user_ref == user_ref, CaseRow.status.in_(open_statuses)
        )
        recorded: list[int] = []
        async with self._sessions.begin() as session:
            for case_id in (await session.scalars(query)).all():
                if await current_preference(session, case_id) != heard.preference.value:
                    session.add(heard_event(case_id, heard, self._cipher))
                    recorded.append(case_id)
        return recorded

    async def contact_preferences(self, case_ids: Sequence[int]) -> dict[int, str]:
        """The known contact preference of each of these cases (a queue page), in one query."""
        if not case_ids:
            return {}
        query = (
            select(CaseEventRow.case_id, CaseEventRow.detail)
            .where(CaseEventRow.case_id.in_(list(case_ids)), CaseEventRow.kind == CONTACT_PREFERENCE)
            .order_by(CaseEventRow.id)
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        latest_of: dict[int, str | None] = {}
        for case_id, detail in rows:
            latest_of[int(case_id)] = detail.get("preference")
        return {case_id: value for case_id, value in latest_of.items() if value is not None}

    async def _visible_case(self, session: AsyncSession, case_id: int, staff: StaffUser) -> None:
        team = await session.scalar(select(CaseRow.team).where(CaseRow.id == case_id))
        if team is None:
            raise CaseNotFound("case_not_found", "找不到这个申请")
        check_visible(staff, team)
