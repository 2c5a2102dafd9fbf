"""Whether a resident's words go to the staff member on their case, and which case when there are several.

The truth is in SQL (``bot/cases/conversation.py``). Reading it for every message would put a query on
the busiest path, so a marker in Redis says "this person may be talking with staff": set when staff
reply, dropped when SQL says no conversation is open. With the embedded store each process has its own
Redis (the terminal chat and the service), so there the marker is skipped and SQL is asked every time.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass

import orjson
from redis.asyncio import Redis

from bot.cases.conversation import CaseConversations, OpenTalk
from bot.security.crypto import Cipher, DecryptionError
from bot.storage.keys import UserKey
from bot.voice_clips import RecentVoices, VoiceClip

MARKER_SECONDS = 30 * 24 * 3600
PICK_SECONDS = 600  # how long "which case did you mean?" waits for its answer


@dataclass(frozen=True)
class Marks:
    """What Redis said of this person when their turn began (read with their lock, no extra round trip)."""

    talking: bool  # staff replied to them lately (the marker); always True when the marker is not used
    pick: bytes | None  # a pending "which case did you mean?"


@dataclass(frozen=True)
class PendingPick:
    """Words said while two cases were open, waiting for the resident to say which case they are for,
    with the sound of the voice messages among them (kept encrypted while they wait)."""

    text: str
    kind: str
    case_ids: tuple[int, ...]
    audio: tuple[VoiceClip, ...] = ()


class StaffTalk:
    def __init__(
        self,
        conversations: CaseConversations,
        redis: Redis,
        *,
        shared_redis: bool,
        cipher: Cipher,
        prefix: str = "bot",
    ) -> None:
        self.conversations = conversations
        self._cipher = cipher
        self._redis = redis
        self._shared = shared_redis
        self._prefix = prefix
        # The audio of voice messages being handled, so that it reaches the case with the words.
        self.voices = RecentVoices()

    def _marker(self, key: UserKey) -> str:
        return key.redis_key("staff-talk", self._prefix)

    def _pick(self, key: UserKey) -> str:
        return key.redis_key("staff-talk-pick", self._prefix)

    def reads(self, key: UserKey) -> list[str]:
        """The keys to read as the turn's lock is taken, for ``marks``."""
        return [self._marker(key), self._pick(key)]

    def marks(self, values: Sequence[bytes | None]) -> Marks:
        marker, pick = values
        return Marks(talking=marker is not None or not self._shared, pick=pick)

    async def open_for(self, key: UserKey, marks: Marks) -> list[OpenTalk]:
        if not marks.talking:
            return []
        talks = await self.conversations.open_for(key.channel, key.user_id)
        if not talks and self._shared:
            await self._redis.delete(self._marker(key))
        return talks

    async def staff_replied(self, channel: str, user_ref: str) -> None:
        await self._redis.set(self._marker(UserKey(channel, user_ref)), b"1", ex=MARKER_SECONDS)

    def pending_pick(self, marks: Marks) -> PendingPick | None:
        raw = marks.pick
        if raw is None:
            return None
        try:
            data = orjson.loads(raw)
            audio = tuple(
                VoiceClip(self._cipher.decrypt_bytes(base64.b64decode(clip["data"])), str(clip["format"]))
                for clip in data.get("audio", ())
            )
            return PendingPick(str(data["text"]), str(data["kind"]), tuple(int(c) for c in data["case_ids"]), audio)
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, binascii.Error, DecryptionError):
            return None

    async def ask_pick(self, key: UserKey, pick: PendingPick) -> None:
        audio = [
            {"data": base64.b64encode(self._cipher.encrypt_bytes(clip.data)).decode(), "format": clip.format}
            for clip in pick.audio
        ]
        data = {"text": pick.text, "kind": pick.kind, "case_ids": list(pick.case_ids), "audio": audio}
        await self._redis.set(self._pick(key), orjson.dumps(data), ex=PICK_SECONDS)

    async def forget_pick(self, key: UserKey) -> None:
        await self._redis.delete(self._pick(key))
