from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialogs.validators import mask_name, mask_number
from dialogs.validators.masking import mask_personal_numbers


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        pytest.param("45020219900307123X", "450*************3X", id="id-number"),
        pytest.param("11010519491231002X42B1", "110*****************B1", id="card-with-reissue"),
        pytest.param("13812345678", "138******78", id="mobile"),
        pytest.param("123456", "123*56", id="six-characters"),
        pytest.param("12345", "*****", id="too-short-to-show-anything"),
        pytest.param("", "", id="empty"),
    ],
)
def test_numbers_keep_only_the_first_three_and_last_two_characters(value: str, masked: str) -> None:
    assert mask_number(value) == masked


@given(st.text(alphabet="0123456789X", min_size=6, max_size=30))
def test_masked_numbers_keep_their_length_and_hide_the_middle(value: str) -> None:
    masked = mask_number(value)

    assert len(masked) == len(value)
    assert masked[3:-2] == "*" * (len(value) - 5)


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        pytest.param("张三", "张*", id="two-characters"),
        pytest.param("张三丰", "张**", id="three-characters"),
        pytest.param("欧阳娜娜", "欧阳**", id="compound-surname"),
        pytest.param("欧阳", "欧*", id="compound-surname-alone-is-a-two-character-name"),
        pytest.param("阿依古丽·买买提", "阿***·***", id="minority-name-keeps-the-dot"),
        pytest.param("John Smith", "J*** *****", id="latin"),
        pytest.param("", "", id="empty"),
    ],
)
def test_names_keep_only_the_surname(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        pytest.param("联系电话：138 1234 5678。", "联系电话：138 **** **78。", id="mobile-as-read-back"),
        pytest.param("身份证号码：110105 19491231 002X。", "身份证号码：110*** ******** **2X。", id="id-as-read-back"),
        pytest.param("证号 11010519491231002X42B1", "证号 110*****************B1", id="card-with-reissue"),
        pytest.param("电话13977218868，编号1024", "电话139******68，编号1024", id="case-number-kept"),
        pytest.param("2024年3月5日，第12345号", "2024年3月5日，第12345号", id="short-numbers-kept"),
        pytest.param("没有数字", "没有数字", id="no-digits"),
    ],
)
def test_personal_numbers_in_a_text_are_masked_wherever_they_stand(text: str, masked: str) -> None:
    assert mask_personal_numbers(text) == masked


@given(st.text(alphabet="0123456789 X-号码电话：", max_size=60))
def test_no_seven_digits_in_a_row_survive_masking(text: str) -> None:
    masked = mask_personal_numbers(text)
    assert len(masked) == len(text)
    digits_in_a_row = 0
    for ch in masked:
        digits_in_a_row = digits_in_a_row + 1 if ch.isdigit() else (digits_in_a_row if ch in " -" else 0)
        assert digits_in_a_row < 7, (text, masked)
