"""``python -m bot staff add-user``: create a staff account; the password comes from standard input."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from typing import Any

from bot.cases.types import ROLES, TEAMS


def register(commands: Any) -> None:
    parser = commands.add_parser("staff", help="staff accounts")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add-user",
        help="create a staff account (password read from standard input)",
        description="Create a staff account. The password is read from standard input: typed twice at a "
        "terminal, or the first line of piped input. It must be at least 10 characters.",
    )
    add.add_argument("name", help="login name: 3 to 40 letters, digits, '.', '_' or '-'")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--team", action="append", default=[], choices=TEAMS, help="a team (repeat for several)")
    add.set_defaults(handler=run_add_user)


def _read_password() -> str | None:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Repeat the password: "):
            print("The two passwords differ.", file=sys.stderr)
            return None
        return first
    return sys.stdin.readline().rstrip("\r\n")


def run_add_user(args: argparse.Namespace) -> int:
    from bot.cases.errors import CaseError
    from bot.config import load_settings
    from bot.security.secret import load_or_create_secret
    from bot.staff.users import StaffUserStore
    from bot.storage.db import create_engine, create_sessionmaker, upgrade_database

    password = _read_password()
    if not password:
        print("No password given on standard input.", file=sys.stderr)
        return 2
    try:
        password.encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8 arrive as lone surrogates
        print("Not created: the password is not UTF-8 text.", file=sys.stderr)
        return 2
    settings = load_settings()
    load_or_create_secret(settings)

    async def add() -> str:
        url = settings.effective_database_url
        await upgrade_database(url)
        engine = create_engine(url)
        try:
            user = await StaffUserStore(create_sessionmaker(engine)).add(args.name, password, args.role, args.team)
            return f"created staff user {user.username} (role {user.role}, teams {', '.join(user.teams) or '-'})"
        finally:
            await engine.dispose()

    try:
        print(asyncio.run(add()))
    except CaseError as error:
        print(f"Not created: {error.message} ({error.code})", file=sys.stderr)
        return 2
    return 0
