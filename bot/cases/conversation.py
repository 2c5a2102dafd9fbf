"""The two-way conversation between a resident and the staff member working their case.

Once staff reply on a claimed case, what the resident says next belongs to that case (until staff hand
the conversation back to the assistant, or resolve): it is stored on the case as a ``resident_said``
event, encrypted like a staff reply, and shown to staff in the case's ``messages``. Whether a
conversation is open is decided from the case's own events, so every channel and every process (the
service, the terminal chat on the embedded default) sees the same answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.case_notes import hear_resident
from bot.cases.errors import CaseConflict, CaseNotFound
from bot.cases.models import CaseAudioRow, CaseEventRow, CaseRow, utcnow
from bot.cases.permissions import check_action
from bot.cases.types import CaseDetail, CaseStatus, StaffUser
from bot.cases.validation import check_actor
from bot.security.crypto import Cipher
from bot.voice_clips import VoiceClip

REPLIED = "replied"
RESIDENT_SAID = "resident_said"
HANDED_BACK = "handed_back"
MORE_AUDIO = "（同一段话的另一条语音）"  # what staff read beside the sound of a further voice message
MAX_RESIDENT_TEXT = 2000  # longer messages are kept whole in the transcript only up to this
_OPEN = (CaseStatus.CLAIMED, CaseStatus.WAITING)


@dataclass(frozen=True)
class OpenTalk:
    """A case whose staff member is waiting to hear from the resident."""

    case_id: int
    service: str


# (kind, case id): tell the open staff consoles, after the change is committed (``AnnouncingCaseStore.announce``).
Announce = Callable[[str, int], Awaitable[None]]


class CaseConversations:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], cipher: Cipher, *, announce: Announce | None = None
    ) -> None:
        self._sessions = sessionmaker
        self._cipher = cipher
        self._announce = announce

    async def open_for(self, channel: str, user_ref: str) -> list[OpenTalk]:
        """The resident's cases in conversation with staff, most recently replied first."""
        async with self._sessions() as session:
            cases = (
                await session.execute(
                    select(CaseRow.id, CaseRow.service).where(
                        CaseRow.channel == channel, CaseRow.user_ref == user_ref, CaseRow.status.in_(_OPEN)
                    )
                )
            ).all()
            if not cases:
                return []
            services = {int(case_id): str(service) for case_id, service in cases}
            events = (
                await session.execute(
                    select(CaseEventRow.case_id, CaseEventRow.kind, CaseEventRow.id)
                    .where(CaseEventRow.case_id.in_(services), CaseEventRow.kind.in_((REPLIED, HANDED_BACK)))
                    .order_by(CaseEventRow.id)
                )
            ).all()
        last: dict[int, tuple[str, int]] = {}
        for case_id, kind, event_id in events:
            last[int(case_id)] = (str(kind), int(event_id))
        talking = [(event_id, case_id) for case_id, (kind, event_id) in last.items() if kind == REPLIED]
        return [OpenTalk(case_id, services[case_id]) for _event_id, case_id in sorted(talking, reverse=True)]

    async def resident_said(
        self,
        case_id: int,
        text: str,
        *,
        kind: str = "text",
        audio: VoiceClip | None = None,
        more_audio: Sequence[VoiceClip] = (),
        unclaimed_too: bool = False,
    ) -> int:
        """Keep what the resident said on the case (a case waiting on them is theirs to answer: back to
        ``claimed``), and the sound of a voice message, encrypted; the event's id. Refused when the case is
        no longer open, or (unless ``unclaimed_too``: a request for a person asked for again) not claimed yet.

        ``more_audio``: the sound of further voice messages the words came from, each kept as a message of
        its own (``MORE_AUDIO``), in the same transaction: all of it reaches the case, or none does."""
        text = text[:MAX_RESIDENT_TEXT]
        async with self._sessions.begin() as session:
            case = await session.get(CaseRow, case_id, with_for_update=True)
            if case is None:
                raise CaseNotFound("case_not_found", "找不到这个申请")
            if case.status not in ((*_OPEN, CaseStatus.NEW) if unclaimed_too else _OPEN):
                raise CaseConflict("case_not_open", "这个申请已经办结了")
            if case.status == CaseStatus.WAITING:
                case.status = CaseStatus.CLAIMED
            case.updated_at = utcnow()
            event_id = await self._said(session, case_id, text, kind, audio)
            for clip in more_audio:
                await self._said(session, case_id, MORE_AUDIO, "voice", clip)
            await hear_resident(session, case_id, text, self._cipher)
        if self._announce is not None:  # the staff member's open case page shows it at once
            await self._announce(RESIDENT_SAID, case_id)
        return event_id

    async def _said(self, session: AsyncSession, case_id: int, text: str, kind: str, audio: VoiceClip | None) -> int:
        detail: dict[str, Any] = {"length": len(text), "kind": kind}
        if audio is not None:
            detail["audio"] = True
        event = CaseEventRow(
            case_id=case_id,
            kind=RESIDENT_SAID,
            actor="resident",
            detail=detail,
            body_enc=self._cipher.encrypt_text(text),
        )
        session.add(event)
        await session.flush()
        if audio is not None:
            session.add(
                CaseAudioRow(
                    case_id=case_id,
                    event_id=event.id,
                    format=audio.format,
                    size=len(audio.data),
                    audio_enc=self._cipher.encrypt_bytes(audio.data),
                )
            )
        return int(event.id)

    async def hand_back(self, case_id: int, *, staff: StaffUser) -> None:
        """Staff are done talking for now: the resident's next words go to the assistant again. Only the
        claimer (or a supervisor, on record) may, as for a reply."""
        check_actor(staff.username)
        async with self._sessions.begin() as session:
            case = await session.get(CaseRow, case_id, with_for_update=True)
            if case is None:
                raise CaseNotFound("case_not_found", "找不到这个申请")
            acting = check_action(staff, "reply", team=case.team, status=case.status, claimed_by=case.claimed_by)
            session.add(CaseEventRow(case_id=case_id, kind=HANDED_BACK, actor=staff.username, detail=acting))
        if self._announce is not None:
            await self._announce(HANDED_BACK, case_id)


