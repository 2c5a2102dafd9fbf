"""The simulated platform: signatures, push bodies, safe mode, redelivery, and the API servers' own rules."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
import xmltodict
from aiohttp import web
from pytest_aiohttp import AiohttpServer
from redis.asyncio import Redis
from wechatpy.crypto import WeChatCrypto
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

from bot.channels.wechat.errors import WeChatApiError
from bot.channels.wechat.simulator import PushClient, WeChatSimulator, sign
from bot.channels.wechat.simulator.__main__ import main as simulator_main
from tests.bot.channels.wechat.simulated import APP_ID, APP_SECRET, SimulatedWeChat, simulated_wechat

ALICE = "o6_alice"
# wechatpy's published vector (tests/test_crypto.py), which the Official Account crypto class also reads.
VECTOR_TOKEN = "123456"
VECTOR_AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
VECTOR_APP_ID = "wx49f0ab532d5d035a"
VECTOR_ENCRYPT = (
    "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6"
    "ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp"
    "/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS70"
    "9/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0="
)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FakeBot:
    """Stands in for the service's ``/wechat`` endpoint and records what reached it."""

    def __init__(self, answer: Handler) -> None:
        self.requests: list[tuple[dict[str, str], str]] = []
        self._answer = answer

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((dict(request.query), await request.text()))
        return await self._answer(request)


async def _serve(aiohttp_server: AiohttpServer, answer: Handler) -> tuple[FakeBot, str]:
    bot = FakeBot(answer)
    app = web.Application()
    app.router.add_route("*", "/wechat", bot.handle)
    server = await aiohttp_server(app)
    return bot, str(server.make_url("/wechat"))


def _answer(text: str) -> Handler:
    async def answer(request: web.Request) -> web.Response:
        return web.Response(text=text, content_type="text/xml")

    return answer


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def wechat(aiohttp_server: AiohttpServer) -> AsyncIterator[SimulatedWeChat]:
    async with simulated_wechat(aiohttp_server, token_grace=300) as running:
        yield running


# Signatures


def test_signature_follows_the_official_worked_example() -> None:
    assert sorted(["AAAAA", "1714037059", "486452656"]) == ["1714037059", "486452656", "AAAAA"]
    expected = hashlib.sha1(b"1714037059486452656AAAAA").hexdigest()  # noqa: S324 - the platform's algorithm
    assert sign("AAAAA", 1714037059, 486452656) == expected


def test_signature_matches_wechatpys_test_vector() -> None:
    assert sign("test", "1410685589", "test") == "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff"
    check_signature("test", sign("test", "1410685589", "test"), "1410685589", "test")


def test_published_safe_mode_vector_decrypts_with_the_official_account_class() -> None:
    crypto = WeChatCrypto(VECTOR_TOKEN, VECTOR_AES_KEY, VECTOR_APP_ID)
    envelope = (
        f"<xml><ToUserName><![CDATA[{VECTOR_APP_ID}]]></ToUserName>"
        f"<Encrypt><![CDATA[{VECTOR_ENCRYPT}]]></Encrypt></xml>"
    )
    plain = crypto.decrypt_message(envelope, "74d92dfeb87ba7c714f89d98870ae5eb62dff26d", "1411525903", "461056294")
    assert xmltodict.parse(plain)["xml"]["Content"] == "test"


# Push bodies


def _client(http: aiohttp.ClientSession, **options: Any) -> PushClient:
    return PushClient(http, "http://127.0.0.1:9/wechat", "token", clock=lambda: 1_714_037_059.9, **options)


async def test_text_push_is_the_platforms_xml(http: aiohttp.ClientSession) -> None:
    xml = _client(http).text(ALICE, "我想申请护理补贴", msg_id=24_000_000_000_000_001)
    assert "<Content><![CDATA[我想申请护理补贴]]></Content>" in xml
    assert xmltodict.parse(xml)["xml"] == {
        "ToUserName": "gh_simulator",
        "FromUserName": ALICE,
        "CreateTime": "1714037059",
        "MsgType": "text",
        "Content": "我想申请护理补贴",
        "MsgId": "24000000000000001",
    }


async def test_each_message_gets_its_own_msg_id_and_events_get_none(http: aiohttp.ClientSession) -> None:
    client = _client(http)
    first, second = (xmltodict.parse(client.text(ALICE, "hi"))["xml"] for _ in range(2))
    assert first["MsgId"] != second["MsgId"]
    event = xmltodict.parse(client.event(ALICE, "CLICK", key="MENU_HELP"))["xml"]
    assert event["MsgType"] == "event"
    assert event["Event"] == "CLICK"
    assert event["EventKey"] == "MENU_HELP"
    assert "MsgId" not in event


