"""Behind a trusted reverse proxy, the client is who the proxy says it forwarded for; from anywhere
else, forwarding headers change nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from ipaddress import ip_network
from pathlib import Path

import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpClient
from redis.asyncio import Redis

from bot.app import create_app
from bot.config import Settings
from bot.proxies import MAX_FORWARDED_ENTRIES, TrustedProxies
from bot.services import Services, open_services
from tests.paths import CONTENT_DIR
from tests.shipped import shipped_catalog

PROXY = "127.0.0.1"  # the test client connects from here
NGINX = TrustedProxies([ip_network("10.0.0.0/8"), ip_network(PROXY)])
PASSWORD = "a-long-enough-password"


# ---------------------------------------------------------------- choosing the client


@pytest.mark.parametrize(
    ("forwarded_for", "client"),
    [
        (["203.0.113.7"], "203.0.113.7"),
        (["198.51.100.1, 203.0.113.7"], "203.0.113.7"),  # the left entry was written by the client
        (["203.0.113.7, 10.0.0.5"], "203.0.113.7"),  # through two of our proxies
        (["unknown, 203.0.113.7"], "203.0.113.7"),  # Squid's placeholder, left of the real hop
        (["203.0.113.7", "10.0.0.5"], "203.0.113.7"),  # the header given twice reads as one list
        (["2001:db8::7"], "2001:db8::7"),
        (["10.0.0.9, 10.0.0.5"], "10.0.0.9"),  # only proxies: the farthest one seen
        (["203.0.113.7, unknown"], PROXY),  # garbage where the proxy writes: believe no further
        ([], PROXY),
    ],
)
def test_the_client_is_the_first_address_from_the_right_that_is_not_a_trusted_proxy(
    forwarded_for: list[str], client: str
) -> None:
    assert NGINX.client(PROXY, forwarded_for) == client


def test_headers_from_a_peer_that_is_not_a_trusted_proxy_are_not_believed() -> None:
    assert NGINX.client("203.0.113.99", ["198.51.100.1"]) is None
    assert NGINX.client(None, ["198.51.100.1"]) is None  # a Unix socket


def test_an_endless_header_is_read_only_as_far_as_a_real_chain_goes() -> None:
    assert (
        NGINX.client(PROXY, ["10.0.0.1, " * 10_000 + "10.0.0.2"]) == f"10.0.0.{1 if MAX_FORWARDED_ENTRIES > 1 else 2}"
    )


def test_at_least_one_network_is_needed() -> None:
    with pytest.raises(ValueError, match="at least one"):
        TrustedProxies([])


# ---------------------------------------------------------------- as middleware


async def _echo(request: web.Request) -> web.Response:
    return web.json_response({"remote": request.remote, "secure": request.secure})


async def _seen(aiohttp_client: AiohttpClient, proxies: TrustedProxies, headers: dict[str, str]) -> dict[str, object]:
    app = web.Application(middlewares=[proxies.middleware])
    app.router.add_get("/", _echo)
    client = await aiohttp_client(app)
    seen: dict[str, object] = await (await client.get("/", headers=headers)).json()
    return seen


async def test_a_trusted_proxy_tells_the_client_address_and_that_it_used_https(aiohttp_client: AiohttpClient) -> None:
    seen = await _seen(aiohttp_client, NGINX, {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"})
    assert seen == {"remote": "203.0.113.7", "secure": True}


async def test_a_direct_client_cannot_claim_another_address_or_https(aiohttp_client: AiohttpClient) -> None:
    elsewhere = TrustedProxies([ip_network("10.0.0.0/8")])
    seen = await _seen(aiohttp_client, elsewhere, {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"})
    assert seen == {"remote": PROXY, "secure": False}


async def test_an_unknown_scheme_is_ignored(aiohttp_client: AiohttpClient) -> None:
    seen = await _seen(aiohttp_client, NGINX, {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "gopher"})
    assert seen == {"remote": "203.0.113.7", "secure": False}


async def _host(request: web.Request) -> web.Response:
    return web.json_response({"host": request.host})


async def _seen_host(aiohttp_client: AiohttpClient, proxies: TrustedProxies, forwarded_host: str) -> object:
    app = web.Application(middlewares=[proxies.middleware])
    app.router.add_get("/", _host)
    client = await aiohttp_client(app)
    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Host": forwarded_host, "Host": "127.0.0.1:8080"}
    return (await (await client.get("/", headers=headers)).json())["host"]


@pytest.mark.parametrize(
    ("forwarded_host", "host"),
    [
        ("staff.example.gov.cn", "staff.example.gov.cn"),
        ("evil.example, staff.example.gov.cn:8443", "staff.example.gov.cn:8443"),  # the proxy's is the last
        ("[2001:db8::1]:443", "[2001:db8::1]:443"),
        ("staff.example/../x", "127.0.0.1:8080"),  # not a host: the request keeps its own
        ("", "127.0.0.1:8080"),
    ],
)
async def test_a_trusted_proxy_tells_the_host_the_browser_asked_for(
    aiohttp_client: AiohttpClient, forwarded_host: str, host: str
) -> None:
    assert await _seen_host(aiohttp_client, NGINX, forwarded_host) == host


async def test_a_direct_client_cannot_choose_the_host(aiohttp_client: AiohttpClient) -> None:
    elsewhere = TrustedProxies([ip_network("10.0.0.0/8")])
    assert await _seen_host(aiohttp_client, elsewhere, "staff.example.gov.cn") == "127.0.0.1:8080"


# ---------------------------------------------------------------- the service behind nginx


@pytest.fixture
async def behind_nginx(
    sqlite_database_url: str, redis_url: str, real_redis: Redis, tmp_path: Path
) -> AsyncIterator[Services]:
    settings = Settings(
        redis_url=redis_url,
        database_url=sqlite_database_url,
        secret_key="s" * 48,
        var_dir=tmp_path,
        content_dir=CONTENT_DIR,
        trusted_proxies=(ip_network(PROXY),),
    )
    async with open_services(settings, shipped_catalog()) as opened:
        await opened.staff_users.add("anna", PASSWORD, "agent", ["subsidy"])
        await opened.staff_users.add("bo.li", PASSWORD, "agent", ["subsidy"])
        yield opened


async def test_one_clients_failed_logins_do_not_lock_out_colleagues_behind_the_same_proxy(
    behind_nginx: Services, aiohttp_client: AiohttpClient
) -> None:
    client = await aiohttp_client(create_app(behind_nginx))
    guesser = {"X-Forwarded-For": "203.0.113.66"}
    for n in range(30):  # the per-address limit, spread over many names
        response = await client.post(
            "/staff/api/login", json={"username": f"x{n}", "password": "wrong"}, headers=guesser
        )
        assert response.status == 401
    blocked = await client.post("/staff/api/login", json={"username": "anna", "password": PASSWORD}, headers=guesser)
    assert blocked.status == 429

    colleague = await client.post(
        "/staff/api/login", json={"username": "bo.li", "password": PASSWORD}, headers={"X-Forwarded-For": "203.0.113.8"}
    )
    assert colleague.status == 200


async def test_the_session_cookie_is_secure_when_the_browser_used_https(
    behind_nginx: Services, aiohttp_client: AiohttpClient
) -> None:
    client = await aiohttp_client(create_app(behind_nginx))
    over_https = {"X-Forwarded-For": "203.0.113.8", "X-Forwarded-Proto": "https"}
    response = await client.post(
        "/staff/api/login", json={"username": "bo.li", "password": PASSWORD}, headers=over_https
    )
    assert response.status == 200
    assert "Secure" in response.headers["Set-Cookie"]

    plain = await client.post("/staff/api/login", json={"username": "anna", "password": PASSWORD})
    assert "Secure" not in plain.headers["Set-Cookie"]


async def test_behind_nginx_the_console_origin_is_the_forwarded_host(
    behind_nginx: Services, aiohttp_client: AiohttpClient
) -> None:
    client = await aiohttp_client(create_app(behind_nginx))
    browser = {"Origin": "https://staff.example.gov.cn", "X-Forwarded-For": "203.0.113.8", "X-Forwarded-Proto": "https"}
    login = {"username": "anna", "password": PASSWORD}
    refused = await client.post("/staff/api/login", json=login, headers=browser)
    assert refused.status == 403  # nginx did not say which host the browser asked for
    forwarded = {**browser, "X-Forwarded-Host": "staff.example.gov.cn"}
    assert (await client.post("/staff/api/login", json=login, headers=forwarded)).status == 200


async def test_failed_logins_from_one_address_do_not_lock_the_name_out_elsewhere(
    behind_nginx: Services, aiohttp_client: AiohttpClient
) -> None:
    client = await aiohttp_client(create_app(behind_nginx))
    guesser = {"X-Forwarded-For": "203.0.113.66"}
    for _ in range(10):
        response = await client.post(
            "/staff/api/login", json={"username": "anna", "password": "wrong"}, headers=guesser
        )
        assert response.status == 401
    locked = await client.post("/staff/api/login", json={"username": "anna", "password": PASSWORD}, headers=guesser)
    assert locked.status == 429
    at_her_desk = {"X-Forwarded-For": "203.0.113.8"}
    own = await client.post("/staff/api/login", json={"username": "anna", "password": PASSWORD}, headers=at_her_desk)
    assert own.status == 200
