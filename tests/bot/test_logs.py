"""A request aiohttp cannot parse is answered 400 and logged as one warning, without a traceback."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpServer

from bot.logs import REQUEST_ERROR_LOGGERS, MalformedRequests, configure_logging


@pytest.fixture
def configured() -> Iterator[None]:
    configure_logging()
    yield
    for name in REQUEST_ERROR_LOGGERS:
        logger = logging.getLogger(name)
        for added in [f for f in logger.filters if isinstance(f, MalformedRequests)]:
            logger.removeFilter(added)


async def _raw(port: int, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), 5)
    finally:
        writer.close()


@pytest.mark.parametrize(
    "request_bytes",
    [b"GET / HTTP/1.1\r\nHost: x\r\nX-Probe: \x00\r\n\r\n", b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"],
    ids=["null-in-header", "negative-length"],
)
async def test_an_unparseable_request_is_one_warning_without_a_traceback(
    configured: None, aiohttp_server: AiohttpServer, caplog: pytest.LogCaptureFixture, request_bytes: bytes
) -> None:
    server = await aiohttp_server(web.Application())

    with caplog.at_level(logging.INFO):
        answer = await _raw(server.port or 0, request_bytes)

    assert answer.startswith(b"HTTP/1.0 400") or answer.startswith(b"HTTP/1.1 400")
    (record,) = [r for r in caplog.records if r.name == "aiohttp.server"]
    assert record.levelno == logging.WARNING
    assert record.getMessage().startswith("refused a malformed HTTP request (400 ")
    assert record.exc_info is None
    assert "\\x00" not in caplog.text
    assert "Traceback" not in caplog.text


def test_configuring_twice_adds_the_filter_once(configured: None) -> None:
    configure_logging()
    for name in REQUEST_ERROR_LOGGERS:
        assert sum(isinstance(f, MalformedRequests) for f in logging.getLogger(name).filters) == 1
