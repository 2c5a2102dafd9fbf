from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dialogs.validators import Invalid, Valid, parse_mobile
from tests.dialogs.validators.strategies import (
    HOSTILE_TEXTS,
    assert_is_result_without_personal_digits,
    said_back,
    spelled_in_chinese,
)

PHONE = Valid(value="13812345678", display="138 1234 5678")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("13812345678", id="plain"),
        pytest.param("138 1234 5678", id="grouped"),
        pytest.param("138-1234-5678", id="dashes"),
        pytest.param("+86 138 1234 5678", id="plus-86"),
        pytest.param("+8613812345678", id="plus-86-joined"),
        pytest.param("8613812345678", id="86"),
        pytest.param("0086 13812345678", id="0086"),
        pytest.param("幺三八 一二三四 五六七八", id="spoken-with-yao"),
        pytest.param("一三八一二三四五六七八", id="spoken"),
        pytest.param("１３８１２３４５６７８", id="full-width"),
        pytest.param("我的手机是138 1234 5678。", id="words-around"),
    ],
)
def test_mobile_numbers_are_accepted_in_any_common_form(text: str) -> None:
    assert parse_mobile(text) == PHONE


@pytest.mark.parametrize(
    ("text", "heard"),
    [
        pytest.param("1381234567", 10, id="one-short"),
        pytest.param("138123456789", 12, id="one-too-many"),
        pytest.param("138", 3, id="only-the-start"),
        pytest.param("86 138 1234 567", 12, id="country-code-and-one-short"),
    ],
)
def test_mobile_of_wrong_length_is_rejected_saying_how_many_digits_were_heard(text: str, heard: int) -> None:
    assert said_back(parse_mobile(text)) == f"手机号码应该是11位，您说的是{heard}位。请再说一遍。"


@pytest.mark.parametrize(
    "text",
    [pytest.param("12812345678", id="second-digit-2"), pytest.param("23812345678", id="first-digit-2")],
)
def test_mobile_with_wrong_prefix_is_rejected_with_a_spoken_reason(text: str) -> None:
    assert said_back(parse_mobile(text)) == "手机号码应该是1开头，第二位是3到9。请再说一遍。"


@pytest.mark.parametrize("text", ["0772-2812345", "07722812345", "0772 281 2345 6"])
def test_landline_number_is_rejected_asking_for_a_mobile(text: str) -> None:
    assert said_back(parse_mobile(text)) == "这好像是座机号码。请说11位的手机号码。"


@pytest.mark.parametrize("text", ["", "没有手机", "不知道"])
def test_answer_without_digits_asks_for_the_number(text: str) -> None:
    assert said_back(parse_mobile(text)) == "没有听到手机号码。请一位一位地说出11位手机号码。"


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_every_mobile_number_is_accepted(number: str) -> None:
    assert parse_mobile(number) == Valid(value=number, display=f"{number[:3]} {number[3:7]} {number[7:]}")


@given(st.data(), st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.sampled_from(("", "+86", "86", "0086")))
def test_every_mobile_number_is_accepted_spoken_and_with_a_country_code(
    data: st.DataObject, number: str, prefix: str
) -> None:
    said = prefix + " " + data.draw(spelled_in_chinese(number))

    assert parse_mobile(said) == parse_mobile(number)


@given(st.text())
@example("1" * 5000)
def test_parse_mobile_never_raises_and_never_reads_digits_back(text: str) -> None:
    assert_is_result_without_personal_digits(parse_mobile(text), text)


@given(st.text(alphabet="0123456789+- 一二三", max_size=30))
def test_near_miss_numbers_are_never_read_back_in_the_reason(text: str) -> None:
    assert_is_result_without_personal_digits(parse_mobile(text), text)


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_parse_mobile_survives_hostile_text(text: str) -> None:
    assert_is_result_without_personal_digits(parse_mobile(text), text)


@pytest.mark.parametrize("said", ["去年有人上门推销保健品，骗了她两万块钱", "两万块", "她今年七十三岁"])
def test_an_amount_or_an_age_is_no_phone_number_said_digit_by_digit(said: str) -> None:
    assert parse_mobile(said) == Invalid("mobile_missing")


def test_a_phone_number_said_beside_an_amount_is_still_heard() -> None:
    assert parse_mobile("我电话13977218868，被骗了两万") == Valid(value="13977218868", display="139 7721 8868")


def test_digits_said_one_by_one_with_spaces_are_still_heard_beside_words_with_a_one_in_them() -> None:
    heard = parse_mobile("等一下 一 三 九 七 七 二 一 八 八 六 八")

    assert heard == Valid(value="13977218868", display="139 7721 8868")
