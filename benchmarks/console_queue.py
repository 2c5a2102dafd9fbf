"""The staff console's queue page, a search and a live update with many open cases.

python -m benchmarks.console_queue [--cases 10000] [--database-url URL] [--redis-url URL] [--requests 200]

Fills an empty database (default: a temporary SQLite file) with open cases, serves the staff API and console
on a local port, and times over HTTP: the queue page (25 rows, urgent first), a search by name that
matches nothing (the worst case: every visible case's names are decrypted), a search by a phone tail,
and the time from filing a case to its announcement on an open console's event stream.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import aiohttp
from aiohttp import web

from benchmarks.stats import report
from bot.cases.types import NewCase, Proxy
from bot.security.crypto import Cipher
from bot.staff.live import AnnouncingCaseStore, CaseFeed
from bot.staff.users import StaffUserStore
from bot.storage.db import create_engine, create_sessionmaker, upgrade_database
from bot.storage.redis import create_redis
from tests.bot.staff.console.conftest import build_app
from tests.bot.staff.fakes import RecordingDelivery

PASSWORD = "benchmark-password"  # noqa: S105  # a throw-away account in a throw-away database


def _case(n: int) -> NewCase:
    return NewCase(
        idempotency_key=f"bench-{n}",
        service="nursing-allowance",
        team="subsidy",
        channel="wechat",
        user_ref=f"openid-{n}",
        mode="voice",
        district="城中区",
        contact_phone=f"139{n:08d}",
        beneficiary_name=f"韦{n}",
        proxy=Proxy(relationship="子女", name=f"韦大{n}", phone=f"136{n:08d}"),
        answers={"id_number": f"4502021990{n:08d}", "level": "一级"},
        transcript=[{"from": "resident", "text": "我想申请护理补贴"}],
        summary="重度残疾人护理补贴，电话 139****0000",
        urgent=n % 50 == 0,
    )


async def _timed(session: aiohttp.ClientSession, url: str, requests: int) -> list[float]:
    latencies = []
    for _ in range(requests):
        started = time.perf_counter()
        async with session.get(url) as response:
            await response.read()
            assert response.status == 200, response.status
        latencies.append(time.perf_counter() - started)
    return latencies


async def run(args: argparse.Namespace) -> None:
    database_url = args.database_url or f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    await upgrade_database(database_url)
    engine = create_engine(database_url)
    redis = create_redis(args.redis_url)
    await redis.flushdb()
    feed = CaseFeed(redis)
    cases = AnnouncingCaseStore(create_sessionmaker(engine), Cipher("b" * 48), feed=feed)
    users = StaffUserStore(create_sessionmaker(engine))
    if await users.authenticate("bench", PASSWORD) is None:
        await users.add("bench", PASSWORD, "agent", ("subsidy",))
    started = time.perf_counter()
    # Filing is idempotent by key: a database filled by an earlier run is reused as it is.
    for first in range(0, args.cases, 100):
        await asyncio.gather(*(cases.create(_case(n)) for n in range(first, min(first + 100, args.cases))))
    print(f"{args.cases} open cases filed (or found) in {time.perf_counter() - started:.1f} s")

    runner = web.AppRunner(build_app(cases, users, redis, RecordingDelivery()), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        jar = aiohttp.CookieJar(unsafe=True)  # the session cookie of a numeric host
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60), cookie_jar=jar) as session:
            form = await (await session.get(base + "/staff/")).text()
            token = re.search(r'name="csrf" value="([^"]+)"', form)
            assert token is not None
            data = {"csrf": token.group(1), "username": "bench", "password": PASSWORD}
            async with session.post(base + "/staff/login", data=data) as response:
                assert response.status == 200
            for name, path, count in (
                ("queue page (25 rows)", "/staff/", args.requests),
                ("search by name, no match (scans all)", "/staff/?status=all&q=无此人", max(5, args.requests // 20)),
                ("search by phone tail", f"/staff/?status=all&q={args.cases - 1:08d}", max(5, args.requests // 20)),
                ("API list, limit 50", "/staff/api/cases?status=new&limit=50", args.requests),
            ):
                latencies = await _timed(session, base + path, count)
                report(name, count, sum(latencies), latencies)
            await _live(session, base, cases, args.requests // 10 or 5)
    finally:
        await runner.cleanup()
        await feed.close()
        await redis.flushdb()
        await redis.aclose()
        await engine.dispose()


async def _live(session: aiohttp.ClientSession, base: str, cases: AnnouncingCaseStore, count: int) -> None:
    latencies = []
    async with session.get(base + "/staff/events") as stream:
        for n in range(count):
            started = time.perf_counter()
            await cases.create(replace(_case(n), idempotency_key=f"bench-live-{time.time_ns()}"))
            while not (await stream.content.readline()).startswith(b"data: "):
                pass
            latencies.append(time.perf_counter() - started)
    report("case filed -> console event", count, sum(latencies), latencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/6")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
