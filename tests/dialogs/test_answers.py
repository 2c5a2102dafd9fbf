"""Answers parsed as their step expects; here the age question, said in digits or words."""

from __future__ import annotations

import pytest

from dialogs.answers import parse_age
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
