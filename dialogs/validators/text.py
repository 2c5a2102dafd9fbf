"""Text cleanup shared by the validators that match words."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# Variation selectors hang off emoji and would survive as invisible leftovers.
_VARIATION_SELECTORS = frozenset(chr(c) for c in (*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)))


def _dropped(ch: str) -> bool:
    category = unicodedata.category(ch)
    # C: control, format, unassigned; Z: spaces; P: punctuation; S: symbols and emoji; Me: keycap frames.
    return category[0] in "CZPS" or category == "Me" or ch in _VARIATION_SELECTORS


# Content phrases are normalised on every message (commands, routing, corrections): remember them.
@lru_cache(maxsize=8192)
def normalize(text: str) -> str:
    """Fold an answer to a canonical form for matching: NFKC (full width to half width), no
    whitespace, control characters, punctuation or symbols, Latin in lower case.

    Only for matching; never show the result to anyone.
    """
    folded = unicodedata.normalize("NFKC", text)
    kept = "".join(ch for ch in folded if not _dropped(ch)).lower()
    # Dropping a compatibility space ("´" is space + accent) can leave marks that compose anew.
    return unicodedata.normalize("NFKC", kept)
