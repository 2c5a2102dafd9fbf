"""A disability category and/or level, said in words or digits."""

from __future__ import annotations

import re

from dialogs.validators.disability_codes import DISABILITY_LEVELS, describe_disability
from dialogs.validators.numbers import answer_number, numeral_value
from dialogs.validators.result import Invalid, Valid, ValidationResult
from dialogs.validators.text import normalize

# Longest first, so "多重残疾" is read before anything inside it.
_CATEGORY_WORDS: tuple[tuple[str, int], ...] = tuple(
    sorted(
        (
            *((word, 1) for word in ("视力", "视障", "盲", "失明", "看不见", "看不清", "眼睛")),
            *((word, 2) for word in ("听力", "听障", "聋", "听不见", "听不清", "耳朵", "手语")),
            *((word, 3) for word in ("言语", "语言", "哑", "说话", "不会说")),
            *((word, 4) for word in ("肢体", "残肢", "截肢", "瘫痪", "轮椅", "腿", "脚", "手", "胳膊")),
            *((word, 5) for word in ("智力", "智障", "弱智")),
            *((word, 6) for word in ("精神病", "精神")),
            *((word, 7) for word in ("多重", "多种")),
        ),
        key=lambda pair: -len(pair[0]),
    )
)
_MULTIPLE = 7
_LEVEL = re.compile(r"([0-9]+|[零〇幺一二两三四五六七八九十]+)级")
# Words around a bare level ("我是二级的") that do not change it.
_LEVEL_FILLERS = frozenset("我他她是的残疾人证级别等类型属于有啊吧呢了第")
_ASK_AGAIN = "disability_unclear"
_LEVEL_OUT_OF_RANGE = "disability_level_out_of_range"
_SEVERAL_LEVELS = "disability_several_levels"


def _categories(answer: str) -> tuple[set[int], str]:
    """Categories named in ``answer`` and what is left once their words are taken out."""
    found: set[int] = set()
    for word, category in _CATEGORY_WORDS:
        if word in answer:
            found.add(category)
            answer = answer.replace(word, " ")
    return found, answer


def _levels(rest: str) -> set[int]:
    said = {numeral_value(word) for word in _LEVEL.findall(rest)}
    if not said:
        # A bare number is a level too: "肢体2", "二", "等级是三".
        said = {answer_number(part, _LEVEL_FILLERS) for part in rest.split(" ")}
    return {level for level in said if level is not None}


def parse_disability(text: str) -> ValidationResult:
    """Category and level, either of them optional: "肢体二级", "二级", "听力", "2"."""
    categories, rest = _categories(normalize(text))
    # Two kinds at once (眼睛和耳朵) is what 多重残疾 means.
    category = (_MULTIPLE if len(categories) > 1 else next(iter(categories))) if categories else None
    levels = _levels(rest)
    if len(levels) > 1:
        return Invalid(_SEVERAL_LEVELS)
    level = levels.pop() if levels else None
    if level is not None and level not in DISABILITY_LEVELS:
        return Invalid(_LEVEL_OUT_OF_RANGE)
    if category is None and level is None:
        return Invalid(_ASK_AGAIN)
    return Valid(value={"category": category, "level": level}, display=describe_disability(category, level))
