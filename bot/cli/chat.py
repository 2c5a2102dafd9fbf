"""``python -m bot chat``: hold a conversation as a resident in the terminal.

The terminal is a channel like the others (``TerminalChannel``): its turns are run by the same
``bot.channels.runner`` against the configured stores, so a case filed here appears in the staff API.
Staff replies waiting in the outbox are shown before each prompt.
"""

from __future__ import annotations

import argparse
from typing import Any


def register(commands: Any) -> None:
    parser = commands.add_parser("chat", help="talk to the assistant as a resident, in the terminal")
    parser.add_argument("--user", default=None, help="who you are (default: terminal-<your login name>)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from bot.cli.chat_run import chat

    return chat(args)
