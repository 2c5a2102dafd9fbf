"""The turn runner: one response policy for every channel (deadline, late delivery, voice or text)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from bot.channels.base import ChannelLimits, Incoming
from bot.channels.runner import TurnRunner, plan
from bot.pipeline import Outcome, Pipeline
from bot.storage.keys import UserKey
from dialogs.events import InboundKind, Reply

KEY = UserKey("test", "resident-1")


@dataclass
class RecordingChannel:
    limits: ChannelLimits = field(default_factory=lambda: ChannelLimits(deadline=0.05))
    can_speak: bool = True
    name: str = "test"
    texts: list[str] = field(default_factory=list)
    spoken: list[str] = field(default_factory=list)

    def pack(self, texts: list[str]) -> list[str]:
        return texts

    async def send_texts(self, user: str, texts: Sequence[str]) -> bool:
        self.texts.extend(texts)
        return True

    async def send_speech(self, user: str, replies: Sequence[Reply], rate: int) -> bool:
        self.spoken.extend(reply.text for reply in replies)
        return True


class SlowPipeline:
    """Answers every message with its own words, after ``delay`` seconds, in the given mode."""

    def __init__(self, delay: float, mode: str) -> None:
        self.delay = delay
        self.mode = mode

    async def handle(self, key: UserKey, text: str, message_id: str, *, kind: InboundKind = "text") -> Outcome:
        await asyncio.sleep(self.delay)
        return Outcome(replies=(Reply(f"答：{text}"), Reply("还有吗？")), mode=self.mode)


def runner(delay: float, mode: str = "text") -> TurnRunner:
    return TurnRunner(cast(Pipeline, SlowPipeline(delay, mode)))


def incoming(text: str) -> Incoming:
    return Incoming(KEY, "m1", "text", text)


async def test_an_answer_in_time_goes_back_with_the_request_and_the_rest_follows() -> None:
    turns, channel = runner(0), RecordingChannel()
    outcome = await turns.run(channel, incoming("你好"))
    assert outcome is not None
    assert turns.answer_now(channel, KEY.user_id, outcome) == ["答：你好"]
    await turns.drain()
    assert channel.texts == ["还有吗？"]
    assert channel.spoken == []  # a text resident never gets voice


async def test_an_answer_past_the_deadline_goes_out_whole_through_the_channel() -> None:
    turns, channel = runner(0.2), RecordingChannel()
    assert await turns.run(channel, incoming("你好")) is None
    await turns.drain()
    assert channel.texts == ["答：你好", "还有吗？"]


async def test_a_voice_resident_gets_the_words_and_the_speech() -> None:
    turns, channel = runner(0, mode="voice"), RecordingChannel()
    outcome = await turns.run(channel, incoming("你好"))
    assert outcome is not None
    assert turns.answer_now(channel, KEY.user_id, outcome, carry=None) == ["答：你好", "还有吗？"]
    await turns.drain()
    assert channel.spoken == ["答：你好", "还有吗？"]


def test_speech_is_planned_only_where_the_channel_can_speak() -> None:
    voice = Outcome(replies=(Reply("好"),), mode="voice")
    assert plan(voice, RecordingChannel()).speak
    assert not plan(voice, RecordingChannel(can_speak=False)).speak
    assert not plan(Outcome(replies=(Reply("好"),), mode="simple"), RecordingChannel()).speak


async def test_a_retried_message_is_never_answered_twice_late() -> None:
    channel = RecordingChannel()

    async def remembered() -> Outcome:
        return Outcome(replies=(Reply("答"),), mode="text", duplicate=True)

    turns = runner(0)
    task: asyncio.Future[Any] = asyncio.ensure_future(remembered())
    turns.deliver_later(channel, KEY.user_id, task)
    await turns.drain()
    assert channel.texts == []


async def test_a_shutdown_waits_for_late_answers_but_not_for_ever() -> None:
    turns, channel = runner(0.2), RecordingChannel()
    await turns.run(channel, incoming("你好"))
    assert await turns.drain(within=5) == 0  # a late answer in progress is let finish
    assert channel.texts == ["答：你好", "还有吗？"]

    stuck = runner(3600)
    await stuck.run(RecordingChannel(), incoming("你好"))
    async with asyncio.timeout(5):
        assert await stuck.drain(within=0.2) == 1  # one that would never end is stopped
    assert not stuck.tasks
