"""The web chat's pages: the conversation, sending a message, picking a conversation up, live updates.

Without JavaScript every form posts and the page is drawn again; with it, ``chat.js`` posts the same
forms with ``Accept: application/json`` and adds the answers to the log in place, and live updates
(late answers, staff replies, notices) arrive over Server-Sent Events at ``/chat/events``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import secrets
from dataclasses import dataclass

from aiohttp import BodyPartReader, hdrs, web
from jinja2 import Environment
from sqlalchemy.exc import SQLAlchemyError

from bot.cases.errors import CaseError
from bot.cases.store import CaseStore
from bot.channels.base import Incoming
from bot.channels.runner import TurnRunner, plan
from bot.channels.web.channel import CHANNEL, MAX_TEXT_CHARS, WebChannel
from bot.channels.web.identity import COOKIE, MAX_AGE_SECONDS, Identity
from bot.channels.web.limits import AUDIO, MESSAGES, RESUME, RESUME_PER_CASE, RateLimits
from bot.channels.web.live import Bell, LivePages
from bot.channels.web.texts import WebTexts
from bot.channels.web.transcript import Entry, Transcript
from bot.channels.web.voice import MAX_AUDIO_BYTES, WebVoice
from bot.observability import metrics
from bot.outbox import Outbox
from bot.staff.origin import is_cross_origin
from bot.storage.keys import UserKey

log = logging.getLogger(__name__)

USER_KEY = web.RequestKey("web_chat_user", str)
NEW_USER_KEY = web.RequestKey("web_chat_new_user", bool)
# A streaming page is woken when its conversation has something new; at each heartbeat it also looks
# again (a wake-up lost with a Redis hiccup costs at most this long) and says it is still open.
HEARTBEAT_SECONDS = 20.0
# aiohttp does not end a handler when its client goes (the server runs without handler cancellation), so a
# streaming page looks this often whether its connection closed: staff are then told at once that a reply
# waits for the resident's next visit, instead of "shows at once" for up to a heartbeat.
CONNECTION_CHECK_SECONDS = 1.0
_MESSAGE_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# What aiohttp raises for a body that is not a well-formed form: answered as a refused post, not a 500.
_MALFORMED = (ValueError, AssertionError, KeyError, LookupError, UnicodeError)
_MAX_CASE_NUMBER = 2**31 - 1


@dataclass
class WebChat:
    identity: Identity
    transcript: Transcript
    limits: RateLimits
    channel: WebChannel
    runner: TurnRunner
    outbox: Outbox
    cases: CaseStore
    texts: WebTexts
    templates: Environment
    closing: asyncio.Event
    live: LivePages
    voice: WebVoice | None = None


CHAT = web.AppKey("web_chat", WebChat)


class Refused(Exception):
    """A post that cannot be taken: answered with the page and a plain sentence (or that sentence as JSON)."""

    def __init__(self, status: int, message: str, *, resuming: bool = False, draft: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.resuming = resuming  # the form to pick a conversation up is shown open again
        self.draft = draft  # what the resident wrote stays in the box, to send again


def user_of(request: web.Request) -> str:
    return request[USER_KEY]


def wants_json(request: web.Request) -> bool:
    return "application/json" in request.headers.get(hdrs.ACCEPT, "")


async def collect_staff_messages(chat: WebChat, user: str) -> None:
    """Move staff replies and notices waiting in the outbox into the resident's transcript."""
    try:
        waiting = await chat.outbox.collect(UserKey(CHANNEL, user))
    except (SQLAlchemyError, OSError) as error:  # they wait in the outbox until the database answers
        log.warning("web chat: staff replies not read: %s", type(error).__name__)
        return
    await chat.transcript.add(user, "staff", waiting, chat.channel.clock())


async def render_page(
    request: web.Request, *, status: int = 200, message: str = "", draft: str = "", focus_resume: bool = False
) -> web.Response:
    chat = request.app[CHAT]
    user = user_of(request)
    entries: list[Entry] = []
    if not request[NEW_USER_KEY]:
        await collect_staff_messages(chat, user)
        entries = await chat.transcript.since(user)
    html = chat.templates.get_template("chat.html").render(
        entries=entries,
        last=entries[-1].n if entries else 0,
        csrf=chat.identity.csrf(user),
        message_id=secrets.token_urlsafe(12),
        message=message,
        draft=draft,
        max_chars=MAX_TEXT_CHARS,
        focus_resume=focus_resume,
        can_record=chat.voice is not None and chat.voice.can_listen,
    )
    return web.Response(text=html, status=status, content_type="text/html")


async def index(request: web.Request) -> web.Response:
    return await render_page(request)


async def _checked_form(request: web.Request) -> dict[str, str]:
    """The posted fields, once the post is known to come from our own page."""
    chat = request.app[CHAT]
    try:
        form = await request.post()
    except _MALFORMED:  # not what our page sends: a broken encoding, a multipart body without its boundary
        raise Refused(400, chat.texts.expired) from None
    sent = form.get("csrf")
    if (
        is_cross_origin(request)
        or request[NEW_USER_KEY]
        or not isinstance(sent, str)
        or not chat.identity.csrf_matches(user_of(request), sent)
    ):
        raise Refused(403, chat.texts.expired)
    return {name: value for name, value in form.items() if isinstance(value, str)}


