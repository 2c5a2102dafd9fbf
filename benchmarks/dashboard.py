"""The supervisors' dashboard (统计) over many cases on PostgreSQL.

python -m benchmarks.dashboard [--cases 100000] [--database-url URL] [--redis-url URL] [--requests 20]

Makes a throw-away PostgreSQL database (unless one is named), fills it with a generator of cases spread
over two years (services, districts, channels, modes, proxies and urgency in realistic shares; cases
older than a month nearly all claimed and resolved with an outcome, the last month's partly open;
``viewed`` events beside the others: the events table is several times the cases table), and times over
HTTP, logged in as a supervisor: the dashboard for the last 30 days and for the last year with the
figures cache emptied before each request (every figure computed by the database), and the same page
served from the cache. Before them the year is timed once with no month sealed: that request seals the
year's past months (migration 0008), which every later one reads.

The rows are written directly in bulk (the encrypted columns hold one fixed sealed value): the dashboard
never decrypts, and filing 100,000 cases one by one through the store would take far longer than the
measurement. For the same reason the cases are written with their first claim and resolve already set, and
the events without the trigger that would copy them (migration 0007).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from benchmarks.stats import report
from bot.cases.models import CaseEventRow, CaseRow
from bot.security.crypto import Cipher
from bot.staff.api import create_staff_app
from bot.staff.console import create_console_app
from bot.staff.console.stats import FIGURES
from bot.staff.live import AnnouncingCaseStore, CaseFeed
from bot.staff.sessions import StaffSessions
from bot.staff.users import StaffUserStore
from bot.storage.db import create_engine, create_sessionmaker, upgrade_database
from bot.storage.redis import create_redis
from dialogs.validators.district import DISTRICTS
from tests.bot.staff.fakes import RecordingDelivery

PASSWORD = "benchmark-password"  # noqa: S105  # a throw-away account in a throw-away database
SERVICES = {
    "living-allowance": ("subsidy", 20),
    "nursing-allowance": ("subsidy", 20),
    "rehab": ("rehab", 10),
    "child-rehab": ("rehab", 4),
    "assistive-device": ("rehab", 10),
    "home-accessibility": ("subsidy", 6),
    "legal-aid": ("legal", 4),
    "disability-card": ("hotline", 10),
    "handoff": ("hotline", 6),
    "dibao": ("subsidy", 4),
    "employment": ("subsidy", 4),
    "care-services": ("rehab", 1),
    "education-aid": ("subsidy", 1),
}
OUTCOMES = ("approved", "approved", "approved", "referred", "rejected", "answered", "unreachable")
_BATCH = 5000


def generate(count: int, now: datetime, seed: int = 7) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``count`` cases over the two years before ``now`` and their events, as rows to insert."""
    chosen = random.Random(seed)
    sealed = Cipher("b" * 48).encrypt_json({})
    names = list(SERVICES)
    weights = [weight for _, weight in SERVICES.values()]
    cases: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for n in range(1, count + 1):
        service = chosen.choices(names, weights)[0]
        filed = now - timedelta(seconds=chosen.uniform(0, 730 * 86400))
        urgent = chosen.random() < 0.02
        claimed = filed + timedelta(minutes=chosen.expovariate(1 / (8 if urgent else 240)))
        resolved = claimed + timedelta(hours=chosen.expovariate(1 / 72))
        status, outcome = "new", None
        first_claimed_at = first_resolved_at = None
        # Older cases are nearly all finished; the last weeks' are partly still open.
        recent = now - filed < timedelta(days=30)
        if claimed < now and chosen.random() < (0.85 if recent else 0.995):
            status, first_claimed_at = "claimed", claimed
            events.append(_event(n, "claimed", "bench", {"staff_id": 1}, claimed))
            events.append(_event(n, "viewed", "bench", {}, claimed))
            if resolved < now and chosen.random() < (0.6 if recent else 0.99):
                status, outcome = "resolved", chosen.choice(OUTCOMES)
                first_resolved_at = resolved
                events.append(_event(n, "viewed", "bench", {}, resolved))
                events.append(_event(n, "resolved", "bench", {"outcome": outcome}, resolved))
        events.append(_event(n, "created", "resident", {"service": service}, filed))
        cases.append(
            {
                "id": n,
                "idempotency_key": f"bench-{n}",
                "service": service,
                "team": SERVICES[service][0],
                "status": status,
                "district": chosen.choice(DISTRICTS).name,
                "channel": chosen.choices(("wechat", "web"), (9, 1))[0],
                "user_ref": f"openid-{n}",
                "mode": chosen.choices(("text", "voice", "simple"), (6, 3, 1))[0],
                "proxy_relationship": "子女" if chosen.random() < 0.3 else None,
                "urgent": urgent,
                "summary": "测试",
                "claimed_by": 1 if status != "new" else None,
                "outcome": outcome,
                "answers_enc": sealed,
                "transcript_enc": sealed,
                "contact_enc": sealed,
                "names_enc": sealed,
                "created_at": filed,
                "updated_at": filed,
                "first_claimed_at": first_claimed_at,
                "first_resolved_at": first_resolved_at,
            }
        )
    return cases, events


def _event(case_id: int, kind: str, actor: str, detail: dict[str, Any], at: datetime) -> dict[str, Any]:
    return {"case_id": case_id, "kind": kind, "actor": actor, "detail": detail, "body_enc": None, "created_at": at}


