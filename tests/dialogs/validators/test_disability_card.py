from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dialogs.validators import Invalid, Valid, parse_disability_card
from tests.dialogs.validators.strategies import (
    HOSTILE_TEXTS,
    TODAY,
    assert_is_result_without_personal_digits,
    check_character,
    said_back,
    spelled_in_chinese,
    valid_ids,
)

ID = "11010519491231002X"
OTHER_ID = "370101190102039973"


def reason_for(text: str, id_number: str | None = None) -> str:
    result = parse_disability_card(text, id_number, today=TODAY)
    assert isinstance(result, Invalid)
    return said_back(result)


@pytest.mark.parametrize(
    ("text", "id_number", "number", "category", "level", "reissue"),
    [
        pytest.param(ID + "42", None, ID + "42", 4, 2, None, id="limb-level-two"),
        pytest.param(ID + "42", ID, ID + "42", 4, 2, None, id="matches-the-id-given-earlier"),
        pytest.param(ID.lower() + "42", ID, ID + "42", 4, 2, None, id="lowercase-x"),
        pytest.param(ID + "11", None, ID + "11", 1, 1, None, id="visual-level-one"),
        pytest.param(ID + "74", None, ID + "74", 7, 4, None, id="multiple-level-four"),
        pytest.param(ID + "42B1", None, ID + "42B1", 4, 2, 1, id="reissued-once"),
        pytest.param(ID + "42b2", None, ID + "42B2", 4, 2, 2, id="lowercase-b"),
        pytest.param(ID + "42B一", None, ID + "42B1", 4, 2, 1, id="b-said-one"),
        pytest.param(ID + "42补一", None, ID + "42B1", 4, 2, 1, id="bu-for-reissue"),
        pytest.param(ID + "42补发二", None, ID + "42B2", 4, 2, 2, id="bu-fa-for-reissue"),
        pytest.param("110105 19491231 002X 42", None, ID + "42", 4, 2, None, id="grouped"),
        pytest.param("幺幺洞幺洞五 幺九四九幺二三幺 洞洞两叉 四两", None, ID + "42", 4, 2, None, id="spoken"),
    ],
)
def test_card_number_is_split_into_its_parts(
    text: str, id_number: str | None, number: str, category: int, level: int, reissue: int | None
) -> None:
    result = parse_disability_card(text, id_number, today=TODAY)

    assert isinstance(result, Valid)
    assert result.value == {"number": number, "category": category, "level": level, "reissue": reissue}


@pytest.mark.parametrize(
    ("text", "display"),
    [
        pytest.param(ID + "42", "证号尾号 42，肢体 二级", id="plain"),
        pytest.param(ID + "63B1", "证号尾号 63，精神 三级，补发第1次", id="reissued"),
    ],
)
def test_card_is_read_back_by_its_tail_not_the_whole_id(text: str, display: str) -> None:
    result = parse_disability_card(text, None, today=TODAY)

    assert isinstance(result, Valid)
    assert result.display == display
    assert ID not in result.display


def test_card_of_someone_else_is_rejected_as_not_matching_the_id_given_earlier() -> None:
    assert reason_for(OTHER_ID + "42", ID) == "这个残疾人证号和您前面说的身份证号码对不上。请再说一遍残疾人证号。"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param(ID + "82", "证号第19位是残疾类别，只能是1到7。请再说一遍。", id="category-8"),
        pytest.param(ID + "02", "证号第19位是残疾类别，只能是1到7。请再说一遍。", id="category-0"),
        pytest.param(ID + "45", "证号第20位是残疾等级，只能是1到4。请再说一遍。", id="level-5"),
        pytest.param(ID + "40", "证号第20位是残疾等级，只能是1到4。请再说一遍。", id="level-0"),
        pytest.param(ID + "42B", "补发的证号最后是B加一个数字，比如B1。请再说一遍。", id="b-without-number"),
        pytest.param(ID + "42B0", "补发的证号最后是B加一个数字，比如B1。请再说一遍。", id="b-zero"),
        pytest.param(ID + "42B1B", "补发的证号最后是B加一个数字，比如B1。请再说一遍。", id="two-b"),
        pytest.param("", "没有听到残疾人证号。请一位一位地说出证号。", id="nothing"),
        pytest.param(
            ID[:10] + "X" + ID[10:17] + "42",
            "残疾人证号里只有第18位可能是X，其他都是数字。请再说一遍。",
            id="x-misplaced",
        ),
    ],
)
def test_card_with_impossible_codes_is_rejected_with_a_spoken_reason(text: str, reason: str) -> None:
    assert reason_for(text) == reason


@pytest.mark.parametrize(
    ("text", "heard"),
    [
        pytest.param(ID, 18, id="only-the-id"),
        pytest.param(ID + "4", 19, id="one-digit-short"),
        pytest.param(ID + "421", 21, id="one-digit-too-many"),
        pytest.param(ID + "4B1", 19, id="short-with-reissue"),
    ],
)
def test_card_of_wrong_length_is_rejected_saying_how_many_characters_were_heard(text: str, heard: int) -> None:
    assert "应该是20位" in reason_for(text)
    assert f"您说的是{heard}位" in reason_for(text)


def test_card_whose_id_part_has_a_wrong_check_character_is_rejected() -> None:
    assert "校验码对不上" in reason_for(ID[:17] + "1" + "42")


def test_card_whose_id_part_has_an_impossible_birth_date_is_rejected() -> None:
    first17 = "45020219900230123"

    assert "出生日期不对" in reason_for(first17 + check_character(first17) + "42")


@given(
    st.data(),
    valid_ids(),
    st.integers(min_value=1, max_value=7),
    st.integers(min_value=1, max_value=4),
    st.none() | st.integers(min_value=1, max_value=99),
)
def test_every_generated_card_number_parses_back_to_its_parts(
    data: st.DataObject, id18: str, category: int, level: int, reissue: int | None
) -> None:
    base = f"{id18}{category}{level}"
    number = base if reissue is None else f"{base}B{reissue}"
    spelled = data.draw(spelled_in_chinese(base))
    if reissue is not None:
        spelled += data.draw(st.sampled_from(("B", "b", "补", "补发"))) + data.draw(
            spelled_in_chinese(str(reissue), alone=True)
        )
    expected = {"number": number, "category": category, "level": level, "reissue": reissue}

    for said, id_number in ((number, None), (number, id18), (spelled, id18)):
        result = parse_disability_card(said, id_number, today=TODAY)
        assert isinstance(result, Valid)
        assert result.value == expected


@given(st.text(), st.none() | st.just(ID))
@example("1" * 5000, None)
@example(ID + "42" + "\x00" * 10, ID)
def test_parse_disability_card_never_raises_and_never_reads_digits_back(text: str, id_number: str | None) -> None:
    assert_is_result_without_personal_digits(parse_disability_card(text, id_number, today=TODAY), text)


@given(st.text(alphabet="0123456789XBb 补叉", max_size=40))
def test_near_miss_card_numbers_are_never_read_back_in_the_reason(text: str) -> None:
    assert_is_result_without_personal_digits(parse_disability_card(text, ID, today=TODAY), text)


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_parse_disability_card_survives_hostile_text(text: str) -> None:
    assert_is_result_without_personal_digits(parse_disability_card(text, None, today=TODAY), text)
