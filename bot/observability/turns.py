"""The decorator that marks a coroutine as one turn: it runs under a request id and is timed."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from bot.observability.metrics import timed_turn
from bot.observability.request_ids import turn_scope

P = ParamSpec("P")
T = TypeVar("T")


def observed_turn(kind: str) -> Callable[[Callable[P, Awaitable[T]]], Callable[P, Awaitable[T]]]:
    """``kind``: what the message was (text, voice), the turn histogram's only label."""

    def decorate(handle: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        timed = timed_turn(kind)(handle)

        @functools.wraps(handle)
        async def observed(*args: P.args, **kwargs: P.kwargs) -> T:
            with turn_scope():
                return await timed(*args, **kwargs)

        return observed

    return decorate
