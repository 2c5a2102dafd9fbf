"""残疾人证号: the holder's ID number, a category digit, a level digit and an optional reissue mark."""

from __future__ import annotations

import re
from datetime import date

from dialogs.validators.digits import spoken_symbols
from dialogs.validators.disability_codes import (
    DISABILITY_CATEGORIES,
    DISABILITY_LEVELS,
    describe_disability,
)
from dialogs.validators.id_number import IdProblem, id_problem
from dialogs.validators.result import Invalid, Valid, ValidationResult

_CARD_LENGTH = 20
_CARD = re.compile(r"[0-9]{17}[0-9X][0-9]{2}")
_REISSUE = re.compile(r"[1-9][0-9]{0,2}")
_REASONS: dict[IdProblem, str] = {
    "birth_date": "残疾人证号的前18位就是身份证号码，里面的出生日期不对，可能有一位说错了。请再说一遍。",
    "check_character": "残疾人证号的前18位就是身份证号码，第18位校验码对不上，可能有一位说错了。请再说一遍。",
}


def _card_display(number: str, category: int, level: int, reissue: int | None) -> str:
    # The full ID was already read back once; the tail is enough to recognise the card.
    display = f"证号尾号 {number[18:20]}，{describe_disability(category, level)}"
    return display if reissue is None else f"{display}，补发第{reissue}次"


def parse_disability_card(text: str, id_number: str | None, *, today: date) -> ValidationResult:
    """A card number said or typed. When ``id_number`` (the 18-character ID given earlier) is known,
    the card must belong to it."""
    symbols = spoken_symbols(text)
    if not any(ch.isdigit() for ch in symbols):
        return Invalid("没有听到残疾人证号。请一位一位地说出证号。")
    base, marker, reissue_text = symbols.partition("B")
    if marker and not _REISSUE.fullmatch(reissue_text):
        return Invalid("补发的证号最后是B加一个数字，比如B1。请再说一遍。")
    if len(base) != _CARD_LENGTH:
        return Invalid(f"残疾人证号应该是20位，就是身份证号码后面再加两位数字，您说的是{len(base)}位。请再说一遍。")
    if not _CARD.fullmatch(base):
        return Invalid("残疾人证号里只有第18位可能是X，其他都是数字。请再说一遍。")
    problem = id_problem(base[:18], today)
    if problem is not None:
        return Invalid(_REASONS[problem])
    category, level = int(base[18]), int(base[19])
    if category not in DISABILITY_CATEGORIES:
        return Invalid("证号第19位是残疾类别，只能是1到7。请再说一遍。")
    if level not in DISABILITY_LEVELS:
        return Invalid("证号第20位是残疾等级，只能是1到4。请再说一遍。")
    if id_number is not None and base[:18] != id_number.strip().upper():
        return Invalid("这个残疾人证号和您前面说的身份证号码对不上。请再说一遍残疾人证号。")
    reissue = int(reissue_text) if marker else None
    value = {"number": symbols, "category": category, "level": level, "reissue": reissue}
    return Valid(value=value, display=_card_display(base, category, level, reissue))
