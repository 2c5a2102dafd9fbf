from __future__ import annotations

import pytest

from dialogs.validators import DISABILITY_CATEGORIES, DISABILITY_LEVELS
from dialogs.validators.disability_codes import describe_disability


def test_categories_and_levels_follow_the_card_codes() -> None:
    assert dict(DISABILITY_CATEGORIES) == {
        1: "视力",
        2: "听力",
        3: "言语",
        4: "肢体",
        5: "智力",
        6: "精神",
        7: "多重",
    }
    assert dict(DISABILITY_LEVELS) == {1: "一级", 2: "二级", 3: "三级", 4: "四级"}


@pytest.mark.parametrize(
    ("category", "level", "expected"),
    [
        pytest.param(4, 2, "肢体 二级", id="both"),
        pytest.param(1, None, "视力", id="category-only"),
        pytest.param(None, 3, "三级", id="level-only"),
        pytest.param(None, None, "", id="neither"),
    ],
)
def test_disability_is_read_back_category_first(category: int | None, level: int | None, expected: str) -> None:
    assert describe_disability(category, level) == expected