async def test_voice_push_carries_format_recognition_and_16k_media(http: aiohttp.ClientSession) -> None:
    xml = _client(http).voice(ALICE, "media-8k", recognition="你好", media_id_16k="media-16k")
    fields = xmltodict.parse(xml)["xml"]
    assert (fields["MediaId"], fields["Format"], fields["Recognition"], fields["MediaId16K"]) == (
        "media-8k",
        "amr",
        "你好",
        "media-16k",
    )
    assert "Recognition" not in xmltodict.parse(_client(http).voice(ALICE, "m"))["xml"]


async def test_location_numbers_are_bare_and_text_is_cdata(http: aiohttp.ClientSession) -> None:
    xml = _client(http).location(ALICE, 24.3264, 109.4281, label="柳州市城中区")
    assert "<Location_X>24.3264</Location_X>" in xml
    assert "<Label><![CDATA[柳州市城中区]]></Label>" in xml


async def test_content_with_cdata_terminator_survives(http: aiohttp.ClientSession) -> None:
    xml = _client(http).text(ALICE, "a]]>b<c>")
    assert xmltodict.parse(xml)["xml"]["Content"] == "a]]>b<c>"


async def test_other_builders_produce_parseable_pushes(http: aiohttp.ClientSession) -> None:
    client = _client(http)
    kinds = [
        xmltodict.parse(xml)["xml"]["MsgType"]
        for xml in (client.image(ALICE, "m"), client.link(ALICE, "t", "d", "https://x"), client.video(ALICE, "m", "t"))
    ]
    assert kinds == ["image", "link", "video"]
    assert client.raw("<xml>broken") == "<xml>broken"


# Delivery


async def test_plain_push_is_signed_and_its_reply_parsed(
    aiohttp_server: AiohttpServer, http: aiohttp.ClientSession
) -> None:
    reply = TextReply(source="gh_simulator", target=ALICE, content="您好").render()
    bot, url = await _serve(aiohttp_server, _answer(reply))
    client = PushClient(http, url, "AAAAA")
    xml = client.text(ALICE, "你好")
    result = await client.push(xml)
    query, body = bot.requests[0]
    check_signature("AAAAA", query["signature"], query["timestamp"], query["nonce"])
    assert body == xml
    assert query["openid"] == ALICE
    assert "encrypt_type" not in query
    assert (result.status, result.deliveries, result.reply_error) == (200, 1, None)
    assert result.reply is not None
    assert result.reply["Content"] == "您好"


async def test_safe_mode_push_round_trip_with_wechatpys_published_key(
    aiohttp_server: AiohttpServer, http: aiohttp.ClientSession
) -> None:
    crypto = WeChatCrypto(VECTOR_TOKEN, VECTOR_AES_KEY, VECTOR_APP_ID)
    received: list[str] = []

    async def bot_side(request: web.Request) -> web.Response:
        query = request.query
        check_signature(VECTOR_TOKEN, query["signature"], query["timestamp"], query["nonce"])
        plain = crypto.decrypt_message(await request.text(), query["msg_signature"], query["timestamp"], query["nonce"])
        received.append(plain)
        reply = TextReply(source="gh_simulator", target=ALICE, content="已收到")
        return web.Response(text=crypto.encrypt_message(reply.render(), query["nonce"]), content_type="text/xml")

    bot, url = await _serve(aiohttp_server, bot_side)
    client = PushClient(http, url, VECTOR_TOKEN, app_id=VECTOR_APP_ID, aes_key=VECTOR_AES_KEY)
    xml = client.text(ALICE, "安全模式")
    result = await client.push(xml)
    query, body = bot.requests[0]
    assert query["encrypt_type"] == "aes"
    assert set(xmltodict.parse(body)["xml"]) == {"ToUserName", "Encrypt"}
    assert received == [xml]
    assert result.reply_error is None
    assert result.reply is not None
    assert result.reply["Content"] == "已收到"


async def test_plaintext_reply_to_a_safe_mode_push_is_reported(
    aiohttp_server: AiohttpServer, http: aiohttp.ClientSession
) -> None:
    _, url = await _serve(aiohttp_server, _answer(TextReply(source="gh", target=ALICE, content="x").render()))
    client = PushClient(http, url, VECTOR_TOKEN, app_id=VECTOR_APP_ID, aes_key=VECTOR_AES_KEY)
    result = await client.push(client.text(ALICE, "hi"))
    assert result.reply is None
    assert result.reply_error == "plaintext reply to a safe-mode push"


@pytest.mark.parametrize("answer", ["success", "", "  success\n"])
async def test_success_or_nothing_means_no_passive_reply(
    aiohttp_server: AiohttpServer, http: aiohttp.ClientSession, answer: str
) -> None:
    _, url = await _serve(aiohttp_server, _answer(answer))
    client = PushClient(http, url, "t")
    result = await client.push(client.text(ALICE, "hi"))
    assert (result.status, result.reply, result.reply_error) == (200, None, None)


