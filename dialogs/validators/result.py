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
    """A rejected answer. ``reason`` is read (and spoken) to the person, so it is short plain
    Chinese saying what was wrong and what to do, and never repeats a personal number."""

    reason: str


ValidationResult: TypeAlias = Valid | Invalid
