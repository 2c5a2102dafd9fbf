"""The whole service behind ``/wechat``, with the WeChat platform played by the local simulator.

``running_service`` opens the real services (real Redis, a real database), serves ``create_app`` on a
local port next to the simulator's API, and points every clock of the channel at one ``ShiftedClock``
so a test can move the platform and the service 48 hours on together. Pushes go through
``PushClient`` (told about the simulator, so both sides keep the same customer-service window).
"""

from __future__ import annotations

import secrets
import shutil
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import aiohttp
import xmltodict
import yaml
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pytest_aiohttp import AiohttpClient, AiohttpServer
from wechatpy.crypto import WeChatCrypto

from bot.app import create_app
from bot.channels.wechat.simulator import PushClient, PushResult, WeChatSimulator, sign
from bot.channels.wechat.simulator.push_xml import cdata
from bot.channels.wechat.simulator.server import PathAccessLogger
from bot.channels.wechat.staff_delivery import WeChatStaffDelivery
from bot.config import Settings
from bot.delivery import RoutedDelivery
from bot.services import Services, open_services
from bot.storage.keys import UserKey
from tests.bot.channels.wechat.simulated import APP_ID, APP_SECRET
from tests.paths import CONTENT_DIR
from tests.shipped import catalog_of

TOKEN = "liuzhou-access-token-0123"
SECRET_KEY = "s" * 48  # the service's key (speech workers started by the tests are given it too)
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # an EncodingAESKey is 43 characters
ACCOUNT = "gh_liuzhou_access"
STAFF_PASSWORD = "a-long-enough-password"
HOUR = 3600.0
StaffClient = TestClient[web.Request, None]  # a client of a running server, not of an app


