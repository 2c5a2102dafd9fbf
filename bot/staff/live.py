"""Live case changes for open staff consoles: a case store that announces every change, and the feed
that carries the announcements to every worker process.

With Redis, changes travel over one pub/sub channel, so a case filed in one ``--workers`` process reaches
consoles served by another; each process holds one subscription and fans it out to its open pages. On
the embedded store (one process only) they are handed over in-process. An announcement carries only
ids, team, status and urgency: never anything personal.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast import Broadcast
from bot.cases.store import CaseStore
from bot.cases.types import CaseEvent, CaseStatus, CaseSummary, NewCase
from bot.security.crypto import Cipher

log = logging.getLogger(__name__)

# Changes a page has not yet taken. A page takes everything waiting at once, so only one that stopped
# reading (a stalled connection) reaches this; it is then told once to reload its list.
PENDING_LIMIT = 1000


@dataclass(frozen=True)
class CaseChange:
    kind: str  # created, claimed, replied, transferred, resolved, escalated, delivered, delivery_failed
    case_id: int
    team: str
    status: str
    urgent: bool

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: bytes | str) -> CaseChange | None:
        try:
            value = json.loads(raw)
            return cls(
                kind=str(value["kind"]),
                case_id=int(value["case_id"]),
                team=str(value["team"]),
                status=str(value["status"]),
                urgent=bool(value["urgent"]),
            )
        except (ValueError, TypeError, KeyError):
            return None


@dataclass(frozen=True)
class Batch:
    """What a page takes at once: the changes since it last took, or, when it fell so far behind that
    some were let go, ``lost`` (reload the whole list) and nothing else."""

    changes: tuple[CaseChange, ...] = ()
    lost: bool = False


class Subscription:
    """One open page's share of the feed. Handing a change over is a list append and at most one wake-up;
    the same ``CaseChange`` object goes to every page, so a process renders it once (``stream.py``)."""

    def __init__(self, limit: int = PENDING_LIMIT) -> None:
        self._limit = limit
        self._pending: list[CaseChange] = []
        self._lost = False
        self._waiter: asyncio.Future[None] | None = None

    def offer(self, change: CaseChange) -> None:
        if self._lost:
            return  # the reload it will be told to do covers this change too
        if len(self._pending) >= self._limit:
            self._pending.clear()
            self._lost = True
        else:
            self._pending.append(change)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def take(self, wait: float) -> Batch:
        """Everything waiting; an empty batch after ``wait`` seconds with nothing."""
        if not self._pending and not self._lost:
            loop = asyncio.get_running_loop()
            # A bare future and a timer: no task per wait (``asyncio.wait_for`` makes one on 3.11).
            waiter = self._waiter = loop.create_future()
            timer = loop.call_later(wait, _wake, waiter)
            try:
                await waiter
            finally:
                timer.cancel()
                self._waiter = None
        batch = Batch(tuple(self._pending), self._lost)
        self._pending = []
        self._lost = False
        return batch


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class CaseFeed:
    """Publish case changes; subscribe to the changes every process publishes.

    ``redis`` None keeps everything in this process (the embedded store). The changes travel on a
    ``Broadcast``; each is parsed once per process and offered to every open stream."""

    def __init__(self, redis: Redis | None, *, channel: str = "bot:staff:case-changes") -> None:
        self._broadcast = Broadcast(redis, channel)
        self._listeners: set[Subscription] = set()

    async def publish(self, change: CaseChange) -> None:
        """Announce ``change``; a failure is logged and never undoes the change itself."""
        if not await self._broadcast.publish(change.to_json()):
            log.warning("case feed: could not publish a change of case %s", change.case_id)

    @contextlib.asynccontextmanager
    async def subscribe(self, limit: int = PENDING_LIMIT) -> AsyncIterator[Subscription]:
        """Every change from now on, until the context ends."""
        subscription = Subscription(limit)
        self._listeners.add(subscription)
        try:
            await self._broadcast.add_listener(self._heard)  # one listener per feed, however many streams
            yield subscription
        finally:
            self._listeners.discard(subscription)

    async def close(self) -> None:
        await self._broadcast.close()

    def _heard(self, message: str) -> None:
        change = CaseChange.from_json(message)  # None for the broadcast's resync mark: streams re-read anyway
        if change is not None:
            self._hand_out(change)

    def _hand_out(self, change: CaseChange) -> None:
        for subscription in list(self._listeners):
            subscription.offer(change)


class AnnouncingCaseStore(CaseStore):
    """The case store, announcing each change on ``feed`` after it is committed.

    The overrides pass their arguments through unchanged, so they follow the store's own signatures."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], cipher: Cipher, *, feed: CaseFeed) -> None:
        super().__init__(sessionmaker, cipher)
        self.feed = feed

    async def create(self, new: NewCase) -> tuple[int, bool]:
        case_id, created = await super().create(new)
        if created:
            # Everything the feed says of a new case is in the request: no read back from SQL.
            await self.feed.publish(CaseChange("created", case_id, new.team, CaseStatus.NEW, new.urgent))
        return case_id, created

    async def claim(self, *args: Any, **kwargs: Any) -> CaseSummary:
        summary = await super().claim(*args, **kwargs)
        await self._announce_summary("claimed", summary)
        return summary

    async def claim_next(self, *args: Any, **kwargs: Any) -> CaseSummary | None:
        summary = await super().claim_next(*args, **kwargs)
        if summary is not None:
            await self._announce_summary("claimed", summary)
        return summary

    async def add_reply(self, *args: Any, **kwargs: Any) -> CaseEvent:
        event = await super().add_reply(*args, **kwargs)
        await self.announce("replied", event.case_id)
        return event

    async def transfer(self, *args: Any, **kwargs: Any) -> CaseSummary:
        summary = await super().transfer(*args, **kwargs)
        await self._announce_summary("transferred", summary)
        return summary

    async def resolve(self, *args: Any, **kwargs: Any) -> CaseSummary:
        summary = await super().resolve(*args, **kwargs)
        await self._announce_summary("resolved", summary)
        return summary

    async def announce(self, kind: str, case_id: int) -> None:
        """Announce a change made elsewhere (a queued reply delivered later); reads the case once."""
        try:
            summary = await self.summary(case_id)
        except Exception:
            log.exception("case feed: could not read case %s to announce it", case_id)
            return
        await self._announce_summary(kind, summary)

    async def _announce_summary(self, kind: str, summary: CaseSummary) -> None:
        await self.feed.publish(CaseChange(kind, summary.id, summary.team, summary.status, summary.urgent))
