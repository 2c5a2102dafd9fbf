"""A correction that carries its new value is found with that value."""

from __future__ import annotations

from datetime import date

import pytest

from dialogs.corrections import correction_in, says_wrong
from dialogs.schema import Catalog
from dialogs.state import Application
from dialogs.validators import Valid
from tests.dialogs.conversation import NURSING, SELF_ID, current_step, last, said, talk, then

TODAY = date(2026, 6, 1)  # the day the message was sent: the core reads no clock

ANSWERS = {
    "applicant": "proxy",
    "relationship": "child",
    "proxy_name": "李四",
    "proxy_phone": "13987654321",
    "has_card": True,
    "disability": {"category": 4, "level": 2},
    "long_term_care": "needed",
    "other_support": "none",
    "name": "王秀英",
    "id_number": SELF_ID,
    "district": {"code": "450205", "name": "柳北区"},
}


def at_summary() -> Application:
    return Application(service=NURSING, application_id="a", step="district", answers=ANSWERS, phase="confirming")


@pytest.mark.parametrize(
    ("said", "step_id", "value"),
    [
        ("不对 电话号码错了 应该是13977218868", "proxy_phone", "13977218868"),
        ("区错了，是城中区", "district", {"code": "450202", "name": "城中区"}),
        ("好了，我妈叫王桂兰", "name", "王桂兰"),
        ("我叫李小四，名字写错了", "proxy_name", "李小四"),
        ("等级错了，是一级", "disability", {"category": 4, "level": 1}),
    ],
)
def test_the_new_value_is_found_for_the_answer_it_corrects(
    catalog: Catalog, said: str, step_id: str, value: object
) -> None:
    found = correction_in(catalog.services[NURSING], at_summary(), said, at_summary=True, today=TODAY)

    assert found is not None
    step, result = found
    assert step.id == step_id
    assert isinstance(result, Valid)
    assert result.value == value


@pytest.mark.parametrize("said", ["是", "对的", "1", "确认", "不对", "电话错了", "区是柳北区", "我是她儿子"])
def test_a_yes_a_bare_no_or_the_same_value_is_no_correction(catalog: Catalog, said: str) -> None:
    assert correction_in(catalog.services[NURSING], at_summary(), said, at_summary=True, today=TODAY) is None


def test_away_from_the_summary_only_a_text_saying_something_was_wrong_corrects(catalog: Catalog) -> None:
    service = catalog.services[NURSING]
    asking = Application(service=NURSING, application_id="a", step="name", answers=ANSWERS)

    assert correction_in(service, asking, "城中区", at_summary=False, today=TODAY) is None
    found = correction_in(service, asking, "刚才区说错了，是城中区", at_summary=False, today=TODAY)
    assert found is not None
    assert found[0].id == "district"


@pytest.mark.parametrize("text", ["今天天气不错", "没错", "家里想做无障碍改造", "不是", "不是很清楚", "是不是"])
def test_words_that_only_look_like_wrong_say_nothing_was_wrong(text: str) -> None:
    assert not says_wrong(text)


@pytest.mark.parametrize(
    "text", ["不对，电话错了", "名字写成了王桂兰，要改", "应该是柳南区", "不是王强，是王刚", "不是柳北区 是柳南区"]
)
def test_saying_something_was_wrong_is_heard(text: str) -> None:
    assert says_wrong(text)


@pytest.mark.parametrize("said", ["不对，是王刚", "不是王强，是王刚", "错了，是王刚"])
def test_a_name_just_given_is_corrected_by_the_next_message_with_its_new_value(catalog: Catalog, said: str) -> None:
    results = talk(catalog, "你好", "我想帮我妈申请护理补贴", "是", "对", "王强")
    assert current_step(last(results).state) == "proxy_phone"

    corrected = last(then(catalog, results, said))

    application = corrected.state.application
    assert application is not None
    assert application.answers["proxy_name"] == "王刚"
    assert "name" not in application.held  # not kept as the mother's name
    assert current_step(corrected.state) == "proxy_phone"


def test_a_relation_said_after_wrong_is_no_new_name(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我想帮我妈申请护理补贴", "是", "对", "王强")

    application = last(then(catalog, results, "错了，我是她儿子")).state.application

    assert application is not None
    assert application.answers["proxy_name"] == "王强"


def test_an_account_just_given_is_replaced_when_the_next_message_tells_it_again_as_a_correction(
    catalog: Catalog,
) -> None:
    results = talk(catalog, "你好", "老板欠我工资三个月了", "给我自己", "对", "工资")
    assert current_step(last(results).state) == "urgent"  # the account ("发生了什么事？") was answered "工资"

    corrected = last(then(catalog, results, "不对，是被开除了"))

    application = corrected.state.application
    assert application is not None
    assert application.answers["description"] == "被开除了"
    assert said(corrected).startswith("好的，事情经过改成“被开除了”了。")
    assert current_step(corrected.state) == "urgent"


def test_a_correction_of_an_account_told_earlier_than_the_last_answer_is_not_guessed(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "老板欠我工资三个月了", "给我自己", "对", "工资", "有")

    application = last(then(catalog, results, "不对，是被开除了")).state.application

    assert application is not None
    assert application.answers["description"] == "工资"


@pytest.mark.parametrize("wrong", ["不对，是二级", "错了，是听力二级", "等级说错了，应该是二级"])
def test_a_correction_at_a_choice_question_is_not_taken_as_its_answer(catalog: Catalog, wrong: str) -> None:
    results = talk(catalog, "你好", "我想申请护理补贴", "我自己", "有证", "听力一级")
    assert current_step(last(results).state) == "long_term_care"  # "需要/不需要": its options hear 是 as 需要

    corrected = last(then(catalog, results, wrong))

    application = corrected.state.application
    assert application is not None
    assert application.answers["disability"] == {"category": 2, "level": 2}
    assert "long_term_care" not in application.answers
    assert said(corrected).startswith("好的，残疾类别和等级改成听力 二级了。")
    assert current_step(corrected.state) == "long_term_care"


def test_a_correction_opening_a_free_text_answer_is_a_correction(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我想帮我爸申请法律援助", "是", "对", "李四", "13987654321", "工资")
    assert current_step(last(results).state) == "description"

    corrected = last(then(catalog, results, "不对，我电话是13900001111"))

    application = corrected.state.application
    assert application is not None
    assert application.answers["proxy_phone"] == "13900001111"
    assert "description" not in application.answers
    assert current_step(corrected.state) == "description"


def test_an_account_that_mentions_something_wrong_is_the_account(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我想帮我爸申请法律援助", "是", "对", "李四", "13987654321", "工资")

    told = last(then(catalog, results, "老板说他做得不对，扣了三个月工资，电话13900001111也不接"))

    application = told.state.application
    assert application is not None
    assert application.answers["proxy_phone"] == "13987654321"
    assert application.answers["description"].startswith("老板说他做得不对")
