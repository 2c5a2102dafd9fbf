"""Plain values that cross the boundary between the case store, the pipeline and the staff API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

JSON = Any

Team = Literal["subsidy", "rehab", "legal", "hotline", "employment"]
TEAMS: tuple[str, ...] = ("subsidy", "rehab", "legal", "hotline", "employment")
Role = Literal["admin", "supervisor", "agent"]
ROLES: tuple[str, ...] = ("admin", "supervisor", "agent")
MODES: tuple[str, ...] = ("voice", "text", "simple")


class CaseStatus(StrEnum):
    NEW = "new"
    CLAIMED = "claimed"
    WAITING = "waiting"
    RESOLVED = "resolved"
    CLOSED = "closed"


@dataclass(frozen=True)
class Proxy:
    """Someone applying on the beneficiary's behalf."""

    relationship: str  # 子女, 父母, 配偶, 其他亲属, 监护人, 其他
    name: str
    phone: str


@dataclass(frozen=True)
class NewCase:
    """Everything the pipeline knows when a resident submits a request.

    ``answers`` may hold personal numbers; the store encrypts it whole. ``summary`` must not:
    it is shown in lists, so callers build it from masked values.
    """

    idempotency_key: str
    service: str
    team: str
    channel: str
    user_ref: str
    mode: str
    district: str | None
    contact_phone: str | None
    beneficiary_name: str | None
    proxy: Proxy | None
    answers: dict[str, JSON]
    transcript: list[dict[str, str]]
    summary: str
    urgent: bool = False


@dataclass(frozen=True)
class CaseSummary:
    """One row of a queue listing: no unmasked personal numbers."""

    id: int
    service: str
    team: str
    status: str
    district: str | None
    channel: str
    mode: str
    proxy: str | None  # the relationship, e.g. "子女"; None when the resident applied for themself
    created_at: datetime
    summary: str
    urgent: bool
    claimed_by: str | None


@dataclass(frozen=True)
class CaseEvent:
    id: int
    case_id: int
    kind: str  # created, viewed, claimed, replied, transferred, resolved, delivery_failed, ...
    actor: str  # a staff username, "resident" or "system"
    detail: dict[str, JSON]
    created_at: datetime


@dataclass(frozen=True)
class CaseDetail:
    """A whole case with decrypted personal data; reading one is audited by the store."""

    summary: CaseSummary
    user_ref: str
    beneficiary_name: str | None
    contact_phone: str | None
    proxy: Proxy | None
    answers: dict[str, JSON]
    transcript: list[dict[str, str]]
    events: list[CaseEvent] = field(default_factory=list)


@dataclass(frozen=True)
class StaffUser:
    id: int
    username: str
    role: str
    teams: tuple[str, ...]
    active: bool
    # An administrator reset the password: the person must choose a new one before anything else.
    must_change_password: bool = False
