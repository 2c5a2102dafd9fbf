"""Private notes and contact preferences on a case: staff-only, encrypted, with who and when."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.case_notes import notes_of, preference_of
from bot.cases.conversation import CaseConversations, case_messages
from bot.cases.errors import CaseForbidden, CaseNotFound, InvalidRequest
from bot.cases.models import CaseEventRow
from bot.cases.store import CaseStore
from bot.cases.types import StaffUser
from bot.security.crypto import Cipher
from tests.bot.cases.factories import add_staff, new_case


@pytest.fixture
def store(sessionmaker: async_sessionmaker[AsyncSession], cipher: Cipher) -> CaseStore:
    return CaseStore(sessionmaker, cipher)


async def test_a_note_is_kept_encrypted_with_its_author_and_never_joins_the_conversation(
    store: CaseStore, sessionmaker: async_sessionmaker[AsyncSession], agent: StaffUser
) -> None:
    case_id, _ = await store.create(new_case())
    note = await store.add_note(case_id, staff=agent, text="居民是聋人，家访时带手语翻译")
    assert (note.author, note.text) == ("li.agent", "居民是聋人，家访时带手语翻译")
    async with sessionmaker() as session:
        row = await session.scalar(select(CaseEventRow).where(CaseEventRow.id == note.id))
    assert row is not None
    assert row.body_enc is not None
    assert "手语".encode() not in row.body_enc
    assert "手语" not in str(row.detail)
    detail = await store.get(case_id, actor="li.agent")
    [shown] = notes_of(detail)
    assert (shown.author, shown.text, shown.at) == ("li.agent", note.text, note.at)
    assert all("手语" not in message["text"] for message in case_messages(detail))


async def test_only_staff_who_see_the_case_write_notes_and_blank_ones_are_refused(
    store: CaseStore, sessionmaker: async_sessionmaker[AsyncSession], agent: StaffUser
) -> None:
    case_id, _ = await store.create(new_case())
    legal = await add_staff(sessionmaker, "qin.legal", teams=("legal",))
    with pytest.raises(CaseForbidden):
        await store.add_note(case_id, staff=legal, text="看一下")
    with pytest.raises(InvalidRequest):
        await store.add_note(case_id, staff=agent, text="   ")
    with pytest.raises(CaseNotFound):
        await store.add_note(99999, staff=agent, text="看一下")


async def test_a_preference_said_while_applying_is_recorded_with_the_new_case(store: CaseStore) -> None:
    transcript = [
        {"who": "bot", "text": "请说一下您的电话"},
        {"who": "resident", "text": "我听不见，别打电话，有事发微信"},
    ]
    case_id, _ = await store.create(new_case(transcript=transcript))
    record = preference_of(await store.get(case_id, actor="li.agent"))
    assert record is not None
    assert (record.preference, record.source, record.heard) == (
        "text_only",
        "resident",
        "我听不见，别打电话，有事发微信",
    )
    assert await store.contact_preferences([case_id]) == {case_id: "text_only"}


async def test_a_case_whose_resident_said_nothing_about_contact_has_no_preference(store: CaseStore) -> None:
    case_id, _ = await store.create(new_case(transcript=[{"who": "resident", "text": "我想申请生活补贴"}]))
    assert preference_of(await store.get(case_id, actor="li.agent")) is None
    assert await store.contact_preferences([case_id]) == {}


async def test_staff_change_the_preference_and_the_latest_word_counts(
    store: CaseStore, sessionmaker: async_sessionmaker[AsyncSession], cipher: Cipher, agent: StaffUser
) -> None:
    case_id, _ = await store.create(new_case(transcript=[{"who": "resident", "text": "找我女儿"}]))
    other, _ = await store.create(new_case())
    assert await store.contact_preferences([case_id, other]) == {case_id: "via_family"}
    await store.set_contact_preference(case_id, staff=agent, preference="may_call")
    record = preference_of(await store.get(case_id, actor="li.agent"))
    assert record is not None
    assert (record.preference, record.source, record.actor) == ("may_call", "staff", "li.agent")
    # Later, in the conversation with staff, the resident says otherwise: that is the latest word.
    await store.claim(case_id, staff=agent)
    talk = CaseConversations(sessionmaker, cipher)
    await talk.resident_said(case_id, "我耳朵聋，别打电话")
    await talk.resident_said(case_id, "别打电话")  # the same again: not recorded twice
    assert await store.contact_preferences([case_id]) == {case_id: "text_only"}
    events = (await store.get(case_id, actor="li.agent")).events
    assert [e.detail["source"] for e in events if e.kind == "contact_preference"] == ["resident", "staff", "resident"]
    await store.set_contact_preference(case_id, staff=agent, preference=None)
    assert await store.contact_preferences([case_id]) == {}
    with pytest.raises(InvalidRequest):
        await store.set_contact_preference(case_id, staff=agent, preference="carrier_pigeon")
