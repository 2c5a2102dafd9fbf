"""What ``python -m bot chat`` does: hold a conversation as a resident in the terminal. Imported only when
the command runs (``bot/cli/chat.py`` has its arguments).

The terminal is a channel like the others (``TerminalChannel``): its turns are run by the same
``bot.channels.runner`` against the configured stores, so a case filed here appears in the staff API.
Staff replies waiting in the outbox are shown before each prompt.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
import uuid
from collections.abc import Sequence

from sqlalchemy.exc import SQLAlchemyError

from bot.channels.base import ChannelLimits, Incoming
from bot.config import Settings, load_settings
from bot.services import Services, describe_backends, open_services, require_services
from bot.storage.keys import UserKey
from dialogs.events import Reply
from dialogs.loader import load_catalog
from dialogs.schema import Catalog

log = logging.getLogger(__name__)

CHANNEL = "cli"
MAX_LINE = 5000
REPLY_POLL_SECONDS = 2.0


class TerminalChannel:
    """The terminal as a channel: the answer is printed when ready, there is no speech."""

    name = CHANNEL
    limits = ChannelLimits(deadline=None)
    can_speak = False

    def pack(self, texts: list[str]) -> list[str]:
        return texts

    async def send_texts(self, user: str, texts: Sequence[str]) -> bool:
        for text in texts:
            print(text, flush=True)
        return True

    async def send_speech(self, user: str, replies: Sequence[Reply], rate: int) -> bool:
        return False


def chat(args: argparse.Namespace) -> int:
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
        terminal = TerminalChannel()
        try:
            while True:
                await _show_replies(services, key)
                if interactive:
                    print("> ", end="", flush=True)
                line = await asyncio.to_thread(sys.stdin.readline)
                if not line:
                    break
                incoming = Incoming(key, uuid.uuid4().hex, "text", line.rstrip("\r\n")[:MAX_LINE])
                outcome = await services.runner.run(terminal, incoming)
                if outcome is not None:
                    for text in services.runner.answer_now(terminal, key.user_id, outcome, carry=None):
                        print(text)
                print(flush=True)
        finally:
            if showing is not None:
                showing.cancel()
            await services.runner.drain()


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
