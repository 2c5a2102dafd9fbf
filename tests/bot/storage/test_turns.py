"""One turn's Redis side: the state and the message's remembered outcome, read with the lock and
written as it is let go; kept long enough to resume, unreadable values ignored without leaking them."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from redis.asyncio import Redis

from bot.security.crypto import Cipher
from bot.storage.conversations import ConversationStore
from bot.storage.dedup import MessageDedup
from bot.storage.keys import UserKey
from bot.storage.locks import UserLocks
from bot.storage.profile_mirror import UNKNOWN, ProfileMirror
from bot.storage.turns import TurnStore

ALICE = UserKey("wechat", "o6_alice")
BOB = UserKey("wechat", "o6_bob")
STATE_TTL = timedelta(days=30)
STATE = {"flow": "apply_subsidy", "step": 3, "answers": {"name": "韦小宝", "card": None}, "ok": True}
OUTCOME = {"replies": [{"type": "text", "text": "已收到您的申请。"}]}


def _turns(redis: Redis, prefix: str = "bot", cipher: Cipher | None = None) -> TurnStore:
    return TurnStore(
        ConversationStore(STATE_TTL, prefix=prefix),
        MessageDedup(prefix=prefix),
        UserLocks(redis, wait=1, prefix=prefix),
        ProfileMirror(redis),
        cipher=cipher,
    )


async def _take(turns: TurnStore, key: UserKey, message_id: str, state: dict[str, object]) -> None:
    async with turns.turn(key, message_id) as turn:
        turn.finish(state, OUTCOME)


async def test_the_state_written_by_one_turn_is_read_by_the_next(redis_client: Redis) -> None:
    turns = _turns(redis_client)
    await _take(turns, ALICE, "msg-1", STATE)

    async with turns.turn(ALICE, "msg-2") as turn:
        assert turn.state == STATE
        assert turn.remembered is None  # another message: nothing to replay
    async with turns.turn(BOB, "msg-1") as turn:
        assert turn.state is None


async def test_a_resent_message_reads_the_outcome_remembered_for_it(redis_client: Redis) -> None:
    turns = _turns(redis_client)
    await _take(turns, ALICE, "msg-1", STATE)

    async with turns.turn(ALICE, "msg-1") as turn:
        assert turn.remembered == OUTCOME
    async with turns.turn(BOB, "msg-1") as turn:
        assert turn.remembered is None


async def test_nothing_is_written_when_the_turn_fails(redis_client: Redis) -> None:
    turns = _turns(redis_client)

    async def failing_turn() -> None:
        async with turns.turn(ALICE, "msg-1") as turn:
            turn.finish(STATE, OUTCOME)
            raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        await failing_turn()

    async with turns.turn(ALICE, "msg-1") as turn:
        assert (turn.state, turn.remembered) == (None, None)


async def test_with_a_key_the_state_and_the_outcome_are_stored_encrypted(redis_client: Redis) -> None:
    cipher = Cipher("a-test-key-for-turns")
    turns = _turns(redis_client, cipher=cipher)
    await _take(turns, ALICE, "msg-1", {**STATE, "id_number": "450203195501011231", "phone": "13977218868"})

    for name in (ALICE.redis_key("conversation"), f"{ALICE.redis_key('outcome')}:msg-1"):
        raw = await redis_client.get(name)
        assert raw is not None
        for plain in ("450203195501011231", "13977218868", "韦小宝", "已收到"):
            assert plain.encode() not in raw
    async with turns.turn(ALICE, "msg-1") as turn:
        assert turn.state is not None
        assert turn.state["phone"] == "13977218868"
        assert turn.remembered == OUTCOME


async def test_a_plaintext_state_of_an_earlier_version_is_read_and_then_stored_encrypted(redis_client: Redis) -> None:
    await _take(_turns(redis_client), ALICE, "msg-1", STATE)  # no key: as an earlier version stored it
    turns = _turns(redis_client, cipher=Cipher("a-test-key-for-turns"))

    async with turns.turn(ALICE, "msg-2") as turn:
        assert turn.state == STATE
        turn.finish(turn.state, OUTCOME)
    raw = await redis_client.get(ALICE.redis_key("conversation"))
    assert raw is not None
    assert "韦小宝".encode() not in raw


async def test_a_state_sealed_with_another_key_is_read_as_nothing_without_leaking_it(
    redis_client: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    await _take(_turns(redis_client, cipher=Cipher("the-old-key")), ALICE, "msg-1", STATE)
    turns = _turns(redis_client, cipher=Cipher("a-new-key"))

    with caplog.at_level(logging.WARNING):
        async with turns.turn(ALICE, "msg-2") as turn:
            assert turn.state is None
    assert "cannot be decrypted" in caplog.text
    assert "o6_alice" not in caplog.text


async def test_stored_as_compact_utf8_json(redis_client: Redis) -> None:
    await _take(_turns(redis_client), ALICE, "msg-1", {"name": "韦小宝", "step": 1})
    assert await redis_client.get(ALICE.redis_key("conversation")) == '{"name":"韦小宝","step":1}'.encode()


async def test_the_state_lives_at_least_a_week_and_every_turn_restarts_it(redis_client: Redis) -> None:
    turns = _turns(redis_client)
    name = ALICE.redis_key("conversation")
    await _take(turns, ALICE, "msg-1", {"step": 1})
    assert timedelta(days=7) <= timedelta(seconds=await redis_client.ttl(name)) <= STATE_TTL

    await redis_client.expire(name, 60)
    await _take(turns, ALICE, "msg-2", {"step": 2})
    assert await redis_client.ttl(name) > 60


async def test_an_outcome_is_remembered_for_an_hour(redis_client: Redis) -> None:
    await _take(_turns(redis_client), ALICE, "msg-1", STATE)
    assert 3500 < await redis_client.ttl(f"{ALICE.redis_key('outcome')}:msg-1") <= 3600


def test_a_state_ttl_shorter_than_a_week_and_an_outcome_ttl_under_a_second_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 7 days"):
        ConversationStore(timedelta(days=6))
    with pytest.raises(ValueError, match="at least one second"):
        MessageDedup(ttl=timedelta(0))


async def test_prefix_separates_stores(redis_client: Redis) -> None:
    await _take(_turns(redis_client, prefix="a"), ALICE, "msg-1", STATE)
    async with _turns(redis_client, prefix="b").turn(ALICE, "msg-1") as turn:
        assert (turn.state, turn.remembered) == (None, None)


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"\xff\xfe", b"[1, 2]", b'"text"', b"null", b"NaN", b"[" * 100_000, b'{"id_card": "450202'],
    ids=["broken", "not-utf8", "list", "string", "null", "nan", "deep", "cut-short"],
)
@pytest.mark.parametrize("kept_as", ["conversation", "outcome"])
async def test_a_corrupt_value_reads_as_nothing_and_its_contents_stay_out_of_the_log(
    redis_client: Redis, caplog: pytest.LogCaptureFixture, raw: bytes, kept_as: str
) -> None:
    name = ALICE.redis_key("conversation") if kept_as == "conversation" else f"{ALICE.redis_key('outcome')}:msg-1"
    await redis_client.set(name, raw)

    with caplog.at_level(logging.WARNING):
        async with _turns(redis_client).turn(ALICE, "msg-1") as turn:
            assert (turn.state, turn.remembered) == (None, None)

    assert f"bot:{kept_as}:wechat:***" in caplog.text
    assert ALICE.user_id not in caplog.text  # whose value it was stays out of the log
    assert "450202" not in caplog.text


async def test_a_value_of_another_type_reads_as_nothing_and_the_next_write_replaces_it(redis_client: Redis) -> None:
    turns = _turns(redis_client)
    await redis_client.rpush(ALICE.redis_key("conversation"), b"x")

    async with turns.turn(ALICE, "msg-1") as turn:
        assert turn.state is None
        turn.finish({"step": 1}, OUTCOME)
    async with turns.turn(ALICE, "msg-2") as turn:
        assert turn.state == {"step": 1}


async def test_a_callers_extra_keys_are_read_with_the_lock_in_order(redis_client: Redis) -> None:
    await redis_client.set("bot:test:marker", b"1")
    async with _turns(redis_client).turn(ALICE, "m1", ["bot:test:marker", "bot:test:missing"]) as turn:
        assert turn.extra == [b"1", None]
        assert turn.profile is UNKNOWN  # the profile's own reads are unaffected
        assert turn.state is None
