from __future__ import annotations

import dialogs.validators as validators


def test_package_exports_the_whole_validator_api() -> None:
    expected = {
        "ChoiceOption", "DISABILITY_CATEGORIES", "DISABILITY_LEVELS", "DISTRICTS", "District", "Invalid",
        "Valid", "ValidationResult", "id_birth_date", "id_sex", "mask_name", "mask_number", "normalize",
        "parse_choice", "parse_disability", "parse_disability_card", "parse_district", "parse_id_number",
        "parse_mobile", "parse_person_name", "parse_yes_no", "spoken_digits",
    }  # fmt: skip

    assert set(validators.__all__) == expected
    assert all(hasattr(validators, name) for name in expected)
