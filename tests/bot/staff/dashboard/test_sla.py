"""Each team's working time (``content/sla.yaml``, placeholders the owner sets without code), as staff see it
on a case and in the queue."""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cases.types import CaseSummary
from bot.cli.content import run_check
from bot.staff.console.present import due, overdue
from bot.staff.dashboard import sla
from dialogs.loader import ContentError
from tests.paths import CONTENT_DIR

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


@pytest.fixture
def sla_rules() -> Iterator[None]:
    """Restores the shipped working times after a test that sets others."""
    yield
    sla.use(sla.load_sla(CONTENT_DIR))


def _content_with(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, folder)
    (folder / "sla.yaml").write_text(text, encoding="utf-8")
    return folder


def test_the_shipped_times_are_marked_as_placeholders_awaiting_the_federations_confirmation() -> None:
    text = (CONTENT_DIR / "sla.yaml").read_text(encoding="utf-8")
    assert "PLACEHOLDERS" in text
    assert "残联's confirmation" in text
    rules = sla.load_sla(CONTENT_DIR)
    assert rules.due_within("hotline") == timedelta(days=1)
    assert rules.due_within("legal") == timedelta(days=7)
    assert rules.urgent_claim_within("rehab") == timedelta(minutes=15)


def test_a_team_takes_the_default_for_what_it_leaves_out(tmp_path: Path) -> None:
    folder = _content_with(
        tmp_path,
        "default: {due_days: 5, urgent_claim_minutes: 20}\nteams:\n  hotline: {urgent_claim_minutes: 10}\n",
    )
    rules = sla.load_sla(folder)
    assert rules.due_within("hotline") == timedelta(days=5)
    assert rules.urgent_claim_within("hotline") == timedelta(minutes=10)
    assert rules.urgent_claim_within("subsidy") == timedelta(minutes=20)
    assert rules.shortest_urgent_claim == timedelta(minutes=10)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("teams: {}\n", "content/sla.yaml: default: should be a mapping with due_days and urgent_claim_minutes"),
        (
            "default: {due_days: 7, urgent_claim_minutes: 15}\nteams:\n  hotlin: {due_days: 1}\n",
            "content/sla.yaml: teams.hotlin: is not a team (the teams are: subsidy, rehab, legal, hotline, employment)",
        ),
        (
            "default: {due_days: 7, urgent_claim_minutes: 15}\nteams:\n  hotline: {due_days: 一天}\n",
            "content/sla.yaml: teams.hotline.due_days: should be a whole number from 1 to 365",
        ),
        (
            "default: {due_days: 7, urgent_claim_minutes: 0}\n",
            "content/sla.yaml: default.urgent_claim_minutes: should be a whole number from 1 to 1440",
        ),
        (
            "default: {due_days: 7, urgent_claim_minutes: 15, due_hours: 3}\n",
            "content/sla.yaml: default.due_hours: is not known (use due_days or urgent_claim_minutes)",
        ),
        ("default: [7\n", "content/sla.yaml: file: cannot be read (ParserError)"),
    ],
)
def test_a_bad_file_is_named_with_its_key_by_content_check(tmp_path: Path, text: str, problem: str) -> None:
    folder = _content_with(tmp_path, text)
    with pytest.raises(ContentError) as raised:
        run_check(argparse.Namespace(dir=folder))
    found = [str(problem).replace(str(tmp_path) + "/", "") for problem in raised.value.problems]
    assert found == [problem]


def test_the_console_and_the_escalation_follow_the_times_set_in_the_file(tmp_path: Path, sla_rules: None) -> None:
    folder = _content_with(
        tmp_path, "default: {due_days: 3, urgent_claim_minutes: 30}\nteams:\n  hotline: {urgent_claim_minutes: 5}\n"
    )
    sla.use(sla.load_sla(folder))
    assert due(_case(age=timedelta(days=2)), NOW) == "提交后 3 天内办结，还剩 1 天"
    assert overdue(_case(age=timedelta(days=4)), NOW) == "已超过办理时限"
    assert overdue(_case(urgent=True, age=timedelta(minutes=20)), NOW) == ""
    assert overdue(_case(team="hotline", urgent=True, age=timedelta(minutes=6)), NOW) == "超过 5 分钟没人认领"
    assert due(_case(team="hotline", urgent=True, age=timedelta(minutes=1)), NOW).startswith("紧急：5 分钟内认领；")
