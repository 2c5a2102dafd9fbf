"""A background job runs its work again and again, survives a failed run, and ends at once on shutdown."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest

from bot.periodic import keep_running

LOG = logging.getLogger("tests.periodic")
QUICK = timedelta(milliseconds=10)


async def test_the_work_runs_again_and_again_and_a_failed_run_is_logged_not_fatal(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runs: list[int] = []
    stop = asyncio.Event()

    async def work() -> None:
        runs.append(len(runs))
        if len(runs) == 2:
            raise RuntimeError("the database was away")
        if len(runs) == 4:
            stop.set()

    async with asyncio.timeout(5):
        await keep_running(work, stop, every=QUICK, log=LOG, failed="job: the run failed")

    assert runs == [0, 1, 2, 3]
    assert [r.message for r in caplog.records if r.name == LOG.name] == ["job: the run failed"]


async def test_shutdown_ends_the_wait_at_once_before_the_first_run() -> None:
    ran: list[bool] = []
    stop = asyncio.Event()

    async def work() -> None:
        ran.append(True)

    job = asyncio.create_task(
        keep_running(work, stop, every=timedelta(hours=1), first_after=timedelta(hours=1), log=LOG, failed="")
    )
    await asyncio.sleep(0)
    stop.set()
    async with asyncio.timeout(1):
        await job

    assert ran == []


async def test_the_first_run_comes_after_its_own_delay() -> None:
    stop = asyncio.Event()
    started = asyncio.get_running_loop().time()
    first: list[float] = []

    async def work() -> None:
        first.append(asyncio.get_running_loop().time() - started)
        stop.set()

    async with asyncio.timeout(5):
        await keep_running(work, stop, every=timedelta(hours=1), first_after=QUICK, log=LOG, failed="")

    assert len(first) == 1
    assert first[0] < 1.0
