"""``python -m bot route "一句话"``: which service a sentence would start, as JSON."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bot.config import load_settings
from dialogs.intents import route
from dialogs.loader import load_catalog


def register(commands: Any) -> None:
    parser = commands.add_parser("route", help="show which service a sentence starts, as JSON")
    parser.add_argument("sentence", help="what a resident might say, in Chinese")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    catalog = load_catalog(load_settings().effective_content_dir)
    print(json.dumps(route(args.sentence, catalog).to_json(), ensure_ascii=False))
    return 0
