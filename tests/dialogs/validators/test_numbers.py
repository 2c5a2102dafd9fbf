from __future__ import annotations

import pytest

from dialogs.validators.numbers import answer_number, numeral_value


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        pytest.param("2", 2, id="ascii"),
        pytest.param("二", 2, id="chinese"),
        pytest.param("两", 2, id="liang"),
        pytest.param("十", 10, id="ten"),
        pytest.param("十二", 12, id="twelve"),
        pytest.param("幺", 1, id="yao"),
        pytest.param("2三", None, id="mixed-ascii-and-chinese"),
        pytest.param("", None, id="empty"),
        pytest.param("十十", None, id="malformed"),
        pytest.param("零十零", None, id="malformed-that-cn2an-fails-on-with-key-error"),
        pytest.param("1" * 9, None, id="too-long"),
    ],
)
def test_numeral_value_reads_a_word_that_is_only_a_number(word: str, expected: int | None) -> None:
    assert numeral_value(word) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("第二个", 2, id="ordinal"),
        pytest.param("选二", 2, id="choose-two"),
        pytest.param("我选第二", 2, id="i-choose-the-second"),
        pytest.param("第2项", 2, id="item-two"),
        pytest.param("2号", 2, id="number-two"),
        pytest.param("３", 3, id="full-width"),
        pytest.param("第十个吧", 10, id="tenth"),
        pytest.param("我有两个孩子", None, id="a-sentence-with-a-number-is-not-a-number-answer"),
        pytest.param("是的", None, id="no-number"),
    ],
)
def test_answer_number_is_the_number_an_answer_consists_of(text: str, expected: int | None) -> None:
    assert answer_number(text) == expected
