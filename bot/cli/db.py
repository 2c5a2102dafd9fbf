"""``python -m bot db upgrade``: bring the database schema to the newest migration."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any


def register(commands: Any) -> None:
    parser = commands.add_parser("db", help="database schema")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    upgrade = actions.add_parser("upgrade", help="apply all Alembic migrations (serve also does this at start)")
    upgrade.set_defaults(handler=run_upgrade)


def run_upgrade(args: argparse.Namespace) -> int:
    from bot.config import load_settings
    from bot.storage.db import upgrade_database

    settings = load_settings()
    asyncio.run(upgrade_database(settings.effective_database_url))
    print("database is at the newest schema")
    return 0
