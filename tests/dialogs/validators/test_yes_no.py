from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dialogs.validators import Invalid, Valid, parse_yes_no
from dialogs.validators.yes_no import states_possession
from tests.dialogs.validators.strategies import HOSTILE_TEXTS, assert_is_result_without_personal_digits

YES = Valid(value=True, display="是")
NO = Valid(value=False, display="否")
ASK_AGAIN = Invalid("yes_no_unclear")

YES_WORDS = ["是", "是的", "对", "对的", "好", "好的", "嗯", "没错", "可以", "行", "要", "需要", "有", "确认", "同意"]
YES_WORDS += ["1", "ok", "yes", "y"]
NO_WORDS = ["不是", "不对", "不", "没有", "没", "不要", "不用", "不需要", "否", "不行", "错了", "2", "no", "n"]


@pytest.mark.parametrize("text", YES_WORDS)
def test_everyday_yes_words_mean_yes(text: str) -> None:
    assert parse_yes_no(text) == YES


@pytest.mark.parametrize("text", NO_WORDS)
def test_everyday_no_words_mean_no(text: str) -> None:
    assert parse_yes_no(text) == NO


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("没有错", id="mei-you-cuo-is-not-wrong"),
        pytest.param("不错", id="bu-cuo-is-good"),
        pytest.param("没问题", id="no-problem"),
        pytest.param("是的是的", id="repeated"),
        pytest.param("对对对", id="triple"),
        pytest.param("好啊。", id="with-particle"),
        pytest.param("嗯嗯", id="hum-hum"),
        pytest.param("当然", id="of-course"),
        pytest.param("我需要", id="i-need"),
        pytest.param("我有残疾证", id="i-have-the-card"),
        pytest.param("OK!", id="upper-case-ok"),
        pytest.param("Yes", id="capital-yes"),
        pytest.param("１", id="full-width-one"),
        pytest.param("一", id="chinese-one"),
        pytest.param("选1", id="choose-one"),
        pytest.param("👍 好的", id="emoji-then-yes"),
    ],
)
def test_yes_said_in_other_ways_means_yes(text: str) -> None:
    assert parse_yes_no(text) == YES


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("不是的", id="bu-shi-de"),
        pytest.param("不不不", id="triple-no"),
        pytest.param("不是不是", id="emphatic-bu-shi"),
        pytest.param("不要不要", id="emphatic-bu-yao"),
        pytest.param("没有没有", id="emphatic-mei-you"),
        pytest.param("我不要", id="i-do-not-want"),
        pytest.param("不用了，谢谢", id="no-thanks"),
        pytest.param("嗯，不用了", id="hum-then-no"),
        pytest.param("我没有残疾证", id="i-do-not-have-the-card"),
        pytest.param("不需要的", id="not-needed"),
        pytest.param("算了", id="forget-it"),
        pytest.param("NO", id="capital-no"),
        pytest.param("二", id="chinese-two"),
    ],
)
def test_negations_win_over_the_yes_words_they_contain(text: str) -> None:
    assert parse_yes_no(text) == NO


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("是不是", id="asking-back-shi-bu-shi"),
        pytest.param("要不要", id="asking-back-yao-bu-yao"),
        pytest.param("有没有", id="asking-back-you-mei-you"),
        pytest.param("可不可以", id="asking-back-ke-bu-ke-yi"),
        pytest.param("我不知道", id="does-not-know"),
        pytest.param("不清楚", id="not-sure"),
        pytest.param("可能吧", id="maybe"),
        pytest.param("是吗", id="really"),
        pytest.param("什么", id="what"),
        pytest.param("今天天气好", id="unrelated-sentence-ending-in-good"),
        pytest.param("柳江区", id="unrelated-answer"),
        pytest.param("是，不对，不是", id="contradicting-itself"),
        pytest.param("3", id="other-number"),
        pytest.param("okyes", id="run-together-latin"),
    ],
)
def test_unclear_or_unrelated_answer_asks_for_yes_or_no(text: str) -> None:
    assert parse_yes_no(text) == ASK_AGAIN


@given(st.text())
@example("是" * 5000)
@example("\x00不\x00")
def test_parse_yes_no_never_raises(text: str) -> None:
    result = parse_yes_no(text)

    assert_is_result_without_personal_digits(result, text)
    assert result in (YES, NO, ASK_AGAIN)


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_parse_yes_no_survives_hostile_text(text: str) -> None:
    assert_is_result_without_personal_digits(parse_yes_no(text), text)


@pytest.mark.parametrize("said", ["有证", "没有证", "没证", "有残疾人证"])
def test_having_or_not_having_a_thing_is_a_statement_of_possession(said: str) -> None:
    assert states_possession(said)


@pytest.mark.parametrize("said", ["有", "没有", "有的", "有啊", "没有啊", "对，有证", "有没有证", "没错", "家里有低保"])
def test_a_plain_yes_or_no_or_a_yes_first_is_no_statement_of_possession(said: str) -> None:
    assert not states_possession(said)


@pytest.mark.parametrize("text", ["我是她老公", "是自己家的房子", "是我妈", "我是他哥哥"])
def test_a_shi_that_says_what_something_is_is_no_yes(text: str) -> None:
    assert parse_yes_no(text) == Invalid("yes_no_unclear")


@pytest.mark.parametrize("text", ["是的，我是她老公", "是", "是我", "对，是我妈"])
def test_a_yes_before_what_something_is_is_still_a_yes(text: str) -> None:
    assert parse_yes_no(text) == Valid(value=True, display="是")
