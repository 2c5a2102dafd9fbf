"""A resident who needs a moment is not giving a wrong answer."""

from __future__ import annotations

import pytest

from dialogs.waiting import asks_to_wait


@pytest.mark.parametrize(
    "said", ["等一下，我去拿身份证", "等等", "稍等一下我找找", "您等一会", "我去拿一下证", "我找一下"]
)
def test_asking_for_a_moment_is_waiting(said: str) -> None:
    assert asks_to_wait(said)


@pytest.mark.parametrize("said", ["450202199001011237", "等一下 450202199001011237", "柳北区", "我不知道", "没有"])
def test_an_answer_or_a_number_is_not_waiting(said: str) -> None:
    assert not asks_to_wait(said)
