"""Words that work at any point of a conversation: help, repeat, back, restart, cancel, a person…"""

from __future__ import annotations

import re
from typing import Literal

from dialogs.clauses import clauses
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
    alone = said.rstrip(_PARTICLES)
    if alone in map(normalize, commands.mode_voice_alone):
        return "mode_voice"
    if alone in map(normalize, commands.mode_text_alone):
        return "mode_text"
    # Every test below needs a phrase inside the message (the end of ``plain`` is inside it too).
    if prepared(commands, _any_phrase).search(said) is not None:
        if _declines_a_person(said, commands):
            return None  # "不用转人工，我自己填": the words of the command, said to refuse it
        found = _phrase_command(said, commands)
        if found is not None:
            return found
        found = _command_in_a_clause(text, commands)
        if found is not None:
            return found  # "帮我转人工，我想问问残疾证年审的事", "我听不懂，说简单一点"
    if asks_for_person(said):
        return "handoff"  # "我要找个活人问问": a person asked for in the resident's own words
    return None


_REFUSING = "不要|不用|不想|不需要|不必|别|甭|无需|没必要"
_DECLINING = f"(?:{_REFUSING})(?:再|帮我|给我|去)?"


def _person_phrases(commands: Commands) -> tuple[str, ...]:
    return tuple(wanted for command, wanted, _slack in prepared(commands, _phrases) if command == "handoff")


def _declining(commands: Commands) -> re.Pattern[str]:
    words = "|".join(map(re.escape, sorted(prepared(commands, _person_phrases), key=len, reverse=True)))
    return re.compile(f"{_DECLINING}(?:{words})") if words else re.compile(r"(?!)")


def _declines_a_person(said: str, commands: Commands) -> bool:
    return prepared(commands, _declining).search(said) is not None


# Commands that may come with other words in other clauses: a request for a person, for another way of
# answering. (Not "取消" or "重复": "不知道，取消吧" may answer a question.)
_IN_A_CLAUSE: frozenset[Command | None] = frozenset(
    {"handoff", "mode_voice", "mode_text", "mode_simple", "slower", "faster"}
)
# A clause this long besides the request for a person says what the person is wanted for.
_SAYS_WHAT = 4


def says_what_for(text: str, commands: Commands) -> bool:
    """ "帮我转人工，我想问问残疾证年审的事": besides asking for a person, what it is about ("谢谢" is not)."""
    phrases = prepared(commands, _person_phrases)
    return any(
        len(said) >= _SAYS_WHAT and not any(wanted in said for wanted in phrases)
        for said in (normalize(clause) for clause in clauses(text))
    )


def _command_in_a_clause(text: str, commands: Commands) -> Command | None:
    """A request about the conversation itself (a person, how answers are said) in a clause of its own,
    whatever the other clauses say."""
    for clause in clauses(text):
        said = normalize(clause)
        found = _phrase_command(said, commands) if said else None
        if found in _IN_A_CLAUSE:
            return found
    return None


# Said right before a command's words, a denial refuses it: "不要取消" cancels nothing, and "我不用语音" asks for
# the other way of answering (a deaf resident must never be switched to voice by saying so).
_DENIED = re.compile(f"(?:{_REFUSING}|不)(?:再|帮我|给我|去|发|用)?$")
_OPPOSITE: dict[Command, Command] = {"mode_voice": "mode_text", "mode_text": "mode_voice"}


def _phrase_command(said: str, commands: Commands) -> Command | None:
    plain = said.rstrip(_PARTICLES)
    for command, wanted, slack in prepared(commands, _phrases):
        if said == wanted or (wanted in said and len(said) <= len(wanted) + slack):
            if _DENIED.search(said[: said.index(wanted)]):
                return _OPPOSITE.get(command)
            return command
        if command in _AT_END and plain.endswith(wanted) and len(said) <= _AT_END_LIMIT:
            return command
    return None


def is_exact_command(text: str, commands: Commands) -> bool:
    """The whole message is a command phrase ("帮助"), so it is not an answer that merely contains one."""
    return normalize(text) in prepared(commands, _exact)
