"""The parts of a message between its punctuation: "帮我转人工，我想问问年审" is two clauses, each read on its own."""

from __future__ import annotations

import re

_BETWEEN = re.compile(r"[，,。.！!？?；;、\s]+")


def clauses(text: str) -> list[str]:
    """The clauses of ``text`` in order (an empty string where punctuation starts or ends it)."""
    return _BETWEEN.split(text)
