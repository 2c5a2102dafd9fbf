"""Masked forms of personal values for logs and staff lists."""

from __future__ import annotations

import re

_KEPT_HEAD = 3
_KEPT_TAIL = 2
_COMPOUND_SURNAMES = (
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "令狐", "轩辕", "独孤", "南宫", "西门", "端木", "万俟", "闻人", "澹台", "呼延", "钟离",
)  # fmt: skip
_NAME_SEPARATORS = frozenset("· ")


def mask_number(value: str) -> str:
    """Keep the first 3 and last 2 characters: "110*************2X". Values too short to keep
    anything hidden are masked whole."""
    if len(value) <= _KEPT_HEAD + _KEPT_TAIL:
        return "*" * len(value)
    return value[:_KEPT_HEAD] + "*" * (len(value) - _KEPT_HEAD - _KEPT_TAIL) + value[-_KEPT_TAIL:]


def mask_name(name: str) -> str:
    """Keep the surname: "张*", "欧阳**". Separators in minority and Latin names stay visible."""
    kept = 2 if len(name) > 2 and name.startswith(_COMPOUND_SURNAMES) else 1
    masked = ("*" if ch not in _NAME_SEPARATORS else ch for ch in name[kept:])
    return name[:kept] + "".join(masked)


# Seven or more digits in a row, as personal numbers are written or read back ("138 1234 5678",
# "110105 19491231 002X", a card number ending in B1): spaces or hyphens may group them.
_PERSONAL_NUMBER = re.compile(r"[0-9](?:[ -]*[0-9Xx]){6,}(?:B[0-9]{1,3})?")


def mask_personal_numbers(text: str) -> str:
    """``text`` with every run of seven or more digits masked as ``mask_number`` masks one value,
    keeping the grouping: "电话：138 1234 5678" -> "电话：138 **** **78"."""
    return _PERSONAL_NUMBER.sub(_mask_run, text)


def _mask_run(match: re.Match[str]) -> str:
    run = match.group()
    symbols = [i for i, ch in enumerate(run) if ch not in " -"]
    hidden = set(symbols[_KEPT_HEAD : len(symbols) - _KEPT_TAIL])
    return "".join("*" if i in hidden else ch for i, ch in enumerate(run))
