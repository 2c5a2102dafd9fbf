"""Answer validators for the dialog core: pure functions from what a resident said or typed to a
value to store, or a short spoken reason to ask again."""

from dialogs.validators.choice import ChoiceOption, parse_choice
from dialogs.validators.digits import spoken_digits
from dialogs.validators.disability import parse_disability
from dialogs.validators.disability_card import parse_disability_card
from dialogs.validators.disability_codes import DISABILITY_CATEGORIES, DISABILITY_LEVELS
from dialogs.validators.district import DISTRICTS, District, parse_district
from dialogs.validators.id_number import id_birth_date, id_sex, parse_id_number
from dialogs.validators.masking import mask_name, mask_number
from dialogs.validators.mobile import parse_mobile
from dialogs.validators.person_name import parse_person_name
from dialogs.validators.result import Invalid, Valid, ValidationResult
from dialogs.validators.text import normalize
from dialogs.validators.yes_no import parse_yes_no

__all__ = [
    "DISABILITY_CATEGORIES",
    "DISABILITY_LEVELS",
    "DISTRICTS",
    "ChoiceOption",
    "District",
    "Invalid",
    "Valid",
    "ValidationResult",
    "id_birth_date",
    "id_sex",
    "mask_name",
    "mask_number",
    "normalize",
    "parse_choice",
    "parse_disability",
    "parse_disability_card",
    "parse_district",
    "parse_id_number",
    "parse_mobile",
    "parse_person_name",
    "parse_yes_no",
    "spoken_digits",
]
