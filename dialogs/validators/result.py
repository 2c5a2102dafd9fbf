"""What every validator returns: an accepted answer or a reason to ask again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias


@dataclass(frozen=True)
class Valid:
    """An accepted answer.

    ``value`` is JSON-serialisable and goes into the case; ``display`` is how the answer is read
    back to the person in a summary.
    """

    value: Any
    display: str


@dataclass(frozen=True)
class Invalid:
    """A rejected answer. ``code`` names the reason (its words are content: ``content/reasons.yaml``,
    said to the person in plain Chinese: what was wrong and what to do); ``values`` fill its
    placeholders ("您说的是{count}位") and never hold a personal number."""

    code: str
    values: tuple[tuple[str, str], ...] = ()


ValidationResult: TypeAlias = Valid | Invalid
