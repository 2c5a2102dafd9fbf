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
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast import scoped_to_database
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

    ``redis`` None keeps everything in this process (the embedded store)."""

    def __init__(self, redis: Redis | None, *, channel: str = "bot:staff:case-changes") -> None:
        self._redis = redis
        self._channel = scoped_to_database(redis, channel)
        self._listeners: set[Subscription] = set()
        self._reader: asyncio.Task[None] | None = None
        self._ready: asyncio.Event | None = None

    async def publish(self, change: CaseChange) -> None:
        """Announce ``change``; a failure is logged and never undoes the change itself."""
        if self._redis is None:
            self._hand_out(change)
            return
        try:
            await self._redis.publish(self._channel, change.to_json())
        except (RedisError, OSError):
            log.warning("case feed: could not publish a change of case %s", change.case_id)

    @contextlib.asynccontextmanager
    async def subscribe(self, limit: int = PENDING_LIMIT) -> AsyncIterator[Subscription]:
        """Every change from now on, until the context ends."""
        subscription = Subscription(limit)
        self._listeners.add(subscription)
        try:
            await self._start_reader()
            yield subscription
        finally:
            self._listeners.discard(subscription)

    async def close(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader

    def _hand_out(self, change: CaseChange) -> None:
        for subscription in list(self._listeners):
            subscription.offer(change)

    async def _start_reader(self) -> None:
        if self._redis is None:
            return
        if self._reader is None or self._reader.done():
            self._ready = asyncio.Event()
            self._reader = asyncio.create_task(self._read(self._redis, self._ready))
        assert self._ready is not None
        # A change published right after subscribe() returns must not be missed.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):
                await self._ready.wait()

    async def _read(self, redis: Redis, ready: asyncio.Event) -> None:
        while True:
            try:
                pubsub = redis.pubsub(ignore_subscribe_messages=True)
                try:
                    await pubsub.subscribe(self._channel)
                    ready.set()
                    while True:
                        message = await pubsub.get_message(timeout=1.0)
                        if message is not None and message.get("type") == "message":
                            change = CaseChange.from_json(message["data"])
                            if change is not None:
                                self._hand_out(change)
                finally:
                    await pubsub.aclose()  # type: ignore[no-untyped-call]  # redis-py leaves it untyped
            except (RedisError, OSError):
                log.warning("case feed: lost the Redis subscription; retrying")
                ready.set()  # pages work without live updates meanwhile
                await asyncio.sleep(1.0)


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
