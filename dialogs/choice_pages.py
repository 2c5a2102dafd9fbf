"""Long lists of choices heard a few at a time: never more than five options at once.

A choice step with more than five options is asked with its first four and a fifth option for the
rest; numbers then choose on the page heard, and any option can always be chosen by its words.
"""

from __future__ import annotations

from dialogs.schema import Option, Step
from dialogs.validators import ChoiceOption, ValidationResult, parse_choice

AT_ONCE = 5
FIRST_PAGE = AT_ONCE - 1
MORE = "__more__"


def is_paged(step: Step) -> bool:
    return step.type == "choice" and len(step.options) > AT_ONCE


def page(step: Step, *, later: bool) -> tuple[Option, ...]:
    """The options heard now: the first four (then "more"), or the rest."""
    if not is_paged(step):
        return step.options
    return step.options[FIRST_PAGE:] if later else step.options[:FIRST_PAGE]


def labels(step: Step, *, later: bool, more: str) -> tuple[str, ...]:
    heard = tuple(option.label for option in page(step, later=later))
    return (*heard, more) if is_paged(step) and not later else heard


def parse_page(step: Step, text: str, *, later: bool, more: ChoiceOption) -> ValidationResult:
    """The option chosen at a paged question: by number on the page heard, by words from any page.
    ``more.value`` (:data:`MORE`) when the resident asks for the rest."""
    heard = [ChoiceOption(o.value, o.label, o.synonyms) for o in page(step, later=later)]
    if not later:
        heard.append(more)
    chosen = {option.value for option in heard}
    rest = [ChoiceOption(o.value, o.label, o.synonyms) for o in step.options if o.value not in chosen]
    return parse_choice(text, [*heard, *rest], numbered=len(heard))
