"""Hypothesis strategies and checks shared by the validator tests.

The check character is computed here independently of the code under test (from its definition,
weight 2^(i-1) mod 11 counted from the right), so the properties do not test the code with itself.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache

from hypothesis import strategies as st

from dialogs.loader import load_catalog
from dialogs.schema import Catalog
from dialogs.validators import Invalid, ValidationResult
from tests.paths import CONTENT_DIR

TODAY = date(2025, 6, 1)

CHINESE_DIGITS = {
    "0": ("零", "〇", "洞"),
    "1": ("一", "幺", "要"),
    "2": ("二", "两"),
    "3": ("三",),
    "4": ("四",),
    "5": ("五",),
    "6": ("六",),
    "7": ("七",),
    "8": ("八",),
    "9": ("九",),
    "X": ("叉", "X", "x"),
}
SEPARATORS = ("", "", "", " ", "-", "、", "，")

# Inputs that have broken text handling elsewhere: huge, control characters, emoji, odd spaces.
HOSTILE_TEXTS = (
    "",
    " \t\n\r",
    "\x00\x01\x1b[31m\x7f",
    "一" * 5000,
    "1" * 5000,
    "十" * 500,
    "0亿0",
    "一亿亿万十",
    "👍🏻👨‍👩‍👧1️⃣",
    "\u200b\u200d\ufeff",
    "B" * 50 + "9" * 20,
    "补" * 30,
)


def check_character(first17: str) -> str:
    total = sum(int(digit) * pow(2, 17 - index, 11) for index, digit in enumerate(first17))
    remainder = (12 - total % 11) % 11
    return "X" if remainder == 10 else str(remainder)


@st.composite
def valid_ids(draw: st.DrawFn, born_from: date = date(1900, 1, 1), born_until: date = TODAY) -> str:
    area = draw(st.integers(min_value=110000, max_value=829999))
    born = draw(st.dates(min_value=born_from, max_value=born_until))
    sequence = draw(st.integers(min_value=0, max_value=999))
    first17 = f"{area:06d}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


# Radio-style 洞 and misheard 要 only count next to other digits.
NEIGHBOUR_ONLY = frozenset("洞要")


@st.composite
def spelled_in_chinese(draw: st.DrawFn, number: str, *, alone: bool = False) -> str:
    """``number`` said digit by digit, with the spoken variants and pauses people use. ``alone``
    leaves out the forms that need a neighbouring digit, for a digit said on its own."""
    parts = []
    for ch in number:
        forms = [form for form in CHINESE_DIGITS[ch] if not (alone and form in NEIGHBOUR_ONLY)]
        parts.append(draw(st.sampled_from(forms)) + draw(st.sampled_from(SEPARATORS)))
    return "".join(parts)


def long_digit_runs(text: str) -> set[str]:
    """Every run of six digits in ``text``: a reason containing one would read a number back."""
    runs = re.findall(r"\d{6,}", text)
    return {run[start : start + 6] for run in runs for start in range(len(run) - 5)}


def assert_is_result_without_personal_digits(result: ValidationResult, said: str) -> None:
    assert isinstance(result, ValidationResult)
    if isinstance(result, Invalid):
        words = said_back(result)
        assert words
        assert not re.search(r"\d{6}", words)
        assert not any(run in words for run in long_digit_runs(said))
        assert not any(run in value for _key, value in result.values for run in long_digit_runs(said))


@cache
def _content() -> Catalog:
    return load_catalog(CONTENT_DIR)


def said_back(result: ValidationResult, mode: str = "text") -> str:
    """The words a rejected answer's reason is said in (content/reasons.yaml), placeholders filled."""
    assert isinstance(result, Invalid), result
    text = _content().reasons[result.code].for_mode(mode)
    for key, value in result.values:
        text = text.replace("{" + key + "}", value)
    return text
