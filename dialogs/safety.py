"""Words that signal danger: found anywhere in a message, before any question or flow sees it."""

from __future__ import annotations

from dataclasses import dataclass

from dialogs.prepared import prepared
from dialogs.schema import Safety, SafetyCategory
from dialogs.validators import normalize


@dataclass(frozen=True)
class Danger:
    """A danger found in a message: its category and the words that showed it."""

    category: SafetyCategory
    matched: str


def _phrases(safety: Safety) -> tuple[tuple[SafetyCategory, tuple[str, ...]], ...]:
    return tuple(
        (category, tuple(wanted for wanted in (normalize(p) for p in category.phrases) if wanted))
        for category in safety.categories
    )


def find_danger(text: str, safety: Safety) -> Danger | None:
    said = normalize(text)
    if not said:
        return None
    for category, phrases in prepared(safety, _phrases):
        for phrase in phrases:
            if phrase in said:
                return Danger(category, phrase)
    return None


def detect_crisis(text: str, safety: Safety) -> SafetyCategory | None:
    found = find_danger(text, safety)
    return None if found is None else found.category
