"""``serve --workers N``: several processes on one port, sharing conversations through Redis and SQL.

Real processes throughout: the command an operator runs, real Redis and PostgreSQL, pushes signed as
the platform signs them, and signals as a supervisor sends them.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import aiohttp
import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.channels.wechat.simulator.pushes import PushClient
from bot.workers import bind_address, worker_options
from tests.bot.channels.wechat.service import passive_text
from tests.bot.observability.scrape import Scrape
from tests.bot.scripts import CONFIRM, LIVING_ALLOWANCE_FOR_MYSELF
from tests.paths import ROOT
from tests.ports import free_port

RESIDENT = "o6_workers_resident"
TOKEN = "workers-test-token"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 40.0


class Service:
    """``python -m bot serve --workers 2`` in a child process; its output goes to a file."""

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


@pytest.fixture
def service(
    request: pytest.FixtureRequest, tmp_path: Path, redis_url: str, real_redis: Redis, postgres_database_url: str
) -> Iterator[Service]:
    """The service with two workers (or as many as the test's ``workers`` parameter says)."""
    workers = str(getattr(request, "param", 2))
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env |= {
        "BOT_REDIS_URL": redis_url,
        "BOT_DATABASE_URL": postgres_database_url,
        "BOT_VAR_DIR": str(tmp_path / "var"),
        "BOT_WECHAT_TOKEN": TOKEN,
        "BOT_SECRET_KEY": "workers-test-secret-key-0123456789abcdef",
    }
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own CLI with fixed arguments
            [sys.executable, "-m", "bot", "serve", "--workers", workers, "--port", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=ROOT,
        )
    running = Service(process, port, log)
    try:
        running.wait_until("health answer", lambda: _healthy(running))
        expected = 0 if workers == "1" else int(workers)  # one process serves alone, without an arbiter
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


def test_two_workers_share_the_port_and_both_answer(service: Service) -> None:
    answering = service.answering_processes(wanted=2)

    assert answering == service.workers()
    assert service.process.pid not in answering  # the arbiter only supervises
    output = service.log.read_text()
    assert "Workers: 2 processes" in output
    assert "GunicornUVLoopWebWorker" in output


async def test_a_conversation_carries_on_whichever_worker_takes_each_message(
    service: Service, postgres_database_url: str
) -> None:
    # A new connection for every push, as after the platform's idle connections close: the kernel
    # hands each one to either worker, so each message may meet a different process.
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
        pushes = PushClient(http, f"{service.url}/wechat", TOKEN, retries=0)
        answers = [
            passive_text(await pushes.push(pushes.text(RESIDENT, message))) for message in LIVING_ALLOWANCE_FOR_MYSELF
        ]
        # The confirmation delivered four times at once, as the platform retries: one case, one answer.
        confirmation = pushes.text(RESIDENT, CONFIRM)
        confirmed = {passive_text(r) for r in await asyncio.gather(*(pushes.push(confirmation) for _ in range(4)))}

    assert all(answers), answers
    assert "生活补贴" in (answers[1] or "")
    (told,) = confirmed
    assert told is not None
    assert "编号是" in told
    engine = create_async_engine(postgres_database_url)
    try:
        async with engine.connect() as connection:
            filed = (await connection.execute(text("SELECT count(*) FROM cases"))).scalar_one()
    finally:
        await engine.dispose()
    assert filed == 1


async def test_metrics_from_any_worker_count_the_pushes_every_worker_took(service: Service) -> None:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
        pushes = PushClient(http, f"{service.url}/wechat", TOKEN, retries=0)
        for message in ("你好", "我想申请生活补贴", "给我自己", "有"):
            assert passive_text(await pushes.push(pushes.text(RESIDENT, message)))
        scrapes = []
        for _ in range(8):  # a new connection each time: the kernel hands them to either worker
            async with http.get(f"{service.url}/metrics") as response:
                assert response.status == 200
                scrapes.append(Scrape(await response.text()))

    assert {s.value("bot_wechat_pushes_total", kind="text", result="answered") for s in scrapes} == {4.0}
    assert {s.value("bot_turn_seconds_count", input="text") for s in scrapes} == {4.0}
    assert all(RESIDENT not in s.text for s in scrapes)
    assert "Metrics: shared between workers" in service.log.read_text()


@pytest.mark.parametrize("service", [1, 2], indirect=True, ids=["one-process", "two-workers"])
async def test_no_request_is_logged_because_push_urls_carry_the_residents_openid(service: Service) -> None:
    async with aiohttp.ClientSession() as http:
        pushes = PushClient(http, f"{service.url}/wechat", TOKEN, retries=0)
        assert passive_text(await pushes.push(pushes.text("o6_private_resident", "你好")))

    service.process.terminate()
    service.process.wait(timeout=STOP_TIMEOUT)
    output = service.log.read_text()
    assert "/wechat" not in output
    assert "o6_private_resident" not in output


@pytest.mark.parametrize("service", [1, 2], indirect=True, ids=["one-process", "two-workers"])
def test_a_request_that_cannot_be_parsed_is_answered_400_and_logged_in_one_line(service: Service) -> None:
    with socket.create_connection(("127.0.0.1", service.port), timeout=5) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Probe: \x00\r\n\r\n")
        assert connection.recv(100).split(b" ")[1] == b"400"

    service.wait_until("logged refusal", lambda: "refused a malformed HTTP request" in service.log.read_text())
    assert "Traceback" not in service.log.read_text()


def test_a_worker_that_dies_is_replaced_and_the_port_keeps_answering(service: Service) -> None:
    before = service.workers()
    victim = min(before)

    os.kill(victim, signal.SIGKILL)

    service.wait_until("new worker in its place", lambda: len(service.workers() - before) == 1)
    service.wait_until("two workers running", lambda: len(service.workers()) == 2)
    assert victim not in service.workers()
    assert service.answering_processes(wanted=2) == service.workers()


def test_sigterm_stops_the_arbiter_and_every_worker(service: Service) -> None:
    workers = service.workers()

    service.process.terminate()

    assert service.process.wait(timeout=STOP_TIMEOUT) == 0
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]
    assert "Shutting down: Master" in service.log.read_text()


# ---------------------------------------------------------------- the settings given to gunicorn


def test_ipv6_addresses_are_bracketed_for_binding() -> None:
    assert bind_address("127.0.0.1", 8080) == "127.0.0.1:8080"
    assert bind_address("::1", 8080) == "[::1]:8080"


def test_no_access_log_is_written_because_push_urls_carry_the_residents_openid() -> None:
    options = worker_options("127.0.0.1", 8080, 2, on_ready=lambda: None)
    assert options["accesslog"] is None
    assert options["workers"] == 2
    assert options["keepalive"] >= 60  # the platform keeps its connections open; gunicorn's own default is 2 s
