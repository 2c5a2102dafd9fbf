"""Complete applications through the pure dialog core alone: steps per second and per-step latency.

python -m benchmarks.dialog_core [--applications 2000]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from benchmarks.stats import report
from dialogs.engine import step
from dialogs.events import Inbound
from dialogs.loader import load_catalog
from dialogs.state import Conversation
from tests.bot.scripts import CONFIRM, LIVING_ALLOWANCE_FOR_MYSELF, NURSING_ALLOWANCE_FOR_MY_MOTHER
from tests.dialogs.conversation import START
from tests.paths import CONTENT_DIR


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=2000)
    parser.add_argument("--content", type=Path, default=CONTENT_DIR, help="content folder (default: content/)")
    args = parser.parse_args()

    started = time.perf_counter()
    catalog = load_catalog(args.content)
    print(f"content load and check: {(time.perf_counter() - started) * 1000:.1f} ms")

    scripts = [(*LIVING_ALLOWANCE_FOR_MYSELF, CONFIRM), (*NURSING_ALLOWANCE_FOR_MY_MOTHER, CONFIRM)]
    latencies: list[float] = []
    cases = 0
    began = time.perf_counter()
    cpu_began = time.process_time()
    for number in range(args.applications):
        state = Conversation()
        for turn, text in enumerate(scripts[number % 2]):
            t0 = time.perf_counter()
            result = step(state, Inbound(text, f"{number}-{turn}", START + turn), catalog)
            latencies.append(time.perf_counter() - t0)
            state = result.state
            cases += len(result.effects)
    elapsed = time.perf_counter() - began
    cpu = time.process_time() - cpu_began
    report("dialog core steps", len(latencies), elapsed, latencies)
    # On a shared machine wall time counts the neighbours too: this process's own CPU time does not.
    print(f"per CPU second: {len(latencies) / cpu:,.0f} steps ({cpu:.2f} s of CPU)")
    print(f"applications completed: {cases} of {args.applications}")


if __name__ == "__main__":
    main()
