"""``serve --workers N``: several processes on one port, sharing conversations through Redis and SQL.

Real processes throughout: the command an operator runs, real Redis and PostgreSQL, pushes signed as
the platform signs them, and signals as a supervisor sends them.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from collections.abc import Iterator
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
from tests.bot.serve_process import STOP_TIMEOUT, TOKEN, Service, serve

RESIDENT = "o6_workers_resident"


@pytest.fixture
def service(
    request: pytest.FixtureRequest, tmp_path: Path, redis_url: str, real_redis: Redis, postgres_database_url: str
) -> Iterator[Service]:
    """The service with two workers (or as many as the test's ``workers`` parameter says)."""
    with serve(tmp_path, redis_url, postgres_database_url, workers=getattr(request, "param", 2)) as running:
        yield running


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
