"""Engines, migrations and the health check on both databases."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.db import DatabaseUnavailable, alembic_config, check_database, create_engine, upgrade_database


async def test_health_check_passes_on_a_working_database(engine: AsyncEngine) -> None:
    await check_database(engine)


async def test_health_check_names_an_unreachable_database(tmp_path: Path) -> None:
    engine = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    try:
        with pytest.raises(DatabaseUnavailable):
            await check_database(engine)
    finally:
        await engine.dispose()


async def test_migration_creates_every_table(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    assert {"cases", "case_events", "staff_users", "resident_profiles", "alembic_version"} <= tables


async def test_upgrading_an_up_to_date_database_changes_nothing(database_url: str, engine: AsyncEngine) -> None:
    await upgrade_database(database_url)
    async with engine.connect() as connection:
        versions = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
    assert versions == [_head_revision()]


def _head_revision() -> str:
    """The newest migration, as Alembic finds it (one head: migrations form a single chain)."""
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, heads
    return str(heads[0])


async def test_sqlite_database_folder_is_created(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'var' / 'nested' / 'bot.sqlite3'}"
    await upgrade_database(url)
    assert (tmp_path / "var" / "nested" / "bot.sqlite3").is_file()


async def test_sqlite_enforces_foreign_keys(sqlite_database_url: str) -> None:
    engine = create_engine(sqlite_database_url)
    try:
        async with engine.connect() as connection:
            enabled = (await connection.execute(text("PRAGMA foreign_keys"))).scalar_one()
    finally:
        await engine.dispose()
    assert enabled == 1


async def test_migration_does_not_depend_on_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    await upgrade_database(f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}")
    assert not (tmp_path / "alembic.ini").exists()
    assert (tmp_path / "bot.sqlite3").is_file()


async def test_an_unreachable_database_cannot_be_migrated(tmp_path: Path) -> None:
    with pytest.raises(DatabaseUnavailable):
        await upgrade_database("postgresql+asyncpg://nobody@127.0.0.1:1/none")


async def test_a_database_from_a_newer_release_is_refused(sqlite_database_url: str) -> None:
    engine = create_engine(sqlite_database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    finally:
        await engine.dispose()
    with pytest.raises(DatabaseUnavailable, match="9999"):
        await upgrade_database(sqlite_database_url)


async def test_the_initial_migration_can_be_undone_and_redone(sqlite_database_url: str) -> None:
    def downgrade_to_base(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "base")

    engine = create_engine(sqlite_database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(downgrade_to_base)
        async with engine.connect() as connection:
            assert await connection.run_sync(lambda sync: inspect(sync).get_table_names()) == ["alembic_version"]
        await upgrade_database(sqlite_database_url)
        async with engine.connect() as connection:
            assert "cases" in await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()


async def test_a_connection_the_server_closed_is_replaced_before_it_is_lent(postgres_database_url: str) -> None:
    engine, administrator = create_engine(postgres_database_url), create_engine(postgres_database_url)
    try:
        async with engine.connect() as connection:
            pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        async with administrator.connect() as other:  # as when the server restarts
            await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await asyncio.sleep(0.2)  # the closed socket reaches the pooled connection
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one() != pid
    finally:
        await engine.dispose()
        await administrator.dispose()
