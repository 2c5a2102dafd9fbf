"""What a push's arrival does in Redis, in one script and one round trip.

- The URL's ``signature`` does not cover the body: the first body seen with a signature (of any push,
  plaintext or sealed) is remembered, and the same signature with another body is refused before
  anything else happens. A signature captured from a proxy log, even a sealed push's, must not carry
  another message (a plaintext one, for anyone). The platform's own retries carry the same body.
- Only the first delivery of a message or event opens the person's window (``window.py``); a retry
  must not grant a second message budget.
- A message that was answered late, through the customer-service API, is marked; a retry of it after
  that gets no second answer.
- A key the caller wants on every push (the marker of staff replies waiting for the person) is read in
  the same round trip, so that a push with nothing waiting costs no further one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from redis.asyncio import Redis

from bot.channels.wechat.window import GRANT_LUA, ContactWindow, grant_args

SIGNATURE_MEMORY_SECONDS = 600  # longer than the timestamp tolerance, so a signature cannot outlive its memory
LATE_MEMORY_SECONDS = 3600  # WeChat retries within seconds

# KEYS: 1 the window hash, 2 the delivery, 3 the late mark, then the signature and the key to peek at (each
# when given). ARGV: 1-8 as GRANT_LUA, 9 the body's hash ('' without a signature), 10 seconds to remember the
# signature, 11 '1' when the last key is one to peek at. Returns {first delivery, answered late, forged,
# the peeked key's value (nil when missing or not asked)}.
_ARRIVE = (
    """
if ARGV[9] ~= '' then
  local kept = redis.call('GET', KEYS[4])
  if not kept then
    redis.call('SET', KEYS[4], ARGV[9], 'EX', ARGV[10])
  elseif kept ~= ARGV[9] then
    return {0, 0, 1}
  end
end
local first = 0
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[7]) then
  first = 1
"""
    + GRANT_LUA
    + """
end
local peeked = false
if ARGV[11] == '1' then
  peeked = redis.call('GET', KEYS[#KEYS])
end
return {first, redis.call('EXISTS', KEYS[3]), 0, peeked}
"""
)


@dataclass(frozen=True)
class Arrival:
    first: bool  # the first delivery of this message or event
    answered_late: bool  # already answered through the API: a retry gets nothing more
    forged: bool  # a used signature with another body: refuse, nothing was recorded
    peeked: bytes | None = None  # the value of the key asked to peek at (None: missing, or not asked)


@dataclass(frozen=True)
class Signed:
    """A push's URL signature (it covers the timestamp), its nonce, and the body, as received, it came with."""

    signature: str
    nonce: str
    body: bytes


class Arrivals:
    def __init__(self, redis: Redis, window: ContactWindow, *, prefix: str = "bot") -> None:
        self._redis = redis
        self._window = window
        self._prefix = prefix
        self._arrive = redis.register_script(_ARRIVE)

    def late_key(self, openid: str, dedup_id: str) -> str:
        return f"{self._prefix}:wechat:late:{openid}:{dedup_id}"

    async def record(
        self,
        openid: str,
        dedup_id: str,
        grant: Literal["message", "event", "none"],
        now: float,
        signed: Signed | None,
        *,
        peek: str | None = None,
    ) -> Arrival:
        """Record the push's arrival; ``peek``: a key whose value to read in the same round trip."""
        keys = [
            self._window.key(openid),
            f"{self._prefix}:wechat:seen:{openid}:{dedup_id}",
            self.late_key(openid, dedup_id),
        ]
        body_hash = ""
        if signed is not None:
            keys.append(f"{self._prefix}:wechat:signature:{signed.signature}:{signed.nonce}")
            body_hash = hashlib.sha256(signed.body).hexdigest()
        if peek is not None:
            keys.append(peek)
        answer = await self._arrive(
            keys=keys, args=[*grant_args(grant, now), body_hash, SIGNATURE_MEMORY_SECONDS, "1" if peek else "0"]
        )
        first, late, forged = answer[:3]
        peeked = answer[3] if len(answer) > 3 else None
        return Arrival(
            first=bool(first),
            answered_late=bool(late),
            forged=bool(forged),
            peeked=peeked.encode() if isinstance(peeked, str) else peeked,
        )

    async def answered_late(self, openid: str, dedup_id: str) -> None:
        await self._redis.set(self.late_key(openid, dedup_id), b"1", ex=LATE_MEMORY_SECONDS)
