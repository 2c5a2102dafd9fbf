"""The money-help screening, apart from the conversation: answers in the question's own words, and
which help a yes makes likely."""

from __future__ import annotations

import pytest

from dialogs.money import fitting, money_clauses, next_question, screening_answer
from dialogs.pending import Money, Proposal
from dialogs.schema import Catalog, MoneyHelp
from tests.dialogs.conversation import last, talk, texts, then


@pytest.fixture
def money(catalog: Catalog) -> MoneyHelp:
    assert catalog.money is not None
    return catalog.money


@pytest.mark.parametrize(
    ("said", "answer"),
    [("在领", True), ("没领", False), ("领着呢", True), ("不是低保", False), ("是的", True), ("我想办证", None)],
)
def test_the_dibao_question_is_answered_in_its_own_words(money: MoneyHelp, said: str, answer: bool | None) -> None:
    assert screening_answer(said, next_question(money, (False,))) is answer


def test_each_yes_adds_its_help_in_question_order(catalog: Catalog, money: MoneyHelp) -> None:
    assert fitting(money, (True, True), catalog.services) == ["nursing-allowance", "living-allowance"]
    assert fitting(money, (False, True), catalog.services) == ["living-allowance"]
    assert fitting(money, (False, False), catalog.services) == []


def test_a_question_about_money_is_recognised_in_other_words(money: MoneyHelp) -> None:
    assert money_clauses("我们家能领哪些补贴呀", money)
    assert not money_clauses("护理补贴怎么申请", money)


@pytest.mark.parametrize("said", ["我要钱", "我想要钱", "有没有钱领", "能领点钱吗", "咋申请补助"])
def test_asking_for_money_in_plain_words_is_a_question_about_money(money: MoneyHelp, said: str) -> None:
    assert money_clauses(said, money)


def test_an_answer_that_is_neither_yes_nor_no_nor_anything_else_keeps_the_question(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我要钱")
    asked = last(results).state.pending
    assert isinstance(asked, Money)

    result = last(then(catalog, results, "这个咋说呢"))

    assert result.state.pending == asked
    assert result.state.misunderstood == 1
    assert texts(result)[0] == catalog.reasons["yes_no_unclear"].text


def test_a_service_named_instead_of_an_answer_is_taken(catalog: Catalog) -> None:
    result = last(talk(catalog, "你好", "我要钱", "我想申请护理补贴"))

    assert result.state.application is not None
    assert result.state.application.service == "nursing-allowance"


def test_the_words_that_asked_about_money_open_the_application_the_screening_leads_to(catalog: Catalog) -> None:
    asked = talk(catalog, "你好", "我妈眼睛看不见，家里困难，想问问有什么补贴")
    assert isinstance(last(asked).state.pending, Money)

    opened = last(then(catalog, asked, "生活补贴吧"))

    # "我妈" was said before the application opened: who it is for is offered, not asked afresh.
    assert opened.state.pending == Proposal("applicant", "proxy", "我妈")
    taken = last(then(catalog, [*asked, opened], "对"))
    assert taken.state.pending == Proposal("relationship", "child", "我妈")


@pytest.mark.parametrize("said", ["我爸腿脚不好，能领什么钱", "我是肢体残疾，有什么补贴", "孩子听不见。有哪些补助"])
def test_a_service_named_only_beside_the_question_about_money_still_screens(catalog: Catalog, said: str) -> None:
    result = last(talk(catalog, "你好", said))

    assert result.state.pending == Money((), said)
    assert result.state.application is None


@pytest.mark.parametrize(("said", "service"), [("轮椅有什么补贴", "assistive-device"), ("做康复有什么补贴", "rehab")])
def test_a_question_about_money_for_a_service_starts_that_service(catalog: Catalog, said: str, service: str) -> None:
    result = last(talk(catalog, "你好", said))

    assert result.state.application is not None
    assert result.state.application.service == service
