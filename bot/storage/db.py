"""Database engines for SQLite (embedded) and PostgreSQL, schema migration and the health check."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError
from sqlalchemy import Executable, event, text
from sqlalchemy.engine import Connection, CursorResult, Result, make_url
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# "LZACCESS" in ASCII: the PostgreSQL advisory lock that makes workers starting together migrate in turn.
_MIGRATION_LOCK_ID = 0x4C5A_4143_4345_5353
_SQLITE_BUSY_TIMEOUT_SECONDS = 30.0
# asyncpg waits a minute by default; a health check should fail sooner than the prober gives up.
_POSTGRES_CONNECT_TIMEOUT_SECONDS = 10.0
# A statement on a hung server fails after this instead of holding a resident's turn (and lock) forever.
_POSTGRES_COMMAND_TIMEOUT_SECONDS = 15.0
# A pooled connection unused this long is pinged before it is lent: a firewall may have cut it silently.
_IDLE_BEFORE_PING_SECONDS = 30.0
_LAST_USED = "last_used"
# As many connections per process as before (SQLAlchemy's 5 kept and 10 more at busy times), all of them kept:
# under load, connections opened past the fifth were closed on return and opened again for the next statement,
# each time with a TLS attempt, a login, type lookups and every statement prepared anew.
_POSTGRES_POOL_SIZE = 15


T = TypeVar("T")


class DatabaseUnavailable(Exception):
    """The database could not be reached or migrated; the message names the cause, not the password."""


def create_engine(url: str) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    connect_args: dict[str, float] = {}
    if parsed.get_driver_name() == "asyncpg":
        connect_args = {
            "timeout": _POSTGRES_CONNECT_TIMEOUT_SECONDS,
            "command_timeout": _POSTGRES_COMMAND_TIMEOUT_SECONDS,
        }
    # hide_parameters: a failed statement's values (user ids, summaries) stay out of error messages and logs.
    asyncpg = parsed.get_driver_name() == "asyncpg"
    engine = create_async_engine(
        url,
        hide_parameters=True,
        connect_args=connect_args,
        pool_size=_POSTGRES_POOL_SIZE,
        max_overflow=0,
        pool_pre_ping=not asyncpg,  # asyncpg's connections are checked more cheaply
    )
    if asyncpg:
        _check_connections_when_lent(engine)
    return engine


def _check_connections_when_lent(engine: AsyncEngine) -> None:
    """What ``pool_pre_ping`` guards against, without its three round trips (``BEGIN``, a ping, ``ROLLBACK``)
    on every checkout, which is every SQL statement on a resident's message path: a connection the server
    closed (a restart, a stop) is known to asyncpg at once and replaced; one idle for a while is pinged."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_LAST_USED] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_LAST_USED] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        if dbapi_connection.driver_connection.is_closed():
            raise DisconnectionError("closed by the server")  # the pool opens a new one in its place
        if time.monotonic() - record.info.get(_LAST_USED, 0.0) > _IDLE_BEFORE_PING_SECONDS:
            try:
                dbapi_connection.ping()
            except Exception as error:
                raise DisconnectionError(f"ping failed: {type(error).__name__}") from None


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def execute_alone(
    sessionmaker: async_sessionmaker[AsyncSession], statement: Executable, read: Callable[[Result[Any]], T]
) -> T:
    """Run one statement on its own and ``read`` its result. A single statement is atomic by itself: on
    PostgreSQL it runs outside a transaction (no ``BEGIN`` and ``COMMIT`` round trips, on the message path);
    on SQLite, whose writes take the lock up front (``BEGIN IMMEDIATE``), in a transaction as usual."""
    async with sessionmaker() as session:
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            connection = await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            return read(await connection.execute(statement))
        async with session.begin():
            return read(await session.execute(statement))


async def execute_sql_alone(
    sessionmaker: async_sessionmaker[AsyncSession],
    sql: str,
    parameters: tuple[Any, ...],
    read: Callable[[CursorResult[Any]], T],
) -> T:
    """``execute_alone`` for a statement written in PostgreSQL's own SQL (``$1`` parameters, given as the
    driver takes them): no SQLAlchemy expression is built or compiled, which on the message path cost more
    than the statement itself. Errors are SQLAlchemy's as usual (``IntegrityError``…)."""
    engine = sessionmaker.kw["bind"]
    async with engine.connect() as connection:
        alone = await connection.execution_options(isolation_level="AUTOCOMMIT")
        return read(await alone.exec_driver_sql(sql, parameters))


async def check_database(engine: AsyncEngine) -> None:
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as error:
        raise DatabaseUnavailable(f"database check failed: {type(error).__name__}") from None


async def upgrade_database(url: str) -> None:
    """Bring the schema to the newest migration shipped in ``bot/storage/migrations``."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                await connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
            await connection.run_sync(_upgrade_to_head)
    except (SQLAlchemyError, OSError, CommandError) as error:
        raise DatabaseUnavailable(f"database migration failed: {type(error).__name__}: {error}") from None
    finally:
        await engine.dispose()


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _upgrade_to_head(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _sqlite_engine(url: str) -> AsyncEngine:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        folder = Path(database).expanduser().parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DatabaseUnavailable(f"cannot create the database folder {folder}: {error.strerror}") from None
    engine = create_async_engine(url, hide_parameters=True, connect_args={"timeout": _SQLITE_BUSY_TIMEOUT_SECONDS})

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand BEGIN to SQLAlchemy (below) instead of the sqlite3 module, which skips it before SELECTs.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # IMMEDIATE takes the write lock up front: a transaction that reads and then writes (claiming a
        # case) waits for the busy timeout instead of failing with "database is locked" on upgrade.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
