"""Words that work at any point of a conversation: help, repeat, back, restart, cancel, a person…"""

from __future__ import annotations

import re
from typing import Literal

from dialogs.person_request import asks_for_person
from dialogs.prepared import prepared
from dialogs.schema import Commands
from dialogs.validators import normalize

Command = Literal[
    "help",
    "repeat",
    "back",
    "restart",
    "cancel",
    "handoff",
    "menu",
    "greeting",
    "mode_voice",
    "mode_text",
    "mode_simple",
    "slower",
    "faster",
    "status",
]
_ORDER: tuple[Command, ...] = (
    "handoff",
    "status",
    "mode_voice",
    "mode_text",
    "mode_simple",
    "slower",
    "faster",
    "repeat",
    "restart",
    "back",
    "cancel",
    "help",
    "menu",
    "greeting",
)
# A command phrase inside a longer message counts only if little else was said ("请帮我转人工吧").
_SLACK = 4
# Asking for a person may come wrapped in courtesy; a greeting with anything after it is a request.
_SLACK_BY_COMMAND: dict[str, int] = {"handoff": 8, "greeting": 2, "status": 6}
# "我妈的护理补贴办得怎么样了", "上次申请的轮椅有结果了吗": a question about how a request is going, said at the
# end, is asked whatever it names before it (the service named is not a request to apply again).
_AT_END: frozenset[Command] = frozenset({"status"})
_AT_END_LIMIT = 40
_PARTICLES = "啊呀呢吧哦嘛啦"


# Each command's phrases, normalised, with how much else may be said around them; in ``_ORDER``.
_Phrases = tuple[tuple[Command, str, int], ...]


def _phrases(commands: Commands) -> _Phrases:
    return tuple(
        (command, wanted, _SLACK_BY_COMMAND.get(command, _SLACK))
        for command in _ORDER
        for wanted in (normalize(phrase) for phrase in getattr(commands, command))
        if wanted
    )


def _exact(commands: Commands) -> frozenset[str]:
    return frozenset(wanted for _command, wanted, _slack in prepared(commands, _phrases))


def _any_phrase(commands: Commands) -> re.Pattern[str]:
    # Plain words one after another: the regex engine skips ahead to their first characters, so one
    # search is far cheaper than testing every phrase in turn (most messages are answers, not commands).
    words = sorted({wanted for _command, wanted, _slack in prepared(commands, _phrases)}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words))) if words else re.compile(r"(?!)")


def detect_command(text: str, commands: Commands) -> Command | None:
    said = normalize(text)
    if not said:
        return None
    # Every test below needs a phrase inside the message (the end of ``plain`` is inside it too).
    if prepared(commands, _any_phrase).search(said) is not None:
        found = _phrase_command(said, commands)
        if found is not None:
            return found
    if asks_for_person(said):
        return "handoff"  # "我要找个活人问问": a person asked for in the resident's own words
    return None


def _phrase_command(said: str, commands: Commands) -> Command | None:
    plain = said.rstrip(_PARTICLES)
    for command, wanted, slack in prepared(commands, _phrases):
        if said == wanted or (wanted in said and len(said) <= len(wanted) + slack):
            return command
        if command in _AT_END and plain.endswith(wanted) and len(said) <= _AT_END_LIMIT:
            return command
    return None


def is_exact_command(text: str, commands: Commands) -> bool:
    """The whole message is a command phrase ("帮助"), so it is not an answer that merely contains one."""
    return normalize(text) in prepared(commands, _exact)
