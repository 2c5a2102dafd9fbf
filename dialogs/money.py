""" "我能领什么钱": which money help may fit, from a yes/no question or two (content: ``money.yaml``).

Pure functions; the engine asks the questions and offers what fits.
"""

from __future__ import annotations

from collections.abc import Container

from dialogs.schema import MoneyHelp, MoneyQuestion
from dialogs.validators import normalize, parse_yes_no
from dialogs.validators.result import Valid


def asks_about_money(text: str, money: MoneyHelp | None) -> bool:
    if money is None:
        return False
    said = normalize(text)
    return any(normalize(phrase) in said for phrase in money.phrases)


def next_question(money: MoneyHelp, answered: tuple[bool, ...]) -> MoneyQuestion:
    return money.questions[min(len(answered), len(money.questions) - 1)]


def screening_answer(text: str, question: MoneyQuestion) -> bool | None:
    """Yes or no to a screening question, in its own words ("没领", "在领") or the usual ones; None
    when it is neither (the resident said something else)."""
    said = normalize(text)
    if any(normalize(word) in said for word in question.no_words):
        return False
    if any(normalize(word) in said for word in question.yes_words):
        return True
    result = parse_yes_no(text)
    return bool(result.value) if isinstance(result, Valid) else None


def fitting(money: MoneyHelp, answers: tuple[bool, ...], services: Container[str]) -> list[str]:
    """The services a yes made likely, in the order of the questions, each once."""
    found: list[str] = []
    for question, yes in zip(money.questions, answers, strict=False):
        found.extend(s for s in question.services if yes and s not in found and s in services)
    return found
