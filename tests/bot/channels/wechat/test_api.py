"""The WeChat API client against the simulated platform: sends, media, token refresh, and failures."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpServer
from redis.asyncio import Redis

from bot.channels.wechat.api import WeChatApi
from bot.channels.wechat.errors import MediaTooLarge, WeChatApiError, WeChatUnavailable
from bot.channels.wechat.simulator import SentMessage
from bot.channels.wechat.token import AccessTokens
from tests.bot.channels.wechat.simulated import APP_ID, APP_SECRET, SimulatedWeChat, simulated_wechat

ALICE = "o6_alice"
AMR = b"#!AMR\n" + b"\x3c" + bytes(31)  # one 12.2 kbit/s frame: 20 ms of silence
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture
async def wechat(aiohttp_server: AiohttpServer) -> AsyncIterator[SimulatedWeChat]:
    async with simulated_wechat(aiohttp_server) as running:
        yield running


async def _api_on(
    aiohttp_server: AiohttpServer, session: aiohttp.ClientSession, redis: Redis, path: str, handler: Handler
) -> WeChatApi:
    """A client of a hand-written server answering ``path`` with ``handler``; a fixed token is cached."""
    app = web.Application()
    app.router.add_route("*", path, handler)
    server = await aiohttp_server(app)
    base = str(server.make_url("")).rstrip("/")
    await redis.set(f"bot:wechat:token:{APP_ID}", "cached-token")
    return WeChatApi(session, base, AccessTokens(redis, session, base, APP_ID, APP_SECRET), timeout=0.2)


async def test_text_is_delivered_and_recorded(wechat: SimulatedWeChat, redis_client: Redis) -> None:
    wechat.simulator.user_sent_message(ALICE)
    await wechat.api(redis_client).send_text(ALICE, "您好，已收到您的申请。")
    assert wechat.simulator.sent == [SentMessage(ALICE, "text", "您好，已收到您的申请。", None, wechat.clock())]


async def test_text_goes_out_as_utf8_json_not_ascii_escapes(
    wechat: SimulatedWeChat, redis_client: Redis, aiohttp_server: AiohttpServer
) -> None:
    bodies: list[bytes] = []

    @web.middleware
    async def capture(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.endswith("/custom/send"):
            bodies.append(await request.read())
        return await handler(request)

    app = wechat.simulator.app()
    app.middlewares.append(capture)
    server = await aiohttp_server(app)
    api = WeChatApi(wechat.session, str(server.make_url("")).rstrip("/"), wechat.tokens(redis_client))
    wechat.simulator.user_sent_message(ALICE)
    await api.send_text(ALICE, "残疾人证")
    assert "残疾人证".encode() in bodies[0]
    assert json.loads(bodies[0]) == {"touser": ALICE, "msgtype": "text", "text": {"content": "残疾人证"}}


async def test_send_without_any_interaction_raises_window_closed(wechat: SimulatedWeChat, redis_client: Redis) -> None:
    with pytest.raises(WeChatApiError) as raised:
        await wechat.api(redis_client).send_text(ALICE, "hello")
    assert raised.value.window_closed
    assert wechat.simulator.sent == []


async def test_send_48_hours_after_the_user_message_raises_window_closed(
    wechat: SimulatedWeChat, redis_client: Redis
) -> None:
    wechat.simulator.user_sent_message(ALICE)
    wechat.clock.advance(48 * 3600)
    with pytest.raises(WeChatApiError) as raised:
        await wechat.api(redis_client).send_text(ALICE, "hello")
    assert raised.value.errcode == 45015


async def test_sixth_message_after_one_user_message_raises_quota_exceeded(
    wechat: SimulatedWeChat, redis_client: Redis
) -> None:
    api = wechat.api(redis_client)
    wechat.simulator.user_sent_message(ALICE)
    for number in range(5):
        await api.send_text(ALICE, f"message {number}")
    with pytest.raises(WeChatApiError) as raised:
        await api.send_text(ALICE, "one too many")
    assert raised.value.quota_exceeded
    assert len(wechat.simulator.sent) == 5


async def test_follow_grants_three_messages_within_60_seconds(wechat: SimulatedWeChat, redis_client: Redis) -> None:
    api = wechat.api(redis_client)
    wechat.simulator.user_followed(ALICE)
    for number in range(3):
        await api.send_text(ALICE, f"welcome {number}")
    with pytest.raises(WeChatApiError, match="45047"):
        await api.send_text(ALICE, "fourth")
    wechat.simulator.user_clicked(ALICE)
    wechat.clock.advance(61)
    with pytest.raises(WeChatApiError, match="45015"):
        await api.send_text(ALICE, "too late")


async def test_unfollowed_user_cannot_be_sent_to(wechat: SimulatedWeChat, redis_client: Redis) -> None:
    wechat.simulator.user_sent_message(ALICE)
    wechat.simulator.user_unsubscribed(ALICE)
    with pytest.raises(WeChatApiError) as raised:
        await wechat.api(redis_client).send_text(ALICE, "hello")
    assert raised.value.window_closed


async def test_text_over_2048_bytes_is_refused_with_45002(wechat: SimulatedWeChat, redis_client: Redis) -> None:
    wechat.simulator.user_sent_message(ALICE)
    api = wechat.api(redis_client)
    await api.send_text(ALICE, "字" * 682)  # 2046 bytes
    with pytest.raises(WeChatApiError, match="45002"):
        await api.send_text(ALICE, "字" * 683)


async def test_expired_token_is_refreshed_once_and_the_send_succeeds(
    wechat: SimulatedWeChat, redis_client: Redis
) -> None:
    api = wechat.api(redis_client)
    wechat.simulator.user_sent_message(ALICE)
    await api.send_text(ALICE, "first")
    wechat.simulator.expire_tokens()
    await api.send_text(ALICE, "second")
    assert [message.content for message in wechat.simulator.sent] == ["first", "second"]
    assert wechat.simulator.token_fetches["stable_token"] == 2


async def test_superseded_classic_token_is_refreshed_after_its_grace(
    wechat: SimulatedWeChat, redis_client: Redis
) -> None:
    api = wechat.api(redis_client, use_stable=False)
    wechat.simulator.user_sent_message(ALICE)
    await api.send_text(ALICE, "first")
    # Another system fetches a classic token: ours works for five more minutes, then answers 40001.
    async with wechat.session.get(
        f"{wechat.base_url}/cgi-bin/token",
        params={"grant_type": "client_credential", "appid": APP_ID, "secret": APP_SECRET},
    ) as response:
        assert "access_token" in await response.json()
    await api.send_text(ALICE, "within the grace")
    wechat.clock.advance(301)
    await api.send_text(ALICE, "after the grace")
    assert len(wechat.simulator.sent) == 3
    assert wechat.simulator.token_fetches["token"] == 3


async def test_token_rejected_twice_gives_up_after_one_retry(wechat: SimulatedWeChat, redis_client: Redis) -> None:
    wechat.simulator.user_sent_message(ALICE)
    wechat.simulator.fail_next(40001, times=2)
    with pytest.raises(WeChatApiError) as raised:
        await wechat.api(redis_client).send_text(ALICE, "hello")
    assert raised.value.token_invalid
    assert wechat.simulator.token_fetches["stable_token"] == 2
    assert wechat.simulator.sent == []


async def test_rate_limit_is_raised_without_a_retry(wechat: SimulatedWeChat, redis_client: Redis) -> None:
    wechat.simulator.user_sent_message(ALICE)
    wechat.simulator.fail_next(45009)
    api = wechat.api(redis_client)
    with pytest.raises(WeChatApiError) as raised:
        await api.send_text(ALICE, "hello")
    assert raised.value.rate_limited
    await api.send_text(ALICE, "hello again")
    assert len(wechat.simulator.sent) == 1


async def test_uploaded_voice_can_be_sent_and_downloaded(wechat: SimulatedWeChat, redis_client: Redis) -> None:
    api = wechat.api(redis_client)
    media_id = await api.upload_media("voice", AMR, "reply.amr", "audio/amr")
    wechat.simulator.user_sent_message(ALICE)
    await api.send_voice(ALICE, media_id)
    assert wechat.simulator.sent[0].msgtype == "voice"
    assert wechat.simulator.sent[0].media_id == media_id
    assert await api.get_media(media_id) == (AMR, "audio/amr")


async def test_resident_voice_is_downloaded_with_its_content_type(wechat: SimulatedWeChat, redis_client: Redis) -> None:
    media_id = wechat.simulator.add_media(AMR, "audio/amr")
    assert await wechat.api(redis_client).get_media(media_id) == (AMR, "audio/amr")


async def test_unknown_media_raises_invalid_media(wechat: SimulatedWeChat, redis_client: Redis) -> None:
    with pytest.raises(WeChatApiError) as raised:
        await wechat.api(redis_client).get_media("no-such-media")
    assert raised.value.invalid_media


async def test_media_expires_after_three_days(wechat: SimulatedWeChat, redis_client: Redis) -> None:
    api = wechat.api(redis_client)
    media_id = await api.upload_media("voice", AMR, "reply.amr", "audio/amr")
    wechat.clock.advance(3 * 24 * 3600)
    wechat.simulator.user_sent_message(ALICE)
    with pytest.raises(WeChatApiError, match="40007"):
        await api.send_voice(ALICE, media_id)
    with pytest.raises(WeChatApiError, match="40007"):
        await api.get_media(media_id)


async def test_media_larger_than_the_limit_raises_media_too_large(wechat: SimulatedWeChat, redis_client: Redis) -> None:
    media_id = wechat.simulator.add_media(AMR + bytes(2_000), "audio/amr")
    with pytest.raises(MediaTooLarge):
        await wechat.api(redis_client).get_media(media_id, max_bytes=1_000)


async def test_media_without_content_length_is_cut_off_at_the_limit(
    aiohttp_server: AiohttpServer, redis_client: Redis
) -> None:
    async def stream(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "audio/amr"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(10):
            await response.write(bytes(500))
        return response

    async with aiohttp.ClientSession() as session:
        api = await _api_on(aiohttp_server, session, redis_client, "/cgi-bin/media/get", stream)
        with pytest.raises(MediaTooLarge):
            await api.get_media("m", max_bytes=2_000)


@pytest.mark.parametrize(
    ("data", "errcode"),
    [
        (b"RIFF....WAVEfmt ", 40005),
        (b"#!AMR\n" + b"\x3c" + bytes(31) * 3001, 45007),
        (b"ID3" + bytes(2_100_000), 40006),
    ],
    ids=["wav", "amr-over-60-s", "mp3-over-2-mb"],
)
async def test_voice_upload_is_checked_like_the_platform_does(
    wechat: SimulatedWeChat, redis_client: Redis, data: bytes, errcode: int
) -> None:
    with pytest.raises(WeChatApiError) as raised:
        await wechat.api(redis_client).upload_media("voice", data, "reply", "audio/amr")
    assert raised.value.errcode == errcode


async def test_stopped_server_raises_unavailable_without_the_token(
    wechat: SimulatedWeChat, redis_client: Redis
) -> None:
    api = wechat.api(redis_client)
    token = await wechat.tokens(redis_client).get()
    await wechat.server.close()
    with pytest.raises(WeChatUnavailable) as raised:
        await api.send_text(ALICE, "hello")
    assert token not in str(raised.value)
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__


async def test_slow_answer_raises_unavailable(aiohttp_server: AiohttpServer, redis_client: Redis) -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(1)
        return web.json_response({"errcode": 0})

    async with aiohttp.ClientSession() as session:
        api = await _api_on(aiohttp_server, session, redis_client, "/cgi-bin/message/custom/send", slow)
        with pytest.raises(WeChatUnavailable, match="unreachable"):
            await api.send_text(ALICE, "hello")


async def test_html_error_page_raises_unavailable(aiohttp_server: AiohttpServer, redis_client: Redis) -> None:
    async def gateway(request: web.Request) -> web.Response:
        return web.Response(status=502, text="<html>502 Bad Gateway</html>", content_type="text/html")

    async with aiohttp.ClientSession() as session:
        api = await _api_on(aiohttp_server, session, redis_client, "/cgi-bin/message/custom/send", gateway)
        with pytest.raises(WeChatUnavailable, match="HTTP 502"):
            await api.send_text(ALICE, "hello")


async def test_access_token_and_message_never_reach_the_logs(
    wechat: SimulatedWeChat, redis_client: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api = wechat.api(redis_client)
    wechat.simulator.user_sent_message(ALICE)
    await api.send_text(ALICE, "first")
    wechat.simulator.expire_tokens()
    await api.send_text(ALICE, "second")
    wechat.simulator.fail_next(45009)
    with pytest.raises(WeChatApiError):
        await api.send_text(ALICE, "third")
    token = await wechat.tokens(redis_client).get()
    for secret in (token, APP_SECRET, "first", "second", "third"):
        assert secret not in caplog.text
