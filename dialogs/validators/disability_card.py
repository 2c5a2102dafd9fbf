"""残疾人证号: the holder's ID number, a category digit, a level digit and an optional reissue mark."""

from __future__ import annotations

import re
from datetime import date

from dialogs.validators.digits import spoken_symbols, without_quantities
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
    "birth_date": "card_birth_date",
    "check_character": "card_check_character",
}


def _card_display(number: str, category: int, level: int, reissue: int | None) -> str:
    # The full ID was already read back once; the tail is enough to recognise the card.
    display = f"证号尾号 {number[18:20]}，{describe_disability(category, level)}"
    return display if reissue is None else f"{display}，补发第{reissue}次"


def parse_disability_card(text: str, id_number: str | None, *, today: date) -> ValidationResult:
    """A card number said or typed. When ``id_number`` (the 18-character ID given earlier) is known,
    the card must belong to it."""
    symbols = spoken_symbols(without_quantities(text))
    if not any(ch.isdigit() for ch in symbols):
        return Invalid("card_missing")
    base, marker, reissue_text = symbols.partition("B")
    if marker and not _REISSUE.fullmatch(reissue_text):
        return Invalid("card_reissue")
    if len(base) != _CARD_LENGTH:
        return Invalid("card_length", (("count", str(len(base))),))
    if not _CARD.fullmatch(base):
        return Invalid("card_x_misplaced")
    problem = id_problem(base[:18], today)
    if problem is not None:
        return Invalid(_REASONS[problem])
    category, level = int(base[18]), int(base[19])
    if category not in DISABILITY_CATEGORIES:
        return Invalid("card_category")
    if level not in DISABILITY_LEVELS:
        return Invalid("card_level")
    if id_number is not None and base[:18] != id_number.strip().upper():
        return Invalid("card_not_this_id")
    reissue = int(reissue_text) if marker else None
    value = {"number": symbols, "category": category, "level": level, "reissue": reissue}
    return Valid(value=value, display=_card_display(base, category, level, reissue))
