"""Database tables of cases, their audit events, staff accounts and resident preferences.

The migration in ``bot/storage/migrations/versions`` must create exactly these; a test compares them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on both backends: SQLite keeps no offset, so values are stored as naive UTC
    (which also keeps its text ordering chronological) and read back as aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class StaffUserRow(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    teams: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, server_default=true())
    # Set by an administrator's password reset: the person chooses a new password at their next login.
    must_change_password: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, server_default=func.now())

    __table_args__ = (CheckConstraint("role IN ('admin', 'supervisor', 'agent')", name="role"),)


# What the dashboard counts cases by (bot/staff/dashboard/figures.py), beside ``created_at`` in one index.
FIGURE_COLUMNS = (
    "service",
    "district",
    "channel",
    "mode",
    "proxy_relationship",
    "outcome",
    "team",
    "urgent",
    "first_claimed_at",
    "first_resolved_at",
)


class CaseRow(Base):
    __tablename__ = "cases"

    # The id is the case number told to residents; AUTOINCREMENT stops SQLite from ever reusing one.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    service: Mapped[str] = mapped_column(String(64))
    team: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), server_default=text("'new'"))
    district: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(32))
    user_ref: Mapped[str] = mapped_column(String(128))
    mode: Mapped[str] = mapped_column(String(16))
    proxy_relationship: Mapped[str | None] = mapped_column(String(32))
    urgent: Mapped[bool] = mapped_column(Boolean, server_default=false())
    summary: Mapped[str] = mapped_column(Text)
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    answers_enc: Mapped[bytes] = mapped_column(LargeBinary)
    transcript_enc: Mapped[bytes] = mapped_column(LargeBinary)
    contact_enc: Mapped[bytes] = mapped_column(LargeBinary)
    names_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, server_default=func.now()
    )
    # When the retention job (or a resident's request) erased the encrypted personal data; counts stay.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How it ended (the resolve event's outcome, kept here too so reports count it without the events).
    outcome: Mapped[str | None] = mapped_column(String(32))
    # The earliest claimed and resolved events, copied by a database trigger (migration 0007): never written
    # here, always equal to a recount of the events.
    first_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        # Every column the dashboard counts, in the index on PostgreSQL: a period is read without the table.
        Index("ix_cases_figures", "created_at", postgresql_include=list(FIGURE_COLUMNS)),
        Index("ix_cases_urgent_created_at", "created_at", postgresql_where=text("urgent"), sqlite_where=text("urgent")),
        Index("ix_cases_service_outcome", "service", "outcome"),
        # Open cases only (few, however many finished ones there are): the dashboard's "past due now".
        Index(
            "ix_cases_open_created_at",
            "team",
            "created_at",
            postgresql_where=text("status IN ('new', 'claimed', 'waiting')"),
            sqlite_where=text("status IN ('new', 'claimed', 'waiting')"),
        ),
        Index("ix_cases_queue", "team", "status", "urgent", "created_at"),
        Index("ix_cases_channel_user_ref", "channel", "user_ref"),
        CheckConstraint("status IN ('new', 'claimed', 'waiting', 'resolved', 'closed')", name="status"),
        {"sqlite_autoincrement": True},
    )


class CaseEventRow(Base):
    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    body_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, server_default=func.now())

    __table_args__ = (
        Index("ix_case_events_kind_created_at", "kind", "created_at"),
        Index("ix_case_events_actor_created_at", "actor", "created_at"),
    )


class StaffAuditRow(Base):
    """A staff action that is not about one case's work: an export, an account change, a retention run, a
    resident's erasure request. Rows are only ever added; the console has no way to change them."""

    __tablename__ = "staff_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The reason staff gave, encrypted: it may name a resident.
    reason_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, server_default=func.now())

    __table_args__ = (
        Index("ix_staff_audit_created_at", "created_at"),
        Index("ix_staff_audit_actor_created_at", "actor", "created_at"),
    )


