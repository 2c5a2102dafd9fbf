"""Turn what a resident said into the typed answer a step expects."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import cn2an

from dialogs.prepared import prepared
from dialogs.relations import relation_in
from dialogs.schema import Step
from dialogs.validators import (
    ChoiceOption,
    Invalid,
    Valid,
    ValidationResult,
    normalize,
    parse_choice,
    parse_disability,
    parse_disability_card,
    parse_district,
    parse_id_number,
    parse_mobile,
    parse_person_name,
    parse_yes_no,
    spoken_digits,
)
from dialogs.validators.disability_codes import describe_disability
from dialogs.validators.person_name import OTHER_ANSWER

_AGE_WORDS = {"刚出生": 0, "不到一岁": 0, "几个月": 0, "没满一岁": 0, "个月": 0, "月大": 0}


# A number counting something else is no age: "听力二级" is a level, "2015年" a year.
_OTHER_COUNT = re.compile(r"[0-9零〇一二三四五六七八九十百两]\s*(?:级|年|号|元|块|次|楼|层)")


# Two neighbouring numerals are a guess between two ages ("五六岁", "两三岁", "六七十"), not one number: cn2an
# reads "六七十" as 67. Eligibility can turn on the year, so the resident is asked which.
_UNITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_TWO_AGES = re.compile(
    r"(?P<tens>(?:[一二三四五六七八九]?十)?)(?P<low>[一二两三四五六七八])(?P<high>[二两三四五六七八九])(?P<ten>十?)"
)


def _two_ages(said: str) -> Invalid | None:
    """ "是5岁，还是6岁？" for an age said as a guess between two."""
    for found in _TWO_AGES.finditer(said):
        low, high = _UNITS[found["low"]], _UNITS[found["high"]]
        if high != low + 1:
            continue
        if found["ten"]:  # "六七十": sixty-something or seventy-something
            return Invalid("age_which", (("low", f"{low * 10}多岁"), ("high", f"{high * 10}多岁")))
        tens = found["tens"]
        base = 0 if not tens else 10 * _UNITS.get(tens[0], 1)
        return Invalid("age_which", (("low", f"{base + low}岁"), ("high", f"{base + high}岁")))
    return None


def parse_age(text: str) -> ValidationResult:
    """An age in years, said in digits or words ("3岁", "三岁", "两岁半"): 0 to 120."""
    said = normalize(text)
    if _OTHER_COUNT.search(said):
        return Invalid("age_unclear")
    for words, years in _AGE_WORDS.items():
        if words in said:
            return Valid(value=years, display="不到一岁")
    guess = _two_ages(said)
    if guess is not None:
        return guess
    digits = spoken_digits(said.split("岁")[0]) if said else None
    if digits is None or not digits.isdigit():
        try:
            digits = str(int(cn2an.cn2an(said.split("岁")[0], "smart")))
        except (ValueError, KeyError, TypeError):
            return Invalid("age_unclear")
    years = int(digits)
    if not 0 <= years <= 120:
        return Invalid("age_out_of_range")
    return Valid(value=years, display=f"{years}岁")


def _card_matching(result: ValidationResult, disability: dict[str, Any] | None) -> ValidationResult:
    if not isinstance(result, Valid) or disability is None:
        return result
    card = result.value
    if card.get("level") != disability.get("level") or card.get("category") != disability.get("category"):
        return Invalid("card_disability_mismatch")
    return result


YES_NO_LABELLED_UNCLEAR = "yes_no_labelled_unclear"
_NEED_LEVEL = "need_level"
_NEED_CATEGORY = "need_category"


def disability_answer(text: str, partial: dict[str, Any]) -> tuple[ValidationResult, dict[str, Any]]:
    """Category and level, possibly in two turns: what was said before (``partial``) is kept.

    Returns the result and the half answer to keep for the next turn (empty once complete).
    """
    result = parse_disability(text)
    if not isinstance(result, Valid):
        return result, partial
    said = {key: value for key, value in result.value.items() if value is not None}
    merged = {"category": None, "level": None, **{k: v for k, v in partial.items() if v is not None}, **said}
    if merged["level"] is None:
        return Invalid(_NEED_LEVEL), merged
    if merged["category"] is None:
        return Invalid(_NEED_CATEGORY), merged
    return Valid(value=merged, display=describe_disability(merged["category"], merged["level"])), {}


def _choice(step: Step, text: str) -> ValidationResult:
    """A choice; who-applies and relationship questions also read how the resident names the person."""
    options = choice_options(step)
    relation = relation_in(text) if step.field in ("applicant", "proxy_relationship") else None
    if relation is not None and step.field == "proxy_relationship":
        picked = parse_choice(relation.role, options)
        if isinstance(picked, Valid):
            return picked
    if relation is not None and step.field == "applicant" and not any(w in text for w in ("自己", "本人")):
        # Naming the person ("给我家娃申请") is applying for someone else, whatever "给我" sounds like.
        proxy = [o for o in options if o.value == "proxy"]
        if proxy:
            return Valid(value=proxy[0].value, display=proxy[0].label)
    return parse_choice(text, options)


SKIP_WORDS = ("没有", "跳过", "不知道", "不清楚", "没", "无")


def is_skip(text: str) -> bool:
    return normalize(text) in SKIP_WORDS


def choice_options(step: Step) -> tuple[ChoiceOption, ...]:
    # The same objects every time: the choice validator's cache of each option's words then finds
    # them by identity instead of comparing them field by field on every message.
    return prepared(step, _choice_options)


def _choice_options(step: Step) -> tuple[ChoiceOption, ...]:
    return tuple(ChoiceOption(value=o.value, label=o.label, synonyms=o.synonyms) for o in step.options)


def parse_answer(
    step: Step, text: str, *, today: date, id_number: str | None = None, disability: dict[str, Any] | None = None
) -> ValidationResult:
    """Parse ``text`` as ``step`` expects.

    ``today`` is the day of the message (the core reads no clock). ``id_number`` and ``disability`` are
    what this application already holds: a card number must carry
    that ID, and the category and level it encodes must match what was said.
    """
    kind = step.type
    if kind == "choice":
        return _choice(step, text)
    if kind == "yes_no":
        said = parse_yes_no(text)
        if isinstance(said, Invalid) and step.yes_no_labels is not None:
            # Asked "有没有…？ 1. 有 2. 没有": the hint names those words, not "是"/"不是".
            yes, no = step.yes_no_labels
            return Invalid(YES_NO_LABELLED_UNCLEAR, (("yes", yes), ("no", no)))
        return said
    if kind == "id_number":
        return parse_id_number(text, today=today)
    if kind == "disability_card":
        return _card_matching(parse_disability_card(text, id_number, today=today), disability)
    if kind == "mobile":
        return parse_mobile(text)
    if kind == "district":
        return parse_district(text)
    if kind == "disability":
        return disability_answer(text, {})[0]
    if kind == "name":
        # "没有", "对", "我是她儿子" answer other questions; none of them is a name.
        if isinstance(parse_yes_no(text), Valid) or relation_in(text) is not None:
            return Invalid(OTHER_ANSWER)
        return parse_person_name(text)
    if kind == "age":
        return parse_age(text)
    cleaned = " ".join(text.split())
    if not cleaned:
        return Invalid("text_empty")
    if len(cleaned) > step.max_length:
        return Invalid("text_too_long", (("max", str(step.max_length)),))
    return Valid(value=cleaned, display=cleaned)