def _address(request: web.Request) -> str:
    return request.remote or "unknown"


async def send(request: web.Request) -> web.StreamResponse:
    try:
        return await _send(request)
    except Refused:
        metrics.count_web_message("text", "refused")
        raise


async def _send(request: web.Request) -> web.StreamResponse:
    chat = request.app[CHAT]
    user = user_of(request)
    form = await _checked_form(request)
    text = form.get("text", "").strip()
    if not text:
        raise Refused(400, chat.texts.empty)
    if len(text) > MAX_TEXT_CHARS:
        raise Refused(400, chat.texts.too_long, draft=text)
    if not await chat.limits.allow("message", MESSAGES, user, _address(request)):
        raise Refused(429, chat.texts.rate_limited, draft=text)
    incoming = Incoming(UserKey(CHANNEL, user), _message_id(form), "text", text)
    return await _take_turn(request, incoming, shown=text)


def _message_id(form: dict[str, str]) -> str:
    # The same form sent twice (a double click, a reload) carries the same id: handled once.
    message_id = form.get("message_id", "")
    return f"web:{message_id}" if _MESSAGE_ID.match(message_id) else f"web:{secrets.token_urlsafe(12)}"


async def _take_turn(request: web.Request, incoming: Incoming, *, shown: str) -> web.Response:
    """Run the turn; the page (or chat.js) gets what the resident said and every answer ready in time."""
    chat = request.app[CHAT]
    user = incoming.key.user_id
    runner = chat.runner
    task = runner.start(incoming)
    outcome = await runner.race(task, chat.channel.limits.deadline)
    now = chat.channel.clock()
    notice = ""
    if outcome is None:
        added = await chat.transcript.add(user, "resident", [shown], now)
        runner.deliver_later(chat.channel, user, task)
        notice = chat.texts.late
        metrics.count_web_message(incoming.kind, "late")
    elif outcome.duplicate:
        added = []
        metrics.count_web_message(incoming.kind, "repeat")
    else:
        metrics.count_web_message(incoming.kind, "failed" if outcome.failed else "answered")
        metrics.count_answer("page", CHANNEL)
        answers = plan(outcome, chat.channel).texts
        added = await chat.transcript.append(user, [("resident", shown), *(("bot", text) for text in answers)], now)
        # After the words are on the page: the speech (for voice residents) comes after them.
        runner.answer_now(chat.channel, user, outcome, carry=None)
    if wants_json(request):
        return web.json_response(
            {"entries": [e.to_dict() for e in added], "notice": notice, "message_id": secrets.token_urlsafe(12)}
        )
    return see_latest()


def see_latest() -> web.Response:
    """After a form post without JavaScript: back to the page, at its newest message."""
    return web.Response(status=303, headers={hdrs.LOCATION: "/chat/#latest"})


async def voice(request: web.Request) -> web.Response:
    """A recording from the page's microphone button: recognised like a WeChat voice message."""
    try:
        return await _voice(request)
    except Refused:
        metrics.count_web_message("voice", "refused")
        raise


async def _voice(request: web.Request) -> web.Response:
    chat = request.app[CHAT]
    user = user_of(request)
    fields, audio = await _voice_form(request, chat)
    if not fields.get("csrf") or is_cross_origin(request) or request[NEW_USER_KEY]:
        raise Refused(403, chat.texts.expired)
    if not chat.identity.csrf_matches(user, fields["csrf"]):
        raise Refused(403, chat.texts.expired)
    if not await chat.limits.allow("audio", AUDIO, user, _address(request)):
        raise Refused(429, chat.texts.rate_limited)
    if not audio:
        raise Refused(400, chat.texts.no_audio)
    listener = chat.voice.transcriber(audio) if chat.voice is not None and chat.voice.can_listen else None
    incoming = Incoming(UserKey(CHANNEL, user), _message_id(fields), "voice", "", listener)
    return await _take_turn(request, incoming, shown=chat.texts.voice_message)


async def _voice_form(request: web.Request, chat: WebChat) -> tuple[dict[str, str], bytes]:
    """The small fields and the recording of a multipart post, refusing a recording over the limit."""
    try:
        return await _read_voice_form(request, chat)
    except _MALFORMED:
        raise Refused(400, chat.texts.no_audio) from None


async def _read_voice_form(request: web.Request, chat: WebChat) -> tuple[dict[str, str], bytes]:
    fields: dict[str, str] = {}
    audio = b""
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        if part.name == "audio":
            chunks = []
            size = 0
            while chunk := await part.read_chunk():
                size += len(chunk)
                if size > MAX_AUDIO_BYTES:
                    raise Refused(413, chat.texts.audio_too_long)
                chunks.append(chunk)
            audio = b"".join(chunks)
        elif part.name in ("csrf", "message_id"):
            fields[part.name] = (await part.read(decode=True))[:200].decode("utf-8", "replace")
    return fields, audio


