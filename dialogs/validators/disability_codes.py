"""The disability categories and levels used on the 残疾人证 and how they are read aloud."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

DISABILITY_CATEGORIES: Mapping[int, str] = MappingProxyType(
    {1: "视力", 2: "听力", 3: "言语", 4: "肢体", 5: "智力", 6: "精神", 7: "多重"}
)
# 一级 is the most severe.
DISABILITY_LEVELS: Mapping[int, str] = MappingProxyType({1: "一级", 2: "二级", 3: "三级", 4: "四级"})


def describe_disability(category: int | None, level: int | None) -> str:
    """Read-back form: "肢体 二级", "肢体" or "二级"; the space keeps the parts apart when heard."""
    parts = [
        *([DISABILITY_CATEGORIES[category]] if category is not None else []),
        *([DISABILITY_LEVELS[level]] if level is not None else []),
    ]
    return " ".join(parts)
