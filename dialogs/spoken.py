"""How much can be followed when heard once: the limits ``content check`` holds every prompt to.

A sentence ends at 。！？; one may run to about 80 characters (its commas are pauses, not stops), a
message heard in one go to about six sentences, and a simple-language form is one short group of at
most 80 characters. Longer lists are split by the engine (choices four at a time, the closing of an
application one part per message).
"""

from __future__ import annotations

import re

MAX_SENTENCE = 80
MAX_SENTENCES = 6
MAX_SIMPLE = 80

_SENTENCE_END = re.compile(r"(?<=[。！？!?])")


def sentences(text: str) -> list[str]:
    return [part for part in (p.strip() for p in _SENTENCE_END.split(text)) if part]


def too_long_to_hear(text: str, *, simple: bool = False) -> str | None:
    """Why ``text`` cannot be followed when heard once, or None when it can."""
    if simple and len(text) > MAX_SIMPLE:
        return f"the simple form has {len(text)} characters: at most {MAX_SIMPLE}"
    found = sentences(text)
    if len(found) > MAX_SENTENCES:
        return f"{len(found)} sentences: at most {MAX_SENTENCES} can be followed when heard at once"
    longest = max(found, key=len, default="")
    if len(longest) > MAX_SENTENCE:
        return f"a sentence of {len(longest)} characters ({longest[:12]}…): at most {MAX_SENTENCE} when heard"
    return None
