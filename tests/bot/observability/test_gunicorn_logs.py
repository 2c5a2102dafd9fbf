"""With ``BOT_LOG_FORMAT=json``, gunicorn's own lines under ``serve --workers N`` are JSON too."""

from __future__ import annotations

import json

import pytest
from gunicorn.config import Config

from bot.workers import worker_options


def _gunicorn_logger() -> object:
    """The logger gunicorn's arbiter makes from the service's options."""
    options = worker_options("127.0.0.1", 8080, 2, lambda: None)
    config = Config()
    for name in ("logger_class", "errorlog", "loglevel"):
        config.set(name, options[name])
    return config.logger_class(config)


def test_with_json_gunicorns_lines_are_json_objects(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_LOG_FORMAT", "json")

    _gunicorn_logger().info("Booting worker with pid: %s", 4242)  # type: ignore[attr-defined]

    (line,) = capsys.readouterr().err.splitlines()
    entry = json.loads(line)
    assert entry["message"] == "Booting worker with pid: 4242"
    assert entry["logger"] == "gunicorn.error"


def test_with_text_gunicorn_keeps_its_own_lines(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("BOT_LOG_FORMAT", raising=False)

    _gunicorn_logger().info("Booting worker with pid: %s", 4242)  # type: ignore[attr-defined]

    (line,) = capsys.readouterr().err.splitlines()
    assert line.endswith("[INFO] Booting worker with pid: 4242")
