"""A worker that dies mid-turn: it takes a person's lock as a turn would, and is then killed with SIGKILL."""

from __future__ import annotations

import asyncio
import sys

from redis.asyncio import Redis

from bot.storage.keys import UserKey
from tests.paths import ROOT

# Runs in its own process: takes the lock, says so, and waits to be killed (no clean-up ever runs).
_HOLDER = """
import asyncio, sys
from bot.storage.keys import UserKey
from bot.storage.locks import UserLocks
from bot.storage.redis import create_redis

async def main() -> None:
    url, lifetime, channel, user_id = sys.argv[1:5]
    locks = UserLocks(create_redis(url), timeout=float(lifetime))
    async with locks.hold(UserKey(channel, user_id)):
        print("held", flush=True)
        await asyncio.sleep(3600)

asyncio.run(main())
"""


class DeadWorker:
    """``await DeadWorker.start(...)`` holds the lock in another process; ``await kill()`` kills it."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process

    @classmethod
    async def start(cls, redis_url: str, key: UserKey, lifetime: float) -> DeadWorker:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _HOLDER,
            redis_url,
            str(lifetime),
            key.channel,
            key.user_id,
            stdout=asyncio.subprocess.PIPE,
            cwd=ROOT,
        )
        assert process.stdout is not None
        if await asyncio.wait_for(process.stdout.readline(), 30) != b"held\n":
            process.kill()
            await process.wait()
            raise RuntimeError("the worker did not take the lock")
        return cls(process)

    async def kill(self) -> None:
        if self._process.returncode is None:
            self._process.kill()
            await self._process.wait()


async def lock_is_held(redis: Redis, key: UserKey) -> bool:
    return bool(await redis.exists(key.redis_key("lock")))
