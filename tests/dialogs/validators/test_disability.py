from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dialogs.validators import Invalid, Valid, parse_disability
from tests.dialogs.validators.strategies import HOSTILE_TEXTS, assert_is_result_without_personal_digits, said_back


@pytest.mark.parametrize(
    ("text", "category", "level", "display"),
    [
        pytest.param("肢体二级", 4, 2, "肢体 二级", id="category-then-level"),
        pytest.param("二级肢体", 4, 2, "肢体 二级", id="level-then-category"),
        pytest.param("肢体残疾 二级", 4, 2, "肢体 二级", id="with-canji-and-space"),
        pytest.param("视力一级", 1, 1, "视力 一级", id="visual"),
        pytest.param("听力", 2, None, "听力", id="category-only"),
        pytest.param("精神三级", 6, 3, "精神 三级", id="mental"),
        pytest.param("多重残疾一级", 7, 1, "多重 一级", id="multiple"),
        pytest.param("言语四级", 3, 4, "言语 四级", id="speech"),
        pytest.param("智力残疾", 5, None, "智力", id="intellectual"),
        pytest.param("二级", None, 2, "二级", id="level-only"),
        pytest.param("2", None, 2, "二级", id="ascii-digit"),
        pytest.param("二", None, 2, "二级", id="chinese-digit"),
        pytest.param("两级", None, 2, "二级", id="liang-ji"),
        pytest.param("一级残疾", None, 1, "一级", id="yi-ji-canji"),
        pytest.param("四级", None, 4, "四级", id="level-four"),
        pytest.param("肢体2", 4, 2, "肢体 二级", id="category-and-bare-digit"),
        pytest.param("等级是三", None, 3, "三级", id="level-is-three"),
        pytest.param("我是二级的", None, 2, "二级", id="sentence"),
        pytest.param("我看不见", 1, None, "视力", id="cannot-see"),
        pytest.param("盲人", 1, None, "视力", id="blind"),
        pytest.param("眼睛不好 一级", 1, 1, "视力 一级", id="eyes"),
        pytest.param("聋", 2, None, "听力", id="deaf"),
        pytest.param("听不见", 2, None, "听力", id="cannot-hear"),
        pytest.param("耳朵", 2, None, "听力", id="ears"),
        pytest.param("用手语", 2, None, "听力", id="sign-language-is-not-a-hand"),
        pytest.param("哑", 3, None, "言语", id="mute"),
        pytest.param("说话不清楚", 3, None, "言语", id="speaking"),
        pytest.param("腿不好，三级", 4, 3, "肢体 三级", id="legs"),
        pytest.param("截肢", 4, None, "肢体", id="amputation"),
        pytest.param("胳膊", 4, None, "肢体", id="arm"),
        pytest.param("手", 4, None, "肢体", id="hand"),
        pytest.param("智障", 5, None, "智力", id="intellectual-disability"),
        pytest.param("精神病", 6, None, "精神", id="mental-illness"),
        pytest.param("多种残疾", 7, None, "多重", id="several-kinds"),
        pytest.param("眼睛和耳朵都不好", 7, None, "多重", id="two-kinds-is-multiple"),
    ],
)
def test_disability_category_and_level_are_understood_in_everyday_words(
    text: str, category: int | None, level: int | None, display: str
) -> None:
    assert parse_disability(text) == Valid(value={"category": category, "level": level}, display=display)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("五级", id="level-five"),
        pytest.param("5", id="digit-five"),
        pytest.param("肢体五级", id="category-with-level-five"),
        pytest.param("零级", id="level-zero"),
        pytest.param("十级", id="level-ten"),
    ],
)
def test_level_outside_one_to_four_is_rejected(text: str) -> None:
    assert said_back(parse_disability(text)) == "残疾等级只有一到四级，一级最重。请再说一遍。"


@pytest.mark.parametrize(
    "text",
    [pytest.param("", id="empty"), pytest.param("你好", id="greeting"), pytest.param("不知道", id="unsure")],
)
def test_answer_without_category_or_level_is_rejected_with_an_example(text: str) -> None:
    result = parse_disability(text)

    assert isinstance(result, Invalid)
    assert "肢体二级" in said_back(result)


def test_two_different_levels_are_rejected() -> None:
    assert said_back(parse_disability("一级还是二级")) == "听到了不止一个等级。请只说一个等级。"


@given(st.text())
@example("二级" * 2500)
def test_parse_disability_never_raises(text: str) -> None:
    assert_is_result_without_personal_digits(parse_disability(text), text)


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_parse_disability_survives_hostile_text(text: str) -> None:
    assert_is_result_without_personal_digits(parse_disability(text), text)
