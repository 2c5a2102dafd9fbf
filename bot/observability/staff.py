"""Counting staff API requests by route pattern and status (the path would carry case numbers)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.observability import metrics

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
UNROUTED = "(no route)"


def route_of(request: web.Request) -> str:
    """The matched route's pattern (``/staff/api/cases/{id}``); one fixed name for anything unmatched."""
    if request.match_info.http_exception is not None:
        return UNROUTED
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else UNROUTED


@web.middleware
async def count_requests(request: web.Request, handler: _Handler) -> web.StreamResponse:
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as error:
        status = error.status
        raise
    finally:
        metrics.count_staff_request(route_of(request), request.method, status)
