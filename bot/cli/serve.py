"""``python -m bot serve``: the HTTP service, in one process or in several workers on one port."""

from __future__ import annotations

import argparse
from typing import Any

from bot.config import MAX_WORKERS


def register(commands: Any) -> None:
    parser = commands.add_parser("serve", help="start the HTTP service (health check, WeChat push, staff API)")
    parser.add_argument("--host", default=None, help="listen address (default: BOT_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=_port_number, default=None, help="listen port (default: BOT_PORT or 8080)")
    parser.add_argument(
        "--workers",
        type=_worker_count,
        default=None,
        help=f"worker processes sharing the port, 1..{MAX_WORKERS} (default: BOT_WORKERS or 1); "
        "above 1 needs BOT_REDIS_URL and BOT_DATABASE_URL",
    )
    parser.set_defaults(handler=run)


def _port_number(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError("must be between 1 and 65535")
    return port


def _worker_count(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= count <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_WORKERS}")
    return count


def run(args: argparse.Namespace) -> int:
    from bot.cli.serve_run import serve

    return serve(args)
