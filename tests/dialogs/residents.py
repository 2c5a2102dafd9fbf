"""Simulated residents (tests/data/residents.yaml) talking to the dialog core, and what came of it.

A resident is a script of what they say to each question (by step id), said in order each time the
question is asked and the last line again after that: "肢体残疾" then "一级" is one answer in two turns.
At the summary they say their ``at_summary`` lines (corrections, then yes); to "您刚才说了……，对吗？"
they say yes when the offered answer is theirs; to the handoff offer they go on answering the question.

What counts: an application completed (filed with the answers expected), re-asks (a turn after which
nothing moved on: no question, answer or half answer changed), loops (the same question asked again
four times running without progress, or the handoff offer made twice), and false alarms (an urgent request from
a resident who said nothing dangerous). Only what every version of the core has is read, so the same
corpus measures the core before and after a change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dialogs.engine import step
from dialogs.events import CreateCase, Inbound, ReportStatus
from dialogs.render import render_spoken
from dialogs.schema import Catalog
from dialogs.spoken import sentences
from dialogs.state import Conversation
from tests.dialogs.conversation import START

CORPUS = Path(__file__).resolve().parents[1] / "data" / "residents.yaml"
MAX_TURNS = 45
URGENT_PROBLEM = "urgent requests"
LOOP_AFTER = 4  # the same question asked again this many times running without progress
OFFERS_IN_A_LOOP = 2  # or the handoff offer made this many times


@dataclass(frozen=True)
class Resident:
    id: str
    opening: tuple[str, ...]
    answers: Mapping[str, tuple[str, ...]]
    at_summary: tuple[str, ...] = ("是",)
    at_readback: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # by step id; "对" otherwise
    at_closing: tuple[str, ...] = ("好的",)  # to "要听下一项吗？" while the closing is read out
    mode_answer: str = "文字"
    afterwards: tuple[str, ...] = ()  # said once nothing is open any more ("批了没有" after filing)
    subscribe: bool = False
    danger: bool = False
    expect: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    resident: Resident
    turns: int = 0
    reasks: int = 0
    looped: bool = False
    filed: list[CreateCase] = field(default_factory=list)
    urgent: list[CreateCase] = field(default_factory=list)
    status_reports: int = 0  # how many times the service looked the resident's requests up
    mode: str = "text"
    problems: list[str] = field(default_factory=list)
    said: list[str] = field(default_factory=list)  # every line, for replaying through a channel
    heard: list[str] = field(default_factory=list)  # every reply, as text
    longest_heard: int = 0  # the most sentences in one message sent in voice or simple mode

    @property
    def completed(self) -> bool:
        return not self.problems

    @property
    def false_alarms(self) -> int:
        return 0 if self.resident.danger else len(self.urgent)


def load_residents(path: Path = CORPUS) -> list[Resident]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    residents = []
    for entry in data["residents"]:
        residents.append(
            Resident(
                id=entry["id"],
                opening=tuple(entry["opening"]),
                answers={k: tuple(v) if isinstance(v, list) else (v,) for k, v in entry.get("answers", {}).items()},
                at_summary=tuple(entry.get("at_summary", ["是"])),
                at_readback={k: tuple(v) for k, v in entry.get("at_readback", {}).items()},
                at_closing=tuple(entry.get("at_closing", ["好的"])),
                mode_answer=entry.get("mode_answer", "文字"),
                afterwards=tuple(entry.get("afterwards", ())),
                subscribe=bool(entry.get("subscribe", False)),
                danger=bool(entry.get("danger", False)),
                expect=entry.get("expect", {}),
            )
        )
    return residents


def _question(state: Conversation) -> tuple[Any, ...]:
    application = state.application
    if application is None:
        return ("menu", _kind(state.pending))
    return (application.step, application.phase, _kind(state.pending))


def _kind(pending: Any) -> Any:
    """The pending question's kind name: a value with its data in this core, a plain name in older ones."""
    return getattr(pending, "kind", pending)


def _progress_marks(state: Conversation) -> tuple[Any, ...]:
    application = state.application
    if application is None:
        # What is being read out or asked outside an application moves on too (newer cores only).
        extra = tuple(repr(getattr(state, name, None)) for name in ("reading", "screening", "offers"))
        return (None, state.pending, state.mode, *extra)
    partial = getattr(application, "partial", {})
    return (application.step, application.phase, state.pending, repr(application.answers), repr(partial), state.mode)


