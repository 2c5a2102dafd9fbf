"""``BOT_LOG_FORMAT``: text by default, one JSON object per line when asked; both mask personal numbers and
name the request."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest

from bot.config import SettingsError, load_settings
from bot.observability.log_format import JsonFormatter, RequestIds, TextFormatter
from bot.observability.request_ids import request_scope
from tests.bot.scripts import ID_NUMBER, PHONE
from tests.paths import ROOT

LOG_ONE_LINE = (
    "import logging; from bot.logs import configure_logging; configure_logging(); "
    "logging.getLogger('bot.example').warning('resident phone %s', '13812345678')"
)


def _record(message: str, *args: object, exc_info: bool = False) -> logging.LogRecord:
    record = logging.LogRecord("bot.example", logging.WARNING, __file__, 1, message, args, None)
    if exc_info:
        try:
            raise ValueError("broken")
        except ValueError:
            record.exc_info = sys.exc_info()
    RequestIds().filter(record)
    return record


def _run_logging(log_format: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "BOT_LOG_FORMAT"}
    if log_format is not None:
        env["BOT_LOG_FORMAT"] = log_format
    return subprocess.run(  # noqa: S603 - this interpreter, a fixed snippet
        [sys.executable, "-c", LOG_ONE_LINE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    )


def test_json_lines_carry_time_level_logger_message_and_request_id() -> None:
    with request_scope("push-42"):
        record = _record("case %s filed", 17)

    line = json.loads(JsonFormatter().format(record))

    assert line["level"] == "WARNING"
    assert line["logger"] == "bot.example"
    assert line["message"] == "case 17 filed"
    assert line["request_id"] == "push-42"
    assert line["time"].endswith("+00:00")


def test_a_traceback_stays_inside_its_json_line() -> None:
    formatted = JsonFormatter().format(_record("failed", exc_info=True))

    assert "\n" not in formatted
    assert "ValueError: broken" in json.loads(formatted)["exception"]


@pytest.mark.parametrize("formatter", [JsonFormatter(), TextFormatter()], ids=["json", "text"])
def test_personal_numbers_in_a_message_are_masked(formatter: logging.Formatter) -> None:
    formatted = formatter.format(_record("phone %s id %s", PHONE, ID_NUMBER))

    assert PHONE not in formatted
    assert ID_NUMBER not in formatted
    assert "138******78" in formatted


def test_text_lines_name_the_request_only_inside_one() -> None:
    with request_scope("push-7"):
        inside = TextFormatter().format(_record("hello"))
    outside = TextFormatter().format(_record("hello"))

    assert inside.endswith("WARNING bot.example: hello request_id=push-7")
    assert outside.endswith("WARNING bot.example: hello")


def test_the_command_line_writes_json_when_asked() -> None:
    (line,) = _run_logging("json").stderr.splitlines()

    entry = json.loads(line)
    assert entry["message"] == "resident phone 138******78"
    assert entry["logger"] == "bot.example"


def test_the_command_line_writes_text_by_default() -> None:
    (line,) = _run_logging(None).stderr.splitlines()

    assert line.endswith("WARNING bot.example: resident phone 138******78")


def test_an_unknown_format_stops_start_up_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_LOG_FORMAT", "xml")

    with pytest.raises(SettingsError, match="BOT_LOG_FORMAT"):
        load_settings()
