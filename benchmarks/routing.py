"""Routing and content costs with all services loaded: sentences routed per second (on the labelled
routing set), content load-and-check time, and the start-up of a command that loads everything.

    python -m benchmarks.routing [--repeat 5] [--content DIR]

Compare with the figures recorded for the two subsidies alone (README, Benchmarks): the aim is to
stay within 20 %.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.stats import percentile
from dialogs.intents import route
from dialogs.loader import load_catalog
from tests.paths import CONTENT_DIR, ROOT

ROUTING_SET = ROOT / "tests" / "data" / "routing"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--content", type=Path, default=CONTENT_DIR, help="content folder (default: content/)")
    args = parser.parse_args()

    loads = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        catalog = load_catalog(args.content)
        loads.append(time.perf_counter() - t0)
    steps = sum(len(s.steps) for s in catalog.services.values())
    print(f"content: {len(catalog.services)} services, {steps} steps, {len(catalog.faqs)} questions")
    print(f"load and check content: median {percentile(loads, 0.5) * 1000:.1f} ms")

    sentences = [
        line.split("\t", 1)[0]
        for path in sorted(ROUTING_SET.glob("*.tsv"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    rates = []
    for round_number in range(args.repeat):
        # A fresh sentence each round (a number appended), so no cache answers for a sentence seen before.
        fresh = [f"{sentence}{round_number}" for sentence in sentences]
        t0 = time.perf_counter()
        for sentence in fresh:
            route(sentence, catalog)
        rates.append(len(fresh) / (time.perf_counter() - t0))
    print(f"routing: {len(sentences)} labelled sentences, median {percentile(rates, 0.5):,.0f} sentences/s")

    starts = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        command = [sys.executable, "-m", "bot", "content", "check", "--dir", str(args.content)]
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT)  # noqa: S603 - our own CLI
        starts.append(time.perf_counter() - t0)
    print(f"start-up ('python -m bot content check'): median {percentile(starts, 0.5):.2f} s")


if __name__ == "__main__":
    main()
