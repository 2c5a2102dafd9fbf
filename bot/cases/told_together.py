"""Case numbers told in answers, marked on their notices together: numbers told while one ``UPDATE`` is under way
wait for it to finish and then go in a single next one. A quiet service marks each at once, as before; a busy
one makes a statement (and a database round trip) per batch instead of per case.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from bot.cases.notices import NoticeStore


class ToldTogether:
    def __init__(self, notices: NoticeStore) -> None:
        self._notices = notices
        self._waiting: list[tuple[Sequence[int], asyncio.Future[None]]] = []
        self._marking: asyncio.Task[None] | None = None

    async def told(self, case_ids: Sequence[int]) -> None:
        """Mark these cases' notices told; raises what marking them raised (the database is down…)."""
        if not case_ids:
            return
        done = asyncio.get_running_loop().create_future()
        done.add_done_callback(_retrieved)  # read even when its caller stopped waiting: no "never retrieved"
        self._waiting.append((case_ids, done))
        if self._marking is None:
            self._marking = asyncio.ensure_future(self._mark())
        # Shielded: one caller that stops waiting must not stop the marking of the others' numbers.
        await asyncio.shield(done)

    async def _mark(self) -> None:
        batch: list[tuple[Sequence[int], asyncio.Future[None]]] = []
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    await self._notices.told([case_id for case_ids, _ in batch for case_id in case_ids])
                except Exception as error:
                    for _, done in batch:
                        if not done.done():
                            done.set_exception(error)
                else:
                    for _, done in batch:
                        if not done.done():
                            done.set_result(None)
                batch = []
        finally:
            self._marking = None
            for _, done in [*batch, *self._waiting]:  # cancelled (at shutdown): no caller waits forever
                if not done.done():
                    done.cancel()
            self._waiting = []


def _retrieved(done: asyncio.Future[None]) -> None:
    if not done.cancelled():
        done.exception()
