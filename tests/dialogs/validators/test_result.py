from __future__ import annotations

import dataclasses
import json

import pytest

from dialogs.validators import Invalid, Valid, ValidationResult


def test_valid_carries_a_json_value_and_a_read_back_form() -> None:
    result = Valid(value={"code": "450206", "name": "柳江区"}, display="柳江区")

    assert json.loads(json.dumps(result.value)) == result.value
    assert result.display == "柳江区"


@pytest.mark.parametrize(
    "result",
    [pytest.param(Valid(value=True, display="是"), id="valid"), pytest.param(Invalid("text_empty"), id="invalid")],
)
def test_results_are_immutable_validation_results(result: ValidationResult) -> None:
    assert isinstance(result, ValidationResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.display = "x"  # type: ignore[union-attr,misc]
