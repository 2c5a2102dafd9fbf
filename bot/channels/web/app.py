"""``/chat/``: the resident web chat, an aiohttp sub-application with its own cookie, CSRF and CSP."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import hdrs, web
from jinja2 import Environment

from bot.channels.web import pages
from bot.channels.web.identity import COOKIE
from bot.channels.web.pages import CHAT, NEW_USER_KEY, USER_KEY, Refused, WebChat
from bot.templating import html_templates

log = logging.getLogger(__name__)

_HERE = Path(__file__).parent
_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# No inline script or style: every script and style sheet is a file the service serves.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def templates() -> Environment:
    return html_templates(_HERE / "templates")


@web.middleware
async def _resident(request: web.Request, handler: _Handler) -> web.StreamResponse:
    """Every request knows its resident: the signed cookie's, or a new anonymous one the answer sets."""
    chat = request.app[CHAT]
    known = chat.identity.read(request.cookies.get(COOKIE))
    request[USER_KEY] = known or chat.identity.new_user()
    request[NEW_USER_KEY] = known is None
    try:
        response = await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        # Too big a post is the resident's to shorten; anything else is ours.
        message = chat.texts.too_long if error.status == 413 else chat.texts.error
        response = await pages.render_page(request, status=error.status, message=message)
    except Refused as error:
        response = await pages.refusal_response(request, error)
    except Exception:
        log.exception("web chat: unexpected error in %s %s", request.method, request.path)
        response = web.Response(status=500, text=chat.texts.error, content_type="text/plain")
    if not response.prepared:
        response.headers.update(SECURITY_HEADERS)
        response.headers.setdefault(hdrs.CACHE_CONTROL, "no-store")
        if known is None and COOKIE not in response.cookies:
            pages.set_cookie(request, response, chat.identity.cookie_value(request[USER_KEY]))
    return response


def create_chat_app(chat: WebChat) -> web.Application:
    """Mount with ``app.add_subapp("/chat", create_chat_app(chat))``."""
    app = web.Application(middlewares=[_resident], client_max_size=64 * 1024)
    app[CHAT] = chat

    async def stop_streams(_app: web.Application) -> None:
        chat.closing.set()
        chat.live.wake_everyone()

    app.on_shutdown.append(stop_streams)
    app.router.add_routes(
        [
            web.get("/", pages.index, allow_head=False),
            web.post("/send", pages.send),
            web.post("/resume", pages.resume),
            web.post("/voice", pages.voice),
            web.get("/audio/{name}", pages.audio_clip, allow_head=False),
            web.get("/events", pages.events, allow_head=False),
        ]
    )
    app.router.add_static("/static", _HERE / "static", append_version=False)
    return app
