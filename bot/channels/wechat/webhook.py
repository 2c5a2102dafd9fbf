"""``/wechat``: URL verification and message pushes from the WeChat Official Account platform.

Order of checks on a push: configured → size → signature and timestamp (before the body is read as
XML) → the mode (``safe`` refuses plaintext, ``plain`` refuses sealed pushes) → safe-mode envelope and
its own signature → decryption → parsing. Every refusal is a short plain-text 4xx; nothing about the
body is echoed and no traceback ever leaves.

WeChat waits five seconds for an answer. The pipeline runs under a shorter deadline: an answer ready
in time goes back passively; otherwise the platform gets ``success`` at once and the answer follows
through the customer-service API. When Redis cannot be reached in time (down, or hung), the push is
answered at once with a kind "system busy" and nothing is done with it, so that saying it again later
works; every Redis call on the way is bounded.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web
from redis.asyncio import Redis
from redis.exceptions import RedisError
from wechatpy.crypto import WeChatCrypto
from wechatpy.replies import TextReply

from bot.channels.base import ChannelLimits, Incoming
from bot.channels.runner import TurnRunner
from bot.channels.wechat.arrival import Arrivals, Signed
from bot.channels.wechat.messages import MalformedPush, Push, parse_push, parse_xml
from bot.channels.wechat.queued_delivery import QueuedDelivery
from bot.channels.wechat.sender import WeChatSender
from bot.channels.wechat.signature import matches, sign
from bot.channels.wechat.texts import pack
from bot.channels.wechat.voice import VoiceIO
from bot.channels.wechat.window import MESSAGE_GRANT, MESSAGE_VALID, ContactWindow
from bot.observability import metrics
from bot.pipeline import Outcome, Pipeline
from bot.storage.keys import UserKey
from dialogs.events import InboundKind, Reply
from dialogs.validators.masking import mask_personal_numbers

log = logging.getLogger(__name__)

CHANNEL = "wechat"
MAX_BODY_BYTES = 64 * 1024
MAX_ECHOSTR = 256
SUCCESS = "success"
MEDIA_TYPES = frozenset({"amr", "speex", "silk", "mp3"})  # what voice pushes carry
MAX_TIMESTAMP_DIGITS = 12  # seconds since 1970 have ten digits until the year 2286
_FORGED = Outcome(replies=(), mode="text", failed=True)
# Redis answers in a millisecond when well; these bound how long a push waits on it when it is not.
ARRIVAL_TIMEOUT = 1.0
LATE_MARK_TIMEOUT = 0.5
# How long a ready answer waits for staff replies that waited for this push to go out first, keeping the
# whole answer within WeChat's five seconds.
QUEUED_FIRST_SECONDS = 1.0
_PLATFORM_PATIENCE = 4.5
_STORE_ERRORS = (RedisError, OSError, TimeoutError)

Mode = Literal["plain", "compatible", "safe"]


@dataclass
class WeChatSettings:
    token: str
    aes_key: str | None = None
    app_id: str | None = None
    previous_aes_key: str | None = None  # after the key is changed, pushes may still come sealed with the old one
    reply_deadline: float = 3.0  # well under WeChat's five seconds, leaving room for the network
    timestamp_tolerance: float = 300.0
    # The console's 消息加解密方式: plaintext only, both (compatible), or sealed only (safe).
    mode: Mode = "plain"
    busy_text: str = "系统忙，请稍后再发。"  # said when Redis cannot be reached in time


@dataclass
class WeChatChannel:
    """The WeChat adapter of the channel port (``bot.channels.base.Channel``) and everything the endpoint
    needs; the turn itself is run by ``runner``, which keeps the background deliveries."""

    settings: WeChatSettings | None
    pipeline: Pipeline
    redis: Redis
    window: ContactWindow
    sender: WeChatSender | None
    voice: VoiceIO | None = None
    runner: TurnRunner = field(default=None)  # type: ignore[assignment]  # made from ``pipeline`` when not given
    queued: QueuedDelivery | None = None  # staff replies waiting for the resident to write again
    clock: Callable[[], float] = time.time
    arrivals: Arrivals = field(init=False)

    def __post_init__(self) -> None:
        self.arrivals = Arrivals(self.redis, self.window)
        if self.runner is None:
            self.runner = TurnRunner(self.pipeline)

    _cryptos: tuple[tuple[str | None, ...], tuple[WeChatCrypto, ...]] | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return CHANNEL

    @property
    def limits(self) -> ChannelLimits:
        deadline = self.settings.reply_deadline if self.settings is not None else 3.0
        return ChannelLimits(
            deadline=deadline, window_hours=MESSAGE_VALID / 3600, quota=MESSAGE_GRANT, media_types=MEDIA_TYPES
        )

    @property
    def can_speak(self) -> bool:
        return self.voice is not None and self.voice.can_speak

    def pack(self, texts: list[str]) -> list[str]:
        return pack(texts)

    async def send_texts(self, user: str, texts: Sequence[str]) -> bool:
        if self.sender is None:
            log.warning("wechat answer not sent: API credentials (BOT_WECHAT_APP_ID, BOT_WECHAT_APP_SECRET) unset")
            return False
        report = await self.sender.send_texts(user, list(texts))
        if not report.complete:
            log.warning("wechat answer incomplete: %d of %d sent (%s)", report.sent, report.wanted, report.reason)
        return report.complete

    async def send_speech(self, user: str, replies: Sequence[Reply], rate: int) -> bool:
        if self.sender is None or self.voice is None:
            return False
        spoken = await self.voice.speak(self.sender, user, replies, rate)
        if not spoken.complete:
            log.info("spoken answer incomplete: %d of %d clips (%s)", spoken.sent, spoken.wanted, spoken.reason)
        return spoken.complete

    @property
    def tasks(self) -> set[asyncio.Task[Any]]:
        return self.runner.tasks

    def cryptos(self) -> tuple[WeChatCrypto, ...]:
        """Safe mode's keys, the current one first; none when safe mode is not configured."""
        settings = self.settings
        if settings is None or settings.aes_key is None or settings.app_id is None:
            return ()
        made = (settings.token, settings.aes_key, settings.previous_aes_key, settings.app_id)
        if self._cryptos is None or self._cryptos[0] != made:
            keys = [settings.aes_key]
            if settings.previous_aes_key not in (None, settings.aes_key):
                keys.append(settings.previous_aes_key)
            self._cryptos = (made, tuple(WeChatCrypto(settings.token, key, settings.app_id) for key in keys))
        return self._cryptos[1]

    async def drain(self, within: float | None = None) -> None:
        """Let deliveries already under way finish (at shutdown), for at most ``within`` seconds."""
        await self.runner.drain(within)


