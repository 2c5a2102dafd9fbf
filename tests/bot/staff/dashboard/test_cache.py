"""Figures are computed at most once a minute per period."""

from __future__ import annotations

from bot.staff.dashboard.cache import FiguresCache


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
