"""The staff API's private notes, contact preference and canned replies, on the real stores."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiohttp import web
from argon2 import PasswordHasher
from redis.asyncio import Redis

from bot.cases.store import CaseStore
from bot.cases.types import NewCase
from bot.security import passwords
from bot.staff.api import create_staff_app
from bot.staff.replies import CannedReply
from bot.staff.sessions import StaffSessions
from bot.staff.users import StaffUserStore
from tests.bot.staff.fakes import RecordingDelivery
from tests.bot.staff.test_api import PASSWORD, AiohttpClient, Api
from tests.bot.staff.test_openapi import _checker

REPLIES = (CannedReply("received", "已经收到", "您的申请我们收到了，正在办理。"),)


async def _case_said(api: Api, said: str) -> int:
    """A case filed by the resident themself (no proxy), who said ``said`` while applying."""
    case_id, _ = await api.cases.create(
        NewCase(
            idempotency_key=f"said-{said}",
            service="nursing-allowance",
            team="subsidy",
            channel="wechat",
            user_ref="openid-said",
            mode="text",
            district=None,
            contact_phone=None,
            beneficiary_name=None,
            proxy=None,
            answers={},
            transcript=[{"who": "resident", "text": said}],
            summary="护理补贴",
        )
    )
    return case_id


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
async def api(
    aiohttp_client: AiohttpClient, case_store: CaseStore, staff_users: StaffUserStore, real_redis: Redis
) -> Api:
    app = web.Application()
    delivery = RecordingDelivery()
    staff = create_staff_app(
        cases=case_store,
        users=staff_users,
        sessions=StaffSessions(real_redis, timedelta(minutes=30)),
        delivery=delivery,
        canned_replies=REPLIES,
    )
    app.add_subapp("/staff/api", staff)
    return Api(await aiohttp_client(app), case_store, staff_users, delivery)


async def test_a_note_is_written_and_shown_with_the_case_but_never_sent(api: Api) -> None:
    await api.add_user("anna", teams=("subsidy",))
    headers = await api.login("anna")
    case_id = await api.new_case()
    response = await api.client.post(
        f"/staff/api/cases/{case_id}/notes", json={"text": "  家属说下午才在家  "}, headers=headers
    )
    assert response.status == 200
    note = await response.json()
    assert (note["author"], note["text"]) == ("anna", "家属说下午才在家")
    detail = await (await api.client.get(f"/staff/api/cases/{case_id}", headers=headers)).json()
    assert detail["notes"] == [note]
    assert all(message["text"] != "家属说下午才在家" for message in detail["messages"])
    assert api.delivery.sent == []
    assert api.delivery.notices == []


@pytest.mark.parametrize(
    ("body", "status"),
    [({"text": "  "}, 400), ({}, 400), ({"text": "x", "extra": 1}, 400), ({"text": "x" * 2001}, 400)],
)
async def test_a_bad_note_is_refused_plainly(api: Api, body: dict[str, object], status: int) -> None:
    await api.add_user("anna", teams=("subsidy",))
    headers = await api.login("anna")
    case_id = await api.new_case()
    response = await api.client.post(f"/staff/api/cases/{case_id}/notes", json=body, headers=headers)
    assert response.status == status
    assert (await response.json())["error"]["code"] == "invalid_field"


async def test_another_teams_agent_cannot_write_a_note(api: Api) -> None:
    await api.add_user("luo", teams=("legal",))
    headers = await api.login("luo")
    case_id = await api.new_case()
    response = await api.client.post(f"/staff/api/cases/{case_id}/notes", json={"text": "看看"}, headers=headers)
    assert response.status == 403


async def test_the_contact_preference_heard_from_the_resident_is_shown_and_staff_can_change_it(api: Api) -> None:
    await api.add_user("anna", teams=("subsidy",))
    headers = await api.login("anna")
    case_id = await _case_said(api, "我听不见，别打电话")
    detail = await (await api.client.get(f"/staff/api/cases/{case_id}", headers=headers)).json()
    heard = detail["contact_preference"]
    assert (heard["preference"], heard["source"], heard["heard"]) == ("text_only", "resident", "我听不见，别打电话")
    listing = await (await api.client.get("/staff/api/cases", headers=headers)).json()
    assert [case["contact_preference"] for case in listing["cases"]] == ["text_only"]
    path = f"/staff/api/cases/{case_id}/contact-preference"
    changed = await api.client.post(path, json={"preference": "via_family"}, headers=headers)
    assert changed.status == 200
    record = (await changed.json())["contact_preference"]
    assert (record["preference"], record["source"], record["by"]) == ("via_family", "staff", "anna")
    cleared = await api.client.post(path, json={"preference": None}, headers=headers)
    assert (await cleared.json())["contact_preference"]["preference"] is None
    for bad in ({"preference": "fax"}, {}, {"preference": 1}):
        refused = await api.client.post(path, json=bad, headers=headers)
        assert refused.status == 400, bad


async def test_canned_replies_are_listed_for_staff_only(api: Api) -> None:
    assert (await api.client.get("/staff/api/replies")).status == 401
    await api.add_user("anna", teams=("subsidy",))
    headers = await api.login("anna")
    answer = await (await api.client.get("/staff/api/replies", headers=headers)).json()
    assert answer == {"replies": [{"id": "received", "title": "已经收到", "text": "您的申请我们收到了，正在办理。"}]}
    assert PASSWORD not in str(answer)


async def test_the_answers_match_the_documented_schemas(api: Api) -> None:
    await api.add_user("anna", teams=("subsidy",))
    headers = await api.login("anna")
    # Without a proxy: the detail's proxy object does not fit CaseSummary's proxy string (known, apart).
    case_id = await _case_said(api, "找我女儿")
    note = await api.client.post(f"/staff/api/cases/{case_id}/notes", json={"text": "下午在家"}, headers=headers)
    _checker("Note").validate(await note.json())
    path = f"/staff/api/cases/{case_id}/contact-preference"
    preference = await api.client.post(path, json={"preference": "may_call"}, headers=headers)
    _checker("ContactPreferenceEnvelope").validate(await preference.json())
    _checker("CaseDetail").validate(await (await api.client.get(f"/staff/api/cases/{case_id}", headers=headers)).json())
    _checker("CaseList").validate(await (await api.client.get("/staff/api/cases", headers=headers)).json())
    _checker("CannedReplyList").validate(await (await api.client.get("/staff/api/replies", headers=headers)).json())
    assert _checker("NoteRequest").is_valid({"text": "  "}) is False
    assert _checker("ContactPreferenceRequest").is_valid({"preference": None}) is True
    assert _checker("ContactPreferenceRequest").is_valid({"preference": "fax"}) is False
