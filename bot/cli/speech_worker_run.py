"""What ``python -m bot speech-worker`` does; imported only when the command runs (``bot/cli/speech_worker.py``
has its arguments)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import socket
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from bot.config import SettingsError, load_settings
from bot.event_loop import new_event_loop
from bot.security.crypto import Cipher
from bot.security.secret import load_or_create_secret
from bot.storage.redis import create_redis, require_redis
from speech.stream_worker import StreamWorker
from speech.stt import check_model_folder, load_model, recognise
from speech.tts import Synthesizer, TtsError

log = logging.getLogger(__name__)


def work(args: argparse.Namespace) -> int:
    settings = load_settings()
    if settings.redis_url is None:
        raise SettingsError("BOT_REDIS_URL: the speech worker needs the Redis that the web workers use")
    model_path: Path | None = args.model or settings.vosk_model
    if model_path is None:
        raise SettingsError("BOT_VOSK_MODEL: the speech worker needs a Vosk model folder (or --model PATH)")
    if args.claim_after < 1:
        raise SettingsError("--claim-after: must be at least 1 second")
    secret, generated = load_or_create_secret(settings)
    if generated:
        log.warning(
            "BOT_SECRET_KEY is unset: using the development key in %s; the web workers must use the same key",
            settings.var_dir / "secret.key",
        )
    try:
        synthesizer = Synthesizer()
    except TtsError as error:
        print(f"Configuration error:\nspoken answers need espeak-ng: {error}", file=sys.stderr)
        return 2
    check_model_folder(model_path)
    name = args.name or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    loop = new_event_loop()
    try:
        return loop.run_until_complete(
            _work(settings.redis_url, Cipher(secret), name, model_path, synthesizer, args.concurrency, args.claim_after)
        )
    finally:
        loop.close()


def _load(model_path: Path) -> Any:
    started = time.perf_counter()
    model = load_model(model_path)
    recognise(model, bytes(2 * 16_000))  # Vosk builds its graph lazily: not on the first resident's time
    log.info("speech worker: model %s loaded in %.1f s", model_path, time.perf_counter() - started)
    return model


async def _work(
    redis_url: str,
    cipher: Cipher,
    name: str,
    model_path: Path,
    synthesizer: Synthesizer,
    concurrency: int,
    claim_after: float,
) -> int:
    redis = create_redis(redis_url)
    try:
        await require_redis(redis, "Redis at BOT_REDIS_URL")
        model = await asyncio.to_thread(_load, model_path)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        worker = StreamWorker(
            redis,
            cipher,
            name=name,
            model=model,
            synthesizer=synthesizer,
            concurrency=concurrency,
            claim_after=claim_after,
        )

        def ready() -> None:
            print(f"speech worker {name}: {concurrency} at a time, taking jobs from Redis", flush=True)

        await worker.run(stop, on_ready=ready)
        log.info("speech worker %s stopped after %d jobs", name, worker.finished)
        return 0
    finally:
        await redis.aclose()
