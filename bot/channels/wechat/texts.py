"""Fit replies into WeChat text messages: each at most a couple of kilobytes, as few as possible."""

from __future__ import annotations

# The platform rejects customer-service text over 2048 bytes (45002); passive replies share the limit.
MAX_TEXT_BYTES = 2000
SEPARATOR = "\n\n"


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def split_long(text: str, limit: int = MAX_TEXT_BYTES) -> list[str]:
    """Cut one text at line ends (or, for a single huge line, at characters) into pieces under ``limit``."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while _size(line) > limit:
            cut = len(line)
            while _size(line[:cut]) > limit:
                cut = cut * 3 // 4
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if _size(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current:
        pieces.append(current)
    return pieces


def pack(texts: list[str], limit: int = MAX_TEXT_BYTES) -> list[str]:
    """Join replies into as few messages as fit, keeping their order."""
    messages: list[str] = []
    for text in texts:
        for piece in split_long(text, limit):
            if messages and _size(messages[-1] + SEPARATOR + piece) <= limit:
                messages[-1] = messages[-1] + SEPARATOR + piece
            else:
                messages.append(piece)
    return messages
