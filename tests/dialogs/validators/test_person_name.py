from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dialogs.validators import Invalid, Valid, parse_person_name
from tests.dialogs.validators.strategies import HOSTILE_TEXTS, assert_is_result_without_personal_digits, said_back

ASK_AGAIN = Invalid("name_unclear")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        pytest.param("张三", "张三", id="two-characters"),
        pytest.param("欧阳娜娜", "欧阳娜娜", id="compound-surname"),
        pytest.param("我叫张三", "张三", id="wo-jiao"),
        pytest.param("我是李四。", "李四", id="wo-shi-with-full-stop"),
        pytest.param("名字是王小明", "王小明", id="ming-zi-shi"),
        pytest.param("叫韦秀英", "韦秀英", id="jiao"),
        pytest.param("我的名字叫覃美玲", "覃美玲", id="wo-de-ming-zi-jiao"),
        pytest.param("阿依古丽·买买提", "阿依古丽·买买提", id="minority-name-with-middle-dot"),
        pytest.param("阿依古丽・买买提", "阿依古丽·买买提", id="katakana-middle-dot"),
        pytest.param("阿依古丽.买买提", "阿依古丽·买买提", id="full-stop-typed-as-dot"),
        pytest.param("阿依古丽 · 买买提", "阿依古丽·买买提", id="dot-with-spaces"),
        pytest.param("张 三", "张三", id="recogniser-spaces"),
        pytest.param("  ＺＨＡＮＧ　Ｓａｎ ", "ZHANG San", id="full-width-latin"),
        pytest.param("John  Smith", "John Smith", id="latin-spaces-collapsed"),
        pytest.param("Zoé Martin", "Zoé Martin", id="latin-with-accent"),
        pytest.param("张" * 20, "张" * 20, id="twenty-characters"),
    ],
)
def test_names_are_accepted_without_the_words_around_them(text: str, name: str) -> None:
    assert parse_person_name(text) == Valid(value=name, display=name)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param("", "没有听到名字。请说您的名字。", id="empty"),
        pytest.param("我叫", "没有听到名字。请说您的名字。", id="only-the-prefix"),
        pytest.param("张", "名字至少有两个字。请说您的全名。", id="one-character"),
        pytest.param("张" * 21, "名字太长了，最多20个字。请再说一遍。", id="twenty-one-characters"),
        pytest.param("张三1", "名字里不应该有数字。请再说一遍您的名字。", id="digit"),
        pytest.param("13812345678", "名字里不应该有数字。请再说一遍您的名字。", id="a-phone-number"),
    ],
)
def test_names_of_impossible_length_or_with_digits_are_rejected(text: str, reason: str) -> None:
    assert said_back(parse_person_name(text)) == reason


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("张三John", id="mixed-scripts"),
        pytest.param("张··三", id="double-dot"),
        pytest.param("张三！！我住柳江", id="sentence"),
        pytest.param("Иван", id="cyrillic"),
        pytest.param("👍👍", id="emoji"),
    ],
)
def test_text_that_is_not_a_name_asks_again(text: str) -> None:
    assert parse_person_name(text) == ASK_AGAIN


@pytest.mark.parametrize(
    "text",
    [
        "肢体残疾",
        "视力二级",
        "一级",
        "柳北区",
        "融安县",
        "在领低保",
        "自闭症",
        "脑瘫",
        "孤独症",
        "聋哑",
        "听障",
        "视障",
        "智障",
        "继续",
        "接着来",
        "下一步",
        "谢谢",
    ],
)
def test_an_answer_to_another_question_is_not_a_name(text: str) -> None:
    assert parse_person_name(text) == Invalid("name_is_other_answer")


@pytest.mark.parametrize("name", ["王城中", "李柳北", "何有", "陈对", "覃志强"])
def test_names_that_share_a_character_with_a_place_or_an_answer_are_still_names(name: str) -> None:
    assert parse_person_name(name) == Valid(value=name, display=name)


@given(st.text())
@example("\x00" * 5000)
def test_parse_person_name_never_raises(text: str) -> None:
    result = parse_person_name(text)

    assert_is_result_without_personal_digits(result, text)
    if isinstance(result, Valid):
        assert 2 <= len(result.value) <= 20
        assert not any(ch.isdigit() for ch in result.value)


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_parse_person_name_survives_hostile_text(text: str) -> None:
    assert_is_result_without_personal_digits(parse_person_name(text), text)
