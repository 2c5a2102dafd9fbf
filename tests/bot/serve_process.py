"""``python -m bot serve`` in a child process, as an operator starts it: in one process, or with
``--workers N`` under gunicorn's arbiter. Shared by the tests of the workers and of the HTTP server."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from tests.paths import ROOT
from tests.ports import free_port

TOKEN = "workers-test-token"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 40.0


class Service:
    """The running command; its output goes to a file."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.process = process
        self.port = port
        self.log = log

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def health(self) -> dict[str, object]:
        # A new connection each time, so that any worker may take it.
        with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as response:  # noqa: S310 - our own local URL
            body: dict[str, object] = json.load(response)
            return body

    def workers(self) -> set[int]:
        """The arbiter's child processes, read from /proc."""
        children = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the process ended while we looked
            if int(fields[1]) == self.process.pid and fields[0] != "Z":
                children.add(int(stat.parent.name))
        return children

    def wait_until(self, condition: str, check: Callable[[], bool], timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            assert self.process.poll() is None, f"the service stopped: {self.log.read_text()}"
            assert time.monotonic() < deadline, f"no {condition} in {timeout} s: {self.log.read_text()}"
            time.sleep(0.2)

    def answering_processes(self, wanted: int, attempts: int = 400) -> set[int]:
        """The processes that answered health checks, until ``wanted`` different ones have."""
        seen: set[int] = set()
        for _ in range(attempts):
            process = self.health()["process"]
            assert isinstance(process, int)
            seen.add(process)
            if len(seen) >= wanted:
                break
        return seen


def _healthy(service: Service) -> bool:
    try:
        return service.health()["status"] == "ok"
    except OSError:
        return False


@contextlib.contextmanager
def serve(folder: Path, redis_url: str, database_url: str, workers: int) -> Iterator[Service]:
    """The service on a free port with ``workers`` processes (1: one process, without an arbiter), its
    variable files and log in ``folder``; healthy and with every worker running when it is yielded."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env |= {
        "BOT_REDIS_URL": redis_url,
        "BOT_DATABASE_URL": database_url,
        "BOT_VAR_DIR": str(folder / "var"),
        "BOT_WECHAT_TOKEN": TOKEN,
        "BOT_SECRET_KEY": "workers-test-secret-key-0123456789abcdef",
    }
    port = free_port()
    log = folder / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own CLI with fixed arguments
            [sys.executable, "-m", "bot", "serve", "--workers", str(workers), "--port", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=ROOT,
        )
    running = Service(process, port, log)
    try:
        running.wait_until("health answer", lambda: _healthy(running))
        expected = 0 if workers == 1 else workers
        running.wait_until("workers running", lambda: len(running.workers()) == expected)
        yield running
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()  # our own child, stuck: the test has failed already
                process.wait()
