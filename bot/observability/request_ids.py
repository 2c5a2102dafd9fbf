"""A request id for each HTTP request and each turn, carried in a context variable into every log line.

The id rides on asyncio's context: work started from a request (a late answer sent after the deadline)
keeps its id. A well-formed ``X-Request-Id`` from a proxy in front is kept, so its logs and ours match;
anything else is replaced, and the id goes back in the response's ``X-Request-Id``.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from aiohttp import web

HEADER = "X-Request-Id"
_WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_current: ContextVar[str | None] = ContextVar("request_id", default=None)
_KEY = web.RequestKey("request_id", str)

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def current_request_id() -> str | None:
    return _current.get()


def new_request_id() -> str:
    return secrets.token_hex(8)


@contextmanager
def request_scope(request_id: str | None = None) -> Iterator[str]:
    """Run the block under ``request_id`` (a new one if None)."""
    chosen = request_id or new_request_id()
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


@contextmanager
def turn_scope() -> Iterator[str]:
    """The request id already in force (a push's), or a new one for this turn alone (the terminal chat)."""
    existing = _current.get()
    if existing is not None:
        yield existing
        return
    with request_scope() as chosen:
        yield chosen


@web.middleware
async def request_ids(request: web.Request, handler: _Handler) -> web.StreamResponse:
    offered = request.headers.get(HEADER, "")
    chosen = offered if _WELL_FORMED.fullmatch(offered) else new_request_id()
    request[_KEY] = chosen
    with request_scope(chosen):
        return await handler(request)


async def add_header(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare``: every answer names its request, errors included."""
    request_id = request.get(_KEY)
    if request_id is not None:
        response.headers[HEADER] = request_id


def install(app: web.Application) -> None:
    app.middlewares.insert(0, request_ids)
    app.on_response_prepare.append(add_header)
