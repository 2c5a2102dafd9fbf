"""Answers parsed as their step expects; here the age question, said in digits or words."""

from __future__ import annotations

from datetime import date

import pytest

from dialogs.answers import parse_age, parse_answer
from dialogs.schema import Catalog
from dialogs.validators import Invalid, Valid
from tests.dialogs.validators.strategies import said_back


@pytest.mark.parametrize(
    ("said", "years"),
    [
        ("3岁", 3),
        ("三岁", 3),
        ("两岁半", 2),
        ("45", 45),
        ("四十五岁", 45),
        ("八个月", 0),
        ("刚出生", 0),
        ("不到一岁", 0),
    ],
)
def test_an_age_is_understood_in_digits_and_words(said: str, years: int) -> None:
    result = parse_age(said)
    assert isinstance(result, Valid)
    assert result.value == years


@pytest.mark.parametrize("said", ["一百五十岁", "abc", "", "岁"])
def test_an_impossible_or_missing_age_is_asked_again_with_an_example(said: str) -> None:
    result = parse_age(said)
    assert isinstance(result, Invalid)
    assert "岁" in said_back(result)


@pytest.mark.parametrize("said", ["听力二级", "一级", "2015年", "3号楼", "五百块"])
def test_a_number_that_counts_something_else_is_no_age(said: str) -> None:
    assert parse_age(said) == Invalid("age_unclear")


@pytest.mark.parametrize(("said", "years"), [("今年45了", 45), ("她今年七十三", 73), ("73周岁", 73), ("快八十了", 80)])
def test_an_age_said_in_a_sentence_is_still_an_age(said: str, years: int) -> None:
    assert parse_age(said) == Valid(value=years, display=f"{years}岁")


def test_an_unclear_answer_to_a_question_with_its_own_yes_and_no_words_is_told_those_words(catalog: Catalog) -> None:
    has_card = catalog.services["living-allowance"].step("has_card")

    result = parse_answer(has_card, "王桂兰", today=date(2026, 12, 3))

    assert result == Invalid("yes_no_labelled_unclear", (("yes", "有"), ("no", "没有")))
