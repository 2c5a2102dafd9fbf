"""Filing a resident's request in one statement on PostgreSQL: the case, its "created" event, its notice and the
contact preference its words state, in one round trip instead of a transaction of five.

Filing is on the resident's message path. PostgreSQL runs a statement whose ``WITH`` parts insert rows as one
atomic unit, so no ``BEGIN``/``COMMIT`` is needed around it; the heard preference is inserted from the
"created" event's output, so that it always comes after it (events are ordered by id). SQLite cannot insert
inside ``WITH``; there the store keeps its transaction (``CaseStore.create``).

The statement is written out as SQL, once: building it from SQLAlchemy expressions and compiling it cost more
CPU than anything else in filing. Its values are passed as they are stored (JSON as text, times as aware UTC).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.cases.models import CaseEventRow, utcnow

# The case's columns, in the order of the statement's first parameters; $16 is the one time of every row.
CASE_COLUMNS = (
    "idempotency_key",
    "service",
    "team",
    "status",
    "district",
    "channel",
    "user_ref",
    "mode",
    "proxy_relationship",
    "urgent",
    "summary",
    "answers_enc",
    "transcript_enc",
    "contact_enc",
    "names_enc",
)
_FILED = """
WITH filed_case AS (
    INSERT INTO cases (
        idempotency_key, service, team, status, district, channel, user_ref, mode, proxy_relationship, urgent,
        summary, answers_enc, transcript_enc, contact_enc, names_enc, created_at, updated_at
    )
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)
    RETURNING id
), filed_event AS (
    INSERT INTO case_events (case_id, kind, actor, detail, created_at)
    SELECT filed_case.id, 'created', 'resident', $17::json, $16::timestamptz FROM filed_case
    RETURNING id
), filed_notice AS (
    INSERT INTO case_notices (case_id, kind, status, due_at, created_at, updated_at)
    SELECT filed_case.id, $18::varchar, $19::varchar, $20::timestamptz, $16::timestamptz, $16::timestamptz
    FROM filed_case
)"""
# Read from the "created" event's output: inserted after it, so its id is the higher one.
_HEARD = """, filed_heard AS (
    INSERT INTO case_events (case_id, kind, actor, detail, body_enc, created_at)
    SELECT filed_case.id, $21::varchar, $22::varchar, $23::json, $24::bytea, $16::timestamptz
    FROM filed_case JOIN filed_event ON true
)"""
_RETURNED = "\nSELECT id FROM filed_case"
FILING_SQL = _FILED + _RETURNED
FILING_WITH_HEARD_SQL = _FILED + _HEARD + _RETURNED


def filing_statement(
    case_values: dict[str, Any], created: dict[str, Any], notice: dict[str, Any], heard: CaseEventRow | None
) -> tuple[str, tuple[Any, ...]]:
    """The statement filing a case of ``case_values`` and its parameters; it returns the new case's id.

    ``created``: the "created" event's detail; ``notice``: the notice row's values (``new_notice_values``, its
    ``case_id`` ignored); ``heard``: the contact-preference event to add (its ``case_id`` ignored), if any."""
    now: datetime = utcnow()
    values = [case_values[column] for column in CASE_COLUMNS]
    values[CASE_COLUMNS.index("status")] = str(values[CASE_COLUMNS.index("status")])  # a StrEnum, as its text
    parameters: list[Any] = [
        *values,
        now,
        json.dumps(created),  # as SQLAlchemy's JSON type writes it
        notice["kind"],
        notice["status"],
        notice["due_at"],
    ]
    if heard is None:
        return FILING_SQL, tuple(parameters)
    parameters += [heard.kind, heard.actor, json.dumps(heard.detail), heard.body_enc]
    return FILING_WITH_HEARD_SQL, tuple(parameters)
