"""Everyday questions answered as asked: being cheated right now first hears "call 110", "我能领什么钱"
gets the money help that may fit after a question or two, not the whole menu."""

from __future__ import annotations

import pytest

from dialogs.events import Reply
from dialogs.pending import Offer, Which
from dialogs.safety import find_warning
from dialogs.schema import Catalog
from tests.dialogs.conversation import LEGAL, LIVING, NURSING, all_cases, last, menu_labels, talk, texts, then

YES_NO = ("是", "不是")


def _fraud_warning(catalog: Catalog) -> str:
    return catalog.safety.warnings[0].say.text


@pytest.mark.parametrize(
    "sentence",
    ["我被人骗了两万块钱", "网购被骗了三千", "有人冒充残联骗我钱", "我好像遇到诈骗了", "卖保健品的把我钱骗走了"],
)
def test_being_cheated_first_hears_to_call_110_then_legal_aid_goes_on(catalog: Catalog, sentence: str) -> None:
    result = last(talk(catalog, "你好", sentence))

    assert texts(result)[0] == _fraud_warning(catalog)
    assert result.state.application is not None
    assert result.state.application.service == LEGAL
    assert all_cases([result]) == []  # a warning, not an urgent request


@pytest.mark.parametrize("sentence", ["我没被骗", "从来没有被骗过", "护理补贴怎么申请"])
def test_words_that_are_not_being_cheated_raise_no_warning(catalog: Catalog, sentence: str) -> None:
    assert find_warning(sentence, catalog.safety) is None


def test_the_warning_is_not_said_again_when_the_story_tells_of_the_cheating(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我被人骗了钱", "给我自己", "被骗")

    assert last(results).state.application is not None
    assert _fraud_warning(catalog) not in texts(last(results))


def _money(catalog: Catalog) -> list[str]:
    money = catalog.money
    assert money is not None
    return [q.ask.text for q in money.questions]


def test_which_money_asks_a_yes_no_question_not_the_menu(catalog: Catalog) -> None:
    result = last(talk(catalog, "你好", "我能领什么钱"))

    assert catalog.money is not None
    assert result.replies == (Reply(catalog.money.intro.text), Reply(_money(catalog)[0], YES_NO))
    assert menu_labels(catalog) not in [r.options for r in result.replies]


def test_both_yes_offers_the_two_allowances_to_choose_from(catalog: Catalog) -> None:
    result = last(talk(catalog, "你好", "我家有残疾人，有什么补贴", "是的，要人照顾", "在领低保"))

    assert result.replies[-1].options == ("护理补贴", "生活补贴")
    assert isinstance(result.state.pending, Which)


def test_one_yes_offers_that_one_and_yes_starts_it(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我能领什么钱", "不是", "在领")

    assert isinstance(last(results).state.pending, Offer)
    assert "生活补贴" in texts(last(results))[0]

    started = last(then(catalog, results, "要"))

    assert started.state.application is not None
    assert started.state.application.service == LIVING


def test_a_severe_disability_alone_offers_the_nursing_allowance(catalog: Catalog) -> None:
    result = last(talk(catalog, "你好", "我能领什么补贴", "一级，离不开人", "没领"))

    assert result.state.pending == Offer(NURSING, "我能领什么补贴")  # the request opens the application


def test_no_to_both_says_kindly_what_else_there_is(catalog: Catalog) -> None:
    result = last(talk(catalog, "你好", "我能领什么钱", "能自理", "没有"))

    assert catalog.money is not None
    assert texts(result) == [catalog.money.none.text]
    assert result.state.pending is None


def test_something_else_instead_of_an_answer_is_taken_as_what_they_want(catalog: Catalog) -> None:
    result = last(talk(catalog, "你好", "我能领什么钱", "我想办残疾人证"))

    assert result.state.application is not None
    assert result.state.application.service == "disability-card"


def test_the_money_question_is_asked_again_by_repeat(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我能领什么钱", "重复")

    assert last(results).replies == results[-2].replies


def test_a_tie_is_answered_by_a_two_option_question_not_not_understood(catalog: Catalog) -> None:
    result = last(talk(catalog, "你好", "护理补贴和生活补贴"))

    assert catalog.prompts.not_understood.text not in texts(result)
    assert len(result.replies[-1].options) == 2
    assert texts(result)[-1].startswith("您是想问")


def test_a_yes_to_a_two_option_question_keeps_the_question_open(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "护理补贴和生活补贴")
    asked = last(results).state.pending
    assert isinstance(asked, Which)

    result = last(then(catalog, results, "好的"))

    assert result.state.pending == asked
    assert texts(result)[-1].startswith("您是想问")
    assert result.state.misunderstood == 1


@pytest.mark.parametrize(
    ("sentence", "service"),
    [
        pytest.param("残疾儿童有什么补贴", "child-rehab", id="a-child"),
        pytest.param("轮椅有什么补贴", "assistive-device", id="a-wheelchair"),
    ],
)
def test_asking_what_money_there_is_for_a_named_need_starts_that_service(
    catalog: Catalog, sentence: str, service: str
) -> None:
    result = last(talk(catalog, "你好", sentence))

    assert result.state.application is not None
    assert result.state.application.service == service