WECHAT = web.AppKey("wechat", WeChatChannel)


def _refuse(status: int, reason: str) -> web.Response:
    metrics.count_refused(status)
    return web.Response(status=status, text=reason, content_type="text/plain")


def _signed_request(channel: WeChatChannel, request: web.Request) -> web.Response | WeChatSettings:
    """The configured settings, or the refusal for an unconfigured endpoint or a bad signature."""
    settings = channel.settings
    if settings is None:
        return _refuse(503, "WeChat is not configured (BOT_WECHAT_TOKEN is unset)")
    query = request.query
    signature, timestamp, nonce = query.get("signature", ""), query.get("timestamp", ""), query.get("nonce", "")
    if not (signature and timestamp and nonce) or len(signature) > 64 or len(nonce) > 64:
        return _refuse(403, "missing or malformed signature")
    if not matches(sign(settings.token, timestamp, nonce), signature):
        log.warning("wechat push refused: wrong signature")
        return _refuse(403, "wrong signature")
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > MAX_TIMESTAMP_DIGITS:
        return _refuse(400, "malformed timestamp")
    age = abs(channel.clock() - int(timestamp))
    # The plaintext signature does not cover the body: a stale one may be a replay.
    if age > settings.timestamp_tolerance:
        log.warning("wechat push refused: timestamp %d s away", age)
        return _refuse(403, "stale timestamp")
    return settings


async def verify_url(request: web.Request) -> web.Response:
    checked = _signed_request(request.app[WECHAT], request)
    if isinstance(checked, web.Response):
        return checked
    echostr = request.query.get("echostr", "")
    if not echostr or len(echostr) > MAX_ECHOSTR:
        return _refuse(400, "missing echostr")
    return web.Response(text=echostr, content_type="text/plain")


