"""The resident web chat at /chat/, as a browser without JavaScript (and chat.js's JSON posts) sees it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.channels.web.channel import CHANNEL
from bot.channels.web.identity import COOKIE
from bot.channels.web.texts import load_web_texts
from bot.services import Services
from bot.storage.keys import UserKey
from dialogs.loader import ContentError
from tests.bot.channels.web.conftest import Browser
from tests.bot.scripts import CONFIRM, NURSING_ALLOWANCE_FOR_MY_MOTHER, PROXY_PHONE


async def test_the_page_has_the_contracts_message_box_button_and_log(browser: Browser) -> None:
    response = await browser.client.get("/chat/")
    page = await response.text()
    assert '<label for="text">输入消息</label>' in page
    assert ">发送</button>" in page
    assert 'role="log"' in page
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


async def test_chat_without_a_slash_leads_to_the_page(browser: Browser) -> None:
    response = await browser.client.get("/chat", allow_redirects=False)
    assert (response.status, response.headers["Location"]) == (308, "/chat/")


async def test_a_message_posted_without_javascript_is_answered_on_the_page_drawn_again(browser: Browser) -> None:
    response = await browser.say("护理补贴")
    assert response.status == 303
    page = await browser.page()
    assert '您：</span><span class="text">护理补贴' in page
    assert page.count('class="entry bot"') >= 1


async def test_chat_js_gets_the_new_entries_as_json(browser: Browser) -> None:
    body = await browser.say_by_script("护理补贴")
    assert body["status"] == 200
    whos = [entry["who"] for entry in body["entries"]]
    assert whos[0] == "resident"
    assert "bot" in whos
    assert body["message_id"]


async def test_the_same_form_sent_twice_is_handled_once(browser: Browser) -> None:
    csrf = await browser.csrf()
    form = {"csrf": csrf, "message_id": "same-message-1", "text": "护理补贴"}
    first = await (await browser.client.post("/chat/send", data=form, headers={"Accept": "application/json"})).json()
    again = await (await browser.client.post("/chat/send", data=form, headers={"Accept": "application/json"})).json()
    assert first["entries"]
    assert again["entries"] == []
    assert (await browser.page()).count("您：") == 1


async def test_what_anyone_writes_is_shown_as_text_never_as_markup(browser: Browser) -> None:
    await browser.say("<script>alert(1)</script>")
    page = await browser.page()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


async def test_a_post_without_the_pages_token_or_from_another_site_is_refused_in_plain_chinese(
    browser: Browser,
) -> None:
    await browser.page()
    missing = await browser.client.post("/chat/send", data={"text": "你好"})
    assert missing.status == 403
    assert "页面已经过期" in await missing.text()
    csrf = await browser.csrf()
    foreign = await browser.client.post(
        "/chat/send", data={"csrf": csrf, "text": "你好"}, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status == 403


async def test_empty_and_overlong_messages_get_a_clear_answer(browser: Browser) -> None:
    assert "请先写下" in await (await browser.say("   ")).text()
    too_long = await browser.say("长" * 501)
    assert too_long.status == 400
    assert "太长" in await too_long.text()


async def test_too_many_messages_in_a_minute_are_refused_with_a_clear_message(browser: Browser) -> None:
    statuses = [(await browser.say(f"第{n}句")).status for n in range(21)]
    assert statuses[:20] == [303] * 20
    assert statuses[20] == 429
    refused = await browser.say("还有一句")
    page = await refused.text()
    assert "您发得太快了" in page
    assert ">还有一句</textarea>" in page  # kept in the box, to send again


async def test_a_whole_application_files_a_web_case_and_a_staff_reply_reaches_the_page(
    browser: Browser, services: Services
) -> None:
    for text in NURSING_ALLOWANCE_FOR_MY_MOTHER:
        assert (await browser.say(text)).status == 303
    body = await browser.say_by_script(CONFIRM)
    told = "\n".join(entry["text"] for entry in body["entries"])
    user = browser.client.session.cookie_jar.filter_cookies(browser.client.make_url("/chat/"))[COOKIE].value
    (case,) = await services.cases.cases_for_user(CHANNEL, user.rpartition(".")[0])
    assert case.channel == CHANNEL
    assert str(case.id) in told

    detail = await services.cases.get(case.id, actor="test")
    await services.delivery.deliver(detail, "您好，材料请带身份证原件。")
    page = await browser.page()
    assert '工作人员：</span><span class="text">您好，材料请带身份证原件。' in page

    # Another device: the case number and the last 4 digits of the phone given pick the conversation up.
    browser.client.session.cookie_jar.clear()
    assert "李明" not in await browser.page()
    csrf = await browser.csrf()
    wrong = await browser.client.post("/chat/resume", data={"csrf": csrf, "case": str(case.id), "phone4": "0000"})
    assert wrong.status == 400
    assert "没有找到这个对话" in await wrong.text()
    right = await browser.client.post(
        "/chat/resume", data={"csrf": csrf, "case": str(case.id), "phone4": PROXY_PHONE[-4:]}, allow_redirects=False
    )
    assert right.status == 303
    page = await browser.page()
    assert "材料请带身份证原件" in page
    assert "已经接上您之前的对话" in page


async def test_guessing_the_four_digits_stops_after_five_tries(browser: Browser) -> None:
    csrf = await browser.csrf()
    statuses = [
        (await browser.client.post("/chat/resume", data={"csrf": csrf, "case": "1", "phone4": f"{n:04d}"})).status
        for n in range(6)
    ]
    assert statuses == [400] * 5 + [429]


async def test_late_answers_and_staff_replies_arrive_over_the_live_stream(browser: Browser, services: Services) -> None:
    await browser.say("护理补贴")
    user = browser.client.session.cookie_jar.filter_cookies(browser.client.make_url("/chat/"))[COOKIE].value
    user_id = user.rpartition(".")[0]
    last = len((await browser.page()).split('class="entry ')) - 1
    async with browser.client.get(f"/chat/events?after={last}") as stream:
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        await services.delivery.notify(CHANNEL, user_id, "工作人员已经在看您的申请。")
        received = b""
        while "工作人员已经在看您的申请".encode() not in received:
            received += await asyncio.wait_for(stream.content.readany(), 15)
    assert f"id: {last + 1}".encode() in received
    assert UserKey(CHANNEL, user_id).channel == "web"


async def test_the_mode_buttons_change_the_residents_profile_as_on_wechat(browser: Browser, services: Services) -> None:
    await browser.say("简单模式")
    user = browser.client.session.cookie_jar.filter_cookies(browser.client.make_url("/chat/"))[COOKIE].value
    profile = await services.profiles.get(CHANNEL, user.rpartition(".")[0])
    assert profile is not None
    assert profile.mode == "simple"


async def test_a_missing_sentence_of_the_page_is_a_content_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "web_chat.yaml").write_text("empty: 请先写下您要说的话。\n", encoding="utf-8")
    with pytest.raises(ContentError, match="too_long"):
        load_web_texts(tmp_path)


async def test_one_case_number_takes_ten_tries_an_hour_whatever_cookie_asks(browser: Browser) -> None:
    statuses = []
    for n in range(11):
        browser.client.session.cookie_jar.clear()  # a fresh cookie each time
        csrf = await browser.csrf()
        form = {"csrf": csrf, "case": "7", "phone4": f"{n:04d}"}
        statuses.append((await browser.client.post("/chat/resume", data=form)).status)
    assert statuses == [400] * 10 + [429]
