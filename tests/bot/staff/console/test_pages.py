"""The console's pages over HTTP: login, the queue, a case's actions, and the defences every page carries."""

from __future__ import annotations

import asyncio
import html
import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from markupsafe import escape

from bot.channels.web.delivery import KEPT_FOR_LATER, SHOWN_LIVE
from bot.staff.delivery import DeliveryResult
from bot.staff.live import AnnouncingCaseStore
from tests.bot.staff.console.conftest import ID_NUMBER, PASSWORD, PHONE, Console


class _InlineCode(HTMLParser):
    """Collects every inline script, event handler attribute and style attribute of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("inline <script>")
        self.found += [f"{tag}[{name}]" for name in names if name.startswith("on") or name == "style"]
        if tag == "style":
            self.found.append("inline <style>")


def _no_inline_code(page: str) -> None:
    parser = _InlineCode()
    parser.feed(page)
    assert parser.found == []


async def test_the_login_form_is_labelled_and_the_page_is_locked_down(console: Console) -> None:
    response = await console.client.get("/staff/")
    page = await response.text()
    assert response.status == 200
    assert '<label for="username">用户名</label>' in page
    assert '<label for="password">密码</label>' in page
    assert '<button type="submit">登录</button>' in page
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    _no_inline_code(page)


async def test_static_assets_are_served_by_the_service(console: Console) -> None:
    for name, kind in (("console.css", "text/css"), ("console.js", "javascript")):
        response = await console.client.get(f"/staff/static/{name}")
        assert response.status == 200
        assert kind in response.headers["Content-Type"]


async def test_login_leads_to_the_queue_and_a_wrong_password_says_so(console: Console) -> None:
    await console.add_user("anna")
    token = await console.csrf()
    response = await console.client.post(
        "/staff/login", data={"csrf": token, "username": "anna", "password": "wrong-password"}
    )
    assert response.status == 401
    assert "用户名或密码不正确" in await response.text()
    await console.login("anna")
    page = await (await console.client.get("/staff/")).text()
    assert "<h1>案件队列</h1>" in page
    assert ">案件</a>" in page
    assert ">账号</a>" not in page  # agents do not administer accounts


async def test_the_api_still_answers_json_beside_the_console(console: Console) -> None:
    response = await console.client.get("/staff/api/cases")
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "not_logged_in"


@pytest.mark.parametrize(("role", "links"), [("admin", ["统计", "账号", "审计"]), ("supervisor", ["统计"])])
async def test_navigation_follows_the_role(console: Console, role: str, links: list[str]) -> None:
    await console.add_user("chief", role, ())
    await console.login("chief")
    page = await (await console.client.get("/staff/")).text()
    for name in ("统计", "账号", "审计"):
        assert (f">{name}</a>" in page) == (name in links)
    allowed = {"admin": {"stats", "accounts", "audit"}, "supervisor": {"stats"}}[role]
    for name in ("stats", "accounts", "audit"):
        response = await console.client.get(f"/staff/{name}")
        assert response.status == (200 if name in allowed else 403)


async def test_a_form_without_the_page_token_changes_nothing(console: Console) -> None:
    await console.add_user("anna")
    await console.login("anna")
    case_id = await console.new_case()
    response = await console.client.post(f"/staff/cases/{case_id}/claim", data={"seen": "new||subsidy"})
    assert response.status == 403
    assert "页面已过期" in await response.text()
    assert (await console.cases.summary(case_id)).status == "new"


async def test_a_form_posted_from_another_site_changes_nothing(console: Console) -> None:
    await console.add_user("anna")
    await console.login("anna")
    case_id = await console.new_case()
    token = await console.csrf()
    response = await console.client.post(
        f"/staff/cases/{case_id}/claim",
        data={"csrf": token, "seen": "new||subsidy"},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status == 403
    assert (await console.cases.summary(case_id)).status == "new"


async def test_claim_reply_transfer_and_resolve_from_the_case_page(console: Console) -> None:
    await console.add_user("anna", teams=("subsidy", "rehab"))
    await console.login("anna")
    case_id = await console.new_case()
    page = f"/staff/cases/{case_id}"
    status, text = await console.post(f"{page}/claim", {"seen": "new||subsidy"}, page=page)
    assert status == 200
    assert "已认领" in text
    seen = "claimed|anna|subsidy"
    status, text = await console.post(f"{page}/reply", {"seen": seen, "text": "请带上残疾人证。"}, page=page)
    assert status == 200
    assert "回复已发出" in text
    assert console.delivery.sent == [(case_id, "请带上残疾人证。")]
    status, text = await console.post(
        f"{page}/transfer", {"seen": seen, "team": "rehab", "reason": "要评估康复"}, page=page
    )
    assert status == 200
    assert "要评估康复" in text
    assert (await console.cases.summary(case_id)).team == "rehab"
    await console.post(f"{page}/claim", {"seen": "new||rehab"}, page=page)
    status, text = await console.post(
        f"{page}/resolve", {"seen": "claimed|anna|rehab", "outcome": "approved", "note": "下周一去社区领"}, page=page
    )
    assert status == 200
    assert "已办结" in text
    summary = await console.cases.summary(case_id)
    assert summary.status == "resolved"


_NOTICE = re.compile(r'<div class="message notice" role="status"><p>(.*?)</p></div>', re.S)


def _notice(page: str) -> str:
    found = _NOTICE.search(page)
    assert found is not None, "the page has no notice"
    return html.unescape(found.group(1))


@pytest.mark.parametrize(
    "detail",
    [
        SHOWN_LIVE,
        KEPT_FOR_LATER,
        "已通过微信发给居民。也发了语音。",
    ],
)
async def test_after_a_reply_the_notice_and_the_conversation_say_what_the_channel_said(
    console: Console, detail: str
) -> None:
    console.delivery.result = DeliveryResult(ok=True, detail=detail)
    await console.add_user("anna")
    await console.login("anna")
    case_id = await console.new_case()
    page = f"/staff/cases/{case_id}"
    await console.post(f"{page}/claim", {"seen": "new||subsidy"}, page=page)

    status, text = await console.post(
        f"{page}/reply", {"seen": "claimed|anna|subsidy", "text": "材料收到了。"}, page=page
    )

    assert status == 200
    assert _notice(text) == "回复已发出。" + detail
    transcript = text[text.index('id="talk-title"') :]
    assert f'材料收到了。 <span class="delivery">（{escape(detail)}）</span>' in transcript


async def test_a_reply_the_channel_refused_says_why_in_the_notice(console: Console) -> None:
    console.delivery.result = DeliveryResult(ok=False, detail="未送达：微信不接受这条回复。", code="rejected")
    await console.add_user("anna")
    await console.login("anna")
    case_id = await console.new_case()
    page = f"/staff/cases/{case_id}"
    await console.post(f"{page}/claim", {"seen": "new||subsidy"}, page=page)

    status, text = await console.post(
        f"{page}/reply", {"seen": "claimed|anna|subsidy", "text": "材料收到了。"}, page=page
    )

    assert status == 200
    assert _notice(text) == "回复已保存，但没有送到居民。未送达：微信不接受这条回复。"


async def test_a_reply_notice_for_a_reply_of_another_case_falls_back_to_the_plain_words(console: Console) -> None:
    await console.add_user("anna")
    await console.login("anna")
    case_id = await console.new_case()

    text = await (await console.client.get(f"/staff/cases/{case_id}?done=reply_delivered&sent=999999")).text()

    assert _notice(text) == "回复已发出。"


async def test_the_case_page_has_a_polite_live_line_for_changes_to_this_case(console: Console) -> None:
    await console.add_user("anna", teams=("subsidy",))
    await console.login("anna")
    case_id = await console.new_case()
    text = await (await console.client.get(f"/staff/cases/{case_id}")).text()
    assert f'id="case-live" class="live" aria-live="polite" aria-atomic="true" data-case-id="{case_id}"' in text


async def test_claim_next_takes_the_urgent_case_first(console: Console) -> None:
    await console.add_user("anna")
    await console.login("anna")
    await console.new_case("a")
    urgent = await console.new_case("b", urgent=True)
    status, text = await console.post("/staff/claim-next", {"team": "subsidy"})
    assert status == 200
    assert f"{urgent} 号案件" in text
    assert (await console.cases.summary(urgent)).claimed_by == "anna"


async def test_a_case_claimed_by_someone_else_meanwhile_is_refused_clearly(console: Console) -> None:
    await console.add_user("anna")
    await console.add_user("bob")
    case_id = await console.new_case()
    bob = await console.users.authenticate("bob", PASSWORD)
    assert bob is not None
    await console.login("anna")
    page = f"/staff/cases/{case_id}"
    token = await console.csrf(page)  # anna's page shows the case unclaimed
    await console.cases.claim(case_id, staff=bob)
    response = await console.client.post(f"{page}/claim", data={"csrf": token, "seen": "new||subsidy"})
    assert response.status == 409
    assert "bob" in await response.text()
    reply = await console.client.post(f"{page}/reply", data={"csrf": token, "seen": "new||subsidy", "text": "您好"})
    assert reply.status == 409
    text = await reply.text()
    assert "刚被 bob 认领" in text
    assert "您好" in text  # the draft is kept
    assert console.delivery.sent == []


async def test_staff_text_is_shown_escaped(console: Console) -> None:
    await console.add_user("anna")
    await console.login("anna")
    case_id = await console.new_case()
    page = f"/staff/cases/{case_id}"
    await console.post(f"{page}/claim", {"seen": "new||subsidy"}, page=page)
    attack = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    status, text = await console.post(f"{page}/reply", {"seen": "claimed|anna|subsidy", "text": attack}, page=page)
    assert status == 200
    assert attack not in text
    assert str(escape(attack)) in text
    _no_inline_code(text)


async def test_numbers_are_masked_until_shown_and_every_showing_is_recorded(console: Console) -> None:
    await console.add_user("anna")
    await console.login("anna")
    case_id = await console.new_case()
    page = f"/staff/cases/{case_id}"
    text = await (await console.client.get(page)).text()
    assert PHONE not in text
    assert ID_NUMBER not in text
    assert "139****5678" in text
    status, text = await console.post(f"{page}/reveal", {}, page=page)
    assert status == 200
    assert PHONE in text
    assert ID_NUMBER in text
    await console.post(f"{page}/reveal", {}, page=page)
    detail = await console.cases.get(case_id, actor="test")
    shown = [event for event in detail.events if event.kind == "numbers_shown"]
    assert [event.actor for event in shown] == ["anna", "anna"]


async def test_agents_cannot_open_another_teams_case(console: Console) -> None:
    await console.add_user("anna")
    await console.login("anna")
    case_id = await console.new_case(team="legal")
    response = await console.client.get(f"/staff/cases/{case_id}")
    assert response.status == 403
    assert "本组" in await response.text()


@pytest.mark.parametrize("path", ["/staff/cases/abc", "/staff/cases/99999999999", "/staff/cases/42", "/staff/nowhere"])
async def test_unknown_pages_are_plain_404s(console: Console, path: str) -> None:
    await console.add_user("anna")
    await console.login("anna")
    response = await console.client.get(path)
    assert response.status == 404
    assert "Traceback" not in await response.text()


async def test_search_and_paging_in_the_queue(console: Console) -> None:
    await console.add_user("anna")
    await console.login("anna")
    wanted = await console.new_case("w", name="黄丽")
    for n in range(26):
        await console.new_case(f"p{n}")
    text = await (await console.client.get("/staff/", params={"q": "黄丽"})).text()
    assert f"{wanted} 号</a>" in text
    assert text.count("号</a>") == 1
    text = await (await console.client.get("/staff/", params={"q": PHONE[-4:]})).text()
    assert "下一页" in text
    next_url = html.unescape(re.search(r'href="([^"]+)" rel="next"', text).group(1))  # type: ignore[union-attr]
    rest = await (await console.client.get(next_url)).text()
    assert rest.count("号</a>") == 2
    assert "回到第一页" in rest


async def test_a_residents_other_cases_are_linked(console: Console) -> None:
    await console.add_user("anna")
    await console.login("anna")
    first = await console.new_case("a")
    second = await console.new_case("b")
    text = await (await console.client.get(f"/staff/cases/{second}")).text()
    assert f'href="/staff/cases/{first}"' in text


async def test_logout_ends_the_session(console: Console) -> None:
    await console.add_user("anna")
    await console.login("anna")
    status, text = await console.post("/staff/logout", {})
    assert status == 200
    assert "工作人员登录" in text
    assert isinstance(console.cases, AnnouncingCaseStore)


async def _read_event(response: Any) -> dict[str, Any]:
    """The next ``case`` event of a Server-Sent Events stream."""
    while True:
        line = await asyncio.wait_for(response.content.readline(), timeout=5)
        assert line, "the stream ended"
        if line.startswith(b"data: "):
            data: dict[str, Any] = json.loads(line[6:])
            return data


async def test_an_open_queue_hears_a_new_urgent_case_of_its_team_only(console: Console) -> None:
    await console.add_user("anna")
    await console.login("anna")
    response = await console.client.get("/staff/events")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/event-stream")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    await console.new_case("legal", team="legal", urgent=True)  # not anna's team: not told
    case_id = await console.new_case("mine", urgent=True)
    event = await _read_event(response)
    assert event["case_id"] == case_id
    assert event["urgent"] is True
    assert event["message"] == f"新的紧急案件：{case_id} 号，补贴组。"
    response.close()


async def test_the_event_stream_needs_a_login(console: Console) -> None:
    response = await console.client.get("/staff/events")
    assert response.status == 401


@pytest.mark.parametrize(
    "query",
    [{"status": "open"}, {"team": "finance"}, {"cursor": "forged"}, {"q": "张" * 41}, {"team": "legal"}],
)
async def test_a_bad_queue_address_is_a_plain_page(console: Console, query: dict[str, str]) -> None:
    await console.add_user("anna")
    await console.login("anna")
    response = await console.client.get("/staff/", params=query)
    text = await response.text()
    assert response.status in (400, 403)
    assert 'role="alert"' in text
    assert "Traceback" not in text