async def receive_push(request: web.Request) -> web.Response:
    channel = request.app[WECHAT]
    checked = _signed_request(channel, request)
    if isinstance(checked, web.Response):
        return checked
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return _refuse(413, "body too large")
    raw = await _read_body(request)
    if raw is None:
        return _refuse(400, "body could not be read")
    if len(raw) > MAX_BODY_BYTES:
        return _refuse(413, "body too large")
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _refuse(400, "body is not UTF-8")

    sealed = request.query.get("encrypt_type", "raw").lower() == "aes"
    if sealed and checked.mode == "plain":
        return _refuse(403, "sealed pushes are refused in plain mode (BOT_WECHAT_MODE)")
    if not sealed and checked.mode == "safe":
        # A push URL seen in a log must not let anyone post plaintext as if it came from the platform.
        log.warning("wechat push refused: plaintext in safe mode")
        return _refuse(403, "plaintext pushes are refused in safe mode")
    sealed_with: WeChatCrypto | None = None
    if sealed:
        opened = _open_envelope(channel, request, body)
        if isinstance(opened, web.Response):
            return opened
        body, sealed_with = opened
    try:
        push = parse_push(body)
    except MalformedPush as error:
        log.warning("wechat push refused: %s", error)
        return _refuse(400, "malformed push")

    # The URL's signature does not cover the body: a captured one (even a sealed push's) must not carry
    # another message.
    signed = Signed(request.query["signature"], request.query["nonce"], raw)
    outcome = await _handle(channel, push, signed)
    if outcome is _FORGED:
        log.warning("wechat push refused: a used signature with another body")
        return _refuse(403, "signature already used")
    if outcome is None or not outcome.replies:
        return web.Response(text=SUCCESS, content_type="text/plain")
    # Only a sealed reply is private to the platform; a plaintext one carries no personal numbers
    # unless the operator chose plaintext mode for the whole account.
    masked = sealed_with is None and checked.mode != "plain"
    metrics.count_answer("passive")
    return _passive_reply(channel, request, push, outcome, sealed_with=sealed_with, masked=masked)


