"""Routing and content costs with all services loaded: sentences routed per second (on the labelled
routing set), content load-and-check time, and the start-up of a command that loads everything.

    python -m benchmarks.routing [--repeat 5]

Compare with the figures recorded for the two subsidies alone (README, Benchmarks): the aim is to
stay within 20 %.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from benchmarks.stats import percentile
from dialogs.intents import route
from dialogs.loader import load_catalog
from dialogs.validators import normalize
from tests.paths import CONTENT_DIR, ROOT

ROUTING_SET = ROOT / "tests" / "data" / "routing"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    loads = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        catalog = load_catalog(CONTENT_DIR)
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
    for _ in range(args.repeat):
        normalize.cache_clear()  # count the work a fresh sentence costs, not the cache
        t0 = time.perf_counter()
        for sentence in sentences:
            route(sentence, catalog)
        rates.append(len(sentences) / (time.perf_counter() - t0))
    print(f"routing: {len(sentences)} labelled sentences, median {percentile(rates, 0.5):,.0f} sentences/s")

    starts = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bot", "content", "check"], check=True, capture_output=True, cwd=ROOT)
        starts.append(time.perf_counter() - t0)
    print(f"start-up ('python -m bot content check'): median {percentile(starts, 0.5):.2f} s")


if __name__ == "__main__":
    main()
