"""The staff API over HTTP, on the real case and user stores (SQLite and PostgreSQL) and real Redis."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from argon2 import PasswordHasher
from redis.asyncio import Redis

from bot.cases.store import CaseStore
from bot.cases.types import NewCase, Proxy
from bot.security import passwords
from bot.staff.api import COOKIE_NAME, create_staff_app
from bot.staff.delivery import DeliveryResult, Reach
from bot.staff.openapi import MAX_BODY_BYTES
from bot.staff.sessions import LoginThrottle, StaffSessions
from bot.staff.users import StaffUserStore
from tests.bot.staff.fakes import RecordingDelivery

PASSWORD = "correct-horse-battery"
ID_NUMBER = "450202199001011234"
PHONE = "13912345678"
PROXY_PHONE = "13698765432"

AiohttpClient = Callable[[web.Application], Awaitable[TestClient[web.Request, web.Application]]]
Client = TestClient[web.Request, web.Application]


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    # Real Argon2 parameters cost ~0.2 s per hash; these tests log in hundreds of times.
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@dataclass
class Api:
    """A client on an app with the staff API at /staff/api, plus the stores behind it."""

    client: Client
    cases: CaseStore
    users: StaffUserStore
    delivery: RecordingDelivery

    async def add_user(self, username: str, role: str = "agent", teams: tuple[str, ...] = ()) -> None:
        await self.users.add(username, PASSWORD, role, teams)

    async def login(self, username: str, password: str = PASSWORD) -> dict[str, str]:
        """Headers carrying ``username``'s session; the client's own cookie jar is left empty."""
        response = await self.client.post("/staff/api/login", json={"username": username, "password": password})
        assert response.status == 200, await response.text()
        token = response.cookies[COOKIE_NAME].value
        self.client.session.cookie_jar.clear()
        return {"Cookie": f"{COOKIE_NAME}={token}"}

    async def new_case(self, key: str = "k1", *, team: str = "subsidy", service: str = "nursing-allowance") -> int:
        case_id, created = await self.cases.create(
            NewCase(
                idempotency_key=key,
                service=service,
                team=team,
                channel="wechat",
                user_ref=f"openid-{key}",
                mode="voice",
                district="城中区",
                contact_phone=PHONE,
                beneficiary_name="韦小明",
                proxy=Proxy(relationship="子女", name="韦大明", phone=PROXY_PHONE),
                answers={"id_number": ID_NUMBER, "level": "一级"},
                transcript=[{"from": "resident", "text": "我想申请护理补贴"}],
                summary="重度残疾人护理补贴，身份证 4502**********1234，电话 139****5678",
            )
        )
        assert created
        return case_id


def _make_app(
    cases: CaseStore,
    users: StaffUserStore,
    redis: Redis,
    delivery: RecordingDelivery,
    *,
    session_ttl: timedelta = timedelta(minutes=30),
    session_max_age: timedelta = timedelta(hours=12),
    throttle: LoginThrottle | None = None,
) -> web.Application:
    app = web.Application()
    staff = create_staff_app(
        cases=cases,
        users=users,
        sessions=StaffSessions(redis, session_ttl, max_age=session_max_age),
        delivery=delivery,
        throttle=throttle,
    )
    app.add_subapp("/staff/api", staff)
    return app


@pytest.fixture
def delivery() -> RecordingDelivery:
    return RecordingDelivery()


@pytest.fixture
async def api(
    aiohttp_client: AiohttpClient,
    case_store: CaseStore,
    staff_users: StaffUserStore,
    redis_client: Redis,
    delivery: RecordingDelivery,
) -> Api:
    client = await aiohttp_client(_make_app(case_store, staff_users, redis_client, delivery))
    return Api(client, case_store, staff_users, delivery)


async def _error(response: Any, status: int) -> dict[str, str]:
    """The error object of a response, after checking its status and that nothing leaked."""
    body = await response.text()
    assert response.status == status, body
    assert "Traceback" not in body
    assert response.content_type == "application/json"
    error: dict[str, str] = json.loads(body)["error"]
    assert set(error) == {"code", "message"}
    return error


# ---------------------------------------------------------------- login and sessions


async def test_login_sets_a_strict_http_only_cookie_and_returns_the_user(api: Api) -> None:
    await api.add_user("anna", "agent", ("subsidy",))
    response = await api.client.post("/staff/api/login", json={"username": "anna", "password": PASSWORD})
    assert response.status == 200
    assert await response.json() == {"user": {"username": "anna", "role": "agent", "teams": ["subsidy"]}}
    cookie = response.cookies[COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/staff"
    assert not cookie["secure"]
    me = await api.client.get("/staff/api/me")
    assert (await me.json())["user"]["username"] == "anna"


async def test_secure_cookies_when_asked(
    aiohttp_client: AiohttpClient, case_store: CaseStore, staff_users: StaffUserStore, redis_client: Redis
) -> None:
    app = web.Application()
    staff = create_staff_app(
        cases=case_store,
        users=staff_users,
        sessions=StaffSessions(redis_client, timedelta(minutes=5)),
        delivery=RecordingDelivery(),
        secure_cookies=True,
    )
    app.add_subapp("/staff/api", staff)
    client = await aiohttp_client(app)
    await staff_users.add("anna", PASSWORD, "agent", ("subsidy",))
    response = await client.post("/staff/api/login", json={"username": "anna", "password": PASSWORD})
    assert response.status == 200
    assert response.cookies[COOKIE_NAME]["secure"]


async def test_wrong_password_is_401(api: Api) -> None:
    await api.add_user("anna", "agent", ("subsidy",))
    response = await api.client.post("/staff/api/login", json={"username": "anna", "password": "wrong-password"})
    assert (await _error(response, 401))["code"] == "login_failed"
    assert COOKIE_NAME not in response.cookies


async def test_unknown_user_is_the_same_401(api: Api) -> None:
    response = await api.client.post("/staff/api/login", json={"username": "nobody", "password": PASSWORD})
    assert (await _error(response, 401))["code"] == "login_failed"


async def test_inactive_user_cannot_log_in(api: Api) -> None:
    await api.add_user("anna", "agent", ("subsidy",))
    user = await api.users.authenticate("anna", PASSWORD)
    assert user is not None
    await api.users.set_active(user.id, False)
    response = await api.client.post("/staff/api/login", json={"username": "anna", "password": PASSWORD})
    await _error(response, 401)


async def test_deactivating_a_user_ends_their_session(api: Api) -> None:
    await api.add_user("anna", "agent", ("subsidy",))
    headers = await api.login("anna")
    user = await api.users.authenticate("anna", PASSWORD)
    assert user is not None
    await api.users.set_active(user.id, False)
    await _error(await api.client.get("/staff/api/me", headers=headers), 401)


async def test_failed_logins_are_throttled_per_username(api: Api) -> None:
    await api.add_user("anna", "agent", ("subsidy",))
    for _ in range(10):
        response = await api.client.post("/staff/api/login", json={"username": "anna", "password": "wrong-pass"})
        await _error(response, 401)
    response = await api.client.post("/staff/api/login", json={"username": "anna", "password": PASSWORD})
    error = await _error(response, 429)
    assert error["code"] == "too_many_attempts"
    assert "分钟后再试" in error["message"]
    assert int(response.headers["Retry-After"]) > 0


async def test_failed_logins_are_throttled_per_address(
    aiohttp_client: AiohttpClient, case_store: CaseStore, staff_users: StaffUserStore, redis_client: Redis
) -> None:
    throttle = LoginThrottle(redis_client, per_address=3, prefix="per-address")
    client = await aiohttp_client(
        _make_app(case_store, staff_users, redis_client, RecordingDelivery(), throttle=throttle)
    )
    await staff_users.add("anna", PASSWORD, "agent", ("subsidy",))
    for name in ("u1", "u2", "u3"):
        await _error(await client.post("/staff/api/login", json={"username": name, "password": "x"}), 401)
    response = await client.post("/staff/api/login", json={"username": "anna", "password": PASSWORD})
    await _error(response, 429)


async def test_logins_on_a_much_guessed_name_are_slowed_not_refused(
    aiohttp_client: AiohttpClient, case_store: CaseStore, staff_users: StaffUserStore, redis_client: Redis
) -> None:
    throttle = LoginThrottle(redis_client, per_username=2, slow_step=timedelta(seconds=0.4), prefix="slowed")
    client = await aiohttp_client(
        _make_app(case_store, staff_users, redis_client, RecordingDelivery(), throttle=throttle)
    )
    await staff_users.add("anna", PASSWORD, "agent", ("subsidy",))
    for _ in range(2):
        await _error(await client.post("/staff/api/login", json={"username": "anna", "password": "wrong"}), 401)
    started = asyncio.get_running_loop().time()
    response = await client.post("/staff/api/login", json={"username": "anna", "password": PASSWORD})
    assert response.status == 200
    assert asyncio.get_running_loop().time() - started >= 0.4


async def test_a_good_login_resets_the_username_count(api: Api) -> None:
    await api.add_user("anna", "agent", ("subsidy",))
    for _ in range(9):
        await _error(await api.client.post("/staff/api/login", json={"username": "anna", "password": "wrong"}), 401)
    await api.login("anna")
    await _error(await api.client.post("/staff/api/login", json={"username": "anna", "password": "wrong"}), 401)
    await api.login("anna")


async def test_logout_revokes_the_session(api: Api) -> None:
    await api.add_user("anna", "agent", ("subsidy",))
    headers = await api.login("anna")
    assert (await api.client.get("/staff/api/me", headers=headers)).status == 200
    response = await api.client.post("/staff/api/logout", headers=headers)
    assert response.status == 200
    assert await response.json() == {"ok": True}
    assert (await _error(await api.client.get("/staff/api/me", headers=headers), 401))["code"] == "not_logged_in"


async def test_logout_without_a_session_is_fine(api: Api) -> None:
    assert (await api.client.post("/staff/api/logout")).status == 200


async def test_sessions_expire(
    aiohttp_client: AiohttpClient, case_store: CaseStore, staff_users: StaffUserStore, redis_client: Redis
) -> None:
    app = _make_app(case_store, staff_users, redis_client, RecordingDelivery(), session_ttl=timedelta(seconds=0.5))
    client = await aiohttp_client(app)
    await staff_users.add("anna", PASSWORD, "agent", ("subsidy",))
    assert (await client.post("/staff/api/login", json={"username": "anna", "password": PASSWORD})).status == 200
    assert (await client.get("/staff/api/me")).status == 200
    await asyncio.sleep(1.0)
    await _error(await client.get("/staff/api/me"), 401)


async def test_a_session_in_constant_use_still_ends_at_its_maximum_age(
    aiohttp_client: AiohttpClient, case_store: CaseStore, staff_users: StaffUserStore, redis_client: Redis
) -> None:
    app = _make_app(case_store, staff_users, redis_client, RecordingDelivery(), session_max_age=timedelta(seconds=0.8))
    client = await aiohttp_client(app)
    await staff_users.add("anna", PASSWORD, "agent", ("subsidy",))
    assert (await client.post("/staff/api/login", json={"username": "anna", "password": PASSWORD})).status == 200
    for _ in range(3):
        assert (await client.get("/staff/api/me")).status == 200
        await asyncio.sleep(0.3)
    await _error(await client.get("/staff/api/me"), 401)


async def test_a_forged_cookie_is_401(api: Api) -> None:
    response = await api.client.get("/staff/api/cases", headers={"Cookie": f"{COOKIE_NAME}=forged-token"})
    assert (await _error(response, 401))["code"] == "not_logged_in"


async def test_every_case_route_needs_a_login(api: Api) -> None:
    case_id = await api.new_case()
    for method, path in (
        ("GET", "/staff/api/me"),
        ("GET", "/staff/api/cases"),
        ("GET", f"/staff/api/cases/{case_id}"),
        ("POST", f"/staff/api/cases/{case_id}/claim"),
        ("POST", "/staff/api/queues/subsidy/next"),
    ):
        await _error(await api.client.request(method, path), 401)
    for path, body in (
        (f"/staff/api/cases/{case_id}/reply", {"text": "你好"}),
        (f"/staff/api/cases/{case_id}/transfer", {"team": "rehab"}),
        (f"/staff/api/cases/{case_id}/resolve", {"outcome": "answered", "note": ""}),
    ):
        await _error(await api.client.post(path, json=body), 401)


# ---------------------------------------------------------------- listing and reading


async def test_list_has_the_contract_fields_and_no_personal_numbers(api: Api) -> None:
    await api.add_user("chief", "supervisor")
    headers = await api.login("chief")
    case_id = await api.new_case()
    response = await api.client.get("/staff/api/cases", headers=headers)
    assert response.status == 200
    body = await response.text()
    for secret in (ID_NUMBER, PHONE, PROXY_PHONE, "韦小明", "韦大明"):
        assert secret not in body
    (row,) = json.loads(body)["cases"]
    assert row["id"] == case_id
    assert row["service"] == "nursing-allowance"
    assert row["team"] == "subsidy"
    assert row["status"] == "new"
    assert row["district"] == "城中区"
    assert row["channel"] == "wechat"
    assert row["mode"] == "voice"
    assert row["proxy"] == "子女"
    assert row["urgent"] is False
    assert row["claimed_by"] is None
    assert "T" in row["created_at"]
    assert row["created_at"].endswith("+00:00")


async def test_list_filters(api: Api) -> None:
    await api.add_user("chief", "supervisor")
    headers = await api.login("chief")
    first = await api.new_case("a", team="subsidy", service="nursing-allowance")
    second = await api.new_case("b", team="rehab", service="rehab")

    async def ids(query: str) -> list[int]:
        response = await api.client.get(f"/staff/api/cases{query}", headers=headers)
        assert response.status == 200
        return [row["id"] for row in (await response.json())["cases"]]

    assert await ids("") == [first, second]
    assert await ids("?team=rehab") == [second]
    assert await ids("?service=nursing-allowance") == [first]
    assert await ids("?status=claimed") == []
    assert await ids("?status=new&team=subsidy") == [first]


async def test_list_pages_with_limit_and_next_cursor(api: Api) -> None:
    await api.add_user("chief", "supervisor")
    headers = await api.login("chief")
    ids = [await api.new_case(f"p{n}") for n in range(5)]
    seen: list[int] = []
    url = "/staff/api/cases?limit=2"
    pages = 0
    while True:
        body = await (await api.client.get(url, headers=headers)).json()
        seen += [row["id"] for row in body["cases"]]
        pages += 1
        if body["next_cursor"] is None:
            break
        url = f"/staff/api/cases?limit=2&cursor={body['next_cursor']}"
    assert seen == ids
    assert pages == 3


async def test_list_answers_next_cursor_null_without_paging(api: Api) -> None:
    await api.add_user("chief", "supervisor")
    headers = await api.login("chief")
    await api.new_case()
    body = await (await api.client.get("/staff/api/cases", headers=headers)).json()
    assert body["next_cursor"] is None


@pytest.mark.parametrize("query", ["韦小明", "韦大明", PHONE[-4:], PROXY_PHONE[-5:], ID_NUMBER[-6:]])
async def test_search_by_name_or_number_tail_without_showing_the_numbers(api: Api, query: str) -> None:
    await api.add_user("anna", "agent", ("subsidy",))
    headers = await api.login("anna")
    wanted = await api.new_case("a")
    await api.new_case("b", team="legal", service="legal-aid")  # same resident data, another team's case
    response = await api.client.get("/staff/api/cases", params={"q": query}, headers=headers)
    body = await response.text()
    assert response.status == 200, body
    assert [row["id"] for row in json.loads(body)["cases"]] == [wanted]
    for secret in (ID_NUMBER, PHONE, PROXY_PHONE, "韦小明", "韦大明"):
        assert secret not in body


async def test_search_by_case_number(api: Api) -> None:
    await api.add_user("chief", "supervisor")
    headers = await api.login("chief")
    await api.new_case("a")
    wanted = await api.new_case("b")
    body = await (await api.client.get(f"/staff/api/cases?q={wanted}", headers=headers)).json()
    assert [row["id"] for row in body["cases"]] == [wanted]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("?limit=0", "invalid_query"),
        ("?limit=501", "invalid_query"),
        ("?limit=ten", "invalid_query"),
        ("?limit=1&limit=2", "invalid_query"),
        ("?cursor=forged", "bad_cursor"),
        ("?q=%20%20", "bad_query"),
        ("?q=a&q=b", "invalid_query"),
    ],
)
async def test_bad_paging_or_search_is_400(api: Api, query: str, code: str) -> None:
    await api.add_user("chief", "supervisor")
    headers = await api.login("chief")
    response = await api.client.get(f"/staff/api/cases{query}", headers=headers)
    assert (await _error(response, 400))["code"] == code


@pytest.mark.parametrize(
    "query",
    ["?status=open", "?team=finance", "?service=%3Cscript%3E", "?status=new&status=claimed", "?stauts=new"],
)
async def test_bad_list_queries_are_400(api: Api, query: str) -> None:
    await api.add_user("chief", "supervisor")
    headers = await api.login("chief")
    response = await api.client.get(f"/staff/api/cases{query}", headers=headers)
    assert (await _error(response, 400))["code"] == "invalid_query"


async def test_agents_see_only_their_teams_cases(api: Api) -> None:
    await api.add_user("anna", "agent", ("subsidy",))
    headers = await api.login("anna")
    mine = await api.new_case("a", team="subsidy")
    other = await api.new_case("b", team="legal", service="legal-aid")
    rows = (await (await api.client.get("/staff/api/cases", headers=headers)).json())["cases"]
    assert [row["id"] for row in rows] == [mine]
    await _error(await api.client.get("/staff/api/cases?team=legal", headers=headers), 403)
    assert (await _error(await api.client.get(f"/staff/api/cases/{other}", headers=headers), 403))[
        "code"
    ] == "forbidden"
    for action, body in (("claim", None), ("transfer", {"team": "subsidy"}), ("reply", {"text": "你好"})):
        response = await api.client.post(f"/staff/api/cases/{other}/{action}", json=body, headers=headers)
        await _error(response, 403)
    await _error(await api.client.post("/staff/api/queues/legal/next", headers=headers), 403)


async def test_a_forbidden_read_leaves_no_viewed_event(api: Api) -> None:
    await api.add_user("anna", "agent", ("subsidy",))
    other = await api.new_case("b", team="legal", service="legal-aid")
    await _error(await api.client.get(f"/staff/api/cases/{other}", headers=await api.login("anna")), 403)
    detail = await api.cases.get(other, actor="test")
    assert [event.actor for event in detail.events if event.kind == "viewed"] == ["test"]


async def test_supervisors_see_every_team(api: Api) -> None:
    await api.add_user("chief", "supervisor")
    await api.add_user("root", "admin")
    await api.new_case("a", team="subsidy")
    await api.new_case("b", team="legal", service="legal-aid")
    for name in ("chief", "root"):
        rows = (await (await api.client.get("/staff/api/cases", headers=await api.login(name))).json())["cases"]
        assert len(rows) == 2


async def test_get_returns_decrypted_details_and_audits_the_read(api: Api) -> None:
    await api.add_user("anna", "agent", ("subsidy",))
    headers = await api.login("anna")
    case_id = await api.new_case()
    response = await api.client.get(f"/staff/api/cases/{case_id}", headers=headers)
    assert response.status == 200
    case = await response.json()
    assert case["id"] == case_id
    assert case["beneficiary_name"] == "韦小明"
    assert case["contact_phone"] == PHONE
    assert case["proxy"] == {"relationship": "子女", "name": "韦大明", "phone": PROXY_PHONE}
    assert case["answers"]["id_number"] == ID_NUMBER
    assert case["transcript"] == [{"from": "resident", "text": "我想申请护理补贴"}]
    kinds = [(event["kind"], event["actor"]) for event in case["events"]]
    assert ("created", "resident") in kinds
    assert ("viewed", "anna") in kinds
    assert set(case["events"][0]) == {"id", "kind", "actor", "detail", "created_at"}


async def test_missing_case_is_404(api: Api) -> None:
    await api.add_user("chief", "supervisor")
    headers = await api.login("chief")
    for case_id in ("999", "99999999999999999999"):
        response = await api.client.get(f"/staff/api/cases/{case_id}", headers=headers)
        assert (await _error(response, 404))["code"] == "case_not_found"


@pytest.mark.parametrize("case_id", ["abc", "-1", "1.5", "0x10", "1%20OR%201=1", "%EF%BC%91"])
async def test_non_integer_ids_are_400(api: Api, case_id: str) -> None:
    await api.add_user("chief", "supervisor")
    headers = await api.login("chief")
    response = await api.client.get(f"/staff/api/cases/{case_id}", headers=headers)
    assert (await _error(response, 400))["code"] == "invalid_id"


# ---------------------------------------------------------------- claiming


async def test_claim_then_a_second_claim_is_409(api: Api) -> None:
    await api.add_user("anna", "agent", ("subsidy",))
    await api.add_user("bob", "agent", ("subsidy",))
    case_id = await api.new_case()
    response = await api.client.post(f"/staff/api/cases/{case_id}/claim", headers=await api.login("anna"))
    assert response.status == 200
    claimed = await response.json()
    assert claimed["status"] == "claimed"
    assert claimed["claimed_by"] == "anna"
    assert ID_NUMBER not in json.dumps(claimed)
    again = await api.client.post(f"/staff/api/cases/{case_id}/claim", headers=await api.login("bob"))
    assert (await _error(again, 409))["code"] == "already_claimed"


async def test_claim_next_takes_the_oldest_then_204(api: Api) -> None:
    await api.add_user("anna", "agent", ("subsidy",))
    headers = await api.login("anna")
    first = await api.new_case("a")
    second = await api.new_case("b")
    taken = []
    for _ in range(2):
        response = await api.client.post("/staff/api/queues/subsidy/next", headers=headers)
        assert response.status == 200
        taken.append((await response.json())["id"])
    assert taken == [first, second]
    empty = await api.client.post("/staff/api/queues/subsidy/next", headers=headers)
    assert empty.status == 204


async def test_claim_next_of_an_unknown_team_is_400(api: Api) -> None:
    await api.add_user("chief", "supervisor")
    response = await api.client.post("/staff/api/queues/finance/next", headers=await api.login("chief"))
    assert (await _error(response, 400))["code"] == "invalid_team"


# ---------------------------------------------------------------- replying


async def _claimed_case(api: Api) -> tuple[int, dict[str, str]]:
    await api.add_user("anna", "agent", ("subsidy",))
    headers = await api.login("anna")
    case_id = await api.new_case()
    assert (await api.client.post(f"/staff/api/cases/{case_id}/claim", headers=headers)).status == 200
    return case_id, headers


async def test_reply_is_saved_and_delivered(api: Api) -> None:
    case_id, headers = await _claimed_case(api)
    response = await api.client.post(
        f"/staff/api/cases/{case_id}/reply", json={"text": "  您好，材料已收到。 "}, headers=headers
    )
    assert response.status == 200
    result = await response.json()
    assert result["delivered"] is True
    assert result["detail"] == "已发送"
    assert result["remaining"] == 4
    assert api.delivery.sent == [(case_id, "您好，材料已收到。")]
    case = await (await api.client.get(f"/staff/api/cases/{case_id}", headers=headers)).json()
    replied = next(event for event in case["events"] if event["kind"] == "replied")
    assert replied["id"] == result["event_id"]
    assert replied["actor"] == "anna"
    assert replied["detail"]["text"] == "您好，材料已收到。"
    assert any(event["kind"] == "delivered" for event in case["events"])
    assert case["status"] == "claimed"


async def test_reply_awaiting_the_resident_sets_waiting(api: Api) -> None:
    case_id, headers = await _claimed_case(api)
    response = await api.client.post(
        f"/staff/api/cases/{case_id}/reply",
        json={"text": "请补充残疾证号", "await_resident": True},
        headers=headers,
    )
    assert response.status == 200
    case = await (await api.client.get(f"/staff/api/cases/{case_id}", headers=headers)).json()
    assert case["status"] == "waiting"


async def test_a_failed_delivery_is_200_with_delivered_false(api: Api) -> None:
    case_id, headers = await _claimed_case(api)
    api.delivery.result = DeliveryResult(ok=False, detail="超过48小时，无法主动发送", remaining=0)
    response = await api.client.post(f"/staff/api/cases/{case_id}/reply", json={"text": "您好"}, headers=headers)
    assert response.status == 200
    result = await response.json()
    assert result == {
        "event_id": result["event_id"],
        "delivered": False,
        "status": "failed",
        "reason": "rejected",
        "detail": "超过48小时，无法主动发送",
        "remaining": 0,
    }
    case = await (await api.client.get(f"/staff/api/cases/{case_id}", headers=headers)).json()
    failed = [event for event in case["events"] if event["kind"] == "delivery_failed"]
    assert len(failed) == 1
    assert failed[0]["detail"]["event_id"] == result["event_id"]
    assert any(event["kind"] == "replied" for event in case["events"])


async def test_a_delivery_that_raises_is_a_failed_delivery_not_a_500(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    case_id, headers = await _claimed_case(api)
    api.delivery.error = RuntimeError("adapter bug")
    with caplog.at_level(logging.ERROR):
        response = await api.client.post(f"/staff/api/cases/{case_id}/reply", json={"text": "您好"}, headers=headers)
    assert response.status == 200
    assert (await response.json())["delivered"] is False


async def test_reply_before_claiming_is_409(api: Api) -> None:
    await api.add_user("anna", "agent", ("subsidy",))
    headers = await api.login("anna")
    case_id = await api.new_case()
    response = await api.client.post(f"/staff/api/cases/{case_id}/reply", json={"text": "您好"}, headers=headers)
    await _error(response, 409)
    assert api.delivery.sent == []


@pytest.mark.parametrize(
    "body",
    [
        {"text": ""},
        {"text": "   "},
        {"text": "长" * 2001},
        {"text": 5},
        {"text": None},
        {},
        {"text": "hi", "await_resident": "yes"},
        {"text": "a\x00b"},
    ],
)
async def test_bad_replies_are_400(api: Api, body: dict[str, Any]) -> None:
    case_id, headers = await _claimed_case(api)
    response = await api.client.post(f"/staff/api/cases/{case_id}/reply", json=body, headers=headers)
    assert (await _error(response, 400))["code"] == "invalid_field"
    assert api.delivery.sent == []


async def test_a_reply_of_2000_characters_is_accepted(api: Api) -> None:
    case_id, headers = await _claimed_case(api)
    response = await api.client.post(f"/staff/api/cases/{case_id}/reply", json={"text": "长" * 2000}, headers=headers)
    assert response.status == 200


# ---------------------------------------------------------------- transferring and resolving


async def test_transfer_moves_the_case_to_a_new_queue(api: Api) -> None:
    case_id, headers = await _claimed_case(api)
    response = await api.client.post(
        f"/staff/api/cases/{case_id}/transfer", json={"team": "hotline", "reason": "要转法律援助"}, headers=headers
    )
    assert response.status == 200
    moved = await response.json()
    assert moved["team"] == "hotline"
    assert moved["status"] == "new"
    assert moved["claimed_by"] is None
    # The agent's team no longer holds it.
    await _error(await api.client.get(f"/staff/api/cases/{case_id}", headers=headers), 403)


async def test_the_transfer_reason_is_shown_in_the_case(api: Api) -> None:
    case_id, headers = await _claimed_case(api)
    body = {"team": "hotline", "reason": "  不是补贴问题 "}
    assert (await api.client.post(f"/staff/api/cases/{case_id}/transfer", json=body, headers=headers)).status == 200
    await api.add_user("chief", "supervisor")
    case = await (await api.client.get(f"/staff/api/cases/{case_id}", headers=await api.login("chief"))).json()
    [transferred] = [event for event in case["events"] if event["kind"] == "transferred"]
    assert transferred["detail"] == {"from": "subsidy", "to": "hotline", "reason": "不是补贴问题"}


async def test_an_agent_may_not_transfer_to_a_team_their_role_does_not_allow(api: Api) -> None:
    case_id, headers = await _claimed_case(api)
    response = await api.client.post(f"/staff/api/cases/{case_id}/transfer", json={"team": "legal"}, headers=headers)
    assert (await _error(response, 403))["code"] == "transfer_not_allowed"


async def test_transfer_to_an_unknown_team_is_400(api: Api) -> None:
    case_id, headers = await _claimed_case(api)
    response = await api.client.post(f"/staff/api/cases/{case_id}/transfer", json={"team": "finance"}, headers=headers)
    assert (await _error(response, 400))["code"] == "invalid_field"


async def test_resolve(api: Api) -> None:
    case_id, headers = await _claimed_case(api)
    response = await api.client.post(
        f"/staff/api/cases/{case_id}/resolve",
        json={"outcome": "approved", "note": "已转街道办理"},
        headers=headers,
    )
    assert response.status == 200
    assert (await response.json())["status"] == "resolved"
    case = await (await api.client.get(f"/staff/api/cases/{case_id}", headers=headers)).json()
    resolved = next(event for event in case["events"] if event["kind"] == "resolved")
    assert resolved["detail"] == {"outcome": "approved", "note": "已转街道办理"}
    again = await api.client.post(f"/staff/api/cases/{case_id}/resolve", json={"outcome": "approved"}, headers=headers)
    await _error(again, 409)


@pytest.mark.parametrize(
    "body",
    [
        {"outcome": "done"},
        {"outcome": "approved", "note": "长" * 2001},
        {"outcome": "approved", "note": 3},
        {"note": ""},
    ],
)
async def test_bad_resolutions_are_400(api: Api, body: dict[str, Any]) -> None:
    case_id, headers = await _claimed_case(api)
    response = await api.client.post(f"/staff/api/cases/{case_id}/resolve", json=body, headers=headers)
    await _error(response, 400)


# ---------------------------------------------------------------- a claimed case belongs to its claimer


async def test_another_agent_cannot_reply_transfer_or_resolve_a_claimed_case(api: Api) -> None:
    case_id, _ = await _claimed_case(api)
    await api.add_user("bob", "agent", ("subsidy",))
    bob = await api.login("bob")
    for action, body in (
        ("reply", {"text": "我来回复"}),
        ("transfer", {"team": "hotline"}),
        ("resolve", {"outcome": "approved"}),
    ):
        response = await api.client.post(f"/staff/api/cases/{case_id}/{action}", json=body, headers=bob)
        error = await _error(response, 403)
        assert error["code"] == "claimed_by_other", action
        assert error["message"] == "这个申请已由其他人认领，只有认领人、组长或管理员可以处理"
    assert api.delivery.sent == []
    case = await (await api.client.get(f"/staff/api/cases/{case_id}", headers=bob)).json()
    assert (case["status"], case["claimed_by"], case["team"]) == ("claimed", "anna", "subsidy")
    assert not any(event["kind"] in {"replied", "contact_required"} for event in case["events"])


async def test_a_supervisor_may_step_in_and_the_case_records_it(api: Api) -> None:
    case_id, _ = await _claimed_case(api)
    await api.add_user("chief", "supervisor")
    chief = await api.login("chief")
    response = await api.client.post(f"/staff/api/cases/{case_id}/reply", json={"text": "您好"}, headers=chief)
    assert response.status == 200
    case = await (await api.client.get(f"/staff/api/cases/{case_id}", headers=chief)).json()
    [replied] = [event for event in case["events"] if event["kind"] == "replied"]
    assert (replied["actor"], replied["detail"]["acting_as"]) == ("chief", "supervisor")


async def test_an_unclaimed_case_cannot_be_resolved(api: Api) -> None:
    await api.add_user("anna", "agent", ("subsidy",))
    case_id = await api.new_case()
    response = await api.client.post(
        f"/staff/api/cases/{case_id}/resolve", json={"outcome": "approved"}, headers=await api.login("anna")
    )
    assert (await _error(response, 409))["code"] == "not_claimed"


async def test_replying_after_resolve_says_the_case_is_resolved(api: Api) -> None:
    case_id, headers = await _claimed_case(api)
    resolved = await api.client.post(
        f"/staff/api/cases/{case_id}/resolve", json={"outcome": "approved"}, headers=headers
    )
    assert resolved.status == 200
    response = await api.client.post(f"/staff/api/cases/{case_id}/reply", json={"text": "您好"}, headers=headers)
    error = await _error(response, 409)
    assert (error["code"], error["message"]) == ("case_resolved", "这个申请已经办结")
    assert "认领" not in error["message"]


# ---------------------------------------------------------------- hostile and malformed requests


async def test_bad_json_is_400(api: Api) -> None:
    for raw in (b"{", b"[1, 2]", b"\xff\xfe", b'{"username": NaN}', b"", b"[" * 100_000):
        response = await api.client.post(
            "/staff/api/login", data=raw[:MAX_BODY_BYTES], headers={"Content-Type": "application/json"}
        )
        assert (await _error(response, 400))["code"] == "invalid_json"


async def test_unknown_fields_are_400(api: Api) -> None:
    response = await api.client.post(
        "/staff/api/login", json={"username": "anna", "password": PASSWORD, "role": "admin"}
    )
    assert (await _error(response, 400))["code"] == "invalid_field"


@pytest.mark.parametrize(
    "body",
    [{"username": 1, "password": PASSWORD}, {"username": "anna", "password": ["x"]}, {"username": "anna"}],
)
async def test_wrong_field_types_are_400(api: Api, body: dict[str, Any]) -> None:
    response = await api.client.post("/staff/api/login", json=body)
    assert (await _error(response, 400))["code"] == "invalid_field"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
async def test_posts_that_are_not_json_are_415(api: Api, content_type: str) -> None:
    await api.add_user("anna", "agent", ("subsidy",))
    headers = await api.login("anna")
    case_id = await api.new_case()
    body = json.dumps({"username": "anna", "password": PASSWORD})
    response = await api.client.post("/staff/api/login", data=body, headers={"Content-Type": content_type})
    assert (await _error(response, 415))["code"] == "unsupported_media_type"
    # Even an action without a body refuses a form's content type: this is what stops same-site CSRF.
    claim = await api.client.post(
        f"/staff/api/cases/{case_id}/claim", data="", headers={**headers, "Content-Type": content_type}
    )
    await _error(claim, 415)


async def test_oversized_bodies_are_413(api: Api) -> None:
    big = json.dumps({"username": "anna", "password": "x" * (MAX_BODY_BYTES + 10)})
    response = await api.client.post("/staff/api/login", data=big, headers={"Content-Type": "application/json"})
    assert (await _error(response, 413))["code"] == "body_too_large"


async def test_oversized_chunked_bodies_are_413(api: Api) -> None:
    async def chunks() -> Any:
        for _ in range(10):
            yield b"x" * (MAX_BODY_BYTES // 4)

    response = await api.client.post("/staff/api/login", data=chunks(), headers={"Content-Type": "application/json"})
    assert (await _error(response, 413))["code"] == "body_too_large"


@pytest.mark.parametrize(
    "text",
    [
        "'; DROP TABLE cases; --",
        "1 OR 1=1",
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "\x00",
    ],
)
async def test_hostile_strings_are_stored_as_text_or_refused(api: Api, text: str) -> None:
    await api.add_user("chief", "supervisor")
    headers = await api.login("chief")
    login = await api.client.post("/staff/api/login", json={"username": text, "password": text})
    assert login.status in {400, 401}
    assert "Traceback" not in await login.text()
    listing = await api.client.get("/staff/api/cases", params={"service": text}, headers=headers)
    await _error(listing, 400)
    case_id = await api.new_case()
    assert (await api.client.post(f"/staff/api/cases/{case_id}/claim", headers=headers)).status == 200
    response = await api.client.post(f"/staff/api/cases/{case_id}/reply", json={"text": text}, headers=headers)
    if "\x00" not in text:
        assert response.status == 200
        assert api.delivery.sent[-1] == (case_id, text)
    else:
        await _error(response, 400)
    response = await api.client.post(f"/staff/api/cases/{case_id}/transfer", json={"team": text}, headers=headers)
    await _error(response, 400)
    assert (await api.client.get("/staff/api/cases", headers=headers)).status == 200


async def test_unknown_paths_and_methods_are_json(api: Api) -> None:
    error = await _error(await api.client.get("/staff/api/nowhere"), 404)
    assert error["code"] == "not_found"
    response = await api.client.delete("/staff/api/cases")
    assert (await _error(response, 405))["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]
    await _error(await api.client.get("/staff/api/login"), 405)
    form_post = await api.client.post("/staff/api/nowhere", data="a=1", headers={"Content-Type": "text/plain"})
    await _error(form_post, 404)


async def test_an_unexpected_error_is_a_plain_500(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    await api.add_user("chief", "supervisor")
    headers = await api.login("chief")

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database on fire at /srv/secret/path")

    monkeypatch.setattr(api.cases, "page", broken)
    response = await api.client.get("/staff/api/cases", headers=headers)
    body = await response.text()
    assert (await _error(response, 500)) == {"code": "internal_error", "message": "内部错误"}
    assert "fire" not in body


async def test_answers_are_not_cacheable(api: Api) -> None:
    response = await api.client.get("/staff/api/me")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_actions_are_logged_without_personal_data(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="bot.staff.api"):
        case_id, headers = await _claimed_case(api)
        await api.client.get(f"/staff/api/cases/{case_id}", headers=headers)
        await api.client.post(f"/staff/api/cases/{case_id}/reply", json={"text": "您好 " + PHONE}, headers=headers)
    text = caplog.text
    assert f"action=claim case={case_id} staff=anna" in text
    assert f"action=view case={case_id} staff=anna" in text
    assert f"action=reply case={case_id} staff=anna" in text
    for secret in (PHONE, ID_NUMBER, "韦小明", PASSWORD):
        assert secret not in text


# ---------------------------------------------------------------- reaching the resident


async def test_case_detail_says_whether_and_how_many_replies_can_reach_the_resident(api: Api) -> None:
    case_id, headers = await _claimed_case(api)
    body = await (await api.client.get(f"/staff/api/cases/{case_id}", headers=headers)).json()
    assert body["reach"] == {
        "can_send": True,
        "remaining": 5,
        "closes_at": "2033-05-18T03:33:20+00:00",
        "reason": "",
    }


async def test_a_reply_that_cannot_reach_the_resident_is_refused_and_the_case_says_to_contact_them_otherwise(
    api: Api,
) -> None:
    case_id, headers = await _claimed_case(api)
    api.delivery.reachable = Reach(can_send=False, remaining=0, reason="居民超过48小时没有发消息，微信不允许再发。")

    response = await api.client.post(
        f"/staff/api/cases/{case_id}/reply", json={"text": "请带上身份证。"}, headers=headers
    )

    error = await _error(response, 409)
    assert error["code"] == "cannot_reach"
    assert "48小时" in error["message"]
    assert api.delivery.sent == []
    detail = await (await api.client.get(f"/staff/api/cases/{case_id}", headers=headers)).json()
    kinds = [event["kind"] for event in detail["events"]]
    assert "contact_required" in kinds
    assert "replied" not in kinds
    assert detail["reach"]["can_send"] is False


# ---------------------------------------------------------------- text that is not Unicode, and what failed logins log


@pytest.mark.parametrize("field", ["username", "password", "text", "reason", "note", "key"])
async def test_a_lone_surrogate_in_any_text_field_is_400(api: Api, field: str) -> None:
    case_id, headers = await _claimed_case(api)
    routes = {
        "username": ("/staff/api/login", '{"username": "\\ud800", "password": "x"}'),
        "password": ("/staff/api/login", '{"username": "anna", "password": "a\\udfffb"}'),
        "text": (f"/staff/api/cases/{case_id}/reply", '{"text": "您好\\ud800"}'),
        "reason": (f"/staff/api/cases/{case_id}/transfer", '{"team": "hotline", "reason": "\\udc00"}'),
        "note": (f"/staff/api/cases/{case_id}/resolve", '{"outcome": "approved", "note": "\\ud800"}'),
        "key": (f"/staff/api/cases/{case_id}/reply", '{"\\ud800": "x", "text": "您好"}'),
    }
    path, raw = routes[field]
    response = await api.client.post(path, data=raw, headers={**headers, "Content-Type": "application/json"})
    assert (await _error(response, 400))["code"] == "invalid_json"
    assert api.delivery.sent == []


async def test_a_failed_login_logs_a_keyed_tag_of_the_name_never_the_name(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    typed = "correct-horse-typed-as-name"
    with caplog.at_level(logging.INFO, logger="bot.staff.api"):
        for name in (typed, typed, "anna"):
            await _error(await api.client.post("/staff/api/login", json={"username": name, "password": "x"}), 401)
    failures = [record.getMessage() for record in caplog.records if "login failed" in record.getMessage()]
    assert len(failures) == 3
    assert typed not in caplog.text
    assert "anna" not in caplog.text
    first, second, other = failures
    assert first == second != other


# ---------------------------------------------------------------- requests from other origins (CSRF)


def _own_origin(api: Api) -> str:
    return f"http://{api.client.host}:{api.client.port}"


@pytest.mark.parametrize(
    "browser",
    [
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "http://evil.example"},
        {"Origin": "https://staff.example.gov.cn.evil.example"},
        {"Origin": "null"},
        {"Origin": "http://127.0.0.1:1"},
    ],
)
async def test_a_bodiless_post_from_another_origin_claims_nothing(api: Api, browser: dict[str, str]) -> None:
    await api.add_user("anna", "agent", ("subsidy",))
    headers = {**await api.login("anna"), **browser}
    case_id = await api.new_case()
    for path in (f"/staff/api/cases/{case_id}/claim", "/staff/api/queues/subsidy/next"):
        error = await _error(await api.client.post(path, headers=headers), 403)
        assert error["code"] == "cross_site"
    for path, body in (
        (f"/staff/api/cases/{case_id}/transfer", {"team": "hotline"}),
        ("/staff/api/login", {"username": "anna", "password": PASSWORD}),
        ("/staff/api/logout", {}),
    ):
        await _error(await api.client.post(path, json=body, headers=headers), 403)
    [case] = await api.cases.list()
    assert case.status == "new"


@pytest.mark.parametrize("browser", [{"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"}, {}])
async def test_the_console_itself_and_non_browser_clients_may_post(api: Api, browser: dict[str, str]) -> None:
    await api.add_user("anna", "agent", ("subsidy",))
    headers = {**await api.login("anna"), **browser}
    case_id = await api.new_case()
    response = await api.client.post(f"/staff/api/cases/{case_id}/claim", headers=headers)
    assert response.status == 200


async def test_an_origin_naming_this_host_may_post(api: Api) -> None:
    await api.add_user("anna", "agent", ("subsidy",))
    headers = {**await api.login("anna"), "Origin": _own_origin(api)}
    await api.new_case()
    assert (await api.client.post("/staff/api/queues/subsidy/next", headers=headers)).status == 200


async def test_reading_is_not_refused_for_its_origin(api: Api) -> None:
    await api.add_user("anna", "agent", ("subsidy",))
    headers = {**await api.login("anna"), "Sec-Fetch-Site": "cross-site"}
    assert (await api.client.get("/staff/api/me", headers=headers)).status == 200
