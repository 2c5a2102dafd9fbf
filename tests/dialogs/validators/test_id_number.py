from __future__ import annotations

from datetime import date

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dialogs.validators import Invalid, Valid, id_birth_date, id_sex, parse_id_number, spoken_digits
from dialogs.validators.id_number import check_character as code_check_character
from tests.dialogs.validators.strategies import (
    HOSTILE_TEXTS,
    TODAY,
    assert_is_result_without_personal_digits,
    check_character,
    said_back,
    spelled_in_chinese,
    valid_ids,
)

KNOWN_GOOD = ("11010519491231002X", "440524188001010014", "370101190102039973")
BEIJING = "11010519491231002X"


def with_check(first17: str) -> str:
    return first17 + check_character(first17)


def reason_for(text: str) -> str:
    result = parse_id_number(text, today=TODAY)
    assert isinstance(result, Invalid)
    return said_back(result)


@pytest.mark.parametrize("id18", KNOWN_GOOD)
def test_known_good_ids_have_the_check_character_of_the_standard(id18: str) -> None:
    assert code_check_character(id18[:17]) == id18[17]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("11010519491231002X", "11010519491231002X", id="known-good-beijing-with-x"),
        pytest.param("370101190102039973", "370101190102039973", id="known-good-jinan"),
        pytest.param("11010519491231002x", "11010519491231002X", id="lowercase-x-becomes-uppercase"),
        pytest.param("110105 19491231 002X", "11010519491231002X", id="grouped-with-spaces"),
        pytest.param("一一零一零五 一九四九一二三一 零零二叉", "11010519491231002X", id="spoken-with-cha"),
        pytest.param("幺幺洞幺洞五幺九四九幺二三幺洞洞二叉", "11010519491231002X", id="spoken-radio-style"),
        pytest.param("我的身份证号是110105194912310 02X。", "11010519491231002X", id="words-around-the-number"),
        pytest.param(with_check("45020219900307123"), with_check("45020219900307123"), id="liuzhou"),
        pytest.param(with_check("45022519000101001"), with_check("45022519000101001"), id="born-1900-01-01"),
        pytest.param(with_check("45020220250601001"), with_check("45020220250601001"), id="born-today"),
        pytest.param(with_check("45020220000229002"), with_check("45020220000229002"), id="leap-day-2000"),
    ],
)
def test_valid_id_numbers_are_accepted_in_their_18_character_form(text: str, expected: str) -> None:
    assert parse_id_number(text, today=TODAY) == Valid(
        value=expected, display=f"{expected[:6]} {expected[6:14]} {expected[14:]}"
    )


def test_id_from_outside_liuzhou_is_accepted_because_area_codes_never_change() -> None:
    result = parse_id_number(BEIJING, today=TODAY)

    assert isinstance(result, Valid)
    assert not result.value.startswith("4502")


def test_read_back_groups_area_birth_date_and_sequence() -> None:
    result = parse_id_number(with_check("45020219900307123"), today=TODAY)

    assert isinstance(result, Valid)
    assert result.display == "450202 19900307 " + result.value[14:]


def test_legacy_15_digit_id_is_converted_to_18_characters() -> None:
    legacy = BEIJING[:6] + BEIJING[8:17]

    assert parse_id_number(legacy, today=TODAY) == Valid(value=BEIJING, display="110105 19491231 002X")


def test_id_born_before_1900_is_rejected_even_with_a_correct_check_character() -> None:
    # 440524188001010014 is the standard's own example, born in 1880: no resident is that old.
    assert reason_for("440524188001010014") == reason_for(with_check("45020219900230123"))


@pytest.mark.parametrize(
    ("text", "heard"),
    [
        pytest.param(BEIJING[:17], 17, id="one-digit-short"),
        pytest.param(BEIJING + "1", 19, id="one-digit-too-many"),
        pytest.param("4502", 4, id="only-the-area"),
        pytest.param("一二三", 3, id="spoken-and-short"),
        pytest.param(BEIJING[:16] + "X", 17, id="x-counted-at-the-end"),
    ],
)
def test_id_of_wrong_length_is_rejected_saying_how_many_digits_were_heard(text: str, heard: int) -> None:
    assert reason_for(text) == f"身份证号码应该是18位，您说的是{heard}位。请再说一遍。"


@pytest.mark.parametrize(
    "first17",
    [
        pytest.param("45020219900230123", id="february-30"),
        pytest.param("45020219901301123", id="month-13"),
        pytest.param("45020219900100123", id="day-0"),
        pytest.param("45020220190229123", id="february-29-in-a-common-year"),
        pytest.param("45020220300101123", id="born-in-the-future"),
        pytest.param("45020220250602123", id="born-tomorrow"),
        pytest.param("45020218991231123", id="born-before-1900"),
    ],
)
def test_id_with_an_impossible_birth_date_is_rejected_with_a_spoken_reason(first17: str) -> None:
    assert reason_for(with_check(first17)) == "身份证号码里的出生日期不对，可能有一位说错了。请再说一遍。"


