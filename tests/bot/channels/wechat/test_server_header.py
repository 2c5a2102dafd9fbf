"""No answer names the server software or its version: an attacker learns nothing to look up."""

from __future__ import annotations

import pytest

from tests.bot.channels.wechat.service import WeChatService


@pytest.mark.parametrize("path", ["/healthz", "/wechat", "/staff/api/cases", "/staff/", "/no-such-page"])
async def test_no_answer_names_aiohttp_or_its_version(wechat: WeChatService, path: str) -> None:
    async with wechat.http.get(str(wechat.server.make_url(path))) as response:
        server = response.headers.get("Server", "")
    assert "aiohttp" not in server.lower()
    assert "python" not in server.lower()
    assert server == "liuzhou-access-bot"
