"""A resident who needs a moment is not giving a wrong answer."""

from __future__ import annotations

import pytest

from dialogs.schema import Catalog
from dialogs.waiting import asks_to_wait, is_back
from tests.dialogs.conversation import last, said, talk, then


@pytest.mark.parametrize(
    "said", ["等一下，我去拿身份证", "等等", "稍等一下我找找", "您等一会", "我去拿一下证", "我找一下"]
)
def test_asking_for_a_moment_is_waiting(said: str) -> None:
    assert asks_to_wait(said)


@pytest.mark.parametrize("said", ["450202199001011237", "等一下 450202199001011237", "柳北区", "我不知道", "没有"])
def test_an_answer_or_a_number_is_not_waiting(said: str) -> None:
    assert not asks_to_wait(said)


@pytest.mark.parametrize("said", ["好了", "我回来了", "拿到了", "找到了"])
def test_saying_one_is_back_is_recognised(said: str) -> None:
    assert is_back(said)


@pytest.mark.parametrize("said", ["好了，是柳北区", "好的", "在领低保"])
def test_an_answer_is_not_just_being_back(said: str) -> None:
    assert not is_back(said)


def test_back_after_a_moment_hears_the_question_again_with_no_miss_counted(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我想申请生活补贴", "给我自己", "有", "等一下，我去拿身份证")
    asked = said(results[-2])

    back = last(then(catalog, results, "好了"))

    assert said(back) == asked
    assert back.state.misunderstood == 0


def test_back_without_having_asked_for_a_moment_is_taken_as_usual(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我想申请生活补贴", "给我自己", "有")

    back = last(then(catalog, results, "好了"))

    assert back.state.misunderstood == 1
