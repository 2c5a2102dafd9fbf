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

from aiohttp import hdrs, web
from jinja2 import Environment
from sqlalchemy.exc import SQLAlchemyError

from bot.cases.errors import CaseError
from bot.cases.store import CaseStore
from bot.channels.base import Incoming
from bot.channels.runner import TurnRunner
from bot.channels.web.channel import CHANNEL, MAX_TEXT_CHARS, WebChannel
from bot.channels.web.identity import COOKIE, MAX_AGE_SECONDS, Identity
from bot.channels.web.limits import MESSAGES, RESUME, RateLimits
from bot.channels.web.texts import WebTexts
from bot.channels.web.transcript import Entry, Transcript
from bot.outbox import Outbox
from bot.staff.origin import is_cross_origin
from bot.storage.keys import UserKey

log = logging.getLogger(__name__)

USER_KEY = web.RequestKey("web_chat_user", str)
NEW_USER_KEY = web.RequestKey("web_chat_new_user", bool)
LIVE_POLL_SECONDS = 1.5
HEARTBEAT_SECONDS = 20.0
_MESSAGE_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


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


CHAT = web.AppKey("web_chat", WebChat)


class Refused(Exception):
    """A post that cannot be taken: answered with the page and a plain sentence (or that sentence as JSON)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


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
    )
    return web.Response(text=html, status=status, content_type="text/html")


async def index(request: web.Request) -> web.Response:
    return await render_page(request)


async def _checked_form(request: web.Request) -> dict[str, str]:
    """The posted fields, once the post is known to come from our own page."""
    chat = request.app[CHAT]
    form = await request.post()
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
    chat = request.app[CHAT]
    user = user_of(request)
    form = await _checked_form(request)
    text = form.get("text", "").strip()
    if not text:
        raise Refused(400, chat.texts.empty)
    if len(text) > MAX_TEXT_CHARS:
        raise Refused(400, chat.texts.too_long)
    if not await chat.limits.allow("message", MESSAGES, user, _address(request)):
        raise Refused(429, chat.texts.rate_limited)
    message_id = form.get("message_id", "")
    if not _MESSAGE_ID.match(message_id):
        message_id = secrets.token_urlsafe(12)
    runner = chat.runner
    # The same form sent twice (a double click, a reload) carries the same id: handled once.
    task = runner.start(Incoming(UserKey(CHANNEL, user), f"web:{message_id}", "text", text))
    outcome = await runner.race(task, chat.channel.limits.deadline)
    now = chat.channel.clock()
    notice = ""
    if outcome is None:
        added = await chat.transcript.add(user, "resident", [text], now)
        runner.deliver_later(chat.channel, user, task)
        notice = chat.texts.late
    elif outcome.duplicate:
        added = []
    else:
        added = await chat.transcript.add(user, "resident", [text], now)
        answers = runner.answer_now(chat.channel, user, outcome, carry=None)
        added += await chat.transcript.add(user, "bot", answers, now)
    if wants_json(request):
        return web.json_response(
            {"entries": [e.to_dict() for e in added], "notice": notice, "message_id": secrets.token_urlsafe(12)}
        )
    return see_latest()


def see_latest() -> web.Response:
    """After a form post without JavaScript: back to the page, at its newest message."""
    return web.Response(status=303, headers={hdrs.LOCATION: "/chat/#latest"})


async def resume(request: web.Request) -> web.StreamResponse:
    """Pick a web conversation up on this device: its case number and the last 4 digits of its phone."""
    chat = request.app[CHAT]
    form = await _checked_form(request)
    if not await chat.limits.allow("resume", RESUME, user_of(request), _address(request)):
        raise Refused(429, chat.texts.resume_limited)
    number, digits = form.get("case", "").strip(), form.get("phone4", "").strip()
    owner = await _owner(chat, number, digits)
    if owner is None:
        raise Refused(400, chat.texts.resume_failed)
    await chat.transcript.add(owner, "bot", [chat.texts.resumed], chat.channel.clock())
    response = see_latest()
    set_cookie(request, response, chat.identity.cookie_value(owner))
    return response


async def _owner(chat: WebChat, number: str, digits: str) -> str | None:
    """The web resident behind a case whose phone (or the proxy's) ends in ``digits``."""
    if not (number.isascii() and number.isdigit() and len(number) <= 12):
        return None
    if not (digits.isascii() and digits.isdigit() and len(digits) == 4):
        return None
    try:
        channel, _user = await chat.cases.contact_of(int(number))
        if channel != CHANNEL:
            return None
        case = await chat.cases.get(int(number), actor="resident:web-resume")
    except CaseError:
        return None
    phones = [case.contact_phone or "", case.proxy.phone if case.proxy is not None else ""]
    return case.user_ref if any(phone.endswith(digits) for phone in phones if phone) else None


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
    quiet = 0.0
    try:
        while not chat.closing.is_set():
            await collect_staff_messages(chat, user)
            for entry in await chat.transcript.since(user, after):
                payload = json.dumps(entry.to_dict(), ensure_ascii=False)
                await response.write(f"id: {entry.n}\nevent: entry\ndata: {payload}\n\n".encode())
                after = entry.n
                quiet = 0.0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(chat.closing.wait(), LIVE_POLL_SECONDS)
            quiet += LIVE_POLL_SECONDS
            if quiet >= HEARTBEAT_SECONDS:
                quiet = 0.0
                await response.write(b": still here\n\n")
    except (ConnectionResetError, RuntimeError):
        return response
    with contextlib.suppress(ConnectionResetError, RuntimeError):
        await response.write_eof()
    return response


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
    return await render_page(request, status=error.status, message=error.message)
