"""Characters a regular expression cannot match without: a cheap test before an expensive search.

Content writes its danger phrases as regular expressions, a few hundred of them; searching a message
for all of them at once still tries every one at every position. Most messages hold none of the few
characters some phrase needs ("打我" needs 打 or 我, "(几|好几|一|两|三)天没.{0,2}(吃|饭)" needs 天), and
a set test proves that far faster. The set is worked out from the parsed pattern, so it is exact for
whatever syntax content uses; where no such set is known (``.+``, a class like ``\\w``, ignoring case,
a pattern that matches the empty string) there is none, and the caller searches as before.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Sequence
from typing import Any

# The standard library's own parser (``sre_parse`` before 3.11); read-only use of its parse tree.
_parser: Any = importlib.import_module("re._parser")

# Characters so common in what residents say that a set holding them proves little: when a phrase
# offers a choice ("打我": 打 or 我), the other one is taken. Only the speed of the test depends on it.
_COMMON = frozenset("我你他她的了是不有在一人这个要就都没也和想说去吗呢啊吧")
_LARGEST_RANGE = 64  # a class like [一-龥] says nothing useful

# What a part of a pattern needs: characters every match of it holds one of (None: not known), and
# whether it can match the empty string (then it needs nothing).
_Need = tuple[frozenset[str] | None, bool]
_UNKNOWN: _Need = (None, False)
_NOTHING: _Need = (None, True)


def needed_chars(patterns: Iterable[str]) -> frozenset[str] | None:
    """Characters of which every match of any of ``patterns`` holds at least one; None when unknown.

    A text that holds none of them matches none of the patterns.
    """
    needed: set[str] = set()
    for pattern in patterns:
        if re.compile(pattern).flags & re.IGNORECASE:
            return None
        chars, empty = _sequence(_parser.parse(pattern).data)
        if chars is None or empty:
            return None
        needed |= chars
    return frozenset(needed)


def _sequence(items: Sequence[tuple[Any, Any]]) -> _Need:
    """Parts one after another: any part that cannot be empty will do; the best such one is taken."""
    best: frozenset[str] | None = None
    empty = True
    for item in items:
        chars, can_be_empty = _item(item)
        if can_be_empty:
            continue
        empty = False
        if chars is not None and (best is None or _better(chars, best)):
            best = chars
    return best, empty


def _better(chars: frozenset[str], than: frozenset[str]) -> bool:
    return (len(chars & _COMMON), len(chars)) < (len(than & _COMMON), len(than))


def _item(item: tuple[Any, Any]) -> _Need:
    op, value = item
    name = op.name
    if name == "LITERAL":
        return frozenset(chr(value)), False
    if name == "IN":
        return _class(value), False
    if name in ("NOT_LITERAL", "ANY", "CATEGORY"):
        return _UNKNOWN
    if name == "SUBPATTERN":
        _group, add_flags, del_flags, inner = value
        chars, empty = _sequence(inner)
        return (None if add_flags or del_flags else chars), empty
    if name == "ATOMIC_GROUP":
        return _sequence(value)
    if name == "BRANCH":
        return _branch(value[1])
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        least, _most, inner = value
        return _NOTHING if least == 0 else _sequence(inner)
    # Anchors and lookarounds consume nothing; anything else is taken as possibly empty: never needed.
    return _NOTHING


def _branch(alternatives: Sequence[Sequence[tuple[Any, Any]]]) -> _Need:
    needed: set[str] = set()
    for alternative in alternatives:
        chars, empty = _sequence(alternative)
        if empty:
            return _NOTHING
        if chars is None:
            return _UNKNOWN
        needed |= chars
    return frozenset(needed), False


def _class(members: Sequence[tuple[Any, Any]]) -> frozenset[str] | None:
    chars: set[str] = set()
    for op, value in members:
        if op.name == "LITERAL":
            chars.add(chr(value))
        elif op.name == "RANGE" and value[1] - value[0] < _LARGEST_RANGE:
            chars.update(chr(code) for code in range(value[0], value[1] + 1))
        else:
            return None  # negated, a category (\\d, \\w) or a wide range
    return frozenset(chars)