def case_messages(detail: CaseDetail) -> list[dict[str, Any]]:
    """The case's conversation in order: the assistant's questions and the resident's answers before it was
    filed, then staff replies and what the resident said to them.

    A staff reply carries ``delivery``: ``{"status": "delivered" | "queued" | "failed", "detail"}`` (the
    latest word on it; absent while unknown). A voice message the resident sent carries ``voice`` and,
    when its sound was kept, ``audio``: the staff API address that plays it."""
    filed_at = _stamp(detail.summary.created_at)
    messages: list[dict[str, Any]] = [
        {"from": "resident" if turn.get("who") == "resident" else "bot", "text": turn.get("text", ""), "at": filed_at}
        for turn in detail.transcript
    ]
    deliveries = _deliveries(detail)
    for event in detail.events:
        if event.kind == REPLIED:
            said = {"from": "staff", "text": event.detail.get("text", ""), "at": _stamp(event.created_at)}
            if event.id in deliveries:
                said["delivery"] = deliveries[event.id]
            messages.append(said)
        elif event.kind == RESIDENT_SAID:
            said = {"from": "resident", "text": event.detail.get("text", ""), "at": _stamp(event.created_at)}
            if event.detail.get("kind") == "voice":
                said["voice"] = True
            if event.detail.get("audio"):
                said["audio"] = audio_path(detail.summary.id, event.id)
            messages.append(said)
    return messages


def audio_path(case_id: int, event_id: int) -> str:
    return f"/staff/api/cases/{case_id}/messages/{event_id}/audio"


_DELIVERY_STATES = {"delivered": "delivered", "delivery_failed": "failed", "reply_queued": "queued"}


def reply_delivery(detail: CaseDetail, event_id: int) -> dict[str, str] | None:
    """The latest word on the delivery of the staff reply ``event_id`` (as ``case_messages`` gives it)."""
    return _deliveries(detail).get(event_id)


def _deliveries(detail: CaseDetail) -> dict[int, dict[str, str]]:
    """Each reply's latest delivery state, by the reply event's id."""
    states: dict[int, dict[str, str]] = {}
    for event in detail.events:
        state = _DELIVERY_STATES.get(event.kind)
        reply_id = event.detail.get("event_id")
        if state is None or not isinstance(reply_id, int):
            continue
        said = event.detail.get("detail") if state == "queued" else event.detail.get("reason")
        states[reply_id] = {"status": state, "detail": str(said or "")}
    return states


def _stamp(moment: datetime) -> str:
    return moment.isoformat()
