"""How a resident wants to be reached, said outside any request (issue 12), is kept on their open
requests in the real case store: a deaf resident who filed a request and then says "别给我打电话" is
written to, not called."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from bot.cases.case_notes import preference_of
from bot.cases.store import CaseStore
from bot.pipeline import Pipeline
from bot.profiles import ProfileStore
from bot.storage.keys import UserKey
from dialogs.schema import Catalog
from tests.bot.test_pipeline import RESIDENT, catalog, make_pipeline

__all__ = ["catalog"]  # the module's catalog fixture, shared

DEAF = "我耳朵听不见，别给我打电话，有事发文字"


@pytest.fixture
def pipeline(real_redis: Redis, case_store: CaseStore, profile_store: ProfileStore, catalog: Catalog) -> Pipeline:
    return make_pipeline(real_redis, case_store, profile_store, catalog)


async def file_a_request(pipeline: Pipeline, key: UserKey) -> int:
    """A request for a person, filed: its number."""
    await pipeline.handle(key, "转人工", f"{key.user_id}-a")
    (case_id,) = (await pipeline.handle(key, "我想问问补贴的事", f"{key.user_id}-b")).case_ids
    return case_id


async def test_a_text_only_wish_after_filing_is_recorded_on_the_open_request(
    pipeline: Pipeline, case_store: CaseStore, catalog: Catalog
) -> None:
    case_id = await file_a_request(pipeline, RESIDENT)

    outcome = await pipeline.handle(RESIDENT, DEAF, "m2")

    assert outcome.replies[0].text == catalog.prompts.contact_text_only.text
    detail = await case_store.get(case_id, actor="test")
    record = preference_of(detail)
    assert record is not None
    assert record.preference == "text_only"
    assert record.source == "resident"
    assert record.heard == DEAF


async def test_saying_it_again_records_it_once_and_another_residents_requests_are_untouched(
    pipeline: Pipeline, case_store: CaseStore
) -> None:
    mine = await file_a_request(pipeline, RESIDENT)
    theirs = await file_a_request(pipeline, UserKey("cli", "someone-else"))

    await pipeline.handle(RESIDENT, DEAF, "m2")
    await pipeline.handle(RESIDENT, "别打电话，发文字就行", "m3")

    mine_events = [e for e in (await case_store.get(mine, actor="test")).events if e.kind == "contact_preference"]
    assert len(mine_events) == 1
    assert preference_of(await case_store.get(theirs, actor="test")) is None


async def test_a_voice_resident_who_cannot_hear_is_answered_in_text_from_then_on(pipeline: Pipeline) -> None:
    await pipeline.handle(RESIDENT, "语音模式", "m1")

    outcome = await pipeline.handle(RESIDENT, DEAF, "m2")

    assert outcome.mode == "text"