async def test_answer_that_is_not_xml_is_reported(aiohttp_server: AiohttpServer, http: aiohttp.ClientSession) -> None:
    _, url = await _serve(aiohttp_server, _answer('{"reply": "json"}'))
    client = PushClient(http, url, "t")
    result = await client.push(client.text(ALICE, "hi"))
    assert result.reply is None
    assert result.reply_error == "not an <xml> document"


async def test_push_is_resent_while_the_bot_answers_too_late(
    aiohttp_server: AiohttpServer, http: aiohttp.ClientSession
) -> None:
    async def too_slow(request: web.Request) -> web.Response:
        await asyncio.sleep(0.5)
        return web.Response(text="success")

    bot, url = await _serve(aiohttp_server, too_slow)
    client = PushClient(http, url, "t", timeout=0.2, retries=3)
    result = await client.push(client.text(ALICE, "hi"))
    assert len(bot.requests) == 4
    assert all(request == bot.requests[0] for request in bot.requests)
    assert (result.status, result.deliveries, result.answered) == (0, 4, False)
    assert result.elapsed >= 0.8


async def test_redelivery_stops_at_the_first_timely_answer(
    aiohttp_server: AiohttpServer, http: aiohttp.ClientSession
) -> None:
    calls = 0

    async def slow_once(request: web.Request) -> web.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            await asyncio.sleep(0.5)
        return web.Response(text="success")

    _, url = await _serve(aiohttp_server, slow_once)
    client = PushClient(http, url, "t", timeout=0.2, retries=3)
    result = await client.push(client.text(ALICE, "hi"))
    assert (result.status, result.deliveries) == (200, 2)


async def test_url_verification_sends_a_signed_echostr(
    aiohttp_server: AiohttpServer, http: aiohttp.ClientSession
) -> None:
    async def echo(request: web.Request) -> web.Response:
        return web.Response(text=request.query["echostr"])

    bot, url = await _serve(aiohttp_server, echo)
    result = await PushClient(http, url, "AAAAA").verify_url("5837397520565124715")
    query, _ = bot.requests[0]
    check_signature("AAAAA", query["signature"], query["timestamp"], query["nonce"])
    assert (result.status, result.body) == (200, "5837397520565124715")


async def test_push_opens_and_closes_the_window_on_the_simulator(
    aiohttp_server: AiohttpServer, wechat: SimulatedWeChat, embedded_redis: Redis
) -> None:
    _, url = await _serve(aiohttp_server, _answer("success"))
    client = PushClient(wechat.session, url, "t", simulator=wechat.simulator)
    api = wechat.api(embedded_redis)
    await client.push(client.text(ALICE, "hi"))
    await api.send_text(ALICE, "reply")
    await client.push(client.event(ALICE, "unsubscribe"))
    with pytest.raises(WeChatApiError, match="45015"):
        await api.send_text(ALICE, "after unfollow")
    await client.push(client.event(ALICE, "subscribe"))
    for _ in range(3):
        await api.send_text(ALICE, "welcome")
    with pytest.raises(WeChatApiError, match="45047"):
        await api.send_text(ALICE, "fourth")


async def test_safe_mode_needs_the_app_id(http: aiohttp.ClientSession) -> None:
    with pytest.raises(ValueError, match="app_id"):
        PushClient(http, "http://x", "t", aes_key=VECTOR_AES_KEY)
    with pytest.raises(ValueError, match="aes_key"):
        await PushClient(http, "http://x", "t").push("<xml/>", encrypted=True)


# The API servers' own rules


async def _get_json(http: aiohttp.ClientSession, url: str, **query: str) -> dict[str, Any]:
    async with http.get(url, params=query) as response:
        payload: dict[str, Any] = await response.json(content_type=None)
        return payload


async def _post_json(http: aiohttp.ClientSession, url: str, body: dict[str, Any], **query: str) -> dict[str, Any]:
    async with http.post(url, params=query, json=body) as response:
        payload: dict[str, Any] = await response.json(content_type=None)
        return payload


async def _classic(wechat: SimulatedWeChat, appid: str = APP_ID, secret: str = APP_SECRET) -> dict[str, Any]:
    return await _get_json(
        wechat.session, f"{wechat.base_url}/cgi-bin/token", grant_type="client_credential", appid=appid, secret=secret
    )


async def _stable(wechat: SimulatedWeChat, force: bool = False) -> dict[str, Any]:
    body = {"grant_type": "client_credential", "appid": APP_ID, "secret": APP_SECRET, "force_refresh": force}
    return await _post_json(wechat.session, f"{wechat.base_url}/cgi-bin/stable_token", body)


