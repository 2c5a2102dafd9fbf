"""Words that work at any point of a conversation: help, repeat, back, restart, cancel, a person…"""

from __future__ import annotations

from typing import Literal

from dialogs.schema import Commands
from dialogs.validators import normalize

Command = Literal[
    "help", "repeat", "back", "restart", "cancel", "handoff", "menu", "mode_voice", "mode_text", "mode_simple"
]
_ORDER: tuple[Command, ...] = (
    "handoff",
    "mode_voice",
    "mode_text",
    "mode_simple",
    "repeat",
    "restart",
    "back",
    "cancel",
    "help",
    "menu",
)
# A command phrase inside a longer message counts only if little else was said ("请帮我转人工吧").
_SLACK = 4


def detect_command(text: str, commands: Commands) -> Command | None:
    said = normalize(text)
    if not said:
        return None
    for command in _ORDER:
        for phrase in getattr(commands, command):
            wanted = normalize(phrase)
            if said == wanted or (wanted in said and len(said) <= len(wanted) + _SLACK):
                return command
    return None
