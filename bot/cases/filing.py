"""Filing a resident's request in one statement on PostgreSQL: the case, its "created" event, its notice and the
contact preference its words state, in one round trip instead of a transaction of five.

Filing is on the resident's message path. PostgreSQL runs a statement whose ``WITH`` parts insert rows as one
atomic unit, so no ``BEGIN``/``COMMIT`` is needed around it; the heard preference is inserted from the
"created" event's output, so that it always comes after it (events are ordered by id). SQLite cannot insert
inside ``WITH``; there the store keeps its transaction (``CaseStore.create``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, insert, literal, select

from bot.cases.models import CaseEventRow, CaseNoticeRow, CaseRow, utcnow


def filing_statement(
    case_values: dict[str, Any], created: dict[str, Any], notice: dict[str, Any], heard: CaseEventRow | None
) -> Select[Any]:
    """The statement filing a case of ``case_values``; it returns the new case's id.

    ``created``: the "created" event's detail; ``notice``: the notice row's values (``new_notice_values``, its
    ``case_id`` ignored); ``heard``: the contact-preference event to add (its ``case_id`` ignored), if any."""
    # Every time given here: a Python-side default would be one parameter shared by the two event inserts.
    now = literal(utcnow(), CaseEventRow.created_at.type)
    timed = {**case_values, "created_at": now, "updated_at": now}
    case = insert(CaseRow).values(timed).returning(CaseRow.id).cte("filed_case")
    created_event = (
        insert(CaseEventRow)
        .from_select(
            ["case_id", "kind", "actor", "detail", "created_at"],
            select(case.c.id, literal("created"), literal("resident"), literal(created, CaseEventRow.detail.type), now),
        )
        .returning(CaseEventRow.id)
        .cte("filed_event")
    )
    notice_row = (
        insert(CaseNoticeRow)
        .from_select(
            ["case_id", "kind", "status", "due_at", "created_at", "updated_at"],
            select(
                case.c.id,
                literal(notice["kind"]),
                literal(notice["status"]),
                literal(notice["due_at"], CaseNoticeRow.due_at.type),
                now,
                now,
            ),
        )
        .cte("filed_notice")
    )
    parts = [created_event, notice_row]
    if heard is not None:
        # Read from the "created" event's output: inserted after it, so its id is the higher one.
        parts.append(
            insert(CaseEventRow)
            .from_select(
                ["case_id", "kind", "actor", "detail", "body_enc", "created_at"],
                select(
                    case.c.id,
                    literal(heard.kind),
                    literal(heard.actor),
                    literal(heard.detail, CaseEventRow.detail.type),
                    literal(heard.body_enc, CaseEventRow.body_enc.type),
                    now,
                )
                .select_from(case)
                .join(created_event, literal(True)),
            )
            .cte("filed_heard")
        )
    return select(case.c.id).add_cte(*parts)
