"""A resident's lasting preferences: how they like to be answered and how fast speech is read."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.errors import InvalidRequest
from bot.cases.models import ResidentProfileRow, utcnow
from bot.cases.types import MODES
from bot.cases.validation import check_text

MIN_SPEECH_RATE = -2
MAX_SPEECH_RATE = 2


@dataclass(frozen=True)
class Profile:
    mode: str = "text"  # one of MODES
    speech_rate: int = 0  # -2 (slowest) .. 2 (fastest)


class ProfileStore:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessionmaker

    async def get(self, channel: str, user_ref: str) -> Profile | None:
        found = await self.get_versioned(channel, user_ref)
        return None if found is None else found[0]

    async def get_versioned(self, channel: str, user_ref: str) -> tuple[Profile, int] | None:
        """The profile and its version (counted up by every save), or None for a resident without one."""
        # Read on every first contact the Redis copy cannot answer: plain columns, no ORM objects to build.
        query = select(ResidentProfileRow.mode, ResidentProfileRow.speech_rate, ResidentProfileRow.version).where(
            ResidentProfileRow.channel == channel, ResidentProfileRow.user_ref == user_ref
        )
        async with self._sessions() as session:
            row = (await session.execute(query)).first()
        return None if row is None else (Profile(str(row[0]), int(row[1])), int(row[2]))

    async def every(self, batch: int = 1000) -> AsyncIterator[list[tuple[str, str, Profile, int]]]:
        """Every profile as (channel, user_ref, profile, version), ``batch`` at a time, each batch in its own
        short read so that no transaction stays open for the whole walk."""
        after = 0
        while True:
            query = (
                select(
                    ResidentProfileRow.id,
                    ResidentProfileRow.channel,
                    ResidentProfileRow.user_ref,
                    ResidentProfileRow.mode,
                    ResidentProfileRow.speech_rate,
                    ResidentProfileRow.version,
                )
                .where(ResidentProfileRow.id > after)
                .order_by(ResidentProfileRow.id)
                .limit(batch)
            )
            async with self._sessions() as session:
                rows = (await session.execute(query)).all()
            if not rows:
                return
            yield [(str(r[1]), str(r[2]), Profile(str(r[3]), int(r[4])), int(r[5])) for r in rows]
            after = int(rows[-1][0])

    async def save(self, channel: str, user_ref: str, profile: Profile) -> int:
        """Create or replace the resident's profile; its new version."""
        check_text(channel, code="bad_channel", message="来源渠道不正确", max_length=32)
        check_text(user_ref, code="bad_user_ref", message="居民账号不正确", max_length=128)
        if profile.mode not in MODES:
            raise InvalidRequest("unknown_mode", "没有这种使用方式")
        if not MIN_SPEECH_RATE <= profile.speech_rate <= MAX_SPEECH_RATE:
            raise InvalidRequest("bad_speech_rate", f"语速只能是 {MIN_SPEECH_RATE} 到 {MAX_SPEECH_RATE}")
        now = utcnow()
        values: dict[str, Any] = {
            "channel": channel,
            "user_ref": user_ref,
            "mode": profile.mode,
            "speech_rate": profile.speech_rate,
            "created_at": now,
            "updated_at": now,
        }
        changes = {
            "mode": profile.mode,
            "speech_rate": profile.speech_rate,
            "updated_at": now,
            "version": ResidentProfileRow.version + 1,
        }
        async with self._sessions.begin() as session:
            insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            statement = (
                insert(ResidentProfileRow)
                .values(**values)
                .on_conflict_do_update(index_elements=["channel", "user_ref"], set_=changes)
                .returning(ResidentProfileRow.version)
            )
            return int((await session.execute(statement)).scalar_one())
