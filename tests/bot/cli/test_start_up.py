"""``python -m bot`` answers ``--help`` and a wrong argument at once: parsing imports no heavy library;
each command imports what it needs when it runs."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

from bot.cli import main as cli
from tests.paths import ROOT

HEAVY = ("aiohttp", "sqlalchemy", "alembic", "redis", "vosk", "pypinyin", "jieba", "dialogs", "speech", "bot.app")

_PARSE_EVERY_COMMAND = """
import json, sys
from bot.cli.main import build_parser
parser = build_parser()
for argv in (["serve", "--port", "8080"], ["chat"], ["route", "x"], ["content", "check"], ["db", "upgrade"],
             ["staff", "add-user", "li.na", "--role", "agent"], ["models"], ["safety", "x"], ["doctor"],
             ["speech-worker"]):
    parser.parse_args(argv)
print(json.dumps(sorted(sys.modules)))
"""


def test_parsing_every_command_imports_no_heavy_library() -> None:
    result = subprocess.run(  # noqa: S603 - our own code in a fresh interpreter
        [sys.executable, "-c", _PARSE_EVERY_COMMAND], capture_output=True, text=True, cwd=ROOT, timeout=60, check=True
    )
    loaded = json.loads(result.stdout)
    heavy = [name for name in loaded if any(name == h or name.startswith(f"{h}.") for h in HEAVY)]
    assert heavy == []


@pytest.mark.parametrize(
    ("module", "name"),
    [*cli.CONFIGURATION_ERRORS, cli.CONTENT_ERROR, cli.DATABASE_ERROR, cli.REDIS_ERROR],
)
def test_every_error_the_command_line_explains_names_an_exception_that_exists(module: str, name: str) -> None:
    kind = getattr(importlib.import_module(module), name)
    assert isinstance(kind, type)
    assert issubclass(kind, Exception)
