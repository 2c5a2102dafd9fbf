"""One option out of a numbered list."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import cn2an

from dialogs.validators.numbers import answer_number
from dialogs.validators.result import Invalid, Valid, ValidationResult
from dialogs.validators.text import normalize
from dialogs.validators.yes_no import parse_yes_no


@dataclass(frozen=True)
class ChoiceOption:
    """An option as offered: numbered from 1 in list order, chosen by number, label or synonym."""

    value: str
    label: str
    synonyms: tuple[str, ...] = ()


# A name right after one of these is denied, not chosen: "不是特困", "没有特困也没有工伤".
_NEGATED = re.compile(r"(?:不是|没有|不|没|无|非|别)[也都还就再]?$")
_DENIED_AFTER = re.compile(r"^[也都还]?(?:没有|没|不是|不领|没领)")  # "工伤也没有"
# What "none of these" sounds like; an option named this way is the one a bare "不是" chooses.
_NONE_WORDS = frozenset(("没有", "都没有", "都不是", "不是", "没", "无", "都没", "没有这些"))


@lru_cache(maxsize=64)  # cn2an is slow, and the same few counts come up on every message
def _chinese(count: int) -> str:
    return str(cn2an.an2cn(count))


@lru_cache(maxsize=4096)  # the same few options are offered on every message
def _terms(option: ChoiceOption) -> tuple[str, ...]:
    return tuple(term for term in (normalize(name) for name in (option.label, *option.synonyms)) if term)


def _affirmed_length(answer: str, term: str) -> tuple[int, bool]:
    """(length of ``term`` if it occurs not under a negation, else 0; whether it occurs denied)."""
    denied = False
    start = answer.find(term)
    while start >= 0:
        before, after = answer[max(0, start - 3) : start], answer[start + len(term) :]
        if (_NEGATED.search(before) or _DENIED_AFTER.match(after)) and not term.startswith(("不", "没")):
            denied = True
        else:
            return len(term), denied
        start = answer.find(term, start + 1)
    return 0, denied


def _named(answer: str, options: Sequence[ChoiceOption]) -> tuple[list[ChoiceOption], bool]:
    """The options whose longest label or synonym in ``answer`` is the longest found, and whether
    some option was named only to be denied."""
    best: dict[int, int] = {}
    any_denied = False
    for index, option in enumerate(options):
        for term in _terms(option):
            if term not in answer:
                continue
            size, denied = _affirmed_length(answer, term)
            any_denied = any_denied or denied
            if size:
                best[index] = max(best.get(index, 0), size)
    if not best:
        return [], any_denied
    longest = max(best.values())
    return [options[index] for index, size in best.items() if size == longest], any_denied


def _none_option(options: Sequence[ChoiceOption]) -> ChoiceOption | None:
    """The "none of these" option, else the one negative option ("不需要") of a yes-or-no-like list."""
    found = [o for o in options if any(normalize(n) in _NONE_WORDS for n in (o.label, *o.synonyms))]
    if not found:
        found = [o for o in options if normalize(o.label).startswith(("不", "没"))]
    return found[0] if len(found) == 1 else None


# A no that chooses "none of these" is short ("不用了", "不要") or says there is none ("我们家都没有"). A longer
# no that refuses something else does not: "别给我打电话" is no answer to "您现在的收入是哪一种？".
_NONE_SAID = re.compile(r"没|不是|无|都不")
_SHORT_NO = 3


def _said_no(answer: str) -> bool:
    if answer in _NONE_WORDS:
        return True
    result = parse_yes_no(answer)
    return (
        isinstance(result, Valid)
        and result.value is False
        and (len(answer) <= _SHORT_NO or _NONE_SAID.search(answer) is not None)
    )


def parse_choice(text: str, options: Sequence[ChoiceOption], *, numbered: int | None = None) -> ValidationResult:
    """The option named or numbered in ``text``; a name wins over a number when both are heard.

    An option named under a negation ("不是特困") is not chosen; a plain no ("不是", "没有", "无"),
    or denying every option named, chooses the option that means "none of these" when there is one.
    Only the first ``numbered`` options (all by default) were heard with numbers: the others are
    chosen by name only (a long list is heard a few options at a time).
    """
    if not options:
        raise ValueError("parse_choice needs at least one option")
    count = len(options) if numbered is None else max(1, min(numbered, len(options)))
    answer = normalize(text)
    named, denied = _named(answer, options)
    if len(named) > 1:
        return Invalid("choice_ambiguous")
    if named:
        return Valid(value=named[0].value, display=named[0].label)
    number = answer_number(answer)
    none = _none_option(options)
    if number is None and none is not None and (denied or _said_no(answer)):
        return Valid(value=none.value, display=none.label)
    if number is None:
        return Invalid("choice_unclear", (("count", _chinese(count)),))
    if not 1 <= number <= count:
        return Invalid("choice_no_such", (("count", _chinese(count)),))
    option = options[number - 1]
    return Valid(value=option.value, display=option.label)
