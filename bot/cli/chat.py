"""``python -m bot chat``: hold a conversation as a resident in the terminal.

It runs the same pipeline as the channels, in this process, against the configured stores, so a
case filed here appears in the staff API. Staff replies waiting in the outbox are shown before
each prompt.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
import uuid
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings, load_settings
from bot.services import Services, describe_backends, open_services, require_services
from bot.storage.keys import UserKey
from dialogs.loader import load_catalog
from dialogs.render import render_text
from dialogs.schema import Catalog

log = logging.getLogger(__name__)

CHANNEL = "cli"
MAX_LINE = 5000
REPLY_POLL_SECONDS = 2.0


def register(commands: Any) -> None:
    parser = commands.add_parser("chat", help="talk to the assistant as a resident, in the terminal")
    parser.add_argument("--user", default=None, help="who you are (default: terminal-<your login name>)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    catalog = load_catalog(settings.effective_content_dir)
    user = args.user or f"terminal-{getpass.getuser()}"
    for line in describe_backends(settings):
        print(f"# {line}", file=sys.stderr)
    print("# 输入内容后按回车。按 Ctrl-D 结束。", file=sys.stderr)
    asyncio.run(_converse(settings, catalog, UserKey(CHANNEL, user)))
    return 0


async def _converse(settings: Settings, catalog: Catalog, key: UserKey) -> None:
    interactive = sys.stdin.isatty()
    async with open_services(settings, catalog) as services:
        await require_services(services)
        # At a terminal, staff replies appear as they come; piped input sees them before each answer.
        showing = asyncio.create_task(_keep_showing_replies(services, key)) if interactive else None
        try:
            while True:
                await _show_replies(services, key)
                if interactive:
                    print("> ", end="", flush=True)
                line = await asyncio.to_thread(sys.stdin.readline)
                if not line:
                    break
                outcome = await services.pipeline.handle(key, line.rstrip("\r\n")[:MAX_LINE], uuid.uuid4().hex)
                for reply in outcome.replies:
                    print(render_text(reply))
                print(flush=True)
                await _told(services, outcome.case_ids)
        finally:
            if showing is not None:
                showing.cancel()


async def _show_replies(services: Services, key: UserKey) -> None:
    try:
        waiting = await services.outbox.collect(key)
    except (SQLAlchemyError, OSError) as error:  # they stay in the outbox until the database answers again
        log.warning("staff replies not read: %s", type(error).__name__)
        return
    for text in waiting:
        print(f"【工作人员回复】{text}", flush=True)


async def _keep_showing_replies(services: Services, key: UserKey) -> None:
    while True:
        await asyncio.sleep(REPLY_POLL_SECONDS)
        await _show_replies(services, key)


async def _told(services: Services, case_ids: tuple[int, ...]) -> None:
    """The numbers were printed: their case notices need not be sent."""
    if case_ids:
        try:
            await services.notices.told(case_ids)
        except Exception as error:  # the database is down: the notice is sent later, once more than needed
            log.warning("case notice not marked told: %s", type(error).__name__)
