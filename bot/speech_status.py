"""How speech stands, for ``/healthz`` and ``/metrics``: the in-process pool, or the speech workers' stream."""

from __future__ import annotations

import asyncio

from bot.observability.http import SpeechBacklog
from speech.pool import SpeechPool
from speech.stream import StreamSpeech

_READ_TIMEOUT_SECONDS = 1.0


async def speech_health(speech: SpeechPool | StreamSpeech | None) -> dict[str, str]:
    """Never "down": without recognition, voice residents are still answered in text."""
    if speech is None:
        return {"state": "disabled", "detail": "BOT_VOSK_MODEL unset: voice messages get a text answer"}
    if isinstance(speech, SpeechPool):
        return {"state": "ok", "detail": "Vosk model loaded in the recognition workers"}
    try:
        async with asyncio.timeout(_READ_TIMEOUT_SECONDS):
            backlog = await speech.backlog()
    except Exception as error:  # Redis is checked (and reported) on its own line
        return {"state": "unknown", "detail": f"speech stream not read ({type(error).__name__})"}
    detail = f"{backlog.workers} speech worker slots live, {backlog.waiting} jobs waiting"
    if backlog.workers == 0:
        return {"state": "no-workers", "detail": detail + ": voice messages get a text answer"}
    return {"state": "ok", "detail": detail}


def speech_backlog_reader(speech: SpeechPool | StreamSpeech | None) -> SpeechBacklog | None:
    if not isinstance(speech, StreamSpeech):
        return None

    async def read() -> tuple[int, int]:
        backlog = await speech.backlog()
        return backlog.waiting, backlog.workers

    return read
