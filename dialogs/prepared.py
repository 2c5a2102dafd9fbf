"""Values worked out once from a piece of content (normalised phrases, indexes), kept while it lives.

Content objects are large frozen values, costly to hash, so the cache goes by identity; an entry is
dropped when its content object is collected, so an id reused later never finds a stale entry.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, TypeVar

Source = TypeVar("Source")
Value = TypeVar("Value")

_MISSING = object()
_prepared: dict[tuple[int, Callable[[Any], Any]], Any] = {}


def prepared(source: Source, build: Callable[[Source], Value]) -> Value:
    """``build(source)``, worked out on the first call for this very ``source`` object and remembered."""
    key = (id(source), build)
    found: Any = _prepared.get(key, _MISSING)
    if found is _MISSING:
        found = _prepared[key] = build(source)
        weakref.finalize(source, _prepared.pop, key, None)
    return found  # type: ignore[no-any-return]
