"""What the service needs beyond its stores: the WeChat API's access token, the speech model, espeak-ng."""

from __future__ import annotations

import asyncio
import shutil

import aiohttp

from bot.channels.wechat.errors import WeChatApiError, WeChatUnavailable
from bot.channels.wechat.token import AccessTokens
from bot.config import Settings
from bot.doctor.result import Finding, fail, ok, skip
from bot.storage.redis import create_embedded_redis
from speech.stt import ModelError, check_model_folder, load_model
from speech.tts import Synthesizer, TtsError

TOKEN_TIMEOUT_SECONDS = 10.0


async def check_wechat_token(settings: Settings) -> Finding:
    """Fetch a token as the service does (``stable_token``, not forced: the service's own stays valid),
    into a store of the doctor's own, so the service's cached token is left alone."""
    if not settings.wechat_token:
        return skip("wechat", "BOT_WECHAT_TOKEN unset: /wechat answers 503")
    if not (settings.wechat_app_id and settings.wechat_app_secret):
        return skip("wechat", "BOT_WECHAT_APP_ID or BOT_WECHAT_APP_SECRET unset: only passive answers, no late ones")
    base = settings.wechat_api_base
    redis = create_embedded_redis()
    try:
        async with aiohttp.ClientSession() as http:
            tokens = AccessTokens(
                redis, http, base, settings.wechat_app_id, settings.wechat_app_secret, timeout=TOKEN_TIMEOUT_SECONDS
            )
            async with asyncio.timeout(TOKEN_TIMEOUT_SECONDS + 1):
                await tokens.get()
    except WeChatApiError as error:
        return fail("wechat", f"{base} refused an access token for {settings.wechat_app_id}: {error}{_hint(error)}")
    except (WeChatUnavailable, TimeoutError) as error:
        return fail("wechat", f"cannot fetch an access token from {base} ({type(error).__name__}: {error})")
    finally:
        await redis.aclose()
    return ok("wechat", f"access token fetched from {base} for {settings.wechat_app_id}")


def _hint(error: WeChatApiError) -> str:
    if error.errcode in (40001, 40125, 40013):
        return " (check BOT_WECHAT_APP_ID and BOT_WECHAT_APP_SECRET)"
    if error.errcode in (40164, 61004):
        return " (add this server's address to the account's IP whitelist)"
    return ""


async def check_speech_model(settings: Settings) -> Finding:
    if settings.vosk_model is None:
        return skip("speech model", "BOT_VOSK_MODEL unset: voice messages get a text answer")
    try:
        check_model_folder(settings.vosk_model)
        await asyncio.to_thread(load_model, settings.vosk_model)
    except ModelError as error:
        return fail("speech model", str(error))
    return ok("speech model", f"{settings.vosk_model} loads")


async def check_espeak() -> Finding:
    if shutil.which("espeak-ng") is None:
        return fail("espeak-ng", "not installed (Debian package espeak-ng): voice users get text only")
    try:
        await asyncio.to_thread(Synthesizer)
    except TtsError as error:
        return fail("espeak-ng", f"installed but cannot speak Mandarin: {error}")
    return ok("espeak-ng", "installed, with a Mandarin voice")
