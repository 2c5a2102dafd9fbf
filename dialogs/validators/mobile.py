"""Mainland mobile phone numbers."""

from __future__ import annotations

import re

from dialogs.validators.digits import spoken_digits, without_quantities
from dialogs.validators.result import Invalid, Valid, ValidationResult

_MOBILE = re.compile(r"1[3-9]\d{9}")
_COUNTRY_PREFIXES = ("0086", "86")
_LENGTH = 11


def _without_country_code(digits: str) -> str:
    for prefix in _COUNTRY_PREFIXES:
        if len(digits) == len(prefix) + _LENGTH and digits.startswith(prefix):
            return digits[len(prefix) :]
    return digits


def parse_mobile(text: str) -> ValidationResult:
    """An 11-digit mobile number, with or without +86; the value is the bare 11 digits."""
    heard = spoken_digits(without_quantities(text))
    if heard is None:
        return Invalid("mobile_missing")
    if heard.endswith("X"):
        return Invalid("mobile_not_digits")
    digits = _without_country_code(heard)
    if digits.startswith("0"):
        return Invalid("mobile_landline")
    if len(digits) != _LENGTH:
        return Invalid("mobile_length", (("count", str(len(digits))),))
    if not _MOBILE.fullmatch(digits):
        return Invalid("mobile_prefix")
    return Valid(value=digits, display=f"{digits[:3]} {digits[3:7]} {digits[7:]}")
