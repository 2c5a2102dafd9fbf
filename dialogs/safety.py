"""Words that signal danger: found anywhere in a message, before any question or flow sees it."""

from __future__ import annotations

from dialogs.schema import Safety, SafetyCategory
from dialogs.validators import normalize


def detect_crisis(text: str, safety: Safety) -> SafetyCategory | None:
    said = normalize(text)
    if not said:
        return None
    for category in safety.categories:
        if any(normalize(phrase) in said for phrase in category.phrases):
            return category
    return None
