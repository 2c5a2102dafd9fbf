"""``python -m bot content check``: validate ``content/`` and name every problem."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(commands: Any) -> None:
    parser = commands.add_parser("content", help="work with the content files")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = actions.add_parser("check", help="validate content/ and exit non-zero naming each problem")
    check.add_argument("--dir", type=Path, default=None, help="content folder (default: BOT_CONTENT_DIR or content/)")
    check.set_defaults(handler=run_check)


def run_check(args: argparse.Namespace) -> int:
    from bot.channels.web.texts import load_web_texts
    from bot.config import load_settings
    from bot.staff.dashboard.sla import load_sla
    from bot.staff.delivery_texts import load_delivery_texts
    from bot.staff.replies import load_replies
    from dialogs.loader import ContentError, ContentProblem, load_catalog

    folder = args.dir if args.dir is not None else load_settings().effective_content_dir
    problems: list[ContentProblem] = []
    try:
        catalog = load_catalog(folder)
    except ContentError as error:
        problems += error.problems
    try:
        replies = load_replies(folder)  # the staff console's canned replies
    except ContentError as error:
        problems += error.problems
    # The web chat's own sentences, what staff are told about replies that wait, and the teams' working times.
    for load_texts in (load_web_texts, load_delivery_texts, load_sla):
        try:
            load_texts(folder)
        except ContentError as error:
            problems += error.problems
    if problems:
        raise ContentError(problems)
    steps = sum(len(service.steps) for service in catalog.services.values())
    print(
        f"content ok: {len(catalog.services)} services, {steps} steps, {len(catalog.menu)} menu options, "
        f"{len(replies)} canned replies"
    )
    return 0
