"""The service runs on uvloop when it is installed, and on asyncio's own loop when it is not."""

from __future__ import annotations

import asyncio
import sys

import pytest

from bot.event_loop import loop_name, new_event_loop


def test_uvloop_is_used_where_it_is_installed() -> None:
    loop = new_event_loop()
    try:
        assert loop_name(loop) == "uvloop"
        assert loop.run_until_complete(asyncio.sleep(0, result="ran")) == "ran"
    finally:
        loop.close()


def test_without_uvloop_asyncios_own_loop_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop now raises ImportError

    loop = new_event_loop()
    try:
        assert loop_name(loop) == "asyncio"
        assert isinstance(loop, asyncio.AbstractEventLoop)
    finally:
        loop.close()
