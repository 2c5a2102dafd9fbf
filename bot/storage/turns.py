"""The Redis side of one turn in two round trips: take the person's lock and read, write and let go.

Taking the lock reads the person's state, what became of this very message (a retry?) and the copy of
their lasting preferences; letting go writes the new state and the remembered outcome. See ``locks.py``
for why the writes ride on the release.

State and outcome hold the resident's answers (ID, card and phone numbers among them), so with a cipher
they are stored encrypted like the cases in SQL. A plaintext value written by an earlier version is still
read, and is stored encrypted when the turn ends.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from bot.profiles import Profile
from bot.security.crypto import Cipher, DecryptionError
from bot.storage.conversations import ConversationStore
from bot.storage.dedup import MessageDedup
from bot.storage.keys import UserKey, loggable
from bot.storage.locks import Held, UserLocks
from bot.storage.profile_mirror import ProfileMirror, Unknown
from bot.storage.redis import dump_json_object, load_json_object

log = logging.getLogger(__name__)

# Every ciphertext of ``Cipher`` starts with its format byte; a JSON object never does.
_SEALED_FORMATS = (b"\x01",)


@dataclass
class Turn:
    remembered: dict[str, Any] | None  # the outcome of this message if it was handled before
    state: dict[str, Any] | None  # the person's saved conversation
    profile: Profile | Unknown | None  # what the Redis copy says of their lasting preferences
    extra: list[bytes | None]  # the ``extra_reads`` asked for, in order
    _held: Held
    _state_name: str
    _outcome_name: str
    _state_seconds: int
    _outcome_seconds: int
    _seal: Callable[[dict[str, Any]], bytes]

    def finish(self, state: dict[str, Any], outcome: dict[str, Any]) -> None:
        """Save the new state and remember the outcome, as the lock is let go."""
        self._held.write(self._state_name, self._seal(state), self._state_seconds)
        self._held.write(self._outcome_name, self._seal(outcome), self._outcome_seconds)


class TurnStore:
    def __init__(
        self,
        conversations: ConversationStore,
        dedup: MessageDedup,
        locks: UserLocks,
        profiles: ProfileMirror,
        *,
        cipher: Cipher | None = None,
    ) -> None:
        self.conversations = conversations
        self.dedup = dedup
        self.locks = locks
        self.profiles = profiles
        self._cipher = cipher

    def seal(self, value: dict[str, Any]) -> bytes:
        """``value`` as stored: JSON, encrypted when there is a cipher."""
        data = dump_json_object(value)
        return data if self._cipher is None else self._cipher.encrypt_bytes(data)

    def unseal(self, raw: bytes | None, name: str) -> dict[str, Any] | None:
        """What ``seal`` stored under ``name`` (or a plaintext value of an earlier version); None, logged,
        for anything unreadable, so that a damaged value never locks a resident out."""
        if raw is None:
            return None
        if raw[:1] in _SEALED_FORMATS:
            if self._cipher is None:
                log.warning("ignoring %s: encrypted, and no key to read it", loggable(name))
                return None
            try:
                raw = self._cipher.decrypt_bytes(raw)
            except DecryptionError:
                log.warning("ignoring %s: it cannot be decrypted with this key", loggable(name))
                return None
        return load_json_object(raw, key=name)

    @asynccontextmanager
    async def turn(self, key: UserKey, message_id: str, extra_reads: Sequence[str] = ()) -> AsyncIterator[Turn]:
        """The person's lock, held for the block; raises ``LockTimeout`` like ``UserLocks.hold``.
        ``extra_reads`` are read in the same round trip, for the caller."""
        outcome_name = self.dedup.outcome_key(key, message_id)
        state_name = self.conversations.key_for(key)
        profile_reads = self.profiles.reads(key)
        reads = [outcome_name, state_name, *profile_reads, *extra_reads]
        async with self.locks.hold(key, reads=reads) as held:
            profile_end = 2 + len(profile_reads)
            yield Turn(
                remembered=self.unseal(held.values[0], outcome_name),
                state=self.unseal(held.values[1], state_name),
                profile=self.profiles.answer(held.values[2:profile_end]),
                extra=held.values[profile_end:],
                _held=held,
                _state_name=state_name,
                _outcome_name=outcome_name,
                _state_seconds=int(self.conversations.ttl.total_seconds()),
                _outcome_seconds=int(self.dedup.ttl.total_seconds()),
                _seal=self.seal,
            )
