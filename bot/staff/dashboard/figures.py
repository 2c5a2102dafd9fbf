"""Every figure of the dashboard, from SQL aggregates over cases and their events.

Counts are grouped in the database. Medians and 90th percentiles are computed by PostgreSQL
(``percentile_cont``); SQLite, the embedded store of a small office, has no such function, so there the
durations are fetched and sorted here. Urgent cases are few, so their claim times are always fetched.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import ColumnElement, Label, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import CaseEventRow, CaseRow
from bot.cases.types import CaseStatus
from bot.staff.dashboard.period import Period
from bot.staff.dashboard.sla import DUE_WITHIN, URGENT_CLAIM_WITHIN, due_within

_OPEN = (CaseStatus.NEW, CaseStatus.CLAIMED, CaseStatus.WAITING)
LATE_LIST_LIMIT = 50


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
        return self.waited > URGENT_CLAIM_WITHIN


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
    # All cases since the service began, for the plan's targets: (service, outcome) -> count.
    outcomes_ever: dict[tuple[str, str], int] = field(default_factory=dict)
    subsidy_by_district: dict[tuple[str, str], int] = field(default_factory=dict)  # (district, service)


async def collect(sessionmaker: async_sessionmaker[AsyncSession], period: Period, now: datetime) -> Figures:
    async with sessionmaker() as session:
        postgres = session.get_bind().dialect.name == "postgresql"
        groups = await _groups(session, period)
        outcomes = await _outcomes(session, period)
        claim_times = await _timings(session, period, "claimed", postgres)
        resolve_times = await _timings(session, period, "resolved", postgres)
        past_due = await _past_due(session, now)
        urgent_cases = await _urgent(session, period, now)
        outcomes_ever = await _outcomes_ever(session)
    total = sum(count for *_, count in groups)
    resolved = sum(outcomes.values())
    late = [case for case in urgent_cases if case.late]
    waits = sorted(case.waited.total_seconds() for case in urgent_cases if case.claimed_at is not None)
    subsidy_by_district: Counter[tuple[str, str]] = Counter()
    for service, district, _channel, _mode, _proxy, count in groups:
        if service in ("living-allowance", "nursing-allowance"):
            subsidy_by_district[(district or "", service)] += count
    return Figures(
        period=period,
        counted_at=now,
        total=total,
        by_service=_sum(groups, 0),
        by_district=_sum(groups, 1),
        by_channel=_sum(groups, 2),
        by_mode=_sum(groups, 3),
        by_proxy=_sum(groups, 4),
        outcomes={**outcomes, "open": total - resolved} if total >= resolved else outcomes,
        claim_times=claim_times,
        resolve_times=resolve_times,
        past_due=past_due,
        urgent=Timing("urgent", len(waits), percentile(waits, 0.5), percentile(waits, 0.9)),
        urgent_cases=sorted(urgent_cases, key=lambda case: (not case.late, case.created_at))[:LATE_LIST_LIMIT],
        urgent_late=len(late),
        urgent_total=len(urgent_cases),
        outcomes_ever=outcomes_ever,
        subsidy_by_district=dict(subsidy_by_district),
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


def _sum(groups: Iterable[tuple[str, str, str, str, str, int]], index: int) -> dict[str, int]:
    found: Counter[str] = Counter()
    for row in groups:
        found[str(row[index])] += row[5]
    return dict(found.most_common())


async def _groups(session: AsyncSession, period: Period) -> list[tuple[str, str, str, str, str, int]]:
    """One scan of the period's cases, grouped by every dimension at once (a few thousand groups at most)."""
    who = CaseRow.proxy_relationship.is_(None).label("self")
    query = (
        select(CaseRow.service, CaseRow.district, CaseRow.channel, CaseRow.mode, who, func.count())
        .where(_in_period(period))
        .group_by(CaseRow.service, CaseRow.district, CaseRow.channel, CaseRow.mode, who)
    )
    rows = (await session.execute(query)).all()
    return [
        (str(service), district or "", str(channel), str(mode), "self" if alone else "proxy", int(count))
        for service, district, channel, mode, alone, count in rows
    ]