async def _read_body(request: web.Request) -> bytes | None:
    """The whole body, however many pieces it arrives in, stopping one byte past the limit."""
    chunks: list[bytes] = []
    size = 0
    try:
        while size <= MAX_BODY_BYTES:
            chunk = await request.content.read(MAX_BODY_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except (OSError, asyncio.IncompleteReadError):
        return None
    return b"".join(chunks)


def _open_envelope(channel: WeChatChannel, request: web.Request, body: str) -> tuple[str, WeChatCrypto] | web.Response:
    """The plaintext and the key that opened it (the reply is sealed with the same), or the refusal."""
    cryptos = channel.cryptos()
    settings = channel.settings
    assert settings is not None
    if not cryptos:
        return _refuse(400, "safe mode is not configured (BOT_WECHAT_AES_KEY and BOT_WECHAT_APP_ID)")
    try:
        envelope = parse_xml(body)
    except MalformedPush:
        return _refuse(400, "malformed envelope")
    encrypt = envelope.get("Encrypt")
    msg_signature = request.query.get("msg_signature", "")
    timestamp, nonce = request.query["timestamp"], request.query["nonce"]
    if not isinstance(encrypt, str) or not msg_signature:
        return _refuse(400, "malformed envelope")
    if not matches(sign(settings.token, timestamp, nonce, encrypt), msg_signature):
        log.warning("wechat push refused: wrong msg_signature")
        return _refuse(403, "wrong msg_signature")
    failure = ""
    for crypto in cryptos:
        try:
            # The envelope as parsed here: wechatpy would parse the body a second time.
            return str(crypto.decrypt_message(envelope, msg_signature, timestamp, nonce)), crypto
        except Exception as error:  # wechatpy raises several types here, for bad padding, keys and AppIDs
            failure = type(error).__name__
    log.warning("wechat push refused: cannot decrypt with any configured key (%s)", failure)
    return _refuse(400, "cannot decrypt")


def _inbound(push: Push) -> tuple[InboundKind, str] | None:
    """What the dialog core should see for a push, or None for pushes that need no answer."""
    if push.kind == "text":
        return "text", push.content
    if push.kind == "voice":
        # WeChat's own recognition, when it still comes, is a usable first guess.
        return ("text", push.recognition) if push.recognition else ("voice", "")
    if push.kind == "event":
        event = push.event.lower()
        if event == "subscribe":
            return "subscribe", ""
        if event == "click":
            key = push.event_key
            return ("choose", key.removeprefix("service:")) if key.startswith("service:") else ("text", key)
        return None  # unsubscribe, VIEW, SCAN, LOCATION, template reports…: nothing to say
    return "unsupported", ""  # image, video, location, link, file, and types WeChat may add


async def _handle(channel: WeChatChannel, push: Push, signed: Signed) -> Outcome | None:
    settings = channel.settings
    assert settings is not None
    now = channel.clock()
    event = push.event.lower()
    if push.kind == "event" and event == "unsubscribe":
        # Nothing is deleted: the conversation and any application wait for the person to come back.
        try:
            async with asyncio.timeout(ARRIVAL_TIMEOUT):
                await channel.window.close(push.openid)
        except _STORE_ERRORS as error:
            log.warning("wechat unsubscribe not recorded: Redis unavailable (%s)", type(error).__name__)
        metrics.count_push(push.kind, "ignored")
        return None
    grant: Literal["message", "event", "none"] = "message" if push.kind != "event" else "none"
    if event in ("subscribe", "click", "scan", "scancode_push", "scancode_waitmsg"):
        grant = "event"
    # Whether staff replies wait for the person is read with the arrival: most pushes then need no more.
    marker = channel.queued.marker_key(push.openid) if channel.queued is not None and grant != "none" else None
    try:
        async with asyncio.timeout(ARRIVAL_TIMEOUT):
            arrival = await channel.arrivals.record(push.openid, push.dedup_id, grant, now, signed, peek=marker)
    except _STORE_ERRORS as error:
        log.warning("wechat push answered busy: Redis unavailable (%s)", type(error).__name__)
        metrics.count_push(push.kind, "busy")
        return _busy(settings)
    if arrival.forged:
        metrics.count_push(push.kind, "forged")
        return _FORGED
    waiting = marker is None or arrival.peeked is not None  # without the marker read, flush asks itself
    flushing = (
        _flush_queued(channel, push.openid, arrival.peeked) if arrival.first and grant != "none" and waiting else None
    )
    inbound = _inbound(push)
    if inbound is None or arrival.answered_late:
        metrics.count_push(push.kind, "ignored" if inbound is None else "retry")
        return None
    kind, text = inbound
    voice = channel.voice
    hears = voice is not None and (voice.can_listen or voice.keeps_audio)
    transcriber = voice.transcriber(push) if push.kind == "voice" and voice is not None and hears else None
    runner = channel.runner
    task = runner.start(Incoming(UserKey(CHANNEL, push.openid), push.dedup_id, kind, text, transcriber))
    # Waiting does not cancel the work: past the deadline it goes on, and its answer goes through the API.
    outcome = await runner.race(task, settings.reply_deadline)
    if outcome is not None:
        if flushing is not None:  # staff replies that waited for this push reach the resident first
            await asyncio.wait((flushing,), timeout=_queued_wait(settings))
        metrics.count_push(push.kind, "failed" if outcome.failed else "answered")
        return outcome
    try:
        async with asyncio.timeout(LATE_MARK_TIMEOUT):
            await channel.arrivals.answered_late(push.openid, push.dedup_id)
    except _STORE_ERRORS as error:
        # Redis is down or hung: the late answer could not be sent either. Stop the work, so that nothing
        # is half done, and say so now; a request it had already filed is told by the case notices.
        runner.abandon(task)
        log.warning("wechat push answered busy: Redis unavailable past the deadline (%s)", type(error).__name__)
        metrics.count_push(push.kind, "busy")
        return _busy(settings)
    runner.deliver_later(channel, push.openid, task)
    metrics.count_push(push.kind, "late")
    log.info("wechat answer goes through the API: deadline passed")
    return None


def _busy(settings: WeChatSettings) -> Outcome:
    return Outcome(replies=(Reply(settings.busy_text),), mode="text", failed=True)


def _queued_wait(settings: WeChatSettings) -> float:
    return max(0.0, min(QUEUED_FIRST_SECONDS, _PLATFORM_PATIENCE - settings.reply_deadline))


def _flush_queued(channel: WeChatChannel, openid: str, seen: bytes | None) -> asyncio.Future[int] | None:
    """Staff replies waiting for this resident go out now, within the window this push opened."""
    if channel.queued is None:
        return None
    task = asyncio.ensure_future(channel.queued.flush(openid, seen))
    channel.runner.tasks.add(task)
    task.add_done_callback(channel.runner.tasks.discard)
    return task


def _passive_reply(
    channel: WeChatChannel,
    request: web.Request,
    push: Push,
    outcome: Outcome,
    *,
    sealed_with: WeChatCrypto | None,
    masked: bool,
) -> web.Response:
    first = channel.runner.answer_now(channel, push.openid, outcome)[0]
    passive = mask_personal_numbers(first) if masked else first
    xml = TextReply(source=push.account, target=push.openid, content=passive).render()
    if sealed_with is not None:  # the reply is sealed with the key the push came sealed with
        nonce = request.query.get("nonce") or secrets.token_hex(8)
        xml = sealed_with.encrypt_message(xml, nonce, str(int(channel.clock())))
    return web.Response(text=xml, content_type="application/xml")


def add_routes(app: web.Application, channel: WeChatChannel) -> None:
    app[WECHAT] = channel
    app.router.add_get("/wechat", verify_url, allow_head=False)
    app.router.add_post("/wechat", receive_push)
