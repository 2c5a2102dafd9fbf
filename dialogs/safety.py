"""Words that signal danger: found anywhere in a message, before any question or flow sees it."""

from __future__ import annotations

from dialogs.prepared import prepared
from dialogs.schema import Safety, SafetyCategory
from dialogs.validators import normalize


def _phrases(safety: Safety) -> tuple[tuple[SafetyCategory, tuple[str, ...]], ...]:
    return tuple(
        (category, tuple(wanted for wanted in (normalize(p) for p in category.phrases) if wanted))
        for category in safety.categories
    )


def detect_crisis(text: str, safety: Safety) -> SafetyCategory | None:
    said = normalize(text)
    if not said:
        return None
    for category, phrases in prepared(safety, _phrases):
        if any(phrase in said for phrase in phrases):
            return category
    return None
