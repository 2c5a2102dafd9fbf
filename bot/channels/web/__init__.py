"""The resident web chat at ``/chat/``: a second channel on the same port and turn runner as WeChat."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from aiohttp import web

from bot.channels.web.app import create_chat_app
from bot.channels.web.channel import WebChannel
from bot.channels.web.identity import Identity
from bot.channels.web.limits import RateLimits
from bot.channels.web.pages import WebChat
from bot.channels.web.texts import load_web_texts
from bot.channels.web.transcript import Transcript
from bot.channels.web.voice import WebVoice
from bot.security.crypto import Cipher
from bot.security.secret import load_or_create_secret
from speech.speaking import LocalClips
from speech.tts import Synthesizer, TtsError

if TYPE_CHECKING:  # bot.services builds this package's delivery: no import back at run time
    from bot.services import Services

log = logging.getLogger(__name__)

__all__ = ["WEB_CHAT", "add_chat", "build_web_chat", "create_chat_app"]


def build_web_chat(services: Services) -> WebChat:
    from bot.channels.web.app import templates

    settings = services.settings
    secret = load_or_create_secret(settings)[0]
    cipher = Cipher(secret)
    transcript = Transcript(
        services.redis, cipher, settings.state_ttl_days * 24 * 3600, on_added=services.web_live.ring
    )
    texts = load_web_texts(settings.effective_content_dir)
    wechat_voice = services.wechat.voice
    # Web clips are MP3 made in this process; the WeChat side's local synthesizer is shared when it has one.
    speaker = wechat_voice.speaker if wechat_voice is not None else None
    synthesizer = speaker.synthesizer if isinstance(speaker, LocalClips) else None
    if synthesizer is None:
        try:
            synthesizer = Synthesizer()
        except TtsError as error:
            log.warning("spoken answers in the web chat are off: %s", error)
    voice = WebVoice(services.redis, cipher, services.speech, synthesizer)
    return WebChat(
        identity=Identity(secret.encode("utf-8")),
        transcript=transcript,
        limits=RateLimits(services.redis),
        channel=WebChannel(transcript, voice=voice, spoken_label=texts.spoken),
        runner=services.runner,
        outbox=services.outbox,
        cases=services.cases,
        texts=texts,
        templates=templates(),
        closing=asyncio.Event(),
        live=services.web_live,
        voice=voice,
    )


async def _to_chat(_request: web.Request) -> web.Response:
    return web.Response(status=308, headers={"Location": "/chat/"})


WEB_CHAT = web.AppKey("web_chat_parts", WebChat)


def add_chat(app: web.Application, services: Services) -> None:
    """Mount the web chat at ``/chat/`` (and send ``/chat`` there); its parts are ``app[WEB_CHAT]``."""
    chat = build_web_chat(services)
    app[WEB_CHAT] = chat
    app.router.add_get("/chat", _to_chat, allow_head=False)
    app.add_subapp("/chat", create_chat_app(chat))