async def _fill(url: str, count: int, users: StaffUserStore) -> None:
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    try:
        async with sessionmaker() as session:
            existing = int((await session.execute(text("SELECT count(*) FROM cases"))).scalar_one())
        if existing >= count:
            print(f"{existing} cases already there")
            return
        await users.add("bench-agent", PASSWORD, "agent", ("subsidy",))  # id 1: the claims name it
        started = time.perf_counter()
        cases, events = generate(count, datetime.now(UTC))
        async with sessionmaker.begin() as session:
            # No month is sealed yet: migration 0008's trigger only looks each case's month up.
            for first in range(0, len(cases), _BATCH):
                await session.execute(insert(CaseRow), cases[first : first + _BATCH])
            # The cases already carry what migration 0007's trigger would copy from these events; row by
            # row it would take longer than the measurement (and each batch past the statement timeout).
            await session.execute(text("ALTER TABLE case_events DISABLE TRIGGER case_events_milestones"))
            for first in range(0, len(events), _BATCH):
                await session.execute(insert(CaseEventRow), events[first : first + _BATCH])
            await session.execute(text("ALTER TABLE case_events ENABLE TRIGGER case_events_milestones"))
            await session.execute(text("SELECT setval('cases_id_seq', (SELECT max(id) FROM cases))"))
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM ANALYZE"))  # as autovacuum would have, after a while
        print(f"{count} cases and {len(events)} events written in {time.perf_counter() - started:.1f} s")
    finally:
        await engine.dispose()


async def _timed(session: aiohttp.ClientSession, url: str, requests: int, before: Any = None) -> list[float]:
    latencies = []
    for _ in range(requests):
        if before is not None:
            await before()
        started = time.perf_counter()
        async with session.get(url) as response:
            page = await response.text()
            assert response.status == 200, page[:500]
        latencies.append(time.perf_counter() - started)
    return latencies


async def run(args: argparse.Namespace) -> None:
    url = args.database_url
    made = None
    if url is None:
        made = f"bench_dashboard_{secrets.token_hex(4)}"
        await _outside_transaction(args.postgres_url, f'CREATE DATABASE "{made}"')
        url = make_url(args.postgres_url).set(database=made).render_as_string(hide_password=False)
    try:
        await upgrade_database(url)
        engine = create_engine(url)
        sessionmaker = create_sessionmaker(engine)
        users = StaffUserStore(sessionmaker)
        await _fill(url, args.cases, users)
        if await users.authenticate("bench-supervisor", PASSWORD) is None:
            await users.add("bench-supervisor", PASSWORD, "supervisor", ())
        redis = create_redis(args.redis_url)
        await redis.flushdb()
        feed = CaseFeed(redis)
        cases = AnnouncingCaseStore(sessionmaker, Cipher("b" * 48), feed=feed)
        app = web.Application()
        staff_api = create_staff_app(
            cases=cases,
            users=users,
            sessions=StaffSessions(redis, timedelta(minutes=30)),
            delivery=RecordingDelivery(),
            notices={},
        )
        app.add_subapp("/staff/api", staff_api)
        console = create_console_app(staff_api, feed)
        app.add_subapp("/staff", console)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        try:
            jar = aiohttp.CookieJar(unsafe=True)
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120), cookie_jar=jar) as session:
                form = await (await session.get(base + "/staff/")).text()
                token = re.search(r'name="csrf" value="([^"]+)"', form)
                assert token is not None
                data = {"csrf": token.group(1), "username": "bench-supervisor", "password": PASSWORD}
                async with session.post(base + "/staff/login", data=data) as response:
                    assert response.status == 200
                year_ago = (datetime.now(UTC) + timedelta(hours=8) - timedelta(days=364)).date().isoformat()
                empty = console[FIGURES].clear
                await _unseal(sessionmaker)
                await empty()
                # The first year's figures seal its past months (migration 0008); the later ones read them.
                latencies = await _timed(session, base + f"/staff/stats?from={year_ago}", 1)
                report("dashboard, last year, first (sealing its past months)", 1, sum(latencies), latencies)
                for name, path, before in (
                    ("dashboard, last 30 days, computed", "/staff/stats", empty),
                    ("dashboard, last year, computed", f"/staff/stats?from={year_ago}", empty),
                    ("dashboard, last 30 days, from the cache", "/staff/stats", None),
                ):
                    await _timed(session, base + path, 1, before)  # warm the connection pool
                    latencies = await _timed(session, base + path, args.requests, before)
                    report(name, args.requests, sum(latencies), latencies)
        finally:
            await runner.cleanup()
            await feed.close()
            await redis.flushdb()
            await redis.aclose()
            await engine.dispose()
    finally:
        if made is not None and not args.keep:
            await _outside_transaction(args.postgres_url, f'DROP DATABASE IF EXISTS "{made}" WITH (FORCE)')
        elif made is not None:
            print(f"kept: {url}")


async def _unseal(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Forget every sealed month, so that each run times the first seal (a kept database was sealed before)."""
    async with sessionmaker.begin() as session:
        await session.execute(text("DELETE FROM case_month_counts"))
        await session.execute(text("DELETE FROM case_months_sealed"))


async def _outside_transaction(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--database-url", default=None, help="an existing database (filled if it has fewer cases)")
    parser.add_argument("--postgres-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--keep", action="store_true", help="keep the throw-away database for another run")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/6")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
