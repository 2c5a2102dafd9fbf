"""One option out of a numbered list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import cn2an

from dialogs.validators.numbers import answer_number
from dialogs.validators.result import Invalid, Valid, ValidationResult
from dialogs.validators.text import normalize


@dataclass(frozen=True)
class ChoiceOption:
    """An option as offered: numbered from 1 in list order, chosen by number, label or synonym."""

    value: str
    label: str
    synonyms: tuple[str, ...] = ()


@lru_cache(maxsize=64)  # cn2an is slow, and the same few counts come up on every message
def _how_to_choose(count: int) -> str:
    numbers = "说一" if count == 1 else f"说一到{cn2an.an2cn(count)}之间的数字"
    return f"请{numbers}，或者说选项的名字。"


def _named(answer: str, options: Sequence[ChoiceOption]) -> list[ChoiceOption]:
    """The options whose longest label or synonym in ``answer`` is the longest found."""
    best: dict[int, int] = {}
    for index, option in enumerate(options):
        for name in (option.label, *option.synonyms):
            term = normalize(name)
            if term and term in answer:
                best[index] = max(best.get(index, 0), len(term))
    if not best:
        return []
    longest = max(best.values())
    return [options[index] for index, size in best.items() if size == longest]


def parse_choice(text: str, options: Sequence[ChoiceOption]) -> ValidationResult:
    """The option named or numbered in ``text``; a name wins over a number when both are heard."""
    if not options:
        raise ValueError("parse_choice needs at least one option")
    answer = normalize(text)
    named = _named(answer, options)
    if len(named) > 1:
        return Invalid("有几个选项都对得上。请说选项前面的数字。")
    if named:
        return Valid(value=named[0].value, display=named[0].label)
    number = answer_number(answer)
    if number is None:
        return Invalid(f"没有听出您选的是哪一个。{_how_to_choose(len(options))}")
    if not 1 <= number <= len(options):
        return Invalid(f"没有这个选项。{_how_to_choose(len(options))}")
    option = options[number - 1]
    return Valid(value=option.value, display=option.label)
