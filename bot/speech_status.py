"""How speech stands, for ``/healthz`` and ``/metrics``: the in-process pool, or the speech workers'
streams (recognitions, spoken answers, and the old single stream while jobs remain on it), each named by
its Redis key."""

from __future__ import annotations

import asyncio
import math

from bot.observability.http import SpeechBacklog
from bot.observability.metrics import SpeechStream
from speech.pool import SpeechPool
from speech.stream import Backlog, StreamSpeech
from speech.stream_keys import LEGACY_STREAM, RECOGNITION_STREAM, SYNTHESIS_STREAM

_READ_TIMEOUT_SECONDS = 1.0


def stream_states(backlog: Backlog) -> list[SpeechStream]:
    """Each stream's jobs, those in hand, the wait a job added now would have and the recent time per job;
    the old stream only by its length (nothing new is added to it, admission does not count it)."""
    return [
        SpeechStream(
            RECOGNITION_STREAM,
            backlog.recognitions,
            backlog.recognising,
            backlog.recognition_wait,
            backlog.seconds_per_recognition,
        ),
        SpeechStream(
            SYNTHESIS_STREAM,
            backlog.syntheses,
            backlog.synthesising,
            backlog.synthesis_wait,
            backlog.seconds_per_synthesis,
        ),
        SpeechStream(LEGACY_STREAM, backlog.legacy),
    ]


async def speech_health(speech: SpeechPool | StreamSpeech | None) -> dict[str, str]:
    """Never "down": without recognition, voice residents are still answered in text. With speech workers,
    one line per stream besides the summary (the old stream only while it holds jobs)."""
    if speech is None:
        return {"state": "disabled", "detail": "BOT_VOSK_MODEL unset: voice messages get a text answer"}
    if isinstance(speech, SpeechPool):
        return {"state": "ok", "detail": "Vosk model loaded in the recognition workers"}
    try:
        async with asyncio.timeout(_READ_TIMEOUT_SECONDS):
            backlog = await speech.backlog()
    except Exception as error:  # Redis is checked (and reported) on its own line
        return {"state": "unknown", "detail": f"speech streams not read ({type(error).__name__})"}
    detail = f"{backlog.workers} speech worker slots live, {backlog.waiting} jobs waiting"
    health = {"state": "ok", "detail": detail}
    if backlog.workers == 0:
        health = {"state": "no-workers", "detail": detail + ": voice messages get a text answer"}
    for stream in stream_states(backlog):
        if stream.wait_seconds is not None:
            health[stream.name] = f"{stream.backlog} jobs, {stream.in_hand} in hand, {_wait(stream.wait_seconds)}"
        elif stream.backlog:
            health[stream.name] = f"{stream.backlog} jobs left by web workers of an earlier version"
    return health


def _wait(seconds: float) -> str:
    if math.isinf(seconds):
        return "a new one would not be started"
    return f"a new one starts in about {seconds:.1f} s"


def speech_backlog_reader(speech: SpeechPool | StreamSpeech | None) -> SpeechBacklog | None:
    if not isinstance(speech, StreamSpeech):
        return None

    async def read() -> tuple[list[SpeechStream], int]:
        backlog = await speech.backlog()
        return stream_states(backlog), backlog.workers

    return read
