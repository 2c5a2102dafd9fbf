"""Background loops end when their event is set, even when a cancel is swallowed on the way (as Python
3.11's ``asyncio.wait_for`` inside redis-py does when the cancel lands just as the call completes)."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from speech.periodic import ended, every

pytestmark = pytest.mark.asyncio


class Renewals:
    """An action that swallows a cancel arriving while it runs, and counts its runs."""

    def __init__(self) -> None:
        self.runs = 0
        self.twice = asyncio.Event()

    async def renew(self) -> None:
        self.runs += 1
        if self.runs >= 2:
            self.twice.set()
        # The call had completed: wait_for returns its result instead of raising.
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(0.05)


async def test_a_lease_ends_with_its_job_even_when_a_renewal_swallows_the_cancel() -> None:
    finished = asyncio.Event()
    renewals = Renewals()
    lease = asyncio.create_task(every(0.01, (finished,), renewals.renew))
    await asyncio.wait_for(renewals.twice.wait(), 1.0)

    finished.set()
    await asyncio.wait_for(ended(lease), 1.0)
    runs = renewals.runs
    await asyncio.sleep(0.1)

    assert lease.done()
    assert renewals.runs == runs


async def test_the_loop_acts_every_interval_until_any_of_its_events_is_set() -> None:
    stop, leaving = asyncio.Event(), asyncio.Event()
    renewals = Renewals()
    loop = asyncio.create_task(every(0.01, (stop, leaving), renewals.renew))
    await asyncio.sleep(0.2)

    leaving.set()
    await asyncio.wait_for(loop, 1.0)

    assert renewals.runs >= 2
    assert not stop.is_set()


async def test_the_callers_own_cancellation_is_passed_on() -> None:
    finished = asyncio.Event()
    lease = asyncio.create_task(every(10.0, (finished,), Renewals().renew))

    async def job() -> None:
        finished.set()
        await ended(lease)
        await asyncio.sleep(10)

    task = asyncio.create_task(job())
    await asyncio.sleep(0.05)
    task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await task
    assert lease.done()
