"""Every benchmark script starts: its module imports and its ``--help`` is printed. A benchmark is run by hand,
not by the suite, so a rename elsewhere (a workload moved into a table) would otherwise go unseen until the
figures are needed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.fixtures.services import POSTGRES_URL
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


def _run(script: str, *arguments: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own scripts, by their module names
        [sys.executable, "-m", f"benchmarks.{script}", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    return done.stdout


def test_the_push_benchmark_runs_both_servers_on_a_tiny_load(redis_url: str) -> None:
    printed = _run(
        "wechat_push", "--workload", "openings", "--users", "2", "--rounds", "1", "--concurrency", "2",
        "--redis", redis_url, "--database", POSTGRES_URL,
    )  # fmt: skip

    assert printed.count("6/6 answered as expected") == 4  # full and bare, plaintext and safe mode
    assert "full/bare, plaintext: throughput" in printed


def test_the_web_chat_benchmark_runs_both_channels_on_a_tiny_load(redis_url: str, postgres_database_url: str) -> None:
    printed = _run(
        "web_chat", "--users", "2", "--rounds", "1", "--concurrency", "2",
        "--redis", redis_url, "--database", postgres_database_url,
    )  # fmt: skip

    assert "6/6 answered as expected" in printed
    assert "6 of 6 answered in the response" in printed
