"""needed_chars(): characters every match of a pattern holds one of, so a text without them is skipped."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogs import contact_preference
from dialogs.pattern_chars import needed_chars
from dialogs.schema import Catalog


@pytest.mark.parametrize(
    ("patterns", "needed"),
    [
        (["打我"], "打"),  # 我 is in almost every message: it would prove nothing
        (["我"], "我"),
        (["(几|好几|一|两|三)天没.{0,2}(吃|饭)"], "天"),
        (["(砍|捅)(我|他)"], "砍捅"),
        (["动手(?!术)"], "动"),  # a lookahead consumes nothing
        (["(老|总)?进我(房间|屋)"], "进"),  # an optional part is never needed
        (["[a-c]x?"], "abc"),
        (["家暴", "(?:被|把我)打"], "家打"),  # one character is enough: the fewest are taken
        (["(?i:a)b"], "b"),
        (["(?:烧|砸)+门"], "门"),
    ],
)
def test_a_pattern_needs_one_of_a_few_characters(patterns: list[str], needed: str) -> None:
    assert needed_chars(patterns) == frozenset(needed)


@pytest.mark.parametrize(
    "patterns",
    [
        ["打我", ".{1,3}"],  # any character at all
        ["打我", "(我|)"],  # may match nothing
        ["x*"],
        ["\\w+"],
        ["[^打]"],
        ["[一-龥]"],  # a range too wide to say anything
        ["(?i)abc"],  # case folded: the characters written are not the only ones
        ["(?i:a)"],
    ],
)
def test_no_set_when_a_match_might_hold_other_characters(patterns: list[str]) -> None:
    assert needed_chars(patterns) is None


# Patterns in the style content writes, and texts over the characters they use.
_PATTERNS = ["打我", "(砍|捅)(我|他)?门", "动手(?!术)", "(老|总).{0,2}进我(房间|屋)", "药.{0,3}(全|都)吃", "[烧砸]+家"]
_ALPHABET = "打我砍捅他门动手术老总进房间屋药全都吃烧砸家好的"


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_PATTERNS), min_size=1, max_size=4), st.text(alphabet=_ALPHABET, max_size=12))
def test_a_text_without_the_needed_characters_matches_no_pattern(patterns: list[str], text: str) -> None:
    needed = needed_chars(patterns)
    assert needed is not None
    if needed.isdisjoint(text):
        assert not any(re.search(pattern, text) for pattern in patterns)


def test_the_shipped_danger_phrases_and_contact_wishes_have_a_needed_set(catalog: Catalog) -> None:
    """Without one every message is searched phrase by phrase: correct, only several times slower."""
    safety = catalog.safety
    assert needed_chars(p for category in safety.categories for p in category.phrases) is not None
    assert needed_chars(p for category in safety.warnings for p in category.phrases) is not None
    assert contact_preference._NEEDED is not None
