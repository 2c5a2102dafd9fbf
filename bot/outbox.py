"""Staff replies for channels that cannot push: kept per person until their client collects them.

The terminal chat (``python -m bot chat``) reads from here; WeChat delivers through its own API.
"""

from __future__ import annotations

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.cases.types import CaseDetail
from bot.staff.delivery import DeliveryResult, Reach
from bot.storage.keys import UserKey

MAX_WAITING = 50
KEEP_SECONDS = 30 * 24 * 3600


class Outbox:
    """A Redis list per person; implements the staff API's ``ReplyDelivery`` port."""

    def __init__(self, redis: Redis, prefix: str = "bot") -> None:
        self.redis = redis
        self.prefix = prefix

    async def deliver(self, case: CaseDetail, text: str) -> DeliveryResult:
        return await self.notify(case.summary.channel, case.user_ref, text)

    async def notify(self, channel: str, user_ref: str, text: str) -> DeliveryResult:
        key = UserKey(channel, user_ref).redis_key("outbox", self.prefix)
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.rpush(key, text.encode("utf-8"))
                pipe.ltrim(key, -MAX_WAITING, -1)
                pipe.expire(key, KEEP_SECONDS)
                await pipe.execute()
        except RedisError:
            return DeliveryResult(ok=False, detail="消息没有存进待发队列，请稍后再试。")
        return DeliveryResult(ok=True, detail="已放入待发队列，居民下次打开对话时会看到。")

    async def reach(self, channel: str, user_ref: str) -> Reach:
        """The terminal chat keeps replies until the resident next looks: always reachable."""
        return Reach(can_send=True)

    async def drain(self, key: UserKey) -> list[str]:
        """Take every waiting reply for one person, oldest first."""
        name = key.redis_key("outbox", self.prefix)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.lrange(name, 0, -1)
            pipe.delete(name)
            waiting, _ = await pipe.execute()
        return [item.decode("utf-8") if isinstance(item, bytes) else str(item) for item in waiting]