def _outcome() -> Label[str]:
    # Grouped by its label: PostgreSQL sees the key as a separate parameter in each place it is written.
    outcome: ColumnElement[str] = CaseEventRow.detail["outcome"].as_string()
    return outcome.label("outcome")


async def _outcomes(session: AsyncSession, period: Period) -> dict[str, int]:
    outcome = _outcome()
    query = (
        select(outcome, func.count())
        .select_from(CaseEventRow)
        .join(CaseRow, CaseRow.id == CaseEventRow.case_id)
        .where(CaseEventRow.kind == "resolved", CaseEventRow.created_at >= period.start, _in_period(period))
        .group_by(outcome)
    )
    return {str(outcome): int(count) for outcome, count in (await session.execute(query)).all()}


async def _outcomes_ever(session: AsyncSession) -> dict[tuple[str, str], int]:
    outcome = _outcome()
    query = (
        select(CaseRow.service, outcome, func.count())
        .select_from(CaseEventRow)
        .join(CaseRow, CaseRow.id == CaseEventRow.case_id)
        .where(CaseEventRow.kind == "resolved")
        .group_by(CaseRow.service, outcome)
    )
    return {
        (str(service), str(outcome)): int(count) for service, outcome, count in (await session.execute(query)).all()
    }


def _seconds(later: ColumnElement[datetime], earlier: ColumnElement[datetime], postgres: bool) -> ColumnElement[float]:
    if postgres:
        return cast(ColumnElement[float], func.extract("epoch", later - earlier))
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _first_event(kind: str, period: Period) -> Select[int, datetime]:
    # An event of a case filed in the period happens after the period's start: the index on (kind,
    # created_at) keeps this to the period's events.
    return (
        select(CaseEventRow.case_id, func.min(CaseEventRow.created_at).label("at"))
        .where(CaseEventRow.kind == kind, CaseEventRow.created_at >= period.start)
        .group_by(CaseEventRow.case_id)
    )


async def _timings(session: AsyncSession, period: Period, kind: str, postgres: bool) -> list[Timing]:
    """Per team (the team the case is in now): from filing to the first ``kind`` event."""
    first = _first_event(kind, period).subquery()
    seconds = _seconds(first.c.at, CaseRow.__table__.c.created_at, postgres).label("seconds")
    durations = (
        select(CaseRow.team.label("team"), seconds)
        .join(first, first.c.case_id == CaseRow.id)
        .where(_in_period(period))
        .subquery()
    )
    if postgres:
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
    teams = list(DUE_WITHIN)
    overdue = [and_(CaseRow.team == team, CaseRow.created_at < now - due_within(team)) for team in teams]
    others = and_(CaseRow.team.not_in(teams), CaseRow.created_at < now - due_within(""))
    query = (
        select(CaseRow.team, func.count())
        .where(CaseRow.status.in_(_OPEN), or_(*overdue, others))
        .group_by(CaseRow.team)
    )
    return {str(team): int(count) for team, count in (await session.execute(query)).all()}


async def _urgent(session: AsyncSession, period: Period, now: datetime) -> list[UrgentClaim]:
    first = _first_event("claimed", period).subquery()
    query = (
        select(CaseRow.id, CaseRow.team, CaseRow.created_at, first.c.at)
        .outerjoin(first, first.c.case_id == CaseRow.id)
        .where(_in_period(period), CaseRow.urgent.is_(True))
    )
    found = []
    for case_id, team, created_at, claimed_at in (await session.execute(query)).all():
        created = _aware(created_at)
        claimed = None if claimed_at is None else _aware(claimed_at)
        found.append(UrgentClaim(int(case_id), str(team), created, claimed, (claimed or now) - created))
    return found


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
