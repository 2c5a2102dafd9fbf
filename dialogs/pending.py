"""Questions outside an application's own steps, each a value carrying exactly what it needs.

"要现在申请护理补贴吗？" knows which service it offers; "要听下一项吗？" the parts still to be heard;
"您是说……吗？" what speech recognition heard. The engine asks and answers each by its type.
Stored as ``{"kind": ..., <its fields>}``; conversations stored before, with a kind name and the
question's data in loose fields beside it, still load (``pending_from``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

HEARD_LIMIT = 500
REQUEST_LIMIT = 200  # as an application keeps what was said
PART_LIMIT = 2000
PARTS_LIMIT = 20
ID_LIMIT = 60
SCREENING_LIMIT = 5


@dataclass(frozen=True)
class Resume:
    """ "接着填、重新开始，还是不办了？" after a long pause or a paused application's return."""

    kind: ClassVar[str] = "resume"


@dataclass(frozen=True)
class Cancel:
    """ "确定不办了吗？" """

    kind: ClassVar[str] = "cancel"


@dataclass(frozen=True)
class Restart:
    """ "确定从头开始吗？" """

    kind: ClassVar[str] = "restart"


@dataclass(frozen=True)
class Handoff:
    """ "要不要请工作人员帮您？" after misunderstandings."""

    kind: ClassVar[str] = "handoff"


@dataclass(frozen=True)
class ModeQuestion:
    """How a new follower wants answers: voice, text or simple words."""

    kind: ClassVar[str] = "mode"


@dataclass(frozen=True)
class ReadBack:
    """ "我听到的身份证号码是：… 对吗？" for the current step's answer, in voice mode."""

    kind: ClassVar[str] = "readback"


@dataclass(frozen=True)
class Heard:
    """ "您是说……吗？" for speech recognised with low confidence."""

    text: str
    kind: ClassVar[str] = "heard"


@dataclass(frozen=True)
class Offer:
    """ "要现在申请……吗？" after a question was answered or a guess was made; ``request``: the words that led
    to it, which open the application as its request would ("我的残疾证丢了，想补办" offers 补办)."""

    service: str
    request: str = ""
    kind: ClassVar[str] = "offer"


@dataclass(frozen=True)
class Guess:
    """ "您是想办……吗？ 1. …… 2. 别的事": one weak guess at what the resident wants, with a way out."""

    service: str
    kind: ClassVar[str] = "guess"


@dataclass(frozen=True)
class Proposal:
    """ "您刚才说了……，对吗？": an answer to ``step`` found in what the resident said before."""

    step: str
    value: Any
    quote: str  # the resident's own words it came from
    kind: ClassVar[str] = "proposal"


@dataclass(frozen=True)
class Reading:
    """The closing of an application still to be heard, one part per "要听下一项吗？"."""

    parts: tuple[str, ...]
    kind: ClassVar[str] = "reading"


@dataclass(frozen=True)
class Which:
    """ "您是想问A，还是B？" """

    first: str
    second: str
    kind: ClassVar[str] = "which"


@dataclass(frozen=True)
class Money:
    """ "我能领什么钱": the yes/no answers so far to the screening questions; ``request``: the words that asked,
    which open the application the screening leads to as its request would ("我妈眼睛看不见…" names her)."""

    answers: tuple[bool, ...] = ()
    request: str = ""
    kind: ClassVar[str] = "money"


PendingQuestion = (
    Resume
    | Cancel
    | Restart
    | Handoff
    | ModeQuestion
    | ReadBack
    | Heard
    | Offer
    | Guess
    | Proposal
    | Reading
    | Which
    | Money
)
KINDS: tuple[type[PendingQuestion], ...] = (
    Resume, Cancel, Restart, Handoff, ModeQuestion, ReadBack, Heard, Offer, Guess, Proposal, Reading, Which, Money,
)  # fmt: skip
_PLAIN: dict[str, PendingQuestion] = {
    kind.kind: kind() for kind in (Resume, Cancel, Restart, Handoff, ModeQuestion, ReadBack)
}


def pending_dict(pending: PendingQuestion | None) -> dict[str, Any] | None:
    if pending is None:
        return None
    data: dict[str, Any] = {"kind": pending.kind}
    match pending:
        case Heard(text=text):
            data["text"] = text
        case Offer(service=service, request=request):
            data["service"] = service
            if request:
                data["request"] = request
        case Guess(service=service):
            data["service"] = service
        case Proposal(step=step, value=value, quote=quote):
            data.update(step=step, value=value, quote=quote)
        case Reading(parts=parts):
            data["parts"] = list(parts)
        case Which(first=first, second=second):
            data.update(first=first, second=second)
        case Money(answers=answers, request=request):
            data["answers"] = list(answers)
            if request:
                data["request"] = request
    return data


def pending_from(stored: Any, legacy: dict[str, Any]) -> PendingQuestion | None:
    """The pending question of a stored conversation.

    ``stored`` is what ``pending_dict`` wrote, or (before pending questions were values) the kind's
    name, its data then in ``legacy``: the stored conversation's ``heard``, ``offer``, ``reading``,
    ``offers`` and ``screening`` fields and the application's ``proposal``. A question whose data is
    missing is dropped: the open question is asked instead, as before.
    """
    if isinstance(stored, dict):
        kind, data = stored.get("kind"), stored
    elif isinstance(stored, str):
        kind, data = stored, _from_legacy(stored, legacy)
    else:
        return None
    if kind in _PLAIN:
        return _PLAIN[kind]
    if kind == "heard":
        return Heard(str(data.get("text", ""))[:HEARD_LIMIT])
    if kind == "offer":
        return Offer(str(data.get("service", ""))[:ID_LIMIT], str(data.get("request", ""))[:REQUEST_LIMIT])
    if kind == "guess":
        return Guess(str(data.get("service", ""))[:ID_LIMIT])
    if kind == "proposal":
        if "step" not in data:
            return None
        return Proposal(str(data["step"])[:ID_LIMIT], data.get("value"), str(data.get("quote", ""))[:200])
    if kind == "reading":
        parts = tuple(str(p)[:PART_LIMIT] for p in data.get("parts") or ())[:PARTS_LIMIT]
        return Reading(parts) if parts else None
    if kind == "which":
        first, second = str(data.get("first", ""))[:ID_LIMIT], str(data.get("second", ""))[:ID_LIMIT]
        return Which(first, second) if first and second else None
    if kind == "money":
        answers = tuple(bool(a) for a in data.get("answers") or ())[:SCREENING_LIMIT]
        return Money(answers, str(data.get("request", ""))[:REQUEST_LIMIT])
    return None


def _from_legacy(kind: str, legacy: dict[str, Any]) -> dict[str, Any]:
    if kind == "heard":
        return {"text": legacy.get("heard", "")}
    if kind == "offer":
        return {"service": legacy.get("offer", "")}
    if kind == "proposal":
        application = legacy.get("application") or {}
        return dict(application.get("proposal") or {})
    if kind == "reading":
        return {"parts": legacy.get("reading") or ()}
    if kind == "which":
        offers = list(legacy.get("offers") or ())
        return {"first": offers[0], "second": offers[1]} if len(offers) == 2 else {}
    if kind == "money":
        return {"answers": legacy.get("screening") or ()}
    return {}


def kind_of(pending: PendingQuestion | None) -> str | None:
    """The kind's name ("offer", "reading", …), for logs and summaries; None when nothing is pending."""
    return None if pending is None else pending.kind
