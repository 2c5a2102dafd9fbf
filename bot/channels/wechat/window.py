"""How many customer-service messages WeChat still lets us send a person, shared by the bot and staff.

Since 2023-06-12 each interaction grants a budget: a user message 5 messages within 48 hours; a follow, a menu
click or a QR scan 3 within 1 minute. Budgets do not add up: when a new grant meets a valid one, the larger count
and the later end are kept (the rule WeChat documents for mini-program customer service; the Official Account
pages state only the table). A new user message starts over at 5.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from redis.asyncio import Redis

MESSAGE_GRANT = 5
MESSAGE_VALID = 48 * 3600.0
EVENT_GRANT = 3
EVENT_VALID = 60.0
# The hash outlives the longest grant a little, so nothing is read back as expired by Redis first.
_KEY_TTL = int(MESSAGE_VALID) + 3600
# WeChat redelivers within seconds; an hour of memory of each delivery is plenty.
_DELIVERY_TTL = 3600

# How a grant opens the window (KEYS[1]). ARGV: 1 'message' | 'event' | 'none', 2 now, 3 message grant,
# 4 its end, 5 event grant, 6 its end, 7 seconds to remember a delivery, 8 the hash's time to live.
# A statement list without a return, so that the arrival script (arrival.py) can run it too.
GRANT_LUA = """
if ARGV[1] == 'message' then
  redis.call('HSET', KEYS[1], 'left', ARGV[3], 'cap', ARGV[3], 'until', ARGV[4], 'closed', '0')
  redis.call('EXPIRE', KEYS[1], ARGV[8])
elseif ARGV[1] == 'event' then
  local f = redis.call('HMGET', KEYS[1], 'left', 'cap', 'until', 'closed')
  local now, grant = tonumber(ARGV[2]), tonumber(ARGV[5])
  if f[4] == '1' or not f[3] or tonumber(f[3]) <= now then
    redis.call('HSET', KEYS[1], 'left', ARGV[5], 'cap', ARGV[5], 'until', ARGV[6], 'closed', '0')
  else
    if (tonumber(f[1]) or 0) < grant then redis.call('HSET', KEYS[1], 'left', ARGV[5]) end
    if (tonumber(f[2]) or 0) < grant then redis.call('HSET', KEYS[1], 'cap', ARGV[5]) end
    if tonumber(f[3]) < tonumber(ARGV[6]) then redis.call('HSET', KEYS[1], 'until', ARGV[6]) end
  end
  redis.call('EXPIRE', KEYS[1], ARGV[8])
end
"""

_RESERVE = """
local f = redis.call('HMGET', KEYS[1], 'left', 'until', 'closed')
if f[3] == '1' or not f[2] or tonumber(f[2]) <= tonumber(ARGV[1]) then return 0 end
local granted = math.min(tonumber(f[1]) or 0, tonumber(ARGV[2]))
if granted <= 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'left', -granted)
return granted
"""

_GIVE_BACK = """
local f = redis.call('HMGET', KEYS[1], 'left', 'cap', 'until', 'closed')
if f[4] == '1' or not f[3] or tonumber(f[3]) <= tonumber(ARGV[1]) then return 0 end
local room = (tonumber(f[2]) or 0) - (tonumber(f[1]) or 0)
local back = math.min(room, tonumber(ARGV[2]))
if back <= 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'left', back)
return back
"""

_CLOSE = """
redis.call('HSET', KEYS[1], 'left', '0', 'closed', '1')
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
"""


@dataclass(frozen=True)
class Reach:
    """Whether a person can be sent a message now, how many, and until when (``None``: no open grant)."""

    can_send: bool
    remaining: int
    closes_at: float | None


class ContactWindow:
    """Per-person budget in the hash ``{prefix}:wechat:window:{openid}``; every change is one Lua script."""

    def __init__(self, redis: Redis, *, prefix: str = "bot") -> None:
        self._redis = redis
        self._prefix = prefix
        self._open = redis.register_script(GRANT_LUA + "return 1\n")
        self._reserve = redis.register_script(_RESERVE)
        self._give_back = redis.register_script(_GIVE_BACK)
        self._close = redis.register_script(_CLOSE)

    def key(self, openid: str) -> str:
        return f"{self._prefix}:wechat:window:{openid}"

    async def opened_by_message(self, openid: str, now: float) -> None:
        """The person wrote: 5 messages for 48 hours, replacing whatever was left."""
        await self._open(keys=[self.key(openid)], args=grant_args("message", now))

    async def opened_by_event(self, openid: str, now: float) -> None:
        """A follow, menu click or QR scan: 3 messages for 60 s, unless the current grant is better."""
        await self._open(keys=[self.key(openid)], args=grant_args("event", now))

    async def reserve(self, openid: str, wanted: int, now: float) -> int:
        """Take up to ``wanted`` messages; how many were granted (0 when the window is closed or used up)."""
        if wanted < 0:
            raise ValueError("wanted must not be negative")
        if wanted == 0:
            return 0
        return int(await self._reserve(keys=[self.key(openid)], args=[_stamp(now), wanted]))

    async def give_back(self, openid: str, count: int, now: float) -> None:
        """Return reserved messages that were not sent; ignored once the grant expired or WeChat closed it."""
        if count < 0:
            raise ValueError("count must not be negative")
        if count:
            await self._give_back(keys=[self.key(openid)], args=[_stamp(now), count])

    async def status(self, openid: str, now: float) -> Reach:
        left, until, closed = await self._redis.hmget(self.key(openid), ["left", "until", "closed"])
        if until is None or closed == b"1" or closed == "1" or float(until) <= now:
            return Reach(can_send=False, remaining=0, closes_at=None)
        remaining = max(0, int(left or 0))
        return Reach(can_send=remaining > 0, remaining=remaining, closes_at=float(until))

    async def grant_ends(self, openid: str) -> float | None:
        """When the person's last grant ends (or ended), even if WeChat closed it early; None: never granted."""
        until = await self._redis.hget(self.key(openid), "until")
        return None if until is None else float(until)

    async def close(self, openid: str) -> None:
        """WeChat answered 45015 or 45047: nothing more until the person interacts again."""
        await self._close(keys=[self.key(openid)], args=[_KEY_TTL])


def grant_args(grant: Literal["message", "event", "none"], now: float) -> list[str | int | float]:
    return [
        grant,
        _stamp(now),
        MESSAGE_GRANT,
        _stamp(now + MESSAGE_VALID),
        EVENT_GRANT,
        _stamp(now + EVENT_VALID),
        _DELIVERY_TTL,
        _KEY_TTL,
    ]


def _stamp(moment: float) -> str:
    return repr(float(moment))