async def audio_clip(request: web.Request) -> web.Response:
    """A spoken answer, to its own resident only."""
    chat = request.app[CHAT]
    clip = None if chat.voice is None else await chat.voice.clip(user_of(request), request.match_info["name"])
    if clip is None:
        raise web.HTTPNotFound()
    return web.Response(body=clip, content_type="audio/mpeg", headers={hdrs.CACHE_CONTROL: "private, max-age=3600"})


async def resume(request: web.Request) -> web.StreamResponse:
    """Pick a web conversation up on this device: its case number and the last 4 digits of its phone."""
    chat = request.app[CHAT]
    form = await _checked_form(request)
    if not await chat.limits.allow("resume", RESUME, user_of(request), _address(request)):
        raise Refused(429, chat.texts.resume_limited, resuming=True)
    number, digits = form.get("case", "").strip(), form.get("phone4", "").strip()
    well_formed = _case_number(number) is not None
    if well_formed and not await chat.limits.allow_on("resume-case", str(int(number)), RESUME_PER_CASE, 3600):
        raise Refused(429, chat.texts.resume_limited, resuming=True)
    owner = await _owner(chat, number, digits)
    if owner is None:
        raise Refused(400, chat.texts.resume_failed, resuming=True)
    await chat.transcript.add(owner, "bot", [chat.texts.resumed], chat.channel.clock())
    response = see_latest()
    set_cookie(request, response, chat.identity.cookie_value(owner))
    return response


async def _owner(chat: WebChat, number: str, digits: str) -> str | None:
    """The web resident behind a case whose phone (or the proxy's) ends in ``digits``."""
    case_id = _case_number(number)
    if case_id is None:
        return None
    if not (digits.isascii() and digits.isdigit() and len(digits) == 4):
        return None
    try:
        channel, _user = await chat.cases.contact_of(case_id)
        if channel != CHANNEL:
            return None
        case = await chat.cases.get(case_id, actor="resident:web-resume")
    except CaseError:
        return None
    phones = [case.contact_phone or "", case.proxy.phone if case.proxy is not None else ""]
    return case.user_ref if any(phone.endswith(digits) for phone in phones if phone) else None


def _case_number(number: str) -> int | None:
    """A case number as residents write it, within what the case table can hold (else None)."""
    if not (number.isascii() and number.isdigit() and len(number) <= 10):
        return None
    value = int(number)
    return value if 1 <= value <= _MAX_CASE_NUMBER else None


async def events(request: web.Request) -> web.StreamResponse:
    """New entries of this resident's conversation, as they come: late answers, staff replies, notices."""
    chat = request.app[CHAT]
    user = user_of(request)
    if request[NEW_USER_KEY]:
        raise web.HTTPForbidden(text="no conversation")
    after = _after(request.headers.get("Last-Event-ID") or request.query.get("after", "0"))
    response = web.StreamResponse(headers={hdrs.CONTENT_TYPE: "text/event-stream", hdrs.CACHE_CONTROL: "no-store"})
    await response.prepare(request)
    await response.write(b"retry: 3000\n\n")
    try:
        # Listening before the first look: what comes while it looks wakes it again, so nothing is lost.
        async with chat.live.watch(user) as bell:
            while not chat.closing.is_set():
                await collect_staff_messages(chat, user)
                for entry in await chat.transcript.since(user, after):
                    payload = json.dumps(entry.to_dict(), ensure_ascii=False)
                    await response.write(f"id: {entry.n}\nevent: entry\ndata: {payload}\n\n".encode())
                    after = entry.n
                if chat.closing.is_set():
                    break
                woken = await _wait_while_connected(request, bell)
                if woken is None:
                    break  # the page is gone: leaving ``watch`` clears its open mark
                if not woken:
                    await response.write(b": still here\n\n")
                    await chat.live.still_here(bell)
    except (ConnectionResetError, RuntimeError):
        return response
    with contextlib.suppress(ConnectionResetError, RuntimeError):
        await response.write_eof()
    return response


async def _wait_while_connected(request: web.Request, bell: Bell) -> bool | None:
    """True when ``bell`` rang, False after a quiet heartbeat, None as soon as the page's connection closed."""
    deadline = asyncio.get_running_loop().time() + HEARTBEAT_SECONDS
    while not _disconnected(request):
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            return False
        if await bell.wait(min(CONNECTION_CHECK_SECONDS, left)):
            return True
    return None


def _disconnected(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


def _after(value: str) -> int:
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else 0


def set_cookie(request: web.Request, response: web.StreamResponse, value: str) -> None:
    response.set_cookie(
        COOKIE,
        value,
        path="/chat",
        max_age=MAX_AGE_SECONDS,
        httponly=True,
        samesite="Lax",
        secure=request.secure,
    )


async def refusal_response(request: web.Request, error: Refused) -> web.Response:
    if wants_json(request):
        return web.json_response({"error": {"message": error.message}}, status=error.status)
    return await render_page(
        request, status=error.status, message=error.message, draft=error.draft, focus_resume=error.resuming
    )
