"""Argument parsing for ``python -m bot``; each command lives in its own module.

Parsing imports only the command modules, which import the standard library: what a command needs
(aiohttp, SQLAlchemy, Vosk, the dialog core) is imported when it runs, so ``--help`` and a wrong
argument answer at once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.cli import chat, content, db, doctor, models, route, safety, serve, speech_worker, staff


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Liuzhou accessible services assistant: the service, its content and its staff accounts.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve.register(commands)
    chat.register(commands)
    route.register(commands)
    content.register(commands)
    staff.register(commands)
    db.register(commands)
    models.register(commands)
    safety.register(commands)
    doctor.register(commands)
    speech_worker.register(commands)
    return parser


def configure_logging() -> None:
    from bot.logs import configure_logging as configure  # masks personal numbers: imports the dialog core

    configure()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging()
    try:
        code: int = args.handler(args)
        return code
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        explained = _explain(error)
        if explained is None:
            raise
        return explained


def _raised(error: Exception, module: str, name: str) -> bool:
    """Whether ``error`` is ``module.name``. A module never imported cannot have raised its error, so a
    light command does not import the heavy ones just to recognise their errors."""
    loaded = sys.modules.get(module)
    kind = getattr(loaded, name, None)
    return isinstance(kind, type) and isinstance(error, kind)


# The errors an operator can act on, by the module that defines each: configuration, content, stores.
CONFIGURATION_ERRORS = (
    ("bot.config", "SettingsError"),
    ("speech.stt", "ModelError"),
    ("bot.security.secret", "SecretKeyError"),
)
CONTENT_ERROR = ("dialogs.loader", "ContentError")
DATABASE_ERROR = ("bot.storage.db", "DatabaseUnavailable")
REDIS_ERROR = ("bot.storage.redis", "RedisUnavailable")


def _explain(error: Exception) -> int | None:
    """Prints an operator's error in plain words and gives the exit status; None for anything else."""
    if any(_raised(error, *kind) for kind in CONFIGURATION_ERRORS):
        print(f"Configuration error:\n{error}", file=sys.stderr)
        return 2
    if _raised(error, *CONTENT_ERROR):
        problems = getattr(error, "problems", [])
        print(f"Content error ({len(problems)} problems):", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    if _raised(error, *DATABASE_ERROR):
        print(f"Database unavailable: {error}", file=sys.stderr)
        return 1
    if _raised(error, *REDIS_ERROR):
        print(f"Redis unavailable: {error}", file=sys.stderr)
        return 1
    return None
