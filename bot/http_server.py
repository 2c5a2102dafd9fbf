"""aiohttp's HTTP server under the application, with answers of our own where aiohttp writes its own.

A request aiohttp cannot parse (a header line without a colon, a byte that is not ASCII in the path, a
header line over 8 KB) is refused before any handler or middleware runs, by ``RequestHandler.handle_error``,
whose text/plain answer quotes the offending bytes back, and whose ``Server`` header names aiohttp and its
version. Here that answer keeps its status and says one short sentence instead, whatever was sent.

aiohttp has no setting for the request handler's class: ``web.Server`` makes a plain ``RequestHandler``
for each connection and ``web.run_app`` makes its own runner. So this module has the runner both ways of
starting use: ``run_app`` for one process (``serve``), ``ServiceRunner`` for each gunicorn worker
(``bot/workers.py``).
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable

from aiohttp import hdrs, web

# aiohttp would name itself and its version: a free hint for anyone looking for a known flaw.
SERVER_HEADER = "liuzhou-access-bot"
KEEPALIVE_SECONDS = 75  # aiohttp's own default; the platform keeps its connections open
SHUTDOWN_SECONDS = 60.0  # open connections get this long to finish at shutdown (aiohttp's default)

BAD_REQUEST = "请求有误。"
TOO_LARGE = "请求内容过大。"
SERVER_FAULT = "服务出了点问题，请稍后再试。"


def error_text(status: int) -> str:
    """The whole body of an error answer the server writes itself: fixed, short, never the request's words."""
    if status >= 500:
        return SERVER_FAULT
    return TOO_LARGE if status == 413 else BAD_REQUEST


class PlainErrors(web.RequestHandler):
    """aiohttp's request handler, whose own error answers say a fixed sentence."""

    __slots__ = ()

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        # aiohttp's own logs the error (``bot/logs.py`` shortens it) and refuses when an answer was begun;
        # the answer it builds, with the parser's message in it, is not sent.
        super().handle_error(request, status, exc, message)
        answer = web.Response(status=status, text=error_text(status), content_type="text/plain")
        answer.headers[hdrs.SERVER] = SERVER_HEADER
        answer.force_close()
        return answer


class _Server(web.Server):
    def __call__(self) -> web.RequestHandler:
        return PlainErrors(self, loop=self._loop, **self._kwargs)


class ServiceRunner(web.AppRunner):
    """``web.AppRunner`` whose connections are served by ``PlainErrors``."""

    __slots__ = ()

    async def _make_server(self) -> web.Server:
        made = await super()._make_server()  # starts the application up
        return _Server(
            made.request_handler,
            request_factory=made.request_factory,
            handler_cancellation=made.handler_cancellation,
            loop=made._loop,
            **made._kwargs,
        )


def run_app(app: Awaitable[web.Application], *, host: str, port: int, loop: asyncio.AbstractEventLoop) -> None:
    """Serve on ``host:port`` until SIGINT or SIGTERM, then shut down gracefully and close ``loop``: what
    ``web.run_app`` does, with ``ServiceRunner``. An address that cannot be bound raises ``OSError``."""
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(_serve(app, host, port))
    except KeyboardInterrupt:  # Ctrl-C while starting, before SIGINT is ours: a stop, not a failure
        pass
    finally:
        leftovers = asyncio.all_tasks(loop)
        for task in leftovers:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


async def _serve(app: Awaitable[web.Application], host: str, port: int) -> None:
    # No access log: a push's URL carries the resident's openid (and logging each request costs ~7 %).
    runner = ServiceRunner(
        await app, access_log=None, keepalive_timeout=KEEPALIVE_SECONDS, shutdown_timeout=SHUTDOWN_SECONDS
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stop.set)
    try:
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
            await stop.wait()
        finally:
            await runner.cleanup()
    finally:
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(number)