def test_id_with_wrong_check_character_is_rejected_with_a_spoken_reason() -> None:
    wrong = BEIJING[:17] + "1"

    assert "最后一位校验码对不上，可能有一位说错了" in reason_for(wrong)


def test_length_birth_date_and_check_character_problems_have_distinct_reasons() -> None:
    reasons = {
        reason_for(BEIJING[:17]),
        reason_for(with_check("45020219900230123")),
        reason_for(BEIJING[:17] + "1"),
    }

    assert len(reasons) == 3


def test_legacy_id_ending_in_x_is_rejected() -> None:
    assert reason_for("11010549123100X") == "15位的老身份证号码全是数字，没有X。请再说一遍。"


def test_x_anywhere_but_last_is_rejected() -> None:
    misplaced = BEIJING[:10] + "X" + BEIJING[10:17]

    assert reason_for(misplaced) == "身份证号码里只有最后一位可能是X，其他都是数字。请再说一遍。"


@pytest.mark.parametrize("text", ["", "我不知道", "身份证"])
def test_answer_without_digits_asks_for_the_number(text: str) -> None:
    assert reason_for(text) == "没有听到身份证号码。请一位一位地说出18位号码。"


@pytest.mark.parametrize(
    ("id18", "born", "sex"),
    [
        pytest.param("11010519491231002X", date(1949, 12, 31), "女", id="even-sequence-is-female"),
        pytest.param("370101190102039973", date(1901, 2, 3), "男", id="odd-sequence-is-male"),
        pytest.param("440524188001010014", date(1880, 1, 1), "男", id="standard-example"),
    ],
)
def test_birth_date_and_sex_are_read_from_the_id(id18: str, born: date, sex: str) -> None:
    assert id_birth_date(id18) == born
    assert id_sex(id18) == sex


@given(st.data(), valid_ids())
def test_every_valid_id_is_accepted_also_when_spelled_in_chinese(data: st.DataObject, id18: str) -> None:
    spelled = data.draw(spelled_in_chinese(id18))

    assert spoken_digits(spelled) == id18
    assert parse_id_number(id18, today=TODAY) == parse_id_number(spelled, today=TODAY)
    assert parse_id_number(spelled, today=TODAY) == Valid(value=id18, display=f"{id18[:6]} {id18[6:14]} {id18[14:]}")


@given(valid_ids(), st.integers(min_value=0, max_value=17), st.sampled_from("0123456789X"))
def test_changing_any_one_character_of_a_valid_id_makes_it_invalid(id18: str, position: int, replacement: str) -> None:
    if replacement == id18[position] or (replacement == "X" and position < 17):
        return
    changed = id18[:position] + replacement + id18[position + 1 :]

    assert isinstance(parse_id_number(changed, today=TODAY), Invalid)


@given(valid_ids(born_from=date(1900, 1, 1), born_until=date(1999, 12, 31)))
def test_legacy_15_digit_form_converts_to_the_valid_18_character_form(id18: str) -> None:
    legacy = id18[:6] + id18[8:17]

    assert parse_id_number(legacy, today=TODAY) == parse_id_number(id18, today=TODAY)
    assert isinstance(parse_id_number(legacy, today=TODAY), Valid)


@given(st.text())
@example("1" * 5000)
@example("\x00\x1b" + BEIJING[:17])
def test_parse_id_number_never_raises_and_never_reads_digits_back(text: str) -> None:
    assert_is_result_without_personal_digits(parse_id_number(text, today=TODAY), text)


@given(st.text(alphabet="0123456789Xx 一二三叉", max_size=40))
def test_near_miss_numbers_are_never_read_back_in_the_reason(text: str) -> None:
    assert_is_result_without_personal_digits(parse_id_number(text, today=TODAY), text)


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_parse_id_number_survives_hostile_text(text: str) -> None:
    assert_is_result_without_personal_digits(parse_id_number(text, today=TODAY), text)


def test_an_amount_is_no_id_number_said_digit_by_digit() -> None:
    assert parse_id_number("骗了她两万块钱", today=TODAY) == Invalid("id_missing")


def test_a_lone_one_in_the_words_around_the_number_is_no_digit_of_it() -> None:
    result = parse_id_number("身份证号我再说一遍 450202199001011237", today=TODAY)

    assert isinstance(result, Valid)
    assert result.value == "450202199001011237"
