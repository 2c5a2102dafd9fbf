"""A number the resident does not have at hand ("不记得了", "证不在身边", "没带", "找不到了").

Said at a question for an ID, card or phone number it is no wrong answer: it is not counted as a
misunderstanding. The resident is told to come back with it, or, where the number may be left for staff,
it is left for them.
"""

from __future__ import annotations

import re

from dialogs.validators import normalize

NUMBER_TYPES = ("id_number", "disability_card", "mobile")
# Where the card is, when it is not here: "不在我这", "没放在身上", "在我哥那里", "在她儿子手里".
_ELSEWHERE = r"(?:不|没)(?:放)?在(?:我|身|手|这|家)|在[^，。,.]{0,6}(?:那里|那儿|那边|手里)"
_NOT_AT_HAND = re.compile(
    r"不记得|记不得|记不清|记不住|想不起|忘了|忘记|没带|没拿|"
    r"找不到|找不着|弄丢|丢了|不见了|手头没有|手上没有|身上没有|不知道|不清楚|" + _ELSEWHERE
)


def not_at_hand(text: str) -> bool:
    said = normalize(text)
    return bool(_NOT_AT_HAND.search(said)) and not any(ch.isdigit() for ch in said)


# Said before any number is asked ("我没带身份证" at a choice question): only a card not with the resident
# now, or a number not known now, never a card lost ("证丢了" answers what is to be done about the card).
_NOT_WITH_ME = re.compile(r"没带|没拿|忘在家|放在家|" + _ELSEWHERE)
_DOCUMENT = re.compile(r"身份证|残疾证|残疾人证|户口本|证件|号码")


# A number, not the card, that cannot be found or remembered ("证号我现在找不到", "身份证号记不清"): no card lost.
_NUMBER = re.compile(r"号码|证号|身份证号|手机号|电话号")
_NUMBER_NOT_KNOWN = re.compile(r"不记得|记不得|记不清|记不住|想不起|忘了|忘记|找不到|找不着|不知道")


def card_not_with_me(text: str) -> bool:
    said = normalize(text)
    if _NUMBER.search(said) and _NUMBER_NOT_KNOWN.search(said):
        return True
    return bool(_NOT_WITH_ME.search(said)) and bool(_DOCUMENT.search(said))


# The words that name each number, to tell which one is not at hand.
_NUMBER_NAMES: dict[str, tuple[str, ...]] = {
    "id_number": ("身份证",),
    "disability_card": ("残疾证", "残疾人证", "证号"),
    "mobile": ("手机", "电话"),
}


def numbers_named(text: str) -> frozenset[str]:
    """The step types of the numbers ``text`` names ("残疾证号码我现在找不到": the card's)."""
    said = normalize(text)
    named = {kind for kind, words in _NUMBER_NAMES.items() if any(word in said for word in words)}
    if "身份证" in said and "残疾" not in said:
        named.discard("disability_card")  # "身份证号" holds 证号
    return frozenset(named)
