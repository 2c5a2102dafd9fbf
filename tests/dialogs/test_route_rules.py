"""A service the resident names outweighs one inferred from a circumstance (issue 12)."""

from __future__ import annotations

import pytest

from dialogs.intents import route
from dialogs.schema import Catalog


@pytest.mark.parametrize(
    ("said", "service"),
    [
        pytest.param(
            "不是，我问的是残疾证，我爸瘫在床上出不了门",
            "disability-card",
            id="the-card-named-beside-a-bedridden-father",
        ),
        pytest.param("我爸瘫在床上出不了门，想申请护理补贴", "nursing-allowance", id="the-allowance-named-beside-it"),
    ],
)
def test_a_named_service_outweighs_home_changes_inferred_from_a_barrier(
    catalog: Catalog, said: str, service: str
) -> None:
    assert route(said, catalog).service == service


def test_a_barrier_at_home_with_no_service_named_still_asks_for_home_changes(catalog: Catalog) -> None:
    assert route("家里门口有坎，轮椅出不了门", catalog).service == "home-accessibility"
