"""Figures are computed at most once a minute per period."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta

from redis.asyncio import Redis

from bot.staff.dashboard.cache import FiguresCache, shared_when_real
from bot.staff.dashboard.codec import dump_figures, load_figures
from bot.staff.dashboard.figures import Figures, Timing, UrgentClaim
from bot.staff.dashboard.period import Period
from bot.storage.redis import create_redis


async def test_figures_are_reused_within_a_minute_and_recomputed_after() -> None:
    clock = [0.0]
    cache: FiguresCache[int] = FiguresCache(max_age=60, clock=lambda: clock[0])
    calls = 0

    async def compute() -> int:
        nonlocal calls
        calls += 1
        return calls

    assert await cache.get("p", compute) == 1
    clock[0] = 59
    assert await cache.get("p", compute) == 1
    assert await cache.get("q", compute) == 2
    clock[0] = 61
    assert await cache.get("p", compute) == 3


async def test_two_workers_on_a_real_redis_compute_the_figures_once_and_both_get_them(real_redis: Redis) -> None:
    shared = shared_when_real(real_redis, "test:figures", _dump, _load)
    assert shared is not None
    first: FiguresCache[dict[str, int]] = FiguresCache(shared=shared)
    second: FiguresCache[dict[str, int]] = FiguresCache(shared=shared)
    calls = 0

    async def compute() -> dict[str, int]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.2)  # the other worker asks meanwhile
        return {"total": 7}

    found = await asyncio.gather(first.get("p", compute), second.get("p", compute))
    assert list(found) == [{"total": 7}, {"total": 7}]
    assert await FiguresCache(shared=shared).get("p", compute) == {"total": 7}  # a third, later
    assert calls == 1
    await first.clear()
    assert await second.get("q", compute) == {"total": 7}
    assert await FiguresCache(shared=shared).get("p", compute) == {"total": 7}
    assert calls == 3


async def test_on_the_embedded_store_figures_stay_in_the_process(embedded_redis: Redis) -> None:
    assert shared_when_real(embedded_redis, "test:figures", _dump, _load) is None


async def test_when_redis_does_not_answer_the_figures_are_computed_here() -> None:
    gone = create_redis("redis://127.0.0.1:1/0")
    shared = shared_when_real(gone, "test:figures", _dump, _load)
    cache: FiguresCache[dict[str, int]] = FiguresCache(shared=shared)

    async def compute() -> dict[str, int]:
        return {"total": 3}

    assert await cache.get("p", compute) == {"total": 3}
    await gone.aclose()


def test_figures_written_for_redis_read_back_the_same() -> None:
    at = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
    figures = Figures(
        period=Period(date(2026, 11, 1), date(2026, 11, 30)),
        counted_at=at,
        total=3,
        by_service={"rehab": 2, "nursing-allowance": 1},
        by_district={"城中区": 3},
        by_channel={"wechat": 3},
        by_mode={"voice": 1, "text": 2},
        by_proxy={"self": 3},
        outcomes={"approved": 1, "open": 2},
        claim_times=[Timing("rehab", 2, 60.5, 90.25)],
        resolve_times=[Timing("rehab", 1, None, None)],
        past_due={"hotline": 1},
        urgent=Timing("urgent", 1, 30.0, 30.0),
        urgent_cases=[
            UrgentClaim(4, "hotline", at, None, timedelta(hours=2, microseconds=5)),
            UrgentClaim(5, "rehab", at, at + timedelta(seconds=30), timedelta(seconds=30)),
        ],
        urgent_late=1,
        urgent_total=2,
        outcomes_ever={("rehab", "approved"): 4},
        subsidy_by_district={("柳北区", "nursing-allowance"): 2},
    )
    assert load_figures(dump_figures(figures)) == figures


def _dump(value: dict[str, int]) -> bytes:
    return json.dumps(value).encode()


def _load(raw: bytes) -> dict[str, int]:
    loaded: dict[str, int] = json.loads(raw)
    return loaded