class _Talker:
    """What the resident says next, given where the conversation is."""

    def __init__(self, resident: Resident) -> None:
        self.resident = resident
        self.said_to: dict[str, int] = {}
        self.opening = list(resident.opening)
        self.afterwards = list(resident.afterwards)

    def next_line(self, state: Conversation, filed: bool) -> str | None:
        if self.opening:
            return self.opening.pop(0)
        pending = _kind(state.pending)
        application = state.application
        if pending == "mode":
            return self.resident.mode_answer
        if pending == "reading":  # "要听下一项吗？" after filing, in voice and simple modes
            return self._line("closing", self.resident.at_closing)
        if pending in ("which", "money", "offer", "guess") and application is None:
            return "是" if pending != "which" else "1"
        if application is None and pending is None and self.afterwards:
            return self.afterwards.pop(0)
        if application is None:
            return None  # nothing open: the resident is done (or the service stopped them)
        if pending == "proposal":
            return self._proposal(state, application)
        if pending == "readback":
            lines = self.resident.at_readback.get(application.step, ("对",))
            return self._line(f"readback:{application.step}", lines)
        if pending in ("resume", "cancel", "restart", "offer", "heard"):
            return "是"
        if application.phase != "asking":
            return self._line("summary", self.resident.at_summary)
        lines = self.resident.answers.get(application.step)
        if lines is None:
            return "不知道"
        return self._line(application.step, lines)

    def _line(self, key: str, lines: tuple[str, ...]) -> str:
        index = self.said_to.get(key, 0)
        self.said_to[key] = index + 1
        return lines[min(index, len(lines) - 1)]

    def _proposal(self, state: Conversation, application: Any) -> str:
        # The proposal is the pending question's own data (older cores kept it on the application).
        proposal = getattr(application, "proposal", None) or vars(state.pending)
        expected = self.resident.expect.get("answers", {}).get(proposal.get("step"))
        return "对" if expected is None or _matches(expected, proposal.get("value")) else "不是"


def _matches(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(_matches(v, actual.get(k)) for k, v in expected.items())
    return bool(expected == actual)


def converse(resident: Resident, catalog: Catalog) -> Outcome:
    outcome = Outcome(resident)
    state = Conversation()
    now = START
    if resident.subscribe:
        state = step(state, Inbound("", "follow", now, "subscribe"), catalog).state
    talker = _Talker(resident)
    repeated = 0
    offers = 0
    for turn in range(MAX_TURNS):
        text = talker.next_line(state, bool(outcome.filed))
        if text is None:
            break
        now += 60.0
        before_marks, before_question = _progress_marks(state), _question(state)
        result = step(state, Inbound(text, f"{resident.id}-{turn}", now), catalog)
        outcome.turns += 1
        outcome.said.append(text)
        outcome.heard.extend(reply.text for reply in result.replies)
        if result.state.mode != "text":
            longest = max((len(sentences(render_spoken(reply))) for reply in result.replies), default=0)
            outcome.longest_heard = max(outcome.longest_heard, longest)
        for effect in result.effects:
            if isinstance(effect, CreateCase):
                (outcome.urgent if effect.urgent else outcome.filed).append(effect)
            elif isinstance(effect, ReportStatus):
                outcome.status_reports += 1
        if _kind(result.state.pending) == "handoff" and _kind(state.pending) != "handoff":
            offers += 1
        state = result.state
        opening_turn = turn < len(resident.opening)
        if not opening_turn and _progress_marks(state) == before_marks and not result.effects:
            outcome.reasks += 1
            repeated = repeated + 1 if _question(state) == before_question else 1
            if repeated >= LOOP_AFTER:
                outcome.looped = True
        else:
            repeated = 0
        if offers >= OFFERS_IN_A_LOOP:
            outcome.looped = True
    outcome.mode = state.mode
    outcome.problems = _problems(resident, outcome, state)
    return outcome


def _problems(resident: Resident, outcome: Outcome, state: Conversation) -> list[str]:
    expect = resident.expect
    problems = []
    service = expect.get("filed")
    filed = [case for case in outcome.filed if case.service == service]
    if service is not None and len(filed) != 1:
        problems.append(f"expected one {service} request, got {[c.service for c in outcome.filed]}")
    for key, value in expect.get("answers", {}).items():
        if filed and not _matches(value, filed[0].answers.get(key)):
            problems.append(f"{key}: expected {value!r}, got {filed[0].answers.get(key)!r}")
    if "urgent" in expect and len(outcome.urgent) != expect["urgent"]:
        problems.append(f"{URGENT_PROBLEM}: expected {expect['urgent']}, got {len(outcome.urgent)}")
    for words in expect.get("heard", ()):  # said to the resident at some point ("110")
        if not any(words in text for text in outcome.heard):
            problems.append(f"never heard {words!r}")
    if "status" in expect and outcome.status_reports != expect["status"]:
        problems.append(f"status looked up {outcome.status_reports} times, expected {expect['status']}")
    if "mode" in expect and outcome.mode != expect["mode"]:
        problems.append(f"expected mode {expect['mode']}, got {outcome.mode}")
    if state.application is not None:
        problems.append(f"left unfinished at {state.application.step} ({state.application.phase})")
    if outcome.looped:
        problems.append("went round in a loop")
    return problems
