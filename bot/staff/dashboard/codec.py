"""Figures as JSON, to share them between workers through Redis (``cache.py``): plain data only, so what is
read back can never run code."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import orjson

from bot.staff.dashboard.figures import Figures, Timing, UrgentClaim
from bot.staff.dashboard.period import Period

_PAIR = "\x1f"  # joins the two parts of a (service, outcome) or (district, service) key


def dump_figures(figures: Figures) -> bytes:
    data: dict[str, Any] = {
        "period": [figures.period.first.isoformat(), figures.period.last.isoformat()],
        "counted_at": figures.counted_at.isoformat(),
        "counts": {
            name: getattr(figures, name)
            for name in ("by_service", "by_district", "by_channel", "by_mode", "by_proxy", "outcomes", "past_due")
        },
        "totals": [figures.total, figures.urgent_late, figures.urgent_total],
        "claim_times": [_timing(timing) for timing in figures.claim_times],
        "resolve_times": [_timing(timing) for timing in figures.resolve_times],
        "urgent": _timing(figures.urgent),
        "urgent_cases": [
            [
                case.case_id,
                case.team,
                case.created_at.isoformat(),
                None if case.claimed_at is None else case.claimed_at.isoformat(),
                case.waited.total_seconds(),
            ]
            for case in figures.urgent_cases
        ],
        "outcomes_ever": {_PAIR.join(key): n for key, n in figures.outcomes_ever.items()},
        "subsidy_by_district": {_PAIR.join(key): n for key, n in figures.subsidy_by_district.items()},
    }
    return orjson.dumps(data)


def load_figures(raw: bytes) -> Figures:
    data = orjson.loads(raw)
    counts = data["counts"]
    total, urgent_late, urgent_total = data["totals"]
    return Figures(
        period=Period(date.fromisoformat(data["period"][0]), date.fromisoformat(data["period"][1])),
        counted_at=datetime.fromisoformat(data["counted_at"]),
        total=total,
        by_service=counts["by_service"],
        by_district=counts["by_district"],
        by_channel=counts["by_channel"],
        by_mode=counts["by_mode"],
        by_proxy=counts["by_proxy"],
        outcomes=counts["outcomes"],
        claim_times=[Timing(*timing) for timing in data["claim_times"]],
        resolve_times=[Timing(*timing) for timing in data["resolve_times"]],
        past_due=counts["past_due"],
        urgent=Timing(*data["urgent"]),
        urgent_cases=[
            UrgentClaim(
                case_id,
                team,
                datetime.fromisoformat(created),
                None if claimed is None else datetime.fromisoformat(claimed),
                timedelta(seconds=waited),
            )
            for case_id, team, created, claimed, waited in data["urgent_cases"]
        ],
        urgent_late=urgent_late,
        urgent_total=urgent_total,
        outcomes_ever={_pair(key): n for key, n in data["outcomes_ever"].items()},
        subsidy_by_district={_pair(key): n for key, n in data["subsidy_by_district"].items()},
    )


def _timing(timing: Timing) -> list[Any]:
    return [timing.group, timing.cases, timing.p50, timing.p90]


def _pair(key: str) -> tuple[str, str]:
    first, second = key.split(_PAIR, 1)
    return first, second
