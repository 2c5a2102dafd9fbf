"""Background loops (a speech worker's heartbeat, the lease on the job in hand) that end when told by an
event, not by cancellation alone: Python 3.11's ``asyncio.wait_for`` (used inside redis-py) swallows a
cancel that lands just as the awaited call completes, and a loop relying on ``cancel()`` then runs for
ever, so that a lease renewed after its job ended keeps the job from ever being taken over, and a
shutdown waits without end."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


async def every(seconds: float, until: tuple[asyncio.Event, ...], action: Callable[[], Awaitable[None]]) -> None:
    """``action`` every ``seconds`` until one of ``until`` is set (checked before and after each wait)."""
    while not any(event.is_set() for event in until):
        waits = [asyncio.ensure_future(event.wait()) for event in until]
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
        if any(event.is_set() for event in until):
            return
        await action()


async def ended(loop: asyncio.Task[None]) -> None:
    """Wait for a loop of ``every`` whose event has been set (it does at most the ``action`` under way),
    cancelling it as well; a cancellation of the caller itself is passed on."""
    loop.cancel()
    try:
        await loop
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise
