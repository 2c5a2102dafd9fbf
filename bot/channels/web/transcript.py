"""What a web chat resident sees: their conversation, kept in Redis, encrypted, numbered in order.

Every entry (what the resident wrote, the assistant's answers, staff replies) gets the next number of
its resident, so a page or a live stream asks for "everything after N" and never shows one twice.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from redis.asyncio import Redis

from bot.security.crypto import Cipher

Who = Literal["resident", "bot", "staff"]
KEEP = 200  # entries per resident; older ones leave the page (the case keeps its own transcript)


@dataclass(frozen=True)
class Entry:
    n: int
    who: Who
    text: str
    at: float
    audio: str = ""  # the name of a spoken answer's clip (``bot.channels.web.voice``)

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "who": self.who, "text": self.text, "at": self.at, "audio": self.audio}


class Transcript:
    def __init__(
        self,
        redis: Redis,
        cipher: Cipher,
        ttl_seconds: int,
        *,
        prefix: str = "bot:web",
        on_added: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        """``on_added(user)`` is awaited after entries were added (it wakes the resident's open pages)."""
        self._redis = redis
        self._on_added = on_added
        self._cipher = cipher
        self._ttl = ttl_seconds
        self._prefix = prefix

    def _keys(self, user: str) -> tuple[str, str]:
        return f"{self._prefix}:log:{user}", f"{self._prefix}:seq:{user}"

    async def add(self, user: str, who: Who, texts: Sequence[str], at: float, *, audio: str = "") -> list[Entry]:
        return await self.append(user, [(who, text) for text in texts], at, audio=audio)

    async def append(self, user: str, said: Sequence[tuple[Who, str]], at: float, *, audio: str = "") -> list[Entry]:
        """Add entries in order, numbered after every entry before them (two round trips however many)."""
        if not said:
            return []
        log_key, seq_key = self._keys(user)
        last = int(await self._redis.incrby(seq_key, len(said)))
        first = last - len(said) + 1
        entries = [Entry(first + i, who, text, at, audio) for i, (who, text) in enumerate(said)]
        sealed = [self._cipher.encrypt_text(json.dumps(e.to_dict(), ensure_ascii=False)) for e in entries]
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.rpush(log_key, *sealed)
            pipe.ltrim(log_key, -KEEP, -1)
            pipe.expire(log_key, self._ttl)
            pipe.expire(seq_key, self._ttl)
            await pipe.execute()
        if self._on_added is not None:
            await self._on_added(user)
        return entries

    async def since(self, user: str, after: int = 0) -> list[Entry]:
        """The entries numbered above ``after``, in order (entries may arrive out of order when two
        writers race, so they are sorted)."""
        log_key, seq_key = self._keys(user)
        if after:  # a live page asks often: nothing new is one small read, not the whole log decrypted
            newest = await self._redis.get(seq_key)
            if newest is None or int(newest) <= after:
                return []
        raw = await self._redis.lrange(log_key, 0, -1)
        entries = []
        for item in raw:
            sealed = item if isinstance(item, bytes) else item.encode("latin-1")
            data = json.loads(self._cipher.decrypt_text(sealed))
            if int(data["n"]) > after:
                entry = Entry(
                    int(data["n"]), data["who"], str(data["text"]), float(data["at"]), str(data.get("audio", ""))
                )
                entries.append(entry)
        return sorted(entries, key=lambda e: e.n)
