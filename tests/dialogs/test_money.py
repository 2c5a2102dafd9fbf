"""The money-help screening, apart from the conversation: answers in the question's own words, and
which help a yes makes likely."""

from __future__ import annotations

import pytest

from dialogs.money import asks_about_money, fitting, next_question, screening_answer
from dialogs.schema import Catalog, MoneyHelp


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
    assert asks_about_money("我们家能领哪些补贴呀", money)
    assert not asks_about_money("护理补贴怎么申请", money)
