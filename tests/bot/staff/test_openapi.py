"""The OpenAPI document: valid, in step with the routes, and true of real answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.cases.store import CaseStore
from bot.cases.types import NewCase, Proxy
from bot.security.crypto import Cipher
from bot.staff.api import create_staff_app
from bot.staff.openapi import build_openapi
from bot.staff.sessions import StaffSessions
from bot.staff.users import StaffUserStore
from bot.storage.redis import create_embedded_redis
from tests.bot.staff.fakes import RecordingDelivery

Client = TestClient[web.Request, web.Application]
AiohttpClient = Callable[[web.Application], Awaitable[Client]]
PASSWORD = "correct-horse-battery"
_HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def _staff_app(cases: CaseStore, users: StaffUserStore, redis: Redis) -> web.Application:
    return create_staff_app(
        cases=cases,
        users=users,
        sessions=StaffSessions(redis, timedelta(minutes=5)),
        delivery=RecordingDelivery(),
    )


def _unconnected_app() -> web.Application:
    """The sub-app with stores that are never used: enough to read its routes."""
    sessions: async_sessionmaker[Any] = async_sessionmaker()
    return _staff_app(CaseStore(sessions, Cipher("k" * 32)), StaffUserStore(sessions), create_embedded_redis())


def test_the_document_is_valid_openapi() -> None:
    document = build_openapi()
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_route_is_described_and_every_description_is_routed() -> None:
    routed = {
        (route.resource.canonical, route.method.lower())
        for route in _unconnected_app().router.routes()
        if route.resource is not None
    }
    described = {
        (path, method)
        for path, operations in build_openapi()["paths"].items()
        for method in operations
        if method in _HTTP_METHODS
    }
    assert routed == described


def test_every_operation_documents_its_errors_with_the_error_schema() -> None:
    document = build_openapi()
    responses = document["components"]["responses"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert "500" in codes, (method, path)
            if operation.get("security", document["security"]):
                assert "401" in codes, (method, path)
            if method == "post":
                assert {"413", "415"} <= codes, (method, path)
    for response in responses.values():
        assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def _checker(name: str) -> OAS31Validator:
    document = build_openapi()
    return OAS31Validator({"$ref": f"#/components/schemas/{name}", "components": document["components"]})


@pytest.fixture
async def client(
    aiohttp_client: AiohttpClient, case_store: CaseStore, staff_users: StaffUserStore, redis_client: Redis
) -> Client:
    app = web.Application()
    app.add_subapp("/staff/api", _staff_app(case_store, staff_users, redis_client))
    await staff_users.add("chief", PASSWORD, "supervisor", ())
    await case_store.create(
        NewCase(
            idempotency_key="k1",
            service="rehab",
            team="rehab",
            channel="wechat",
            user_ref="openid-1",
            mode="text",
            district=None,
            contact_phone=None,
            beneficiary_name=None,
            proxy=None,
            answers={},
            transcript=[],
            summary="基本康复服务",
        )
    )
    return await aiohttp_client(app)


async def test_the_document_is_served_without_login(client: Client) -> None:
    response = await client.get("/staff/api/openapi.json")
    assert response.status == 200
    assert await response.json() == build_openapi()


async def test_real_answers_match_their_schemas(client: Client) -> None:
    unauthenticated = await client.get("/staff/api/me")
    _checker("Error").validate(await unauthenticated.json())
    login = await client.post("/staff/api/login", json={"username": "chief", "password": PASSWORD})
    _checker("UserEnvelope").validate(await login.json())
    listing = await (await client.get("/staff/api/cases")).json()
    _checker("CaseList").validate(listing)
    case_id = listing["cases"][0]["id"]
    _checker("CaseDetail").validate(await (await client.get(f"/staff/api/cases/{case_id}")).json())
    _checker("CaseSummary").validate(await (await client.post(f"/staff/api/cases/{case_id}/claim")).json())
    reply = await client.post(f"/staff/api/cases/{case_id}/reply", json={"text": "您好"})
    _checker("ReplyResult").validate(await reply.json())
    _checker("Ok").validate(await (await client.post("/staff/api/logout")).json())


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("您好", True),
        ("  请周一来  ", True),
        ("   ", False),
        ("", False),
        ("\x1f\u3000\ufeff\x85", False),  # blank to Python, to JavaScript, or to both
        ("材料\x00收到", False),
        ("\x00", False),
    ],
)
async def test_the_documented_text_rules_are_the_rules_the_api_applies(
    client: Client, text: str, accepted: bool
) -> None:
    login = await client.post("/staff/api/login", json={"username": "chief", "password": PASSWORD})
    assert login.status == 200
    case_id = (await (await client.get("/staff/api/cases")).json())["cases"][0]["id"]
    assert (await client.post(f"/staff/api/cases/{case_id}/claim")).status == 200

    reply = await client.post(f"/staff/api/cases/{case_id}/reply", json={"text": text})
    resolve = await client.post(f"/staff/api/cases/{case_id}/resolve", json={"outcome": "answered", "note": text})

    assert (reply.status == 200) is accepted
    assert _checker("ReplyRequest").is_valid({"text": text}) is accepted
    note_accepted = "\x00" not in text  # a note may be blank
    assert (resolve.status == 200) is note_accepted
    assert _checker("ResolveRequest").is_valid({"outcome": "answered", "note": text}) is note_accepted


async def test_a_case_filed_by_a_proxy_matches_the_list_and_the_detail_schemas(
    client: Client, case_store: CaseStore
) -> None:
    """The list says the proxy's relationship (text), the detail the proxy (an object): one schema each."""
    case_id, _ = await case_store.create(
        NewCase(
            idempotency_key="k2",
            service="rehab",
            team="rehab",
            channel="wechat",
            user_ref="openid-2",
            mode="text",
            district=None,
            contact_phone=None,
            beneficiary_name=None,
            proxy=Proxy(relationship="子女", name="李明", phone="13900001111"),
            answers={},
            transcript=[],
            summary="基本康复服务",
        )
    )
    await client.post("/staff/api/login", json={"username": "chief", "password": PASSWORD})
    listing = await (await client.get("/staff/api/cases")).json()
    (row,) = [case for case in listing["cases"] if case["id"] == case_id]
    assert row["proxy"] == "子女"
    _checker("CaseList").validate(listing)
    detail = await (await client.get(f"/staff/api/cases/{case_id}")).json()
    assert detail["proxy"]["relationship"] == "子女"
    _checker("CaseDetail").validate(detail)
    claimed = await (await client.post(f"/staff/api/cases/{case_id}/claim")).json()
    _checker("CaseSummary").validate(claimed)
    with pytest.raises(ValidationError):
        _checker("CaseSummary").validate({**claimed, "proxy": detail["proxy"]})
    with pytest.raises(ValidationError):
        _checker("CaseDetail").validate({**detail, "proxy": "子女"})
