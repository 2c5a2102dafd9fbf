"""``python -m bot safety "一句话"``: whether a sentence signals danger, as JSON.

``--eval FILE …`` scores the danger check on labelled sentences (``sentence<TAB>category id``, or ``none``
for a look-alike that must not raise an alarm) and exits 1 when recall or precision is below the bar.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli.labelled import read_labelled

if TYPE_CHECKING:
    from dialogs.schema import Safety


def register(commands: Any) -> None:
    parser = commands.add_parser("safety", help="show whether a sentence signals danger, as JSON")
    parser.add_argument("sentence", nargs="?", help="what a resident might say, in Chinese")
    parser.add_argument(
        "--eval",
        dest="eval_files",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="score the danger check on labelled sentences: one 'sentence<TAB>category id or none' per line",
    )
    parser.add_argument("--min-recall", type=float, default=1.0, help="recall required by --eval")
    parser.add_argument("--min-precision", type=float, default=0.98, help="precision required by --eval")
    parser.set_defaults(handler=run)


def verdict(sentence: str, safety: Safety) -> dict[str, object]:
    from dialogs.safety import find_danger

    found = find_danger(sentence, safety)
    if found is None:
        return {"danger": False, "kind": None, "matched": None}
    return {"danger": True, "kind": found.category.id, "matched": found.matched}


def run(args: argparse.Namespace) -> int:
    from bot.config import load_settings
    from dialogs.loader import load_catalog

    catalog = load_catalog(load_settings().effective_content_dir)
    if args.eval_files:
        return _evaluate(catalog.safety, args.eval_files, args.min_recall, args.min_precision)
    if not args.sentence:
        print("Give a sentence, or --eval FILE.", file=sys.stderr)
        return 2
    print(json.dumps(verdict(args.sentence, catalog.safety), ensure_ascii=False))
    return 0


def _evaluate(safety: Safety, files: list[Path], min_recall: float, min_precision: float) -> int:
    known = {category.id for category in safety.categories}
    labelled = read_labelled(files, known, hint="category id or none", unknown="unknown danger category")
    if isinstance(labelled, str):
        print(labelled, file=sys.stderr)
        return 2
    missed: list[dict[str, object]] = []
    false_alarms: list[dict[str, object]] = []
    other_kind: list[dict[str, object]] = []
    for case in labelled:
        wanted = case.expected
        got = verdict(case.sentence, safety)
        entry = {"where": case.where, "sentence": case.sentence, "expected": wanted, **got}
        if wanted is not None and not got["danger"]:
            missed.append(entry)
        elif wanted is None and got["danger"]:
            false_alarms.append(entry)
        elif wanted is not None and got["kind"] != wanted:
            other_kind.append(entry)
    dangers = sum(1 for case in labelled if case.expected is not None)
    alarms = dangers - len(missed) + len(false_alarms)
    recall = (dangers - len(missed)) / dangers if dangers else 1.0
    precision = (dangers - len(missed)) / alarms if alarms else 1.0
    report = {
        "sentences": len(labelled),
        "dangers": dangers,
        "look_alikes": len(labelled) - dangers,
        "recall": round(recall, 4),
        "precision": round(precision, 4),
        "missed": missed,
        "false_alarms": false_alarms,
        "other_kind": other_kind,
    }
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0 if recall >= min_recall and precision >= min_precision else 1
