"""Render abstract replies for reading (text channels) and for listening (speech)."""

from __future__ import annotations

from dialogs.events import Reply

_CHINESE_NUMBERS = "一二三四五六七八九"


def render_text(reply: Reply) -> str:
    """Text with its options numbered one per line, the form every channel can show."""
    if not reply.options:
        return reply.text
    lines = [reply.text, *(f"{number}. {label}" for number, label in enumerate(reply.options, start=1))]
    return "\n".join(lines)


def render_spoken(reply: Reply) -> str:
    """The same reply as it should be heard: each option announced with its number."""
    if not reply.options:
        return reply.text
    spoken = [f"说{_CHINESE_NUMBERS[i]}，{label}。" for i, label in enumerate(reply.options[:9])]
    return reply.text + "".join(spoken)
