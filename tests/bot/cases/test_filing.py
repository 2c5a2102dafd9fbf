"""Filing in one statement on PostgreSQL: every column the store gives a new case is written."""

from __future__ import annotations

from bot.cases.filing import CASE_COLUMNS
from bot.cases.store import CaseStore
from tests.bot.cases.factories import new_case


def test_the_statement_writes_every_column_of_a_new_case(case_store: CaseStore) -> None:
    assert sorted(case_store._new_values(new_case())) == sorted(CASE_COLUMNS)
