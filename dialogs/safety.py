"""Words that signal danger: found anywhere in a message, before any question or flow sees it.

Content gives each danger category phrases and look-alikes as patterns over the normalised message.
Look-alikes are blanked out first, so "请打我手机" (call me) or "轮椅出不去" (a step at the door) never
reach the phrase "打我" or "出不去"; a phrase right after a negation ("没有人打我") does not count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dialogs.pattern_chars import needed_chars
from dialogs.prepared import prepared
from dialogs.schema import Catalog, Safety, SafetyCategory
from dialogs.state import Conversation
from dialogs.validators import normalize

_BLANK = "\x00"  # never in a normalised message: control characters are dropped


@dataclass(frozen=True)
class Danger:
    """A danger found in a message: its category and the words that showed it."""

    category: SafetyCategory
    matched: str


@dataclass(frozen=True)
class _Rules:
    categories: tuple[tuple[SafetyCategory, re.Pattern[str] | None, tuple[re.Pattern[str], ...]], ...]
    negations: tuple[str, ...]
    any_phrase: re.Pattern[str]  # every phrase of every category at once: most messages match none
    needed: frozenset[str] | None  # a message without any of these characters matches no phrase


def _any_of(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def _rules_for(categories: tuple[SafetyCategory, ...], negations: tuple[str, ...]) -> _Rules:
    return _Rules(
        categories=tuple(
            (
                category,
                _any_of(list(category.look_alikes)) if category.look_alikes else None,
                tuple(re.compile(p) for p in category.phrases),
            )
            for category in categories
        ),
        negations=tuple(sorted((n for n in (normalize(n) for n in negations) if n), key=len, reverse=True)),
        any_phrase=_any_of([p for category in categories for p in category.phrases]),
        needed=needed_chars(p for category in categories for p in category.phrases),
    )


def _rules(safety: Safety) -> _Rules:
    return _rules_for(safety.categories, safety.negations)


def _warning_rules(safety: Safety) -> _Rules:
    return _rules_for(safety.warnings, safety.negations)


def _blank(match: re.Match[str]) -> str:
    return _BLANK * len(match.group())


def find_danger(text: str, safety: Safety) -> Danger | None:
    return _find(normalize(text), prepared(safety, _rules))


def find_warning(text: str, safety: Safety) -> SafetyCategory | None:
    """A warning to say first ("被骗": call 110 now), before the message is handled as usual."""
    if not safety.warnings:
        return None
    found = _find(normalize(text), prepared(safety, _warning_rules))
    return None if found is None else found.category


def _find(said: str, rules: _Rules) -> Danger | None:
    if not said or not rules.categories:
        return None
    if rules.needed is not None and rules.needed.isdisjoint(said):
        return None  # proven in a set test; the search below tries every phrase at every position
    if rules.any_phrase.search(said) is None:
        return None  # blanking look-alikes only removes matches: no phrase in the message, no danger
    for category, look_alikes, phrases in rules.categories:
        seen = look_alikes.sub(_blank, said) if look_alikes is not None else said
        for phrase in phrases:
            for match in phrase.finditer(seen):
                if not seen[: match.start()].endswith(rules.negations):
                    return Danger(category, match.group())
    return None


def detect_crisis(text: str, safety: Safety) -> SafetyCategory | None:
    found = find_danger(text, safety)
    return None if found is None else found.category


def keeps_story(state: Conversation, catalog: Catalog, *, urgent_service: str) -> bool:
    """Whether a message that raised an alarm is also the answer to the question on screen: a step that
    takes free text ("事情经过") keeps the resident's own account instead of losing it to the alarm.
    Not in ``urgent_service`` itself: the urgent case already is that request, with the same words."""
    application = state.application
    if state.pending is not None or application is None or application.phase != "asking":
        return False
    if application.service == urgent_service:
        return False
    service = catalog.services.get(application.service)
    if service is None:
        return False
    try:
        return service.step(application.step).type == "text"
    except KeyError:
        return False
