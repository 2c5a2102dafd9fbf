"""The per-message path against the real stores: one case per application, whatever is retried or fails."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from itertools import count

import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.store import CaseStore
from bot.pipeline import Heard, Outcome, Pipeline
from bot.profiles import Profile, ProfileStore
from bot.security.crypto import Cipher
from bot.storage.conversations import ConversationStore
from bot.storage.db import create_engine, create_sessionmaker
from bot.storage.dedup import MessageDedup
from bot.storage.keys import UserKey
from bot.storage.locks import UserLocks
from bot.storage.profile_mirror import ProfileMirror
from bot.storage.redis import create_redis
from dialogs.loader import load_catalog
from dialogs.schema import Catalog
from tests.bot.cases.factories import add_staff
from tests.bot.dead_worker import DeadWorker, lock_is_held
from tests.bot.scripts import CONFIRM, ID_NUMBER, LIVING_ALLOWANCE_FOR_MYSELF, NURSING_ALLOWANCE_FOR_MY_MOTHER, PHONE
from tests.bot.stored import stored_conversation
from tests.paths import CONTENT_DIR

RESIDENT = UserKey("cli", "resident-1")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(CONTENT_DIR)


def make_pipeline(redis: Redis, cases: CaseStore, profiles: ProfileStore, catalog: Catalog) -> Pipeline:
    clock = count(start=1_000_000, step=5)
    return Pipeline(
        catalog=catalog,
        conversations=ConversationStore(timedelta(days=30)),
        locks=UserLocks(redis, timeout=10, wait=5),
        dedup=MessageDedup(),
        cases=cases,
        profiles=profiles,
        profile_mirror=ProfileMirror(redis),
        clock=lambda: float(next(clock)),
    )


@pytest.fixture
def pipeline(real_redis: Redis, case_store: CaseStore, profile_store: ProfileStore, catalog: Catalog) -> Pipeline:
    return make_pipeline(real_redis, case_store, profile_store, catalog)


async def say_all(pipeline: Pipeline, messages: tuple[str, ...], prefix: str = "m") -> list[Outcome]:
    return [await pipeline.handle(RESIDENT, text, f"{prefix}{n}") for n, text in enumerate(messages)]


async def count_cases(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return int((await session.execute(text("SELECT count(*) FROM cases"))).scalar_one())


async def test_a_confirmed_application_is_saved_before_its_number_is_told(
    pipeline: Pipeline, case_store: CaseStore
) -> None:
    await say_all(pipeline, LIVING_ALLOWANCE_FOR_MYSELF)
    outcome = await pipeline.handle(RESIDENT, CONFIRM, "confirm")

    assert len(outcome.case_ids) == 1
    case_id = outcome.case_ids[0]
    assert f"编号是{case_id}" in outcome.replies[0].text
    detail = await case_store.get(case_id, actor="test")
    assert detail.summary.service == "living-allowance"
    assert detail.summary.team == "subsidy"
    assert detail.summary.district == "柳北区"
    assert detail.contact_phone == PHONE
    assert detail.proxy is None
    assert any(ID_NUMBER in str(item["value"]) for item in detail.answers["items"])
    assert detail.transcript[0] == {"who": "resident", "text": "你好"}


async def test_no_personal_number_said_in_a_conversation_is_kept_in_redis_in_plain_text(
    pipeline: Pipeline, real_redis: Redis
) -> None:
    outcomes = await say_all(pipeline, LIVING_ALLOWANCE_FOR_MYSELF)
    assert any(ID_NUMBER.replace(" ", "") in reply.text.replace(" ", "") for o in outcomes for reply in o.replies)
    assert await stored_conversation(real_redis, pipeline, RESIDENT) is not None  # readable with the key
    async for name in real_redis.scan_iter():
        if await real_redis.type(name) == b"string":
            raw = await real_redis.get(name)
            assert raw is not None
            assert ID_NUMBER.encode() not in raw, name
            assert PHONE.encode() not in raw, name


async def test_a_proxy_application_records_both_people_and_their_relationship(
    pipeline: Pipeline, case_store: CaseStore
) -> None:
    await say_all(pipeline, NURSING_ALLOWANCE_FOR_MY_MOTHER)
    outcome = await pipeline.handle(RESIDENT, CONFIRM, "confirm")

    detail = await case_store.get(outcome.case_ids[0], actor="test")
    assert detail.beneficiary_name == "王芳"
    assert detail.proxy is not None
    assert (detail.proxy.relationship, detail.proxy.name, detail.proxy.phone) == ("子女", "李明", "13900001111")
    assert detail.contact_phone == "13900001111"
    assert detail.summary.proxy == "子女"
    assert "王*" in detail.summary.summary
    assert "王芳" not in detail.summary.summary


async def test_a_retried_message_is_answered_again_without_a_second_case(
    pipeline: Pipeline, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await say_all(pipeline, LIVING_ALLOWANCE_FOR_MYSELF)
    first = await pipeline.handle(RESIDENT, CONFIRM, "confirm")
    retries = [await pipeline.handle(RESIDENT, CONFIRM, "confirm") for _ in range(3)]

    assert all(r.duplicate and r.replies == first.replies and r.case_ids == first.case_ids for r in retries)
    assert await count_cases(sessionmaker) == 1


async def test_concurrent_retries_of_one_message_make_one_case(
    pipeline: Pipeline, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await say_all(pipeline, LIVING_ALLOWANCE_FOR_MYSELF)
    outcomes = await asyncio.gather(*(pipeline.handle(RESIDENT, CONFIRM, "confirm") for _ in range(4)))

    assert len({o.case_ids for o in outcomes}) == 1
    assert await count_cases(sessionmaker) == 1


async def test_concurrent_messages_of_one_person_never_overwrite_each_other(
    pipeline: Pipeline, real_redis: Redis
) -> None:
    # Without the per-person lock, two handlers would load the same state and the later save would
    # drop the other's turn. With it, every message is in the stored transcript.
    messages = [f"第{n}条消息" for n in range(6)]
    await asyncio.gather(*(pipeline.handle(RESIDENT, m, f"fast{n}") for n, m in enumerate(messages)))

    stored = await stored_conversation(real_redis, pipeline, RESIDENT)
    assert stored is not None
    said = [turn["text"] for turn in stored["transcript"] if turn["who"] == "resident"]
    assert sorted(said) == sorted(messages)


async def test_when_the_database_fails_at_submission_the_answers_are_kept_and_a_retry_succeeds_once(
    real_redis: Redis,
    case_store: CaseStore,
    profile_store: ProfileStore,
    catalog: Catalog,
    cipher: Cipher,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # A real outage: the case store points at a port where no database listens.
    dead_engine = create_engine("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere")
    broken = make_pipeline(real_redis, CaseStore(create_sessionmaker(dead_engine), cipher), profile_store, catalog)
    await say_all(broken, LIVING_ALLOWANCE_FOR_MYSELF)
    failed = await broken.handle(RESIDENT, CONFIRM, "confirm-1")
    await dead_engine.dispose()

    assert failed.failed
    assert not failed.case_ids
    assert "没有提交成功" in failed.replies[0].text
    assert "保存" in failed.replies[0].text

    healthy = make_pipeline(real_redis, case_store, profile_store, catalog)
    again = await healthy.handle(RESIDENT, CONFIRM, "confirm-2")
    assert len(again.case_ids) == 1
    assert await count_cases(sessionmaker) == 1


async def test_a_redis_outage_gets_a_plain_answer_not_an_exception(
    case_store: CaseStore, profile_store: ProfileStore, catalog: Catalog
) -> None:
    dead_redis = create_redis("redis://127.0.0.1:1/0")
    outcome = await make_pipeline(dead_redis, case_store, profile_store, catalog).handle(RESIDENT, "你好", "x")
    await dead_redis.aclose()

    assert outcome.failed
    assert "系统忙，请稍后再发" in outcome.replies[0].text


async def test_a_retry_after_its_worker_was_killed_mid_turn_is_processed(
    pipeline: Pipeline, real_redis: Redis, redis_url: str
) -> None:
    # The first try's worker died holding the lock (kill -9); the platform retries the same message.
    worker = await DeadWorker.start(redis_url, RESIDENT, lifetime=1.0)
    await worker.kill()
    assert await lock_is_held(real_redis, RESIDENT)

    outcome = await pipeline.handle(RESIDENT, "护理补贴", "dropped-then-retried")

    assert not outcome.failed
    said = "".join(reply.text for reply in outcome.replies)
    assert "还在处理" not in said
    assert "护理补贴" in said


async def test_conversation_state_is_kept_at_least_seven_days(pipeline: Pipeline, real_redis: Redis) -> None:
    await say_all(pipeline, LIVING_ALLOWANCE_FOR_MYSELF[:3])
    ttl = await real_redis.ttl(RESIDENT.redis_key("conversation"))
    assert ttl >= 7 * 24 * 3600


async def test_a_mode_change_is_remembered_in_the_resident_profile(
    pipeline: Pipeline, profile_store: ProfileStore, real_redis: Redis
) -> None:
    await pipeline.handle(RESIDENT, "简单模式", "mode")
    profile = await profile_store.get(RESIDENT.channel, RESIDENT.user_id)
    assert profile is not None
    assert profile.mode == "simple"

    # The conversation itself expires; the profile outlives it.
    await real_redis.delete(RESIDENT.redis_key("conversation"))
    outcome = await pipeline.handle(RESIDENT, "菜单", "after-expiry")
    assert outcome.mode == "simple"


async def test_a_mode_change_is_copied_to_redis_with_its_version(
    pipeline: Pipeline, profile_store: ProfileStore, real_redis: Redis
) -> None:
    await pipeline.handle(RESIDENT, "简单模式", "mode-1")
    await pipeline.handle(RESIDENT, "语音模式", "mode-2")

    assert await real_redis.get(ProfileMirror(real_redis).key(RESIDENT)) == b"2|voice|0"


async def test_while_the_copy_is_complete_a_newcomer_costs_no_database_read(
    real_redis: Redis, case_store: CaseStore, catalog: Catalog
) -> None:
    # The profile store points at a port where no database listens: reading it would fail the message.
    dead_engine = create_engine("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere")
    unreachable = ProfileStore(create_sessionmaker(dead_engine))
    await ProfileMirror(real_redis).mark_complete()

    outcome = await make_pipeline(real_redis, case_store, unreachable, catalog).handle(RESIDENT, "你好", "hello")
    await dead_engine.dispose()

    assert not outcome.failed
    assert outcome.mode == "text"


async def test_a_first_message_is_answered_in_the_mode_the_copy_holds(pipeline: Pipeline, real_redis: Redis) -> None:
    mirror = ProfileMirror(real_redis)
    await mirror.put(RESIDENT, Profile(mode="voice", speech_rate=-1), 3)

    outcome = await pipeline.handle(RESIDENT, "你好", "hello")

    assert (outcome.mode, outcome.speech_rate) == ("voice", -1)


async def test_without_a_complete_copy_the_profile_is_read_from_sql_and_copied(
    pipeline: Pipeline, profile_store: ProfileStore, real_redis: Redis
) -> None:
    version = await profile_store.save(RESIDENT.channel, RESIDENT.user_id, Profile(mode="simple", speech_rate=1))
    newcomer = UserKey(RESIDENT.channel, "resident-without-profile")

    outcome = await pipeline.handle(RESIDENT, "你好", "hello")
    await pipeline.handle(newcomer, "你好", "hello")

    mirror = ProfileMirror(real_redis)
    assert outcome.mode == "simple"
    assert await real_redis.get(mirror.key(RESIDENT)) == f"{version}|simple|1".encode()
    assert await real_redis.get(mirror.key(newcomer)) == b"0|"  # "none in SQL", remembered too


@pytest.mark.parametrize(
    "message",
    [
        "",
        " ",
        "x" * 5000,
        "😀😀😀",
        "\x00\x07\x1b[2J",
        "'; DROP TABLE cases;--",
        "<script>alert(1)</script>",
        "Привет 你好 مرحبا",
    ],
    ids=["empty", "blank", "5000-chars", "emoji", "control", "sql", "html", "mixed-scripts"],
)
async def test_any_text_gets_a_helpful_reply(pipeline: Pipeline, message: str) -> None:
    outcome = await pipeline.handle(RESIDENT, message, "odd")
    assert outcome.replies
    assert not outcome.failed
    assert all(reply.text for reply in outcome.replies)


async def test_a_voice_message_is_recognised_under_the_lock_listening_for_the_open_questions_answers(
    pipeline: Pipeline,
) -> None:
    await say_all(pipeline, ("你好", "我想申请生活补贴"))
    asked_for: list[list[str] | None] = []

    async def transcribe(phrases: list[str] | None) -> Heard | None:
        asked_for.append(phrases)
        return Heard("给我自己申请", 0.92)

    outcome = await pipeline.handle_voice(RESIDENT, "voice-1", transcribe)

    assert asked_for[0] is not None
    assert "给我自己申请" in asked_for[0]
    assert "残疾人证" in outcome.replies[-1].text


async def test_a_voice_message_nobody_could_recognise_asks_to_say_it_again(pipeline: Pipeline) -> None:
    await say_all(pipeline, ("你好", "我想申请生活补贴"))

    async def transcribe(_phrases: list[str] | None) -> Heard | None:
        return None

    outcome = await pipeline.handle_voice(RESIDENT, "voice-2", transcribe)

    assert "没有听清" in outcome.replies[0].text
    assert not outcome.failed


async def test_a_retried_voice_message_is_not_recognised_twice(pipeline: Pipeline) -> None:
    calls = 0

    async def transcribe(_phrases: list[str] | None) -> Heard | None:
        nonlocal calls
        calls += 1
        return Heard("护理补贴", 0.9)

    first = await pipeline.handle_voice(RESIDENT, "voice-3", transcribe)
    again = await pipeline.handle_voice(RESIDENT, "voice-3", transcribe)

    assert calls == 1
    assert again.duplicate
    assert again.replies == first.replies


async def test_asking_how_my_application_is_going_reports_each_of_my_cases(
    pipeline: Pipeline, case_store: CaseStore, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    nothing_yet = await pipeline.handle(RESIDENT, "我的申请怎么样了", "s0")
    assert "还没有在这里提交过申请" in nothing_yet.replies[-1].text

    await say_all(pipeline, LIVING_ALLOWANCE_FOR_MYSELF)
    (case_id,) = (await pipeline.handle(RESIDENT, CONFIRM, "confirm")).case_ids
    first = await pipeline.handle(RESIDENT, "我的申请怎么样了", "s1")
    assert first.replies[0].text == f"编号{case_id}，生活补贴：已经收到，正在等工作人员处理。"

    staff = await add_staff(sessionmaker, "wang")
    await case_store.claim(case_id, staff=staff)
    claimed = await pipeline.handle(RESIDENT, "申请进度", "s2")
    assert claimed.replies[0].text == f"编号{case_id}，生活补贴：工作人员正在办理。"

    repeated = await pipeline.handle(RESIDENT, "重复", "s3")
    assert repeated.replies[0].text == claimed.replies[0].text


async def test_asking_whether_it_was_approved_tells_what_came_of_the_case_in_plain_words(
    pipeline: Pipeline, case_store: CaseStore, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await say_all(pipeline, LIVING_ALLOWANCE_FOR_MYSELF)
    (case_id,) = (await pipeline.handle(RESIDENT, CONFIRM, "confirm")).case_ids
    staff = await add_staff(sessionmaker, "wang")
    await case_store.claim(case_id, staff=staff)
    await case_store.resolve(case_id, staff=staff, outcome="approved", note="")

    answer = await pipeline.handle(RESIDENT, "批了没有", "s1")

    assert answer.replies[0].text == f"编号{case_id}，生活补贴：已经办结，申请通过了。"


@pytest.mark.parametrize("kept_as", ["conversation", "outcome"])
async def test_a_key_of_another_type_where_state_belongs_is_read_as_nothing_and_replaced(
    pipeline: Pipeline, real_redis: Redis, kept_as: str
) -> None:
    # Someone else's data (or an old layout) under the person's key must not lock them out for good.
    name = RESIDENT.redis_key("conversation") if kept_as == "conversation" else f"{RESIDENT.redis_key('outcome')}:m0"
    await real_redis.rpush(name, b"not ours")

    first = await pipeline.handle(RESIDENT, "你好", "m0")
    second = await pipeline.handle(RESIDENT, "我想申请生活补贴", "m1")

    assert first.replies
    assert not first.duplicate
    assert "生活补贴" in second.replies[0].text
    assert await real_redis.type(name) == b"string"
    assert await real_redis.get(RESIDENT.redis_key("lock")) is None


async def test_a_conversation_saved_by_the_previous_version_goes_on_where_it_was(
    pipeline: Pipeline, real_redis: Redis
) -> None:
    # Before pending questions were values: the kind's name, its data in a loose field beside it.
    await say_all(pipeline, ("你好",))
    saved = await stored_conversation(real_redis, pipeline, RESIDENT)
    assert saved is not None
    old = {**saved, "pending": "offer", "offer": "nursing-allowance", "heard": "", "reading": [], "offers": []}
    await real_redis.set(pipeline.conversations.key_for(RESIDENT), json.dumps(old, ensure_ascii=False))

    accepted = await pipeline.handle(RESIDENT, "好的", "m9")

    assert "护理补贴" in accepted.replies[0].text
    now = await stored_conversation(real_redis, pipeline, RESIDENT)
    assert now is not None
    assert now["application"]["service"] == "nursing-allowance"
    assert "offer" not in now


async def test_a_resident_who_keeps_saying_i_dont_know_gets_one_request_for_a_person_not_one_each_time(
    pipeline: Pipeline, case_store: CaseStore, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    lost = ("你好", "我想申请生活补贴", "给我自己", *("不知道",) * 12)
    outcomes = await say_all(pipeline, lost)
    (case_id,) = [case for outcome in outcomes for case in outcome.case_ids]
    assert await count_cases(sessionmaker) == 1

    again = await pipeline.handle(RESIDENT, "还是转人工吧", "h1")

    assert again.case_ids == ()
    assert again.replies[0].text.startswith(f"您要找工作人员的请求已经在办了，编号是{case_id}。")
    assert await count_cases(sessionmaker) == 1
    detail = await case_store.get(case_id, actor="test")
    said = [event.detail.get("text") for event in detail.events if event.kind == "resident_said"]
    assert "还是转人工吧" in said


async def test_once_staff_have_closed_the_request_asking_for_a_person_files_a_new_one(
    pipeline: Pipeline, case_store: CaseStore, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await pipeline.handle(RESIDENT, "转人工", "h0")
    (first,) = (await pipeline.handle(RESIDENT, "孩子上学的事", "h1")).case_ids
    told = await pipeline.handle(RESIDENT, "人工", "h2")
    assert f"编号是{first}" in told.replies[0].text
    assert told.case_ids == ()
    staff = await add_staff(sessionmaker, "li", teams=("hotline",))
    await case_store.claim(first, staff=staff)
    await case_store.resolve(first, staff=staff, outcome="answered", note="")

    started = await pipeline.handle(RESIDENT, "转人工", "h3")
    filed = await pipeline.handle(RESIDENT, "又有别的事", "h4")

    assert started.case_ids == ()
    assert "找工作人员" in started.replies[0].text
    (second,) = filed.case_ids
    assert second != first
    assert await count_cases(sessionmaker) == 2
