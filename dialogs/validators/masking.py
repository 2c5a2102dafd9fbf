"""Masked forms of personal values for logs and staff lists."""

from __future__ import annotations

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
