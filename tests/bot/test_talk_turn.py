"""Which case a resident means when asked: the option's number first, a case number when said as one."""

from __future__ import annotations

import pytest

from bot.talk_turn import _chosen

CASES = (15, 2)  # option 1 is case 15, option 2 is case 2


@pytest.mark.parametrize(
    ("said", "case_id"),
    [
        ("1", 15),
        ("2", 2),
        ("第一个", 15),
        ("二", 2),
        ("两", 2),
        ("编号15", 15),
        ("编号2", 2),
        ("15", 15),
        ("编号1", None),  # no case has that number
        ("3", None),
        ("她现在卧床", None),
        ("", None),
    ],
)
def test_the_answer_to_which_case(said: str, case_id: int | None) -> None:
    assert _chosen(said, CASES) == case_id
