from __future__ import annotations

import cn2an
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dialogs.validators import ChoiceOption, Invalid, Valid, parse_choice
from tests.dialogs.validators.strategies import HOSTILE_TEXTS, assert_is_result_without_personal_digits, said_back

OPTIONS = (
    ChoiceOption("subsidy", "补贴申请", ("补贴", "钱")),
    ChoiceOption("rehab", "康复服务", ("康复",)),
    ChoiceOption("legal", "法律援助", ("律师",)),
)
SUBSIDY = Valid(value="subsidy", display="补贴申请")
REHAB = Valid(value="rehab", display="康复服务")
LEGAL = Valid(value="legal", display="法律援助")
SERVICE_NAMES = (
    "残疾证办理", "补贴申请", "康复服务", "法律援助", "辅具适配", "就业帮扶",
    "教育资助", "无障碍改造", "托养服务", "心理咨询", "盲人按摩培训", "手语翻译",
)  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("2", id="ascii"),
        pytest.param("２", id="full-width"),
        pytest.param("二", id="chinese"),
        pytest.param("两", id="liang"),
        pytest.param("第二个", id="the-second-one"),
        pytest.param("第2项", id="item-2"),
        pytest.param("选二", id="choose-two"),
        pytest.param("2号", id="number-2"),
        pytest.param("我选第二", id="i-choose-the-second"),
        pytest.param("第二个吧。", id="with-particle"),
    ],
)
def test_option_is_chosen_by_its_number_said_any_way(text: str) -> None:
    assert parse_choice(text, OPTIONS) == REHAB


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("康复服务", REHAB, id="label"),
        pytest.param("我想要法律援助", LEGAL, id="label-in-a-sentence"),
        pytest.param("找个律师", LEGAL, id="synonym"),
        pytest.param("要钱", SUBSIDY, id="one-character-synonym"),
        pytest.param("补贴", SUBSIDY, id="short-synonym"),
        pytest.param("康复服务，不是补贴", REHAB, id="longest-match-wins"),
        pytest.param("第三个，补贴申请", SUBSIDY, id="name-wins-over-number"),
    ],
)
def test_option_is_chosen_by_label_or_synonym(text: str, expected: Valid) -> None:
    assert parse_choice(text, OPTIONS) == expected


def test_two_options_matching_equally_ask_for_the_number() -> None:
    assert said_back(parse_choice("康复还是律师", OPTIONS)) == "有几个选项都对得上。请说选项前面的数字。"


@pytest.mark.parametrize("text", ["4", "第四个", "0", "十"])
def test_number_out_of_range_is_rejected_saying_the_valid_range(text: str) -> None:
    assert said_back(parse_choice(text, OPTIONS)) == "没有这个选项。请说一到三之间的数字，或者说选项的名字。"


@pytest.mark.parametrize("text", ["", "你好", "我有两个孩子", "不知道"])
def test_unrelated_answer_is_rejected_saying_how_to_choose(text: str) -> None:
    assert said_back(parse_choice(text, OPTIONS)) == "没有听出您选的是哪一个。请说一到三之间的数字，或者说选项的名字。"


def test_single_option_is_described_without_a_range() -> None:
    result = parse_choice("5", OPTIONS[:1])

    assert said_back(result) == "没有这个选项。请说一到一之间的数字，或者说选项的名字。"


def test_choosing_from_no_options_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="at least one option"):
        parse_choice("1", ())


@given(st.data(), st.integers(min_value=1, max_value=len(SERVICE_NAMES)))
def test_every_number_from_one_to_n_chooses_its_option_in_ascii_and_chinese(data: st.DataObject, count: int) -> None:
    options = [ChoiceOption(f"v{index}", name) for index, name in enumerate(SERVICE_NAMES[:count], 1)]
    number = data.draw(st.integers(min_value=1, max_value=count))
    expected = Valid(value=f"v{number}", display=SERVICE_NAMES[number - 1])

    for said in (str(number), cn2an.an2cn(number), f"第{cn2an.an2cn(number)}个", f"选{number}"):
        assert parse_choice(said, options) == expected


@given(st.text())
@example("第" * 5000)
def test_parse_choice_never_raises(text: str) -> None:
    assert_is_result_without_personal_digits(parse_choice(text, OPTIONS), text)


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_parse_choice_survives_hostile_text(text: str) -> None:
    assert_is_result_without_personal_digits(parse_choice(text, OPTIONS), text)


SITUATIONS = (
    ChoiceOption("none", "都没有", ("没有", "都不是", "没")),
    ChoiceOption("tekun", "是特困供养人员", ("特困", "五保")),
    ChoiceOption("work_injury", "在领工伤保险的生活护理费", ("工伤",)),
)
NONE_OF_THESE = Valid(value="none", display="都没有")


@pytest.mark.parametrize("text", ["没有", "都没有", "不是", "不是的", "无", "没有，都没有", "一个都没有"])
def test_a_plain_no_chooses_the_none_of_these_option(text: str) -> None:
    assert parse_choice(text, SITUATIONS) == NONE_OF_THESE


@pytest.mark.parametrize("text", ["不是特困", "没有特困也没有工伤", "不是五保户", "我家没有工伤"])
def test_an_option_named_under_a_negation_is_denied_not_chosen(text: str) -> None:
    assert parse_choice(text, SITUATIONS) == NONE_OF_THESE


def test_an_option_named_without_negation_is_still_chosen() -> None:
    assert parse_choice("是特困", SITUATIONS) == Valid(value="tekun", display="是特困供养人员")
    assert parse_choice("有工伤", SITUATIONS) == Valid(value="work_injury", display="在领工伤保险的生活护理费")


def test_a_plain_no_to_a_list_without_a_negative_option_is_not_guessed() -> None:
    assert isinstance(parse_choice("不是", OPTIONS), Invalid)


def test_a_plain_no_chooses_the_one_negative_option_of_a_yes_or_no_like_list() -> None:
    care = (ChoiceOption("needed", "需要"), ChoiceOption("not_needed", "不需要"), ChoiceOption("unsure", "说不清楚"))
    assert parse_choice("不是", care) == Valid(value="not_needed", display="不需要")
    assert parse_choice("不用了", care) == Valid(value="not_needed", display="不需要")


@pytest.mark.parametrize("text", ["别给我打电话", "不要给我打电话", "别发语音给我"])
def test_a_no_that_refuses_something_else_chooses_nothing(text: str) -> None:
    assert isinstance(parse_choice(text, SITUATIONS), Invalid)


@pytest.mark.parametrize("text", ["工伤也没有", "特困没有，工伤也没有", "五保不是"])
def test_an_option_denied_after_it_is_named_is_not_chosen(text: str) -> None:
    assert parse_choice(text, SITUATIONS) == NONE_OF_THESE
