"""The HTTP server's own answers: a request aiohttp cannot parse, or a handler that fails, is answered
with its status and one fixed sentence, never with what was sent, whichever way the service started.

The malformed requests are raw bytes on a TCP socket to ``python -m bot serve`` running as an operator
starts it, in one process and with two gunicorn workers."""

from __future__ import annotations

import asyncio
import signal
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web

from bot.http_server import BAD_REQUEST, SERVER_FAULT, SERVER_HEADER, TOO_LARGE, ServiceRunner, error_text
from tests.bot.serve_process import STOP_TIMEOUT, Service, serve
from tests.ports import free_port

MARKER = "PROBE5C81D0"
HEAD = "POST /wechat?signature=x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def ask(port: int, request: bytes) -> Answer:
    """Sends the bytes as they are on a new connection and reads the answer until the server closes it."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in header_lines)}
    return Answer(int(status_line.split(" ")[1]), headers, body)


@pytest.fixture(scope="module", params=[1, 2], ids=["one-process", "two-workers"])
def service(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    redis_url: str,
    _postgres_session_database: str,
) -> Iterator[Service]:
    """One service for the module's raw requests (none of them changes anything it keeps)."""
    folder = tmp_path_factory.mktemp("serve")
    with serve(folder, redis_url, _postgres_session_database, workers=request.param) as running:
        yield running


def test_a_header_line_without_a_colon_is_answered_400_without_the_line(service: Service) -> None:
    answer = ask(service.port, f"{HEAD}{MARKER}\r\n\r\n".encode())

    assert answer.status == 400
    assert answer.body == BAD_REQUEST.encode()
    assert MARKER.encode() not in answer.body


def test_a_byte_that_is_not_ascii_in_the_path_is_answered_400_without_the_path(service: Service) -> None:
    answer = ask(service.port, f"GET /wechat/{MARKER}\xff HTTP/1.1\r\nHost: x\r\n\r\n".encode("latin-1"))

    assert answer.status == 400
    assert answer.body == BAD_REQUEST.encode()
    assert MARKER.encode() not in answer.body
    assert b"\xff" not in answer.body


def test_a_header_line_over_8_kb_is_answered_400_without_the_header(service: Service) -> None:
    answer = ask(service.port, f"{HEAD}X-Long: {MARKER}{'a' * 20_000}\r\n\r\n".encode())

    assert answer.status == 400
    assert answer.body == BAD_REQUEST.encode()
    assert b"aaaa" not in answer.body


def test_the_refusal_is_utf_8_text_and_names_no_server_software(service: Service) -> None:
    answer = ask(service.port, f"{HEAD}{MARKER}\r\n\r\n".encode())

    assert answer.headers["content-type"] == "text/plain; charset=utf-8"
    assert answer.headers["server"] == SERVER_HEADER


def test_refusals_leave_no_traceback_in_the_log(service: Service) -> None:
    ask(service.port, f"{HEAD}{MARKER}\r\n\r\n".encode())

    service.wait_until("logged refusal", lambda: "refused a malformed HTTP request" in service.log.read_text())
    assert "Traceback" not in service.log.read_text()
    assert MARKER not in service.log.read_text()


def test_sigterm_stops_the_service_in_one_process_with_status_0(
    tmp_path: Path, redis_url: str, postgres_database_url: str
) -> None:
    with serve(tmp_path, redis_url, postgres_database_url, workers=1) as running:
        running.process.send_signal(signal.SIGTERM)

        assert running.process.wait(timeout=STOP_TIMEOUT) == 0
    assert "Traceback" not in running.log.read_text()


# ---------------------------------------------------------------- a handler that fails


@pytest.fixture
async def failing_app() -> AsyncIterator[int]:
    """A small application with a handler that raises, served on a free port by ``ServiceRunner``."""

    async def fails(_request: web.Request) -> web.Response:
        raise RuntimeError(f"database password is {MARKER}")

    app = web.Application()
    app.router.add_get("/fails", fails)
    runner = ServiceRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield port
    finally:
        await runner.cleanup()


async def test_a_handler_that_raises_is_answered_500_without_the_error(failing_app: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", failing_app)
    writer.write(b"GET /fails HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\n\r\n")
    received = await asyncio.wait_for(reader.read(), 10)  # the server closes the connection after a failure
    writer.close()

    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 500 ")
    assert body == SERVER_FAULT.encode()
    assert MARKER.encode() not in received


def test_each_status_has_its_fixed_sentence() -> None:
    assert error_text(400) == BAD_REQUEST
    assert error_text(431) == BAD_REQUEST
    assert error_text(413) == TOO_LARGE
    assert error_text(500) == SERVER_FAULT
    assert error_text(504) == SERVER_FAULT