async def _send(wechat: SimulatedWeChat, token: str, text: str = "hi") -> int:
    body = {"touser": ALICE, "msgtype": "text", "text": {"content": text}}
    payload = await _post_json(
        wechat.session, f"{wechat.base_url}/cgi-bin/message/custom/send", body, access_token=token
    )
    return int(payload["errcode"])


async def test_token_endpoints_check_appid_and_secret(wechat: SimulatedWeChat) -> None:
    assert (await _classic(wechat, appid="wx_wrong"))["errcode"] == 40013
    assert (await _classic(wechat, secret="wrong"))["errcode"] == 40125
    assert (await _classic(wechat))["expires_in"] == 7200
    assert wechat.simulator.token_fetches == {"token": 3}


async def test_classic_fetch_retires_the_previous_token_after_the_grace(wechat: SimulatedWeChat) -> None:
    wechat.simulator.user_sent_message(ALICE)
    old = (await _classic(wechat))["access_token"]
    new = (await _classic(wechat))["access_token"]
    assert await _send(wechat, old) == 0
    wechat.clock.advance(300)
    assert await _send(wechat, old) == 40001
    assert await _send(wechat, new) == 0


async def test_stable_token_is_the_same_until_forced(wechat: SimulatedWeChat) -> None:
    first = await _stable(wechat)
    assert (await _stable(wechat))["access_token"] == first["access_token"]
    forced = await _stable(wechat, force=True)
    assert forced["access_token"] != first["access_token"]
    assert (await _stable(wechat, force=True))["errcode"] == 45011  # forced twice within 30 s
    wechat.clock.advance(31)
    assert (await _stable(wechat, force=True))["access_token"] != forced["access_token"]


async def test_tokens_expire_with_their_lifetime_and_on_demand(wechat: SimulatedWeChat) -> None:
    wechat.simulator.user_sent_message(ALICE)
    token = (await _stable(wechat))["access_token"]
    wechat.clock.advance(7200)
    assert await _send(wechat, token) == 42001
    fresh = (await _stable(wechat))["access_token"]
    assert fresh != token
    wechat.simulator.expire_tokens()
    assert await _send(wechat, fresh) == 42001
    assert await _send(wechat, "") == 41001
    assert await _send(wechat, "made-up") == 40001


async def test_injected_failure_hits_only_the_next_send(wechat: SimulatedWeChat) -> None:
    wechat.simulator.user_sent_message(ALICE)
    token = (await _stable(wechat))["access_token"]
    wechat.simulator.fail_next(45009)
    assert await _send(wechat, token) == 45009
    assert await _send(wechat, token) == 0


async def test_send_checks_the_message_itself(wechat: SimulatedWeChat) -> None:
    wechat.simulator.user_sent_message(ALICE)
    token = (await _stable(wechat))["access_token"]
    url = f"{wechat.base_url}/cgi-bin/message/custom/send"
    cases = [
        ({"msgtype": "text", "text": {"content": "x"}}, 40003),
        ({"touser": ALICE, "msgtype": "music", "music": {}}, 40008),
        ({"touser": ALICE, "msgtype": "text", "text": {"content": ""}}, 44004),
        ({"touser": ALICE, "msgtype": "voice", "voice": {"media_id": "nope"}}, 40007),
    ]
    for body, errcode in cases:
        assert (await _post_json(wechat.session, url, body, access_token=token))["errcode"] == errcode
    async with wechat.session.post(url, params={"access_token": token}, data=b"not json") as response:
        assert (await response.json(content_type=None))["errcode"] == 47001


async def test_developer_endpoints_open_windows_and_list_sent_messages(wechat: SimulatedWeChat) -> None:
    token = (await _stable(wechat))["access_token"]
    async with wechat.session.post(f"{wechat.base_url}/_simulator/users/{ALICE}/message") as response:
        assert response.status == 200
    assert await _send(wechat, token, "您好") == 0
    listed = await _get_json(wechat.session, f"{wechat.base_url}/_simulator/sent")
    assert [(item["openid"], item["content"]) for item in listed["sent"]] == [(ALICE, "您好")]
    async with wechat.session.post(f"{wechat.base_url}/_simulator/users/{ALICE}/dance") as response:
        assert response.status == 404


def test_entry_point_tells_how_to_point_the_service_at_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    served: list[tuple[web.Application, dict[str, Any]]] = []
    monkeypatch.setattr(web, "run_app", lambda app, **options: served.append((app, options)))
    simulator_main(["--port", "8090"])
    assert "BOT_WECHAT_API_BASE=http://127.0.0.1:8090" in capsys.readouterr().out
    assert served[0][1]["port"] == 8090
    assert isinstance(WeChatSimulator().app(), web.Application)
