"""居民身份证号码 (GB 11643-1999)."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from dialogs.validators.digits import spoken_symbols
from dialogs.validators.result import Invalid, Valid, ValidationResult

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARACTERS = "10X98765432"  # indexed by the weighted sum mod 11
_ID18 = re.compile(r"[0-9]{17}[0-9X]")
_ID15 = re.compile(r"[0-9]{15}")
_LENGTH = 18
_EARLIEST_BIRTH_YEAR = 1900

IdProblem = Literal["birth_date", "check_character"]
_REASONS: dict[IdProblem, str] = {
    "birth_date": "身份证号码里的出生日期不对，可能有一位说错了。请再说一遍。",
    "check_character": "身份证号码最后一位校验码对不上，可能有一位说错了。请再说一遍。",
}


def check_character(first17: str) -> str:
    """The 18th character for the first 17 digits (ISO 7064 MOD 11-2)."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARACTERS[total % 11]


def upgrade_id15(id15: str) -> str:
    """The 18-character form of a legacy 15-digit number: all of those were born in the 1900s."""
    first17 = id15[:6] + "19" + id15[6:]
    return first17 + check_character(first17)


def id_birth_date(id18: str) -> date:
    """The birth date in an 18-character ID number; ValueError when it is not a real date."""
    return date(int(id18[6:10]), int(id18[10:12]), int(id18[12:14]))


def id_sex(id18: str) -> Literal["男", "女"]:
    """Odd sequence numbers are given to men, even ones to women."""
    return "男" if int(id18[16]) % 2 else "女"


def id_problem(id18: str, today: date) -> IdProblem | None:
    """What is wrong with an 18-character candidate of the right shape, or None.

    Checked before the check character: a wrong digit in the date is usually what broke both.
    """
    try:
        born = id_birth_date(id18)
    except ValueError:
        return "birth_date"
    if born > today or born.year < _EARLIEST_BIRTH_YEAR:
        return "birth_date"
    if check_character(id18[:17]) != id18[17]:
        return "check_character"
    return None


def display_id(id18: str) -> str:
    """Grouped for reading back: area, birth date, sequence and check character."""
    return f"{id18[:6]} {id18[6:14]} {id18[14:]}"


def parse_id_number(text: str, *, today: date) -> ValidationResult:
    """An ID number said or typed, 18 characters or the legacy 15 digits; the value is always the
    18-character form. Numbers from outside Liuzhou are fine: the area code never changes. ``today``
    (the day the message was sent, never a clock read here) rules out births in the future."""
    # Every X counts as heard, wherever it is, so the length said back matches what was said.
    heard = spoken_symbols(text).replace("B", "")
    if not any(ch.isdigit() for ch in heard):
        return Invalid("没有听到身份证号码。请一位一位地说出18位号码。")
    if _ID15.fullmatch(heard):
        heard = upgrade_id15(heard)
    if len(heard) != _LENGTH:
        if len(heard) == 15:
            return Invalid("15位的老身份证号码全是数字，没有X。请再说一遍。")
        return Invalid(f"身份证号码应该是18位，您说的是{len(heard)}位。请再说一遍。")
    if not _ID18.fullmatch(heard):
        return Invalid("身份证号码里只有最后一位可能是X，其他都是数字。请再说一遍。")
    problem = id_problem(heard, today)
    if problem is not None:
        return Invalid(_REASONS[problem])
    return Valid(value=heard, display=display_id(heard))
