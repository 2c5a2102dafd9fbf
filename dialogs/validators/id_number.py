"""居民身份证号码 (GB 11643-1999)."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from dialogs.validators.digits import spoken_symbols, without_quantities
from dialogs.validators.result import Invalid, Valid, ValidationResult

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARACTERS = "10X98765432"  # indexed by the weighted sum mod 11
_ID18 = re.compile(r"[0-9]{17}[0-9X]")
_ID15 = re.compile(r"[0-9]{15}")
_LENGTH = 18
_EARLIEST_BIRTH_YEAR = 1900

IdProblem = Literal["birth_date", "check_character"]
_REASONS: dict[IdProblem, str] = {
    "birth_date": "id_birth_date",
    "check_character": "id_check_character",
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
    heard = spoken_symbols(without_quantities(text)).replace("B", "")
    if not any(ch.isdigit() for ch in heard):
        return Invalid("id_missing")
    if _ID15.fullmatch(heard):
        heard = upgrade_id15(heard)
    if len(heard) != _LENGTH:
        if len(heard) == 15:
            return Invalid("id_old_with_x")
        return Invalid("id_length", (("count", str(len(heard))),))
    if not _ID18.fullmatch(heard):
        return Invalid("id_x_misplaced")
    problem = id_problem(heard, today)
    if problem is not None:
        return Invalid(_REASONS[problem])
    return Valid(value=heard, display=display_id(heard))
