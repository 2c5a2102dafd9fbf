"""Small helpers to print benchmark figures the same way in every script."""

from __future__ import annotations

import statistics


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def report(name: str, count: int, seconds: float, latencies: list[float]) -> None:
    print(
        f"{name}: {count} in {seconds:.2f} s = {count / seconds:,.0f}/s; "
        f"latency p50 {percentile(latencies, 0.5) * 1000:.3f} ms, p99 {percentile(latencies, 0.99) * 1000:.3f} ms, "
        f"mean {statistics.fmean(latencies) * 1000:.3f} ms"
    )
