"""``evolve(value, **changes)``: ``dataclasses.replace`` for the conversation's frozen values, faster.

A message changes the conversation several times over, and ``dataclasses.replace`` goes through every
field and ``__init__`` each time; for the plain frozen dataclasses of ``state.py`` (no ``__post_init__``,
no init-only fields, no slots) copying the instance dictionary gives the same value several times
faster. Type checkers see ``dataclasses.replace`` itself, so field names and types are still checked
statically; field names are checked at run time as well.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, TypeVar

Value = TypeVar("Value")


_FIELDS: dict[type, frozenset[str]] = {}


def _field_names(kind: type) -> frozenset[str]:
    names = _FIELDS.get(kind)
    if names is None:
        if not dataclasses.is_dataclass(kind) or hasattr(kind, "__slots__") or hasattr(kind, "__post_init__"):
            raise TypeError(f"evolve() needs a plain dataclass, not {kind.__name__}")
        names = _FIELDS[kind] = frozenset(f.name for f in dataclasses.fields(kind) if f.init)
    return names


def _evolve(value: Value, /, **changes: Any) -> Value:
    kind: type = type(value)
    if not _field_names(kind).issuperset(changes):
        unknown = changes.keys() - _field_names(kind)
        raise TypeError(f"{kind.__name__} has no field {', '.join(sorted(unknown))}")
    copied: Any = object.__new__(kind)
    fields = copied.__dict__
    fields.update(value.__dict__)
    fields.update(changes)
    return copied  # type: ignore[no-any-return]


__all__ = ["evolve"]

if TYPE_CHECKING:
    from dataclasses import replace as evolve
else:
    evolve = _evolve
