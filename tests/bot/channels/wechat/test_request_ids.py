"""A push's answer names its request id, and every log line of its turn carries it, including those written
by the late answer that goes on after the platform was answered."""

from __future__ import annotations

import asyncio

from bot.observability.request_ids import HEADER
from bot.storage.keys import UserKey
from bot.storage.locks import UserLocks
from tests.bot.channels.wechat.service import WeChatService
from tests.bot.observability.logs import json_lines

RESIDENT = "o6_request_ids"


async def test_a_late_answers_log_lines_carry_the_pushs_request_id_and_no_openid(wechat: WeChatService) -> None:
    assert wechat.services.wechat.settings is not None
    wechat.services.wechat.settings.reply_deadline = 0.1
    wechat.simulator.fail_next(45015, times=10)  # the late answer cannot be sent: one more line, later
    sealed = wechat.seal(wechat.pushes().text(RESIDENT, "你好"))

    with json_lines() as lines:
        async with UserLocks(wechat.services.redis).hold(UserKey("wechat", RESIDENT)):
            async with wechat.http.post(wechat.url, params=sealed.query, data=sealed.body) as response:
                assert response.status == 200
                request_id = response.headers[HEADER]
            await asyncio.sleep(0.3)
        await wechat.settle()

    turn = [line for line in lines if line.get("request_id") == request_id]
    messages = [line["message"] for line in turn]
    assert any("deadline passed" in message for message in messages), lines
    assert any("answer incomplete" in message for message in messages), lines
    assert all(RESIDENT not in line["message"] for line in lines)


async def test_refused_pushes_name_their_request_too(wechat: WeChatService) -> None:
    async with wechat.http.post(wechat.url, params={"signature": "0" * 40, "timestamp": "1", "nonce": "1"}) as response:
        assert response.status == 403
        assert len(response.headers[HEADER]) == 16
