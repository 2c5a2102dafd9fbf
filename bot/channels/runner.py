"""One resident turn for any channel: the deadline race, late delivery, background work, and what a
voice, text or simple resident receives.

A channel parses its request into an ``Incoming`` and hands it here. The pipeline's work starts at once;
an answer ready within the channel's deadline goes back with the request (as many of the channel's
messages as the request can carry), the rest through the channel's sending API. Past the deadline the
work goes on and its whole answer is sent when ready. Voice residents get the words *and* speech (so
nothing depends on the audio); text and simple residents never get voice. A case number counts as told
once the text carrying it has gone out; otherwise its case notice tells it later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.cases.notices import NoticeStore
from bot.cases.told_together import ToldTogether
from bot.channels.base import Channel, Incoming
from bot.observability import metrics
from bot.pipeline import Outcome, Pipeline
from dialogs.render import render_text

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Plan:
    """The accessibility policy applied to one outcome on one channel."""

    texts: list[str]  # every reply, fitted into the channel's messages
    speak: bool  # also send the spoken form


def plan(outcome: Outcome, channel: Channel) -> Plan:
    """Every resident gets the words; voice residents get them spoken as well, where the channel can."""
    texts = channel.pack([render_text(reply) for reply in outcome.replies])
    return Plan(texts, speak=outcome.mode == "voice" and channel.can_speak)


@dataclass
class TurnRunner:
    """Runs turns for every channel of a process and keeps the deliveries it starts in ``tasks``."""

    pipeline: Pipeline
    notices: NoticeStore | None = None  # case numbers told here need not be sent again later
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    _told: ToldTogether | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.notices is not None:
            self._told = ToldTogether(self.notices)

    def start(self, incoming: Incoming) -> asyncio.Task[Outcome]:
        """Start the pipeline's work on one message; it goes on whoever stops waiting for it."""
        if incoming.transcriber is not None:
            work = self.pipeline.handle_voice(incoming.key, incoming.message_id, incoming.transcriber)
        else:
            work = self.pipeline.handle(incoming.key, incoming.text, incoming.message_id, kind=incoming.kind)
        return asyncio.ensure_future(work)

    async def race(self, task: asyncio.Task[Outcome], deadline: float | None) -> Outcome | None:
        """The outcome if ready within ``deadline`` seconds (None: wait for it), else None; never cancels."""
        done, _pending = await asyncio.wait((task,), timeout=deadline)
        return task.result() if task in done else None

    async def run(self, channel: Channel, incoming: Incoming) -> Outcome | None:
        """A turn on a channel with nothing of its own to do at the deadline: the outcome in time, or
        None when it goes out later through the channel."""
        task = self.start(incoming)
        outcome = await self.race(task, channel.limits.deadline)
        if outcome is None:
            self.deliver_later(channel, incoming.key.user_id, task)
        return outcome

    def answer_now(self, channel: Channel, user: str, outcome: Outcome, carry: int | None = 1) -> list[str]:
        """The texts that go back with the request (the first ``carry`` messages; None: all of them).
        The rest, and speech for voice residents, follow through the channel in the background."""
        shaped = plan(outcome, channel)
        now = shaped.texts if carry is None else shaped.texts[:carry]
        told_now = [case_id for case_id in outcome.case_ids if any(str(case_id) in text for text in now)]
        if told_now:
            self.in_background(self.told(told_now))
        rest = shaped.texts[len(now) :]
        if (rest or shaped.speak) and not outcome.duplicate:
            telling = [case_id for case_id in outcome.case_ids if case_id not in told_now]
            self.in_background(self._follow_up(channel, user, rest, outcome, shaped.speak, telling))
        return now

    def deliver_later(self, channel: Channel, user: str, handling: asyncio.Future[Outcome]) -> None:
        """Send the whole answer through the channel once the work is done."""

        async def deliver() -> None:
            outcome = await handling
            if outcome.duplicate or not outcome.replies:
                return  # the first handling of this message answers it; a retry never answers twice
            shaped = plan(outcome, channel)
            sent = await self._follow_up(channel, user, shaped.texts, outcome, shaped.speak, outcome.case_ids)
            metrics.count_answer("late" if sent else "failed", channel.name)

        self.in_background(deliver())

    def abandon(self, task: asyncio.Task[Outcome]) -> None:
        """Stop work whose answer can no longer be delivered, letting it unwind (it lets go of the lock)."""
        task.cancel()
        self.in_background(_settle_cancelled(task))

    def in_background(self, work: Coroutine[Any, Any, object]) -> None:
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def drain(self, within: float | None = None) -> int:
        """Let deliveries already under way finish (at shutdown, and in tests); past ``within`` seconds,
        cancel what is left, so that a stuck delivery cannot hold a shutdown forever. Returns how many
        were cancelled."""
        deadline = None if within is None else asyncio.get_running_loop().time() + within
        while self.tasks:
            left = None if deadline is None else deadline - asyncio.get_running_loop().time()
            if left is not None and left <= 0:
                stuck = list(self.tasks)
                for task in stuck:
                    task.cancel()
                await asyncio.wait(stuck, timeout=1.0)
                log.warning("shutdown: %d deliveries did not finish in %g s and were stopped", len(stuck), within)
                return len(stuck)
            done, _ = await asyncio.wait(list(self.tasks), timeout=left)
            for task in done:  # each logs its own failure; retrieving it keeps asyncio from logging it again
                if not task.cancelled():
                    task.exception()
        return 0

    async def _follow_up(
        self,
        channel: Channel,
        user: str,
        texts: list[str],
        outcome: Outcome,
        speak: bool,
        telling: Sequence[int] = (),
    ) -> bool:
        """Send what the request's answer could not carry, then the speech; whether every text went out
        (speech is extra). ``telling``: the cases whose numbers are in ``texts``."""
        complete = not texts
        try:
            if texts:
                complete = await channel.send_texts(user, texts)
                if complete:
                    await self.told(telling)
            if speak:
                await channel.send_speech(user, outcome.replies, outcome.speech_rate)
        except Exception as error:  # a store outage: a filed request is told later by its case notice
            log.warning("%s answer not sent: %s", channel.name, type(error).__name__)
        return complete

    async def told(self, case_ids: Sequence[int]) -> None:
        """The answer carrying these case numbers has gone out: their notices need not be sent."""
        if not case_ids or self._told is None:
            return
        try:
            await self._told.told(case_ids)
        except Exception as error:  # the database is down: the notice goes out later, once more than needed
            log.warning("case notice not marked told: %s", type(error).__name__)


async def _settle_cancelled(task: asyncio.Future[Outcome]) -> None:
    """Wait for cancelled work to unwind, keeping its errors out of sight."""
    with contextlib.suppress(BaseException):
        await task
