"""``python -m bot speech-worker``: recognition and synthesis for the web workers, through Redis.

Run any number, on any host that reaches the same Redis and has the same ``BOT_SECRET_KEY``; the web
workers use them with ``BOT_SPEECH_BACKEND=stream``. Each loads the Vosk model once and works on
``--concurrency`` jobs at a time in threads that share it. SIGTERM or Ctrl-C: the jobs in hand are
finished, then it stops.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "speech-worker",
        help="recognise voice messages and speak answers for the web workers (BOT_SPEECH_BACKEND=stream)",
        description="Takes speech jobs from the Redis streams bot:speech:recognise (first) and bot:speech:synthesise "
        "(and the old bot:speech:jobs; consumer group speech-workers). "
        "Needs BOT_REDIS_URL, BOT_VOSK_MODEL, the web workers' BOT_SECRET_KEY, and espeak-ng.",
    )
    parser.add_argument(
        "--concurrency", type=_positive, default=1, help="jobs at once, sharing one loaded model (default 1)"
    )
    parser.add_argument(
        "--claim-after",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="take over a job another worker left unfinished this long (it died; default 10)",
    )
    parser.add_argument("--model", type=Path, metavar="PATH", help="the Vosk model folder (default: BOT_VOSK_MODEL)")
    parser.add_argument("--name", default=None, help="this worker's name in the group (default: host-pid-random)")
    parser.set_defaults(handler=run)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError("must be between 1 and 64")
    return value


def run(args: argparse.Namespace) -> int:
    from bot.cli.speech_worker_run import work

    return work(args)