class ShiftedClock:
    """Real time plus an offset that only grows: timestamps stay fresh, and a test can jump ahead."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@dataclass(frozen=True)
class SealedPush:
    """One push exactly as the platform would (re)deliver it: the same query and body every time."""

    query: dict[str, str]
    body: bytes


@dataclass
class WeChatService:
    services: Services
    simulator: WeChatSimulator
    clock: ShiftedClock
    server: TestServer
    http: aiohttp.ClientSession
    aiohttp_client: AiohttpClient

    @property
    def url(self) -> str:
        return str(self.server.make_url("/wechat"))

    def pushes(self, *, safe: bool = False, timeout: float = 5.0, retries: int = 3) -> PushClient:
        """A platform sending to ``/wechat``; in safe mode when ``safe``."""
        return PushClient(
            self.http,
            self.url,
            TOKEN,
            app_id=APP_ID,
            aes_key=AES_KEY if safe else None,
            account=ACCOUNT,
            simulator=self.simulator,
            timeout=timeout,
            retries=retries,
            clock=self.clock,
        )

    def sent_texts(self, openid: str) -> list[str]:
        """Customer-service texts the platform accepted for ``openid``, in order."""
        return [m.content or "" for m in self.simulator.sent if m.openid == openid and m.msgtype == "text"]

    def conversation_key(self, openid: str) -> str:
        return self.services.pipeline.conversations.key_for(UserKey("wechat", openid))

    @property
    def staff_delivery(self) -> WeChatStaffDelivery:
        delivery = self.services.delivery
        assert isinstance(delivery, RoutedDelivery)
        wechat = delivery.by_channel["wechat"]
        assert isinstance(wechat, WeChatStaffDelivery)
        return wechat

    async def staff(
        self, username: str = "wang.agent", *, role: str = "agent", teams: Sequence[str] = ("subsidy",)
    ) -> StaffClient:
        """A staff member's own HTTP client, logged in to the staff API."""
        await self.services.staff_users.add(username, STAFF_PASSWORD, role, list(teams))
        client: StaffClient = await self.aiohttp_client(self.server)
        response = await client.post("/staff/api/login", json={"username": username, "password": STAFF_PASSWORD})
        assert response.status == 200, await response.text()
        return client

    def seal(self, xml: str, *, safe: bool = False, timestamp: int | None = None) -> SealedPush:
        """Sign (and in safe mode encrypt) ``xml`` once, for posting as the same delivery several times.

        The simulator hears of the push once, here, as the platform counts one user message however
        often it redelivers it.
        """
        self._tell_simulator(xml)
        stamp = str(int(self.clock()) if timestamp is None else timestamp)
        nonce = str(secrets.randbelow(10**10))
        query = {"signature": sign(TOKEN, stamp, nonce), "timestamp": stamp, "nonce": nonce}
        body = xml
        if safe:
            sealed = xmltodict.parse(WeChatCrypto(TOKEN, AES_KEY, APP_ID).encrypt_message(xml, nonce, stamp))["xml"]
            body = f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><Encrypt>{cdata(sealed['Encrypt'])}</Encrypt></xml>"
            query |= {"encrypt_type": "aes", "msg_signature": str(sealed["MsgSignature"])}
        return SealedPush(query, body.encode())

    async def post(
        self, query: dict[str, str], body: bytes | AsyncIterator[bytes], headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        """POST to ``/wechat`` as given (an async iterator is sent chunked); the status and the body as text."""
        async with self.http.post(
            self.url, params=query, data=body, headers=headers or {"Content-Type": "text/xml"}
        ) as response:
            return response.status, (await response.read()).decode("utf-8", "replace")

    async def deliver(self, sealed: SealedPush) -> tuple[int, str]:
        return await self.post(sealed.query, sealed.body)

    def read_reply(self, answer: str, *, safe: bool = False) -> str | None:
        """The text of a passive reply to a ``deliver``ed push; None for ``success`` or nothing."""
        if answer.strip() in ("", "success"):
            return None
        fields = xmltodict.parse(answer)["xml"]
        if safe:
            crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
            plain = crypto.decrypt_message(answer, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"])
            fields = xmltodict.parse(plain)["xml"]
        assert fields["MsgType"] == "text", fields
        content: str = fields["Content"]
        return content

    async def converse(self, pushes: PushClient, openid: str, texts: Sequence[str]) -> list[str]:
        """Send ``texts`` one after the other; each answer, passive part first, then what came through the API."""
        answers = []
        for text in texts:
            before = len(self.sent_texts(openid))
            passive = passive_text(await pushes.push(pushes.text(openid, text)))
            await self.settle()
            parts = ([passive] if passive else []) + self.sent_texts(openid)[before:]
            assert parts, f"no answer to {text!r}"
            answers.append("\n\n".join(parts))
        return answers

    async def settle(self) -> None:
        """Wait for answers that are on their way through the customer-service API."""
        await self.services.wechat.drain()

    def _tell_simulator(self, xml: str) -> None:
        fields = xmltodict.parse(xml).get("xml")
        openid = fields.get("FromUserName") if isinstance(fields, dict) else None
        if not isinstance(openid, str) or not openid:
            return  # not a push the platform would count
        if fields["MsgType"] != "event":
            self.simulator.user_sent_message(openid)
            return
        event = fields["Event"].lower()
        if event == "subscribe":
            self.simulator.user_followed(openid)
        elif event == "unsubscribe":
            self.simulator.user_unsubscribed(openid)
        elif event in ("click", "scan", "scancode_push", "scancode_waitmsg"):
            self.simulator.user_clicked(openid)


def passive_text(result: PushResult) -> str | None:
    """The text of a passive reply, or None when the answer was ``success`` or empty."""
    assert result.status == 200, (result.status, result.body)
    assert result.reply_error is None, result.reply_error
    if result.reply is None:
        return None
    assert result.reply.get("MsgType") == "text", result.reply
    content: Any = result.reply.get("Content")
    assert isinstance(content, str)
    return content


@asynccontextmanager
async def running_service(
    aiohttp_server: AiohttpServer,
    aiohttp_client: AiohttpClient,
    *,
    redis_url: str,
    database_url: str,
    var_dir: Path,
    wechat_token: str | None = TOKEN,
    wechat_aes_key: str | None = AES_KEY,
    wechat_previous_aes_key: str | None = None,
    wechat_mode: str | None = "compatible",
    content_dir: Path = CONTENT_DIR,
    vosk_model: Path | None = None,
    speech_backend: Literal["pool", "stream"] = "pool",
    notify_residents: bool = False,
    metrics: bool = True,
    **simulator_options: Any,
) -> AsyncIterator[WeChatService]:
    """The service on a local port with the simulator as its WeChat API; ``simulator_options`` go to the simulator.

    Notices to residents (case claimed, resolved) are off unless asked for, so that tests counting the
    customer-service budget count only what they send themselves. With an AES key the service runs in
    compatible mode unless told otherwise (``wechat_mode=None``: the production default), so that one
    service takes both plaintext and sealed pushes."""
    clock = ShiftedClock()
    simulator = WeChatSimulator(APP_ID, APP_SECRET, clock=clock, **simulator_options)
    api_server = await aiohttp_server(simulator.app(), access_log_class=PathAccessLogger)
    settings = Settings(
        redis_url=redis_url,
        database_url=database_url,
        secret_key=SECRET_KEY,
        var_dir=var_dir,
        content_dir=content_dir,
        wechat_token=wechat_token,
        wechat_app_id=APP_ID,
        wechat_app_secret=APP_SECRET,
        wechat_api_base=str(api_server.make_url("")).rstrip("/"),
        wechat_aes_key=wechat_aes_key,
        wechat_previous_aes_key=wechat_previous_aes_key,
        wechat_mode=None if wechat_aes_key is None and wechat_mode == "compatible" else wechat_mode,
        vosk_model=vosk_model,
        speech_backend=speech_backend,
        notify_residents=notify_residents,
        metrics=metrics,
    )
    async with open_services(settings, catalog_of(content_dir)) as services:
        _share_clock(services, clock)
        server = await aiohttp_server(create_app(services))
        try:
            async with aiohttp.ClientSession() as http:
                yield WeChatService(services, simulator, clock, server, http, aiohttp_client)
                await services.wechat.drain()
        finally:
            await server.close()  # the app's background work ends while the stores are still open


def _share_clock(services: Services, clock: ShiftedClock) -> None:
    """Every part that reads the time for the channel reads ``clock``."""
    services.wechat.clock = clock
    services.pipeline.clock = clock
    if services.wechat.sender is not None:
        services.wechat.sender.clock = clock
    delivery = services.delivery
    assert isinstance(delivery, RoutedDelivery)
    staff_delivery = delivery.by_channel["wechat"]
    assert isinstance(staff_delivery, WeChatStaffDelivery)
    staff_delivery.clock = clock


def content_with_long_answers(destination: Path) -> Path:
    """A copy of the content whose living allowance lists enough documents to fill several messages."""
    shutil.copytree(CONTENT_DIR, destination)
    path = destination / "services" / "living-allowance.yaml"
    service = yaml.safe_load(path.read_text(encoding="utf-8"))
    note = service["next_steps"]["text"]
    # Each document short enough to be heard alone (content check: 80 characters), twelve of them together long.
    service["documents"] += [f"第{n}份补充说明的原件和复印件：{note[:60]}" for n in range(1, 13)]
    path.write_text(yaml.safe_dump(service, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return destination
