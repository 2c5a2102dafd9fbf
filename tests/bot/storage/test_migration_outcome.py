"""Migrations 0006 and 0007 fill their new columns from the case events (0006: the outcome; 0007: the first
claim and resolve, kept by a trigger afterwards), and 0008 counts the cases of each month once it is sealed
(kept by a trigger afterwards), on SQLite and on a PostgreSQL database of its own (it migrates down and up,
which the shared test database must not do)."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cases.models import UTCDateTime
from bot.staff.dashboard.month_counts import seal
from bot.storage.db import alembic_config, create_engine, create_sessionmaker, upgrade_database
from tests.fixtures.database import _execute_outside_a_transaction
from tests.fixtures.services import POSTGRES_URL, service_missing

_CASE = """INSERT INTO cases (id, idempotency_key, service, team, status, channel, user_ref, mode, summary,
answers_enc, transcript_enc, contact_enc, names_enc) VALUES
(:id, :key, 'rehab', 'rehab', :status, 'wechat', 'u', 'text', 's', :blob, :blob, :blob, :blob)"""
_EVENT = "INSERT INTO case_events (case_id, kind, actor, detail) VALUES (:case_id, :kind, 'anna', :detail)"


@pytest.fixture(params=["sqlite", "postgresql"])
async def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrate.sqlite3'}"
        return
    name = f"bot_migrate_{secrets.token_hex(4)}"
    try:
        await _execute_outside_a_transaction(POSTGRES_URL, f'CREATE DATABASE "{name}"')
    except (OSError, SQLAlchemyError) as error:
        service_missing("PostgreSQL", f"{type(error).__name__}: {error}")
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        await _execute_outside_a_transaction(POSTGRES_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_finished_cases_get_the_outcome_of_their_resolve_event(fresh_url: str) -> None:
    def to_0004(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")

    engine = create_engine(fresh_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(to_0004)
        async with engine.begin() as connection:
            for case_id, status in ((1, "resolved"), (2, "claimed")):
                values = {"id": case_id, "key": f"k{case_id}", "status": status, "blob": b"x"}
                await connection.execute(text(_CASE), values)
            await connection.execute(text(_EVENT), {"case_id": 1, "kind": "claimed", "detail": "{}"})
            await connection.execute(
                text(_EVENT), {"case_id": 1, "kind": "resolved", "detail": '{"outcome": "referred"}'}
            )
        await upgrade_database(fresh_url)
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT id, outcome FROM cases ORDER BY id"))).all()
        assert [tuple(row) for row in rows] == [(1, "referred"), (2, None)]
    finally:
        await engine.dispose()


def _at(day: str, hour: int) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


_LAST = timedelta(minutes=59, seconds=59, microseconds=999999)


async def test_migration_0007_copies_each_cases_first_claim_and_resolve_and_keeps_them_after(fresh_url: str) -> None:
    def to_0006(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0006")

    event = (
        "INSERT INTO case_events (case_id, kind, actor, detail, created_at) VALUES (:case_id, :kind, 'anna', '{}', :at)"
    )
    engine = create_engine(fresh_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(to_0006)
        async with engine.begin() as connection:
            for case_id, status in ((1, "resolved"), (2, "new")):
                values = {"id": case_id, "key": f"k{case_id}", "status": status, "blob": b"x"}
                await connection.execute(text(_CASE), values)
            for kind, at in (("claimed", _at("2026-11-02", 10)), ("claimed", _at("2026-11-01", 9))):
                await connection.execute(text(event), {"case_id": 1, "kind": kind, "at": at})
            await connection.execute(text(event), {"case_id": 1, "kind": "resolved", "at": _at("2026-11-03", 8)})
        await upgrade_database(fresh_url)
        read = "SELECT id, first_claimed_at, first_resolved_at FROM cases ORDER BY id"
        async with engine.connect() as connection:
            rows = [
                [None if value is None else str(value)[:16] for value in row[1:]]
                for row in (await connection.execute(text(read))).all()
            ]
        assert rows == [["2026-11-01 09:00", "2026-11-03 08:00"], [None, None]]
        async with engine.begin() as connection:  # after the migration the trigger keeps them
            await connection.execute(text(event), {"case_id": 2, "kind": "claimed", "at": _at("2026-11-05", 7)})
            await connection.execute(text("DELETE FROM case_events WHERE case_id = 1 AND kind = 'resolved'"))
        async with engine.connect() as connection:
            rows = [
                [None if value is None else str(value)[:16] for value in row[1:]]
                for row in (await connection.execute(text(read))).all()
            ]
        assert rows == [["2026-11-01 09:00", None], ["2026-11-05 07:00", None]]
    finally:
        await engine.dispose()


_FILED = """INSERT INTO cases (id, idempotency_key, service, team, status, district, channel, user_ref, mode,
proxy_relationship, outcome, summary, answers_enc, transcript_enc, contact_enc, names_enc, created_at) VALUES
(:id, :key, :service, 'subsidy', 'new', :district, 'wechat', 'u', 'text', :proxy, :outcome, 's', :blob, :blob, :blob,
:blob, :at)"""


def _migrate_to(revision: str, *, down: bool = False) -> Callable[[Connection], None]:
    def migrate(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)

    return migrate


async def _month_counts(engine: AsyncEngine) -> dict[tuple[str, str, str], int]:
    read = "SELECT month, dimension, value, count FROM case_month_counts WHERE count <> 0"
    async with engine.connect() as connection:
        return {(month, dimension, value): n for month, dimension, value, n in (await connection.execute(text(read)))}


def _counters(month: str, service: str, district: str, who: str, outcome: str) -> dict[tuple[str, str, str], int]:
    return {
        (month, f"district:{service}", district): 1,
        (month, "channel", "wechat"): 1,
        (month, "mode", "text"): 1,
        (month, "who", who): 1,
        (month, "outcome", outcome): 1,
    }


def _sum(*counters: dict[tuple[str, str, str], int]) -> dict[tuple[str, str, str], int]:
    total: Counter[tuple[str, str, str]] = Counter()
    for one in counters:
        total.update(one)
    return dict(total)


async def _sealed(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        return [month for (month,) in await connection.execute(text("SELECT month FROM case_months_sealed"))]


def _filed() -> TextClause:
    # Bound as the service binds it (naive UTC text on SQLite), so that periods compare with it as with theirs.
    return text(_FILED).bindparams(bindparam("at", type_=UTCDateTime))


def _moved(case_id: int) -> TextClause:
    return text(f"UPDATE cases SET created_at = :at WHERE id = {case_id}").bindparams(  # noqa: S608
        bindparam("at", type_=UTCDateTime)
    )


async def test_migration_0008_counts_only_the_months_sealed_and_keeps_counting_them_after(fresh_url: str) -> None:
    engine = create_engine(fresh_url)
    filed = {"blob": b"x", "service": "rehab", "district": "城中区", "proxy": None, "outcome": None}
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_migrate_to("0007"))
        async with engine.begin() as connection:
            # 23:59:59.999999 on 31 October in Beijing, then midnight on 1 November.
            await connection.execute(_filed(), {**filed, "id": 1, "key": "k1", "at": _at("2026-10-31", 15) + _LAST})
            await connection.execute(
                _filed(), {**filed, "id": 2, "key": "k2", "at": _at("2026-10-31", 16), "proxy": "子女"}
            )
        await upgrade_database(fresh_url)
        assert await _month_counts(engine) == {}  # nothing sealed, nothing counted
        assert await seal(create_sessionmaker(engine), date(2026, 10, 1))
        assert await _sealed(engine) == ["2026-10"]
        assert await _month_counts(engine) == _counters("2026-10", "rehab", "城中区", "self", "")

        async with engine.begin() as connection:  # the trigger counts the sealed month only
            await connection.execute(_filed(), {**filed, "id": 3, "key": "k3", "at": _at("2026-11-05", 7)})
            await connection.execute(_filed(), {**filed, "id": 4, "key": "k4", "at": _at("2026-10-05", 7)})
            await connection.execute(text("UPDATE cases SET outcome = 'approved', district = NULL WHERE id = 1"))
            await connection.execute(text("UPDATE cases SET outcome = 'approved' WHERE id = 3"))
            await connection.execute(_moved(2), {"at": _at("2026-10-01", 1)})
            await connection.execute(_moved(3), {"at": _at("2026-10-31", 16)})
            await connection.execute(text("DELETE FROM cases WHERE id = 4"))
        first = _counters("2026-10", "rehab", "", "self", "approved")
        second = _counters("2026-10", "rehab", "城中区", "proxy", "")
        assert await _month_counts(engine) == _sum(first, second)

        async with engine.begin() as connection:  # undone and redone: nothing sealed until asked again
            await connection.run_sync(_migrate_to("0007", down=True))
        await upgrade_database(fresh_url)
        assert await _month_counts(engine) == {}
        assert await _sealed(engine) == []

        if engine.dialect.name == "postgresql":
            assert await seal(create_sessionmaker(engine), date(2026, 10, 1))
            async with engine.begin() as connection:
                await connection.execute(text("TRUNCATE cases CASCADE"))
            assert await _month_counts(engine) == {}
            assert await _sealed(engine) == []
    finally:
        await engine.dispose()
