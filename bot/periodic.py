"""The service's background jobs (escalation, retention, closing waiting cases, sealing dashboard months): one
piece of work run again and again until shutdown, which ends the wait at once. The loop ends on an event,
not on cancellation alone (see ``speech/periodic.py`` for why)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta


async def keep_running(
    work: Callable[[], Awaitable[object]],
    stop: asyncio.Event,
    *,
    every: timedelta,
    first_after: timedelta | None = None,
    log: logging.Logger,
    failed: str,
) -> None:
    """``work`` after ``first_after`` (else ``every``), then every ``every``, until ``stop`` is set. A failed run
    is logged as ``failed`` and tried again at the next: the service goes on meanwhile."""
    wait = every if first_after is None else first_after
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait.total_seconds()):
                await stop.wait()
            return
        wait = every
        try:
            await work()
        except Exception:
            log.exception(failed)
