"""Paged listings and search: a cursor continues exactly where the last page ended; search finds a case by
its number, a name, or the last digits of a phone or ID number, although all of those are encrypted."""

from __future__ import annotations

import pytest

from bot.cases.errors import InvalidRequest
from bot.cases.paging import Cursor
from bot.cases.store import CaseStore
from bot.cases.types import StaffUser
from tests.bot.cases.factories import ID_NUMBER, NAME, PHONE, PROXY_NAME, new_case


async def test_pages_follow_the_queue_order_without_repeats_or_gaps(case_store: CaseStore) -> None:
    ids = [(await case_store.create(new_case(urgent=n % 3 == 0)))[0] for n in range(7)]
    expected = [case.id for case in await case_store.list()]
    assert sorted(expected) == sorted(ids)
    seen: list[int] = []
    cursor: Cursor | None = None
    pages = 0
    while True:
        page, cursor = await case_store.page(limit=3, after=cursor)
        seen += [case.id for case in page]
        pages += 1
        if cursor is None:
            break
        cursor = Cursor.decode(cursor.encode())  # as it travels through a URL
    assert seen == expected
    assert pages == 3


async def test_a_case_filed_between_pages_does_not_shift_the_next_page(case_store: CaseStore) -> None:
    first = [(await case_store.create(new_case()))[0] for _ in range(4)]
    page, cursor = await case_store.page(limit=2)
    await case_store.create(new_case())  # newest, sorts last
    rest, _ = await case_store.page(limit=2, after=cursor)
    assert [case.id for case in page + rest] == first


async def test_the_last_page_has_no_cursor(case_store: CaseStore) -> None:
    await case_store.create(new_case())
    page, cursor = await case_store.page(limit=1)
    assert len(page) == 1
    assert cursor is None


async def test_search_by_case_number(case_store: CaseStore) -> None:
    await case_store.create(new_case())
    wanted, _ = await case_store.create(new_case(beneficiary_name="黄大伟", proxy=None))
    page, _ = await case_store.page(query=str(wanted))
    assert [case.id for case in page] == [wanted]


@pytest.mark.parametrize(
    "query", [NAME, NAME[1:], PROXY_NAME, PHONE[-4:], PHONE[-7:], ID_NUMBER[-6:], " " + PHONE[-4:]]
)
async def test_search_by_name_or_number_tail(case_store: CaseStore, query: str) -> None:
    wanted, _ = await case_store.create(new_case())
    other, _ = await case_store.create(
        new_case(beneficiary_name="黄大伟", proxy=None, contact_phone="13500000000", answers={"id_number": "x"})
    )
    page, _ = await case_store.page(query=query)
    assert [case.id for case in page] == [wanted]
    assert other != wanted


async def test_an_id_number_ending_in_x_is_found_by_its_tail_in_either_case(case_store: CaseStore) -> None:
    wanted, _ = await case_store.create(new_case(answers={"id_number": "45020219800101123X"}))
    page, _ = await case_store.page(query="1123x")
    assert [case.id for case in page] == [wanted]


async def test_three_digits_are_not_a_number_tail(case_store: CaseStore) -> None:
    await case_store.create(new_case())
    page, _ = await case_store.page(query=PHONE[-3:])
    assert page == []


async def test_search_pages_across_many_non_matching_rows(case_store: CaseStore) -> None:
    wanted = []
    for n in range(12):
        match = n % 4 == 0
        case_id, _ = await case_store.create(new_case(beneficiary_name=NAME if match else "黄大伟", proxy=None))
        if match:
            wanted.append(case_id)
    first, cursor = await case_store.page(query=NAME, limit=2)
    assert cursor is not None
    rest, end = await case_store.page(query=NAME, limit=2, after=cursor)
    assert [case.id for case in first + rest] == wanted
    assert end is None


async def test_search_respects_status_and_visible_teams(case_store: CaseStore, agent: StaffUser) -> None:
    mine, _ = await case_store.create(new_case())
    await case_store.create(new_case(team="legal"))
    await case_store.claim(mine, staff=agent)
    assert [c.id for c in (await case_store.page(query=NAME, teams_visible=["subsidy"]))[0]] == [mine]
    assert (await case_store.page(query=NAME, status="new", teams_visible=["subsidy"]))[0] == []


@pytest.mark.parametrize("query", ["", "   ", "张" * 41])
async def test_a_blank_or_overlong_query_is_refused(case_store: CaseStore, query: str) -> None:
    with pytest.raises(InvalidRequest):
        await case_store.page(query=query)


@pytest.mark.parametrize("text", ["", "not-base64!", "W10", "eyJhIjoxfQ", "x" * 300])
def test_a_forged_cursor_is_refused(text: str) -> None:
    with pytest.raises(InvalidRequest):
        Cursor.decode(text)


async def test_contacts_of_many_cases_in_one_call(case_store: CaseStore) -> None:
    first, _ = await case_store.create(new_case(user_ref="o6_a"))
    second, _ = await case_store.create(new_case(channel="web", user_ref="w_b"))
    assert await case_store.contacts_of([first, second, 999]) == {first: ("wechat", "o6_a"), second: ("web", "w_b")}
    assert await case_store.contacts_of([]) == {}
