from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dialogs.validators import spoken_digits
from tests.dialogs.validators.strategies import HOSTILE_TEXTS, spelled_in_chinese


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("幺三八 一二三四 五六七八", "13812345678", id="grouped-with-yao"),
        pytest.param("一三八一二三四五六七八", "13812345678", id="plain-chinese-digits"),
        pytest.param("138 1234 5678", "13812345678", id="ascii-with-spaces"),
        pytest.param("138-1234-5678", "13812345678", id="ascii-with-dashes"),
        pytest.param("一三八、一二三四，五六七八", "13812345678", id="chinese-list-marks"),
        pytest.param("１３８", "138", id="full-width"),
        pytest.param("零〇洞", "000", id="three-zeros"),
        pytest.param("幺一要", "111", id="three-ones"),
        pytest.param("两二", "22", id="two-twos"),
        pytest.param("洞幺两拐勾", "01279", id="radio-digits"),
        pytest.param("一3八1二", "13812", id="mixed-forms"),
        pytest.param("我的号码是一三八", "138", id="words-around-the-number"),
        pytest.param("我要一三八", "138", id="wo-yao-is-not-a-one"),
        pytest.param("要三八", "138", id="yao-misheard-as-yao-at-the-start"),
        pytest.param("一百", "100", id="quantity-with-units"),
        pytest.param("一百二十三", "123", id="quantity-one-hundred-twenty-three"),
        pytest.param("一二三", "123", id="digit-string-stays-digit-by-digit"),
        pytest.param("11010519491231002x", "11010519491231002X", id="lowercase-x-at-the-end"),
        pytest.param("一一零一零五一九四九一二三一零零二叉", "11010519491231002X", id="cha-at-the-end"),
        pytest.param("1X2", "12", id="x-in-the-middle-is-dropped"),
        pytest.param("0亿0", "00", id="malformed-quantity-keeps-its-digits"),
    ],
)
def test_spoken_digits_reads_numbers_said_digit_by_digit(text: str, expected: str) -> None:
    assert spoken_digits(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("我不知道", id="no-digits"),
        pytest.param("山洞", id="dong-alone-is-a-cave"),
        pytest.param("需要", id="yao-in-a-word"),
        pytest.param("叉", id="only-an-x"),
    ],
)
def test_spoken_digits_is_none_without_any_digit(text: str) -> None:
    assert spoken_digits(text) is None


# From two digits: a lone 洞 or 要 is a word, not a number.
@given(st.data(), st.text(alphabet="0123456789", min_size=2, max_size=25))
def test_any_digit_string_spelled_in_chinese_reads_back_unchanged(data: st.DataObject, number: str) -> None:
    assert spoken_digits(data.draw(spelled_in_chinese(number))) == number


@given(st.text())
@example("\x00" * 100)
def test_spoken_digits_accepts_any_text(text: str) -> None:
    heard = spoken_digits(text)

    assert heard is None or (heard.rstrip("X").isdigit() and heard.isascii())


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_spoken_digits_survives_hostile_text(text: str) -> None:
    spoken_digits(text)
