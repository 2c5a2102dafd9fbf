"""The event loop the service runs on: uvloop where it is installed, else asyncio's own.

uvloop keeps the asyncio API and does the loop's own work (callbacks, sockets, timers) in C; a WeChat
push spends a good part of its time there, between many small awaits on Redis.
"""

from __future__ import annotations

import asyncio
import importlib.util


def uvloop_installed() -> bool:
    return importlib.util.find_spec("uvloop") is not None


def new_event_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:  # Windows, or installed without it: asyncio's loop does the same, a little slower
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def loop_name(loop: asyncio.AbstractEventLoop) -> str:
    return "uvloop" if type(loop).__module__.startswith("uvloop") else "asyncio"
