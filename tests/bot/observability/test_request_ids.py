"""Each HTTP request gets an id, answered in ``X-Request-Id`` and stamped on every log line written for it,
including by work it started that goes on after the answer."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from pytest_aiohttp import AiohttpClient

from bot.observability import request_ids
from bot.observability.request_ids import HEADER, current_request_id, request_scope, turn_scope
from tests.bot.observability.logs import json_lines

log = logging.getLogger("tests.request_ids")


def _app(background: set[asyncio.Task[None]]) -> web.Application:
    async def answer(_request: web.Request) -> web.Response:
        async def later() -> None:
            await asyncio.sleep(0.01)
            log.info("finished after the answer")

        log.info("answering")
        task = asyncio.create_task(later())
        background.add(task)
        return web.Response(text=current_request_id() or "")

    app = web.Application()
    request_ids.install(app)
    app.router.add_get("/", answer)
    return app


async def test_the_id_is_answered_and_carried_into_every_log_line_of_the_request(
    aiohttp_client: AiohttpClient,
) -> None:
    background: set[asyncio.Task[None]] = set()
    client = await aiohttp_client(_app(background))

    with json_lines() as lines:
        response = await client.get("/")
        await asyncio.gather(*background)

    request_id = response.headers[HEADER]
    assert len(request_id) == 16
    assert await response.text() == request_id
    ours = [line for line in lines if line["logger"] == log.name]
    assert [line["message"] for line in ours] == ["answering", "finished after the answer"]
    assert {line["request_id"] for line in ours} == {request_id}


async def test_two_requests_get_two_ids(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(_app(set()))

    first, second = await client.get("/"), await client.get("/")

    assert first.headers[HEADER] != second.headers[HEADER]


async def test_a_proxys_well_formed_id_is_kept_and_anything_else_replaced(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(_app(set()))

    kept = await client.get("/", headers={HEADER: "nginx-7f3a9c"})
    replaced = await client.get("/", headers={HEADER: "x" * 65})
    injected = await client.get("/", headers={HEADER: "a b\tc"})

    assert kept.headers[HEADER] == "nginx-7f3a9c"
    assert len(replaced.headers[HEADER]) == 16
    assert len(injected.headers[HEADER]) == 16


async def test_errors_and_unknown_paths_carry_the_id_too(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(_app(set()))

    response = await client.get("/no-such-page")

    assert response.status == 404
    assert len(response.headers[HEADER]) == 16


def test_a_turn_outside_any_request_gets_its_own_id_and_inside_one_keeps_the_requests() -> None:
    with turn_scope() as first:
        assert current_request_id() == first
    with turn_scope() as second:
        assert second != first
    assert current_request_id() is None
    with request_scope("push-1"), turn_scope() as inside:
        assert inside == "push-1"
