"""Turn what a resident said into the typed answer a step expects."""

from __future__ import annotations

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
)

SKIP_WORDS = ("没有", "跳过", "不知道", "不清楚", "没", "无")


def is_skip(text: str) -> bool:
    return normalize(text) in SKIP_WORDS


def choice_options(step: Step) -> list[ChoiceOption]:
    return [ChoiceOption(value=o.value, label=o.label, synonyms=o.synonyms) for o in step.options]


def parse_answer(step: Step, text: str, id_number: str | None) -> ValidationResult:
    """``id_number`` is the ID already given in this application, which a card number must match."""
    kind = step.type
    if kind == "choice":
        return parse_choice(text, choice_options(step))
    if kind == "yes_no":
        return parse_yes_no(text)
    if kind == "id_number":
        return parse_id_number(text)
    if kind == "disability_card":
        return parse_disability_card(text, id_number)
    if kind == "mobile":
        return parse_mobile(text)
    if kind == "district":
        return parse_district(text)
    if kind == "disability":
        result = parse_disability(text)
        if isinstance(result, Valid) and result.value.get("level") is None:
            return Invalid("请说残疾等级，是一级、二级、三级，还是四级。残疾人证上有写。")
        return result
    if kind == "name":
        return parse_person_name(text)
    cleaned = " ".join(text.split())
    if not cleaned:
        return Invalid("没有收到内容。请再说一遍。")
    if len(cleaned) > step.max_length:
        return Invalid(f"内容太长了。请简短一些，不超过{step.max_length}个字。")
    return Valid(value=cleaned, display=cleaned)
