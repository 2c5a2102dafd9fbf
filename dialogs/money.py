""" "我能领什么钱": which money help may fit, from a yes/no question or two (content: ``money.yaml``).

Pure functions; the engine asks the questions and offers what fits.
"""

from __future__ import annotations

from collections.abc import Container

from dialogs.clauses import clauses
from dialogs.prepared import prepared
from dialogs.schema import MoneyHelp, MoneyQuestion
from dialogs.validators import normalize, parse_yes_no
from dialogs.validators.result import Valid


def money_clauses(text: str, money: MoneyHelp | None) -> str:
    """The clauses of ``text`` that ask about money, joined: "能领什么钱" of "我爸腿脚不好，能领什么钱"."""
    if money is None:
        return ""
    phrases = prepared(money, _normalized_phrases)
    asking = [part for part in map(normalize, clauses(text)) if any(phrase in part for phrase in phrases)]
    if not asking and any(phrase in normalize(text) for phrase in phrases):
        return normalize(text)  # a phrase across a comma
    return "".join(asking)


def _normalized_phrases(money: MoneyHelp) -> tuple[str, ...]:
    return tuple(normalize(phrase) for phrase in money.phrases)


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
