"""``python -m bot speech-worker`` as an operator starts it: help, and a clear message (no traceback) for
each thing it needs and does not have. Run through the command line's own ``main`` in this process (a
new interpreter per case would cost seconds each); ``tests/speech/test_stream.py`` starts real ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main as cli
from tests.ports import free_port
from tests.speech.test_stt import KOREAN_MODEL


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("BOT_REDIS_URL", "BOT_VOSK_MODEL", "BOT_SPEECH_BACKEND", "BOT_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOT_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("BOT_SECRET_KEY", "w" * 40)
    monkeypatch.setattr(cli, "configure_logging", lambda: None)


def test_help_says_what_it_needs(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["speech-worker", "--help"])

    assert exited.value.code == 0
    shown = capsys.readouterr().out
    for needed in ("BOT_REDIS_URL", "BOT_VOSK_MODEL", "BOT_SECRET_KEY", "espeak-ng", "--concurrency"):
        assert needed in shown


@pytest.mark.parametrize(
    ("redis_url", "arguments", "message"),
    [
        pytest.param(None, [], "BOT_REDIS_URL: the speech worker needs the Redis", id="no-redis"),
        pytest.param("redis://127.0.0.1:1/0", [], "BOT_VOSK_MODEL: the speech worker needs", id="no-model"),
        pytest.param("redis://127.0.0.1:1/0", ["--model", "/"], "/ is not a Vosk model folder", id="not-a-model"),
        pytest.param(
            "redis://127.0.0.1:1/0",
            ["--model", str(KOREAN_MODEL), "--claim-after", "0.1"],
            "--claim-after: must be at least 1 second",
            id="claim-too-soon",
        ),
    ],
)
def test_what_is_missing_stops_it_at_once_by_name(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    redis_url: str | None,
    arguments: list[str],
    message: str,
) -> None:
    if redis_url is not None:
        monkeypatch.setenv("BOT_REDIS_URL", redis_url)

    code = cli.main(["speech-worker", *arguments])

    assert code == 2
    assert message in capsys.readouterr().err


def test_an_unreachable_redis_is_named_before_the_model_is_loaded(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")

    code = cli.main(["speech-worker", "--model", str(KOREAN_MODEL)])

    assert code == 1
    assert "Redis unavailable: Redis at BOT_REDIS_URL did not answer" in capsys.readouterr().err
