"""Staff replies that wait for the resident: the SQL queue (``bot/cases/queued_replies.py``) and a Redis
marker that spares every push a SQL query.

The marker ``{prefix}:replies-waiting:{channel}:{user}`` is a counter: staff bump it after queuing a
reply; the worker that sends the queue reads it first and deletes it afterwards only if it is unchanged
and nothing waits any more, so a reply queued meanwhile is never left without its marker. With the
embedded store (each process its own Redis) the marker is not trusted and SQL is asked on every push.
"""

from __future__ import annotations

from redis.asyncio import Redis

from bot.cases.queued_replies import QueuedReplyStore
from bot.staff.delivery_texts import DeliveryTexts
from bot.storage.keys import UserKey

MARKER_SECONDS = 60 * 24 * 3600  # longer than anyone waits for a case's answer

_FORGET_IF_UNCHANGED = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class ReplyQueue:
    def __init__(
        self,
        store: QueuedReplyStore,
        redis: Redis,
        texts: DeliveryTexts,
        *,
        shared_redis: bool,
        prefix: str = "bot",
    ) -> None:
        self.store = store
        self.texts = texts
        self._redis = redis
        self._shared = shared_redis
        self._prefix = prefix
        self._forget = redis.register_script(_FORGET_IF_UNCHANGED)

    def _marker(self, key: UserKey) -> str:
        return key.redis_key("replies-waiting", self._prefix)

    async def queue(self, *, case_id: int, event_id: int, channel: str, user_ref: str, text: str, reason: str) -> str:
        """Keep the reply until the resident writes; what staff are told (plain Chinese)."""
        detail = self.texts.for_queued(reason)
        await self.store.add(
            case_id=case_id,
            event_id=event_id,
            channel=channel,
            user_ref=user_ref,
            text=text,
            reason=reason,
            detail=detail,
        )
        key = UserKey(channel, user_ref)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(self._marker(key))
            pipe.expire(self._marker(key), MARKER_SECONDS)
            await pipe.execute()
        return detail

    def marker_key(self, key: UserKey) -> str | None:
        """The marker to read for ``key`` (the caller may read it in a round trip of its own, and pass what it
        read to ``flush``); None on the embedded store, where the marker is not trusted and SQL is asked."""
        return self._marker(key) if self._shared else None

    async def seen(self, key: UserKey) -> bytes | None:
        """The marker as it is now: None when no reply waits (or, on the embedded store, b"" to ask SQL)."""
        if not self._shared:  # a read, so that a push with nothing waiting takes no write lock (SQLite)
            return b"" if await self.store.waiting(key.channel, key.user_id) else None
        value = await self._redis.get(self._marker(key))
        return value.encode() if isinstance(value, str) else value

    async def settled(self, key: UserKey, seen: bytes) -> None:
        """After sending: drop the marker when nothing waits and no reply was queued since ``seen``."""
        if not self._shared or await self.store.waiting(key.channel, key.user_id):
            return
        await self._forget(keys=[self._marker(key)], args=[seen])
