"""``python -m bot route "一句话"``: which service a sentence would start, as JSON.

``--eval FILE …`` scores routing on labelled sentences (``sentence<TAB>service id``, or ``none`` for a
sentence that should start nothing) and exits 1 when accuracy is below ``--min``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli.labelled import read_labelled

if TYPE_CHECKING:
    from dialogs.schema import Catalog


def register(commands: Any) -> None:
    parser = commands.add_parser("route", help="show which service a sentence starts, as JSON")
    parser.add_argument("sentence", nargs="?", help="what a resident might say, in Chinese")
    parser.add_argument(
        "--eval",
        dest="eval_files",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="score routing on labelled sentences: one 'sentence<TAB>service id' per line",
    )
    parser.add_argument("--min", dest="minimum", type=float, default=0.95, help="accuracy required by --eval")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from bot.config import load_settings
    from dialogs.intents import route
    from dialogs.loader import load_catalog

    catalog = load_catalog(load_settings().effective_content_dir)
    if args.eval_files:
        return _evaluate(catalog, args.eval_files, args.minimum)
    if not args.sentence:
        print("Give a sentence, or --eval FILE.", file=sys.stderr)
        print(f"Services a sentence can start: {', '.join(sorted(catalog.services))}", file=sys.stderr)
        return 2
    print(json.dumps(route(args.sentence, catalog).to_json(), ensure_ascii=False))
    return 0


def _evaluate(catalog: Catalog, files: list[Path], minimum: float) -> int:
    from dialogs.intents import route

    cases = read_labelled(files, catalog.services, hint="service id", unknown="unknown service")
    if isinstance(cases, str):
        print(cases, file=sys.stderr)
        return 2
    misses: list[dict[str, str | None]] = []
    for case in cases:
        got = route(case.sentence, catalog).service
        if got != case.expected:
            misses.append({"where": case.where, "sentence": case.sentence, "expected": case.expected, "got": got})
    accuracy = 1 - len(misses) / len(cases)
    report = {
        "sentences": len(cases),
        "correct": len(cases) - len(misses),
        "accuracy": round(accuracy, 4),
        "misses": misses,
    }
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0 if accuracy >= minimum else 1
