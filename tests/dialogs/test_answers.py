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


@pytest.mark.parametrize(
    ("said", "low", "high"),
    [
        ("五六岁", "5岁", "6岁"),
        ("孩子两三岁", "2岁", "3岁"),
        ("一两岁", "1岁", "2岁"),
        ("十五六岁", "15岁", "16岁"),
        ("二十五六", "25岁", "26岁"),
        ("她六七十了", "60多岁", "70多岁"),
    ],
)
def test_an_age_said_as_a_guess_between_two_is_asked_which(said: str, low: str, high: str) -> None:
    result = parse_age(said)

    assert result == Invalid("age_which", (("low", low), ("high", high)))
    assert said_back(result) == f"是{low}，还是{high}？请说准确的岁数。"


@pytest.mark.parametrize(
    ("said", "years"), [("六十七岁", 67), ("五十六", 56), ("十二岁", 12), ("两岁半", 2), ("三四个月", 0)]
)
def test_numerals_that_make_one_number_are_one_age(said: str, years: int) -> None:
    result = parse_age(said)

    assert isinstance(result, Valid)
    assert result.value == years
