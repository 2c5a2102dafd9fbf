"""Run a module as ``python -m`` does, in a process whose wall clock is off by some seconds, as on a host
whose clock is wrong: ``python -m tests.speech.skewed_clock SECONDS MODULE [ARGS...]``.

The clock is the process's own (``time.time`` and ``time.time_ns``, before the module is imported);
the monotonic clocks, and the Redis server's clock, are untouched."""

from __future__ import annotations

import runpy
import sys
import time


def main() -> None:
    skew, module, *args = sys.argv[1:]
    seconds = float(skew)
    real_time, real_time_ns = time.time, time.time_ns
    time.time = lambda: real_time() + seconds
    time.time_ns = lambda: real_time_ns() + int(seconds * 1_000_000_000)
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
