"""Keeping the Redis copy of residents' preferences complete (see ``bot/storage/profile_mirror.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.profiles import ProfileStore
from bot.storage.keys import UserKey
from bot.storage.profile_mirror import ProfileMirror

log = logging.getLogger(__name__)

CHECK_INTERVAL_SECONDS = 60.0


async def fill_mirror(
    store: ProfileStore, mirror: ProfileMirror, *, batch: int = 1000, stop: asyncio.Event | None = None
) -> int | None:
    """Copy every profile from SQL and mark the copy complete; how many were copied, or None when
    another worker is already copying or ``stop`` was set before the copy was whole."""
    async with mirror.filling() as mine:
        if not mine:
            return None
        await mirror.load()
        copied = 0
        async for rows in store.every(batch):
            await mirror.put_many(
                (UserKey(channel, user_ref), profile, version) for channel, user_ref, profile, version in rows
            )
            copied += len(rows)
            if stop is not None and stop.is_set():
                return None
        await mirror.mark_complete()
        log.info("resident profiles copied to Redis: %d", copied)
        return copied


async def keep_mirror_complete(
    store: ProfileStore, mirror: ProfileMirror, stop: asyncio.Event, *, interval: float = CHECK_INTERVAL_SECONDS
) -> None:
    """Until ``stop`` is set: whenever the copy is not complete (first start, daily expiry, a Redis
    restart, a failed write), make it complete again. Until then, first messages read SQL.

    Stopping waits for the batch under way rather than cancelling it: a database read cut off in the
    middle can leave its connection behind unclosed."""
    while not stop.is_set():
        try:
            if not await mirror.is_complete():
                await fill_mirror(store, mirror, stop=stop)
        except Exception as error:  # a store outage must not end the loop; the next round tries again
            log.warning("copying resident profiles to Redis failed: %s", type(error).__name__)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(interval):
                await stop.wait()
