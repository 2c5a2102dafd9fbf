"""Render abstract replies for reading (text channels) and for listening (speech)."""

from __future__ import annotations

from functools import lru_cache

import cn2an

from dialogs.events import Reply


@lru_cache(maxsize=256)  # cn2an is slow; lists are short, so the same few numbers come up every time
def _chinese(number: int) -> str:
    return str(cn2an.an2cn(number))


def render_text(reply: Reply) -> str:
    """Text with options numbered one per line (answerable by number) and items listed as 一、二、."""
    lines = [reply.text]
    lines.extend(f"{_chinese(n)}、{item}" for n, item in enumerate(reply.items, start=1))
    lines.extend(f"{n}. {label}" for n, label in enumerate(reply.options, start=1))
    return "\n".join(lines)


def render_spoken(reply: Reply) -> str:
    """The same reply as it should be heard: items counted, each option announced with its number."""
    spoken = [reply.text]
    spoken.extend(f"第{_chinese(n)}，{item}。" for n, item in enumerate(reply.items, start=1))
    spoken.extend(f"说{_chinese(n)}，{label}。" for n, label in enumerate(reply.options, start=1))
    return "".join(spoken)
