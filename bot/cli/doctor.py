"""``python -m bot doctor``: check settings, stores, WeChat, speech and espeak-ng, one plain line each."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "doctor",
        help="check settings, Redis, the database and its migrations, WeChat, speech and espeak-ng; "
        "exit 1 if anything is wrong",
    )
    parser.set_defaults(handler=run)


def run(_args: argparse.Namespace) -> int:
    from bot.doctor.run import examine, report

    return report(asyncio.run(examine()), sys.stdout)
