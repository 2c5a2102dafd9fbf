"""What goes into the dialog core and what comes out of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from dialogs.state import Conversation

CASE_ID_PLACEHOLDER = "{case_id}"
STATUS_PLACEHOLDER = "{cases}"
InboundKind = Literal["text", "subscribe", "choose", "unsupported", "voice"]


@dataclass(frozen=True)
class Inbound:
    """One message from a resident, already turned into text (speech is recognised before this).

    ``kind`` says what else a channel saw: a new follower (``subscribe``), a menu button naming a
    service (``choose``, with the service id as text), or something the service cannot read yet
    (``unsupported`` media, ``voice`` it could not turn into text).
    """

    text: str
    message_id: str
    now: float  # seconds since the epoch; the core never reads a clock
    kind: InboundKind = "text"
    confidence: float | None = None  # how sure speech recognition was of ``text``; None for typed text


@dataclass(frozen=True)
class Reply:
    """An abstract reply: channels render it as text, speech or both."""

    text: str
    options: tuple[str, ...] = ()  # choices, answered by number or by words
    items: tuple[str, ...] = ()  # a list to take note of (documents to bring), not to choose from

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"text": self.text, "options": list(self.options)}
        if self.items:
            data["items"] = list(self.items)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reply:
        return cls(
            text=str(data.get("text", "")),
            options=tuple(str(o) for o in data.get("options", ())),
            items=tuple(str(i) for i in data.get("items", ())),
        )


@dataclass(frozen=True)
class CreateCase:
    """File a request. Replies carrying ``CASE_ID_PLACEHOLDER`` are sent only after it is saved."""

    service: str
    team: str
    application_id: str
    answers: dict[str, Any]
    displays: dict[str, str]
    fields: dict[str, Any]
    notes: tuple[str, ...]
    urgent: bool = False


@dataclass(frozen=True)
class AddToCase:
    """Keep what the resident said on a request of theirs that staff have open (``case_id`` is its number).

    If that request is no longer open, the message is taken again as if it had never been filed."""

    case_id: str
    text: str


@dataclass(frozen=True)
class UpdateProfile:
    """Remember how this person wants to be answered, beyond this conversation."""

    mode: str
    speech_rate: int = 0  # -2 (slowest) … 2 (fastest)


@dataclass(frozen=True)
class RecordContactPreference:
    """The resident said how they want staff to reach them ("别给我打电话，有事发文字"): kept on their open
    requests, with their words (``said``)."""

    preference: str  # a ``dialogs.contact_preference.ContactPreference`` value
    said: str


@dataclass(frozen=True)
class ReportStatus:
    """Tell the resident where their requests stand: the reply carrying ``STATUS_PLACEHOLDER`` is
    filled in from the case store."""


Effect = CreateCase | AddToCase | UpdateProfile | ReportStatus | RecordContactPreference


@dataclass(frozen=True)
class StepResult:
    state: Conversation
    replies: tuple[Reply, ...]
    effects: tuple[Effect, ...] = field(default=())
