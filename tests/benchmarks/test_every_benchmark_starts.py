"""Every benchmark script starts: its module imports and its ``--help`` is printed. A benchmark is run by hand,
not by the suite, so a rename elsewhere (a workload moved into a table) would otherwise go unseen until the
figures are needed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.paths import ROOT

SCRIPTS = sorted(
    path.stem
    for path in (ROOT / "benchmarks").glob("*.py")
    if path.stem not in ("__init__", "stats") and "__main__" in path.read_text(encoding="utf-8")
)


def test_the_benchmarks_are_found() -> None:
    assert {"wechat_push", "web_chat", "message_path", "dialog_corpus"} <= set(SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_benchmark_prints_its_usage(script: str) -> None:
    done = subprocess.run(  # noqa: S603 - our own scripts, by their module names
        [sys.executable, "-m", f"benchmarks.{script}", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("usage:")
