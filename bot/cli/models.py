"""``python -m bot models``: which speech model is configured, and proof that it loads and recognises."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

_SILENCE_SECONDS = 1
_SILENCE = bytes(2 * 16_000 * _SILENCE_SECONDS)  # s16le mono 16 kHz

_NO_MODEL = """\
No speech model is configured (BOT_VOSK_MODEL is not set).
Voice messages are answered with a text explanation that voice is not available yet.

To recognise Mandarin voice messages:
  1. download vosk-model-small-cn-0.22 (about 40 MB; or vosk-model-cn-0.22, about 1.3 GB, for accuracy)
     from the Vosk models page, https://alphacephei.com/vosk/models
  2. unpack it, e.g. to /srv/vosk/vosk-model-small-cn-0.22
  3. set BOT_VOSK_MODEL=/srv/vosk/vosk-model-small-cn-0.22 and restart the service
  4. check it with: python -m bot models"""


def register(commands: Any) -> None:
    parser = commands.add_parser("models", help="show the speech recognition model and check that it works")
    parser.add_argument("--model", type=Path, metavar="PATH", help="check this model folder instead of BOT_VOSK_MODEL")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from bot.config import load_settings
    from speech.stt import ModelError

    if args.model is not None:
        path: Path | None = args.model
        source = "--model"
    else:
        path = load_settings().vosk_model
        source = "BOT_VOSK_MODEL"
    if path is None:
        print(_NO_MODEL)
        return 0
    print(f"speech model: {path} (from {source})")
    try:
        return _check(path)
    except ModelError as error:
        print(f"speech model error: {error}", file=sys.stderr)
        return 2


def _check(path: Path) -> int:
    from speech.stt import load_model, recognise, supports_grammar

    started = time.perf_counter()
    model = load_model(path)
    print(f"loaded in {time.perf_counter() - started:.1f} s")
    if supports_grammar(model):
        print("phrase lists: grammar mode")
    else:
        print("phrase lists: not supported by this model's static graph; matched after free recognition (slower)")
    started = time.perf_counter()
    heard = recognise(model, _SILENCE)
    print(f"recognised {_SILENCE_SECONDS} s of silence in {time.perf_counter() - started:.2f} s")
    if heard.text:
        # Not a failure, but a model that hears words in silence will invent answers.
        print("warning: the model heard words in silence", file=sys.stderr)
    print("OK")
    return 0
