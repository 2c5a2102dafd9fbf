"""Redis, the database and its schema, each reached with a bounded wait; failures named, never a traceback."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from redis.exceptions import RedisError
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.doctor.result import Finding, fail, ok, skip
from bot.storage.db import DatabaseUnavailable, alembic_config, create_engine
from bot.storage.redis import create_redis

REDIS_TIMEOUT_SECONDS = 3.0
DATABASE_TIMEOUT_SECONDS = 10.0


async def check_redis(settings: Settings) -> Finding:
    if settings.redis_url is None:
        return ok("redis", "embedded in-process store (BOT_REDIS_URL unset; one process only, lost on exit)")
    where = without_password(settings.redis_url)
    client = create_redis(settings.redis_url)
    try:
        async with asyncio.timeout(REDIS_TIMEOUT_SECONDS):
            await client.ping()
    except TimeoutError:
        return fail("redis", f"no answer from {where} within {REDIS_TIMEOUT_SECONDS:g} s")
    except (RedisError, OSError) as error:
        return fail("redis", f"cannot reach {where} ({_reason(error)})")
    finally:
        await client.aclose()
    return ok("redis", f"{where} answers")


def _embedded_database_missing(settings: Settings) -> Path | None:
    """The embedded SQLite file when it does not exist yet (``serve`` creates it; the doctor does not)."""
    if not settings.uses_embedded_database:
        return None
    path = Path(make_url(settings.effective_database_url).database or "")
    return None if path.exists() else path


async def check_database(settings: Settings) -> list[Finding]:
    """Two findings: the database answers, and its schema is at the newest migration."""
    missing = _embedded_database_missing(settings)
    if missing is not None:
        return [
            ok("database", f"embedded SQLite at {missing} (BOT_DATABASE_URL unset), made by the first serve"),
            skip("migrations", "the embedded database does not exist yet; serve creates and migrates it"),
        ]
    url = settings.effective_database_url
    where = without_password(url)
    try:
        engine = create_engine(url)
    except DatabaseUnavailable as error:
        return [fail("database", str(error)), skip("migrations", "the database could not be reached")]
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT_SECONDS):
            current = await _current_revision(engine)
    except TimeoutError:
        problem = f"no answer from {where} within {DATABASE_TIMEOUT_SECONDS:g} s"
        return [fail("database", problem), skip("migrations", "the database could not be reached")]
    except (SQLAlchemyError, OSError) as error:
        problem = f"cannot reach {where} ({_reason(error)})"
        return [fail("database", problem), skip("migrations", "the database could not be reached")]
    finally:
        await engine.dispose()
    return [ok("database", f"{where} answers"), _migrations(current)]


async def _current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(_revision_of)


def _revision_of(connection: Connection) -> str | None:
    revision: str | None = MigrationContext.configure(connection).get_current_revision()
    return revision


def _migrations(current: str | None) -> Finding:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if current == head:
        return ok("migrations", f"the schema is at the newest migration ({head})")
    found = f"at {current}" if current else "empty (no migration applied)"
    return fail("migrations", f"the schema is {found}, this version needs {head}: run python -m bot db upgrade")


def without_password(url: str) -> str:
    """``url`` as it may be printed: the password, if any, as ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _reason(error: BaseException) -> str:
    """The kind of error and its first line, without anything that could be a password."""
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text}"[:200] if text else type(error).__name__
