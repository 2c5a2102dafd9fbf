"""Simulated residents (tests/data/residents.yaml) against the pure dialog core: how many completed,
re-asks per resident, loops and false alarms.

python -m benchmarks.dialog_corpus [--content content/] [--corpus tests/data/residents.yaml] [--show-failures]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

from dialogs.loader import load_catalog
from tests.dialogs.residents import CORPUS, converse, load_residents
from tests.paths import CONTENT_DIR


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--content", type=Path, default=CONTENT_DIR, help="content folder (default: content/)")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="residents (default: tests/data/residents.yaml)")
    parser.add_argument("--show-failures", action="store_true", help="say why each unfinished resident failed")
    args = parser.parse_args()

    catalog = load_catalog(args.content)
    residents = load_residents(args.corpus)
    began = time.perf_counter()
    outcomes = [converse(resident, catalog) for resident in residents]
    elapsed = time.perf_counter() - began

    count = len(outcomes)
    completed = sum(o.completed for o in outcomes)
    reasks = sum(o.reasks for o in outcomes)
    loops = sum(o.looped for o in outcomes)
    false_alarms = sum(o.false_alarms for o in outcomes)
    calm = sum(not o.resident.danger for o in outcomes)
    turns = sum(o.turns for o in outcomes)
    print(f"residents: {count} ({calm} saying nothing dangerous)")
    print(f"completed: {completed} of {count} ({completed / count:.0%})")
    print(f"re-asks per resident: {reasks / count:.2f} (total {reasks})")
    print(f"loops: {loops}")
    print(f"false alarms: {false_alarms}")
    heard = [o for o in outcomes if o.mode != "text"]
    if heard:
        longest = max(o.longest_heard for o in heard)
        print(f"longest message heard in voice or simple mode: {longest} sentences ({len(heard)} residents)")
    print(f"turns: {turns} in {elapsed:.2f} s = {turns / elapsed:,.0f} steps/s")
    traits = Counter(t for o in outcomes if not o.completed for t in _traits(args.corpus, o.resident.id))
    if traits:
        print("unfinished by trait: " + ", ".join(f"{t} {n}" for t, n in traits.most_common()))
    if args.show_failures:
        for outcome in outcomes:
            if not outcome.completed:
                print(f"  {outcome.resident.id}: {'; '.join(outcome.problems)}")


_TRAITS: dict[str, list[str]] = {}


def _traits(corpus: Path, resident_id: str) -> list[str]:
    if not _TRAITS:
        import yaml

        for entry in yaml.safe_load(corpus.read_text(encoding="utf-8"))["residents"]:
            _TRAITS[entry["id"]] = list(entry.get("traits", ()))
    return _TRAITS.get(resident_id, [])


if __name__ == "__main__":
    main()
