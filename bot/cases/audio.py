"""The sound of residents' voice messages to staff, kept encrypted beside their words; every playing of
one is recorded on the case (``audio_played``), like every reading of personal numbers."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import CaseAudioRow, CaseEventRow
from bot.cases.validation import check_actor
from bot.security.crypto import Cipher
from bot.voice_clips import VoiceClip

AUDIO_PLAYED = "audio_played"


class CaseAudioStore:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], cipher: Cipher) -> None:
        self._sessions = sessionmaker
        self._cipher = cipher

    async def play(self, case_id: int, event_id: int, *, actor: str) -> VoiceClip | None:
        """The audio of message ``event_id`` of case ``case_id``, decrypted, the reading recorded in the
        same transaction; None when that case has no such audio."""
        check_actor(actor)
        async with self._sessions.begin() as session:
            row = await session.scalar(
                select(CaseAudioRow).where(CaseAudioRow.case_id == case_id, CaseAudioRow.event_id == event_id)
            )
            if row is None:
                return None
            session.add(
                CaseEventRow(
                    case_id=case_id, kind=AUDIO_PLAYED, actor=actor, detail={"event_id": event_id}, body_enc=None
                )
            )
            return VoiceClip(self._cipher.decrypt_bytes(row.audio_enc), row.format)