class CaseNoticeRow(Base):
    """A message the resident must get about their case, kept beside it until it is known to have arrived.

    Written in the same transaction as the case. The conversation marks it ``told`` when the answer that
    carries the case number reaches the resident; otherwise, once ``due_at`` has passed, a background
    sender in some worker claims it (moving ``due_at`` on, as a lease) and sends it through the channel.
    """

    __tablename__ = "case_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), server_default=text("'pending'"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, server_default=func.now()
    )

    __table_args__ = (
        UniqueConstraint("case_id", "kind"),
        Index("ix_case_notices_due", "status", "due_at"),
        CheckConstraint("status IN ('pending', 'told', 'sent', 'failed')", name="status"),
    )


class ResidentProfileRow(Base):
    __tablename__ = "resident_profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    user_ref: Mapped[str] = mapped_column(String(128))
    mode: Mapped[str] = mapped_column(String(16), server_default=text("'text'"))
    speech_rate: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # Counted up by every save: the Redis copy keeps whichever it has seen with the highest version.
    version: Mapped[int] = mapped_column(BigInteger, default=1, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, server_default=func.now()
    )

    __table_args__ = (
        UniqueConstraint("channel", "user_ref"),
        CheckConstraint("mode IN ('voice', 'text', 'simple')", name="mode"),
        CheckConstraint("speech_rate BETWEEN -2 AND 2", name="speech_rate"),
    )


class OutboxMessageRow(Base):
    """A message for a resident on a channel that cannot push (the terminal chat), kept until collected.

    In SQL, so that every process sees it: with the embedded store the service and ``python -m bot chat``
    share nothing else. The text is encrypted like a staff reply.
    """

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    user_ref: Mapped[str] = mapped_column(String(128))
    text_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, server_default=func.now())
    collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_outbox_messages_waiting", "channel", "user_ref", "collected_at"),)


class QueuedReplyRow(Base):
    """A staff reply the channel could not take yet (WeChat's 48-hour window closed, its quota used),
    kept until the resident next writes and it is sent, or until it fails for good.

    ``status``: ``queued`` (waiting for the resident), ``sending`` (claimed by one worker until
    ``lease_until``), ``delivered`` (the channel accepted it), ``failed`` (the channel refused its
    content). The text is encrypted like the reply event it repeats.
    """

    __tablename__ = "queued_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("case_events.id", ondelete="CASCADE"), unique=True)
    channel: Mapped[str] = mapped_column(String(32))
    user_ref: Mapped[str] = mapped_column(String(128))
    text_enc: Mapped[bytes] = mapped_column(LargeBinary)
    reason: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), server_default=text("'queued'"))
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, server_default=func.now())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_queued_replies_waiting", "channel", "user_ref", "status"),
        CheckConstraint("status IN ('queued', 'sending', 'delivered', 'failed')", name="status"),
    )


class CaseAudioRow(Base):
    """The audio of a voice message the resident sent to the staff on their case, encrypted at rest,
    beside the ``resident_said`` event that holds its recognised text."""

    __tablename__ = "case_audio"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("case_events.id", ondelete="CASCADE"), unique=True)
    format: Mapped[str] = mapped_column(String(16))  # the platform's hint (amr, speex…); the bytes decide
    size: Mapped[int] = mapped_column(Integer)
    audio_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, server_default=func.now())


class CaseMonthSealedRow(Base):
    """A Beijing month (``YYYY-MM``) the dashboard has counted into ``case_month_counts`` once it was over;
    from then on the trigger of migration 0008 keeps its counters. Months not named here have no counters."""

    __tablename__ = "case_months_sealed"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)


class CaseMonthCountRow(Base):
    """How many cases filed in a sealed Beijing month (``YYYY-MM``) have a value of one dimension the dashboard
    counts (``district:<service>`` with the district, ``channel``, ``mode``, ``who`` (self or proxy),
    ``outcome``, '' while open). Written once when the month is sealed, then kept by a database trigger on
    ``cases`` (migration 0008): always equal to a recount of the month's cases. A counter that fell to 0 may
    stay."""

    __tablename__ = "case_month_counts"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
