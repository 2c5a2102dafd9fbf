"""How the console words waiting times and reply windows: as a screen reader should read them aloud."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.staff.console import present
from bot.staff.delivery import Reach

NOW = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("span", "words"),
    [
        (timedelta(seconds=20), "不到 1 分钟"),
        (timedelta(minutes=12), "12 分钟"),
        (timedelta(hours=5, minutes=10), "5 小时 10 分钟"),  # never "10 分", read as 十分 ("very")
        (timedelta(hours=5), "5 小时"),
        (timedelta(days=2, hours=3, minutes=59), "2 天 3 小时"),
        (timedelta(days=1), "1 天"),
        (timedelta(minutes=-5), "不到 1 分钟"),
    ],
)
def test_durations_are_words_a_screen_reader_reads_well(span: timedelta, words: str) -> None:
    assert present.duration(span) == words


def _closing_in(span: timedelta, remaining: int | None = 5) -> Reach:
    return Reach(can_send=True, remaining=remaining, closes_at=(NOW + span).timestamp())


def test_the_reply_window_says_what_is_left_and_warns_in_words_not_colour_alone() -> None:
    assert present.window(_closing_in(timedelta(hours=40)), NOW) == ("还剩 1 天 16 小时，还能发 5 条", False)
    assert present.window(_closing_in(timedelta(hours=2), None), NOW) == ("快到期：还剩 2 小时", True)
    assert present.window(_closing_in(timedelta(minutes=-1)), NOW) == ("已过期，不能再回复", True)
    assert present.window(Reach(can_send=False, reason="微信不允许再发。"), NOW) == ("微信不允许再发。", True)
    assert present.window(Reach(can_send=True), NOW) == ("不限时", False)
    assert present.window_ends(_closing_in(timedelta(hours=1))) == "2026-12-03 15:00"  # Beijing time
    assert present.window_ends(Reach(can_send=True)) is None
