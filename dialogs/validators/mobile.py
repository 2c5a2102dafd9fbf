"""Mainland mobile phone numbers."""

from __future__ import annotations

import re

from dialogs.validators.digits import spoken_digits
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
    heard = spoken_digits(text)
    if heard is None:
        return Invalid("没有听到手机号码。请一位一位地说出11位手机号码。")
    if heard.endswith("X"):
        return Invalid("手机号码里只有数字。请再说一遍。")
    digits = _without_country_code(heard)
    if digits.startswith("0"):
        return Invalid("这好像是座机号码。请说11位的手机号码。")
    if len(digits) != _LENGTH:
        return Invalid(f"手机号码应该是11位，您说的是{len(digits)}位。请再说一遍。")
    if not _MOBILE.fullmatch(digits):
        return Invalid("手机号码应该是1开头，第二位是3到9。请再说一遍。")
    return Valid(value=digits, display=f"{digits[:3]} {digits[3:7]} {digits[7:]}")
