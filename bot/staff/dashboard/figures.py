"""Every figure of the dashboard, from SQL aggregates over cases and their events.

Counts of whole Beijing months that are over are read from the counters of sealed months (migration 0008,
``month_counts``); the current month and the days of the period outside whole months are grouped from the
cases themselves. Medians and 90th
percentiles are computed by PostgreSQL (``percentile_cont``); SQLite, the embedded store of a small office,
has no such function, so there the durations are fetched and sorted here. Urgent cases are few, so their
claim times are always fetched.
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar, cast

from sqlalchemy import ColumnElement, and_, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import CaseRow
from bot.cases.types import CaseStatus
from bot.staff.dashboard.month_counts import DISTRICT, counts, seal_months
from bot.staff.dashboard.period import Period
from bot.staff.dashboard.sla import due_within, rules, urgent_claim_within
from bot.staff.dashboard.targets import TARGET_SERVICES

_OPEN = (CaseStatus.NEW, CaseStatus.CLAIMED, CaseStatus.WAITING)
LATE_LIST_LIMIT = 50
T = TypeVar("T")


@dataclass(frozen=True)
class Timing:
    """How long something took for ``cases`` cases: median and 90th percentile, in seconds."""

    group: str
    cases: int
    p50: float | None
    p90: float | None


@dataclass(frozen=True)
class UrgentClaim:
    case_id: int
    team: str
    created_at: datetime
    claimed_at: datetime | None
    waited: timedelta  # until the claim, or until now when nobody has claimed it

    @property
    def late(self) -> bool:
        return self.waited > urgent_claim_within(self.team)


@dataclass(frozen=True)
class Figures:
    period: Period
    counted_at: datetime
    total: int
    by_service: dict[str, int]
    by_district: dict[str, int]
    by_channel: dict[str, int]
    by_mode: dict[str, int]
    by_proxy: dict[str, int]  # "self" or "proxy"
    outcomes: dict[str, int]  # cases filed in the period, by how they ended; "open" for the rest
    claim_times: list[Timing]
    resolve_times: list[Timing]
    past_due: dict[str, int]  # open cases older than their team's due time, now
    urgent: Timing
    urgent_cases: list[UrgentClaim]  # the late ones first
    urgent_late: int
    urgent_total: int
    # All cases of the target services since the service began: (service, outcome) -> count.
    outcomes_ever: dict[tuple[str, str], int] = field(default_factory=dict)
    subsidy_by_district: dict[tuple[str, str], int] = field(default_factory=dict)  # (district, service)


async def collect(sessionmaker: async_sessionmaker[AsyncSession], period: Period, now: datetime) -> Figures:
    """Every figure, each query on its own connection at the same time (they only read)."""

    async def run(query: Callable[[AsyncSession], Awaitable[T]]) -> T:
        async with sessionmaker() as session:
            return await query(session)

    postgres = sessionmaker.kw["bind"].dialect.name == "postgresql"
    sealed = await seal_months(sessionmaker, period, now)
    found, claim_times, resolve_times, past_due, urgent_cases, outcomes_ever = await asyncio.gather(
        run(lambda session: counts(session, period, sealed)),
        run(lambda session: _timings(session, period, "claimed", postgres)),
        run(lambda session: _timings(session, period, "resolved", postgres)),
        run(lambda session: _past_due(session, now)),
        run(lambda session: _urgent(session, period, now)),
        run(_outcomes_ever),
    )
    by: dict[str, Counter[str]] = {name: Counter() for name in ("service", "district", "channel", "mode", "who")}
    outcomes: Counter[str] = Counter()
    subsidy_by_district: Counter[tuple[str, str]] = Counter()
    for (dimension, value), n in found.items():
        if dimension.startswith(DISTRICT):
            service = dimension.removeprefix(DISTRICT)
            by["service"][service] += n
            by["district"][value] += n
            if service in ("living-allowance", "nursing-allowance"):
                subsidy_by_district[(value, service)] += n
        elif dimension == "outcome":
            outcomes[value or "open"] += n
        else:
            by[dimension][value] += n
    late = [case for case in urgent_cases if case.late]
    waits = sorted(case.waited.total_seconds() for case in urgent_cases if case.claimed_at is not None)
    return Figures(
        period=period,
        counted_at=now,
        total=sum(by["service"].values()),
        by_service=_ranked(by["service"]),
        by_district=_ranked(by["district"]),
        by_channel=_ranked(by["channel"]),
        by_mode=_ranked(by["mode"]),
        by_proxy=_ranked(by["who"]),
        outcomes=_ranked(outcomes),
        claim_times=claim_times,
        resolve_times=resolve_times,
        past_due=past_due,
        urgent=Timing("urgent", len(waits), percentile(waits, 0.5), percentile(waits, 0.9)),
        urgent_cases=sorted(urgent_cases, key=lambda case: (not case.late, case.created_at))[:LATE_LIST_LIMIT],
        urgent_late=len(late),
        urgent_total=len(urgent_cases),
        outcomes_ever=outcomes_ever,
        subsidy_by_district={key: n for key, n in subsidy_by_district.items() if n},
    )


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Linear interpolation between closest ranks, as PostgreSQL's ``percentile_cont``; None when empty."""
    if not values:
        return None
    position = (len(values) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return values[low] + (values[high] - values[low]) * (position - low)


def _in_period(period: Period) -> ColumnElement[bool]:
    return and_(CaseRow.created_at >= period.start, CaseRow.created_at < period.end)


def _ranked(found: Counter[str]) -> dict[str, int]:
    """Largest first, ties by name (the same order however the counts were put together)."""
    return dict(sorted(((key, n) for key, n in found.items() if n), key=lambda item: (-item[1], item[0])))


async def _outcomes_ever(session: AsyncSession) -> dict[tuple[str, str], int]:
    query = (
        select(CaseRow.service, CaseRow.outcome, func.count())
        .where(CaseRow.service.in_(TARGET_SERVICES), CaseRow.outcome.is_not(None))
        .group_by(CaseRow.service, CaseRow.outcome)
    )
    rows = (await session.execute(query)).all()
    return {(str(service), str(outcome)): int(count) for service, outcome, count in rows}


def _seconds(later: ColumnElement[datetime], earlier: ColumnElement[datetime], postgres: bool) -> ColumnElement[float]:
    if postgres:
        # date_part gives a double; EXTRACT gives a numeric, far slower to sort for a year of cases.
        return cast(ColumnElement[float], func.date_part("epoch", later - earlier))
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


async def _timings(session: AsyncSession, period: Period, kind: str, postgres: bool) -> list[Timing]:
    """Per team (the team the case is in now): from filing to the first ``kind`` event, which the database
    keeps on the case itself (migration 0007), so only the period's cases are read."""
    first = CaseRow.__table__.c.first_claimed_at if kind == "claimed" else CaseRow.__table__.c.first_resolved_at
    seconds = _seconds(first, CaseRow.__table__.c.created_at, postgres).label("seconds")
    durations = select(CaseRow.team.label("team"), seconds).where(_in_period(period), first.is_not(None)).subquery()
    if postgres:
        # A year of one team's durations is sorted in memory (the default 4 MB spills it to disk).
        await session.execute(text("SET LOCAL work_mem = '32MB'"))
        query = select(
            durations.c.team,
            func.count(),
            func.percentile_cont(0.5).within_group(durations.c.seconds),
            func.percentile_cont(0.9).within_group(durations.c.seconds),
        ).group_by(durations.c.team)
        rows = (await session.execute(query)).all()
        found = [Timing(str(team), int(n), _float(p50), _float(p90)) for team, n, p50, p90 in rows]
    else:
        by_team: dict[str, list[float]] = {}
        for team, value in (await session.execute(select(durations.c.team, durations.c.seconds))).all():
            by_team.setdefault(str(team), []).append(max(0.0, float(value)))
        found = []
        for team, values in by_team.items():
            values.sort()
            found.append(Timing(team, len(values), percentile(values, 0.5), percentile(values, 0.9)))
    return sorted(found, key=lambda timing: timing.group)


def _float(value: object) -> float | None:
    return None if value is None else max(0.0, float(str(value)))


async def _past_due(session: AsyncSession, now: datetime) -> dict[str, int]:
    """Open cases older than their team's time. Open cases are few (the partial index holds only them):
    those older than the shortest time are read and compared here, team by team."""
    shortest = rules().shortest_due
    query = select(CaseRow.team, CaseRow.created_at).where(
        CaseRow.status.in_(_OPEN), CaseRow.created_at < now - shortest
    )
    found: Counter[str] = Counter()
    for team, created_at in (await session.execute(query)).all():
        if _aware(created_at) < now - due_within(str(team)):
            found[str(team)] += 1
    return dict(found)


async def _urgent(session: AsyncSession, period: Period, now: datetime) -> list[UrgentClaim]:
    query = select(CaseRow.id, CaseRow.team, CaseRow.created_at, CaseRow.first_claimed_at).where(
        _in_period(period), CaseRow.urgent.is_(True)
    )
    found = []
    for case_id, team, created_at, claimed_at in (await session.execute(query)).all():
        created = _aware(created_at)
        claimed = None if claimed_at is None else _aware(claimed_at)
        found.append(UrgentClaim(int(case_id), str(team), created, claimed, (claimed or now) - created))
    return found


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
