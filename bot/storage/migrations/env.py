"""Alembic environment. ``bot.storage.db.upgrade_database`` hands in an open connection through
``config.attributes["connection"]``; the ``alembic`` command line (``-c bot/storage/migrations/alembic.ini``)
instead connects to ``BOT_DATABASE_URL`` itself."""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection

from bot.cases.models import Base
from bot.storage.db import create_engine

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        # SQLite can only change a table by copying it; batch mode lets later revisions ALTER anyway.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_from_command_line(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_configure)
    finally:
        await engine.dispose()


def _command_line_url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("BOT_DATABASE_URL")
    if not url:
        raise SystemExit("set BOT_DATABASE_URL to the database to migrate")
    return url


if context.is_offline_mode():
    context.configure(url=_command_line_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    shared = config.attributes.get("connection")
    if isinstance(shared, Connection):
        _configure(shared)
    else:
        asyncio.run(_run_from_command_line(_command_line_url()))
