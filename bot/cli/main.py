"""Argument parsing for ``python -m bot``; each command lives in its own module."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.cli import chat, content, db, doctor, models, route, safety, serve, speech_worker, staff
from bot.config import SettingsError
from bot.logs import configure_logging
from bot.security.secret import SecretKeyError
from bot.storage.db import DatabaseUnavailable
from bot.storage.redis import RedisUnavailable
from dialogs.loader import ContentError
from speech.stt import ModelError


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


def main(argv: Sequence[str] | None = None) -> int:
    configure_logging()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
        return code
    except SettingsError as error:
        print(f"Configuration error:\n{error}", file=sys.stderr)
        return 2
    except (ModelError, SecretKeyError) as error:
        print(f"Configuration error:\n{error}", file=sys.stderr)
        return 2
    except ContentError as error:
        print(f"Content error ({len(error.problems)} problems):", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except DatabaseUnavailable as error:
        print(f"Database unavailable: {error}", file=sys.stderr)
        return 1
    except RedisUnavailable as error:
        print(f"Redis unavailable: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
