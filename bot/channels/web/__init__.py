"""The resident web chat at ``/chat/``: a second channel on the same port and turn runner as WeChat."""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.channels.web.app import create_chat_app
from bot.channels.web.channel import WebChannel
from bot.channels.web.identity import Identity
from bot.channels.web.limits import RateLimits
from bot.channels.web.pages import WebChat
from bot.channels.web.texts import load_web_texts
from bot.channels.web.transcript import Transcript
from bot.security.crypto import Cipher
from bot.security.secret import load_or_create_secret
from bot.services import Services

__all__ = ["add_chat", "build_web_chat", "create_chat_app"]


def build_web_chat(services: Services) -> WebChat:
    from bot.channels.web.app import templates

    settings = services.settings
    secret = load_or_create_secret(settings)[0]
    transcript = Transcript(services.redis, Cipher(secret), settings.state_ttl_days * 24 * 3600)
    return WebChat(
        identity=Identity(secret.encode("utf-8")),
        transcript=transcript,
        limits=RateLimits(services.redis),
        channel=WebChannel(transcript),
        runner=services.runner,
        outbox=services.outbox,
        cases=services.cases,
        texts=load_web_texts(settings.effective_content_dir),
        templates=templates(),
        closing=asyncio.Event(),
    )


async def _to_chat(_request: web.Request) -> web.Response:
    return web.Response(status=308, headers={"Location": "/chat/"})


def add_chat(app: web.Application, services: Services) -> None:
    """Mount the web chat at ``/chat/`` (and send ``/chat`` there)."""
    app.router.add_get("/chat", _to_chat, allow_head=False)
    app.add_subapp("/chat", create_chat_app(build_web_chat(services)))
