"""Each team's working time, as staff see it on a case and in the queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.cases.types import CaseSummary
from bot.staff.console.present import due, overdue

NOW = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)


def _case(*, team: str = "subsidy", status: str = "new", urgent: bool = False, age: timedelta) -> CaseSummary:
    return CaseSummary(1, "rehab", team, status, None, "wechat", "text", None, NOW - age, "", urgent, None)


def test_an_open_case_shows_its_time_and_what_is_left() -> None:
    assert due(_case(age=timedelta(days=2)), NOW) == "提交后 7 天内办结，还剩 5 天"
    assert due(_case(team="hotline", age=timedelta(days=2)), NOW) == "提交后 1 天内办结，已超过 1 天"
    assert due(_case(status="resolved", age=timedelta(days=30)), NOW) == "已办结"


def test_an_urgent_case_must_be_claimed_within_15_minutes() -> None:
    assert due(_case(urgent=True, age=timedelta(minutes=5)), NOW).startswith("紧急：15 分钟内认领；")
    assert overdue(_case(urgent=True, age=timedelta(minutes=16)), NOW) == "超过 15 分钟没人认领"
    assert overdue(_case(urgent=True, status="claimed", age=timedelta(minutes=16)), NOW) == ""


def test_the_queue_warns_of_cases_past_their_teams_time() -> None:
    assert overdue(_case(age=timedelta(days=8)), NOW) == "已超过办理时限"
    assert overdue(_case(age=timedelta(days=6)), NOW) == ""
    assert overdue(_case(status="resolved", age=timedelta(days=80)), NOW) == ""
