"""A conversation as a value: what is stored between messages, and how it (de)serialises."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from dialogs.evolve import evolve
from dialogs.pending import PendingQuestion, pending_dict, pending_from

Mode = Literal["voice", "text", "simple"]
Phase = Literal["asking", "confirming", "choosing_correction"]
MODES: tuple[Mode, ...] = ("voice", "text", "simple")
PHASES: tuple[Phase, ...] = ("asking", "confirming", "choosing_correction")

TRANSCRIPT_LIMIT = 60
SAID_LIMIT = 20


@dataclass(frozen=True)
class Turn:
    who: Literal["resident", "bot"]
    text: str


@dataclass(frozen=True)
class Application:
    """One request being filled in."""

    service: str
    application_id: str
    step: str
    answers: dict[str, Any] = field(default_factory=dict)
    displays: dict[str, str] = field(default_factory=dict)
    history: tuple[str, ...] = ()
    phase: Phase = "asking"
    correcting: bool = False  # answering one step again from the summary, then back to the summary
    partial: dict[str, Any] = field(default_factory=dict)  # half an answer kept: "肢体残疾", then "一级"
    said: tuple[str, ...] = ()  # what the resident said so far, read for answers to later questions
    proposed: tuple[str, ...] = ()  # steps already offered that way: never offered twice
    paged: str = ""  # the choice step whose later options are being heard (long lists come a few at a time)
    # Answers to later steps said early ("我爸叫刘建国" at the phone question): step -> value, display, quote.
    held: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Conversation:
    mode: Mode = "text"
    application: Application | None = None
    pending: PendingQuestion | None = None  # a question outside the application, with its data
    misunderstood: int = 0
    last_replies: tuple[dict[str, Any], ...] = ()
    last_seen: float = 0.0
    transcript: tuple[Turn, ...] = ()
    greeted: bool = False
    mode_asked: bool = False  # a new follower is asked once how they want answers: voice, text or simple
    speech_rate: int = 0  # -2 … 2, for spoken answers
    menu_group: str = ""  # the group whose short menu was shown last: numbers then choose within it
    paused: Application | None = None  # put aside when the resident turned to another request
    mode_later: bool = False  # the first message was not an answer to the mode question: ask it later
    # The request for a person this conversation filed, and the application it was about ("" for none):
    # while staff have it open, asking for a person again adds to it rather than filing another.
    handoff_case: str = ""
    handoff_for: str = ""

    def with_turns(self, *turns: Turn) -> Conversation:
        return evolve(self, transcript=(self.transcript + turns)[-TRANSCRIPT_LIMIT:])

    def to_dict(self) -> dict[str, Any]:
        # Written on every message: spelled out, as dataclasses.asdict deep-copies every value.
        application = self.application
        return {
            "mode": self.mode,
            "application": None if application is None else _application_dict(application),
            "pending": pending_dict(self.pending),
            "misunderstood": self.misunderstood,
            "last_replies": list(self.last_replies),
            "last_seen": self.last_seen,
            "transcript": [{"who": t.who, "text": t.text} for t in self.transcript],
            "greeted": self.greeted,
            "mode_asked": self.mode_asked,
            "speech_rate": self.speech_rate,
            "menu_group": self.menu_group,
            "paused": None if self.paused is None else _application_dict(self.paused),
            "mode_later": self.mode_later,
            "handoff_case": self.handoff_case,
            "handoff_for": self.handoff_for,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Conversation:
        """Rebuild a stored conversation; anything unreadable starts a fresh one rather than failing."""
        try:
            application = data.get("application")
            return cls(
                mode=_one_of(data.get("mode"), MODES, "text"),
                application=_application_from(application) if application else None,
                pending=pending_from(data.get("pending"), data),
                misunderstood=int(data.get("misunderstood", 0)),
                last_replies=tuple(r for r in data.get("last_replies", ()) if isinstance(r, dict)),
                last_seen=float(data.get("last_seen", 0.0)),
                transcript=tuple(Turn(who=t["who"], text=t["text"]) for t in data.get("transcript", ())),
                greeted=bool(data.get("greeted", False)),
                mode_asked=bool(data.get("mode_asked", False)),
                speech_rate=max(-2, min(2, int(data.get("speech_rate", 0)))),
                menu_group=str(data.get("menu_group", ""))[:60],
                paused=_application_from(data["paused"]) if data.get("paused") else None,
                mode_later=bool(data.get("mode_later", False)),
                handoff_case=str(data.get("handoff_case", ""))[:20],
                handoff_for=str(data.get("handoff_for", ""))[:120],
            )
        except (TypeError, KeyError, ValueError, AttributeError):
            return cls()


def _application_dict(application: Application) -> dict[str, Any]:
    return {
        "service": application.service,
        "application_id": application.application_id,
        "step": application.step,
        "answers": dict(application.answers),
        "displays": dict(application.displays),
        "history": list(application.history),
        "phase": application.phase,
        "correcting": application.correcting,
        "partial": dict(application.partial),
        "said": list(application.said),
        "proposed": list(application.proposed),
        "paged": application.paged,
        "held": dict(application.held),
    }


def _one_of(value: Any, allowed: tuple[Any, ...], default: Any) -> Any:
    return value if value in allowed else default


def _application_from(data: dict[str, Any]) -> Application:
    return Application(
        service=str(data["service"]),
        application_id=str(data["application_id"]),
        step=str(data["step"]),
        answers=dict(data.get("answers", {})),
        displays=dict(data.get("displays", {})),
        history=tuple(str(h) for h in data.get("history", ())),
        phase=_one_of(data.get("phase"), PHASES, "asking"),
        correcting=bool(data.get("correcting", False)),
        partial=dict(data.get("partial") or {}),
        said=tuple(str(s) for s in data.get("said", ()))[-SAID_LIMIT:],
        proposed=tuple(str(s) for s in data.get("proposed", ())),
        paged=str(data.get("paged", ""))[:60],
        held={str(k): v for k, v in (data.get("held") or {}).items() if isinstance(v, dict)},
    )
