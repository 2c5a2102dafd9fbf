"""Queue listings: urgent first, then oldest first, filtered by status, team, service and visibility."""

from __future__ import annotations

import pytest

from bot.cases.errors import InvalidRequest
from bot.cases.store import CaseStore
from bot.cases.types import StaffUser
from tests.bot.cases.factories import new_case


async def test_urgent_cases_come_first_then_the_oldest(case_store: CaseStore) -> None:
    old, _ = await case_store.create(new_case())
    newer, _ = await case_store.create(new_case())
    urgent_newest, _ = await case_store.create(new_case(urgent=True))
    listed = await case_store.list()
    assert [case.id for case in listed] == [urgent_newest, old, newer]


async def test_filters_by_status_team_and_service(case_store: CaseStore, agent: StaffUser) -> None:
    subsidy, _ = await case_store.create(new_case())
    rehab, _ = await case_store.create(new_case(team="rehab", service="wheelchair"))
    claimed, _ = await case_store.create(new_case())
    await case_store.claim(claimed, staff=agent)

    assert [c.id for c in await case_store.list(status="new")] == [subsidy, rehab]
    assert [c.id for c in await case_store.list(team="rehab")] == [rehab]
    assert [c.id for c in await case_store.list(service="living_subsidy")] == [subsidy, claimed]
    assert [c.id for c in await case_store.list(status="claimed", team="subsidy")] == [claimed]


async def test_listing_shows_who_claimed_a_case(case_store: CaseStore, agent: StaffUser) -> None:
    case_id, _ = await case_store.create(new_case())
    await case_store.claim(case_id, staff=agent)
    [listed] = await case_store.list()
    assert listed.claimed_by == "li.agent"
    assert listed.status == "claimed"


async def test_staff_see_only_their_teams(case_store: CaseStore) -> None:
    await case_store.create(new_case(team="legal"))
    rehab, _ = await case_store.create(new_case(team="rehab"))
    hotline, _ = await case_store.create(new_case(team="hotline"))
    visible = await case_store.list(teams_visible=["rehab", "hotline"])
    assert [case.id for case in visible] == [rehab, hotline]
    assert await case_store.list(teams_visible=[]) == []
    assert len(await case_store.list(teams_visible=None)) == 3


async def test_limit_caps_the_listing(case_store: CaseStore) -> None:
    ids = [(await case_store.create(new_case()))[0] for _ in range(3)]
    assert [case.id for case in await case_store.list(limit=2)] == ids[:2]


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({"status": "lost"}, "unknown_status"),
        ({"team": "kitchen"}, "unknown_team"),
        ({"teams_visible": ["kitchen"]}, "unknown_team"),
        ({"teams_visible": "rehab"}, "unknown_team"),
        ({"limit": 0}, "bad_limit"),
        ({"limit": 1001}, "bad_limit"),
    ],
)
async def test_bad_filters_are_refused(case_store: CaseStore, arguments: dict[str, object], code: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await case_store.list(**arguments)  # type: ignore[arg-type]
    assert caught.value.code == code


async def test_a_resident_sees_their_own_cases_newest_first(case_store: CaseStore) -> None:
    first, _ = await case_store.create(new_case())
    second, _ = await case_store.create(new_case())
    await case_store.create(new_case(user_ref="o6_someone_else"))
    await case_store.create(new_case(channel="cli"))
    mine = await case_store.cases_for_user("wechat", "o6_resident_1")
    assert [case.id for case in mine] == [second, first]


async def test_a_resident_without_cases_gets_an_empty_list(case_store: CaseStore) -> None:
    assert await case_store.cases_for_user("wechat", "o6_nobody") == []


async def test_what_came_of_each_resolved_case_is_read_for_status_questions(
    case_store: CaseStore, agent: StaffUser
) -> None:
    approved, _ = await case_store.create(new_case())
    rejected, _ = await case_store.create(new_case())
    waiting, _ = await case_store.create(new_case())
    for case_id, outcome in ((approved, "approved"), (rejected, "rejected")):
        await case_store.claim(case_id, staff=agent)
        await case_store.resolve(case_id, staff=agent, outcome=outcome, note="")

    found = await case_store.outcomes([approved, rejected, waiting])

    assert found == {approved: "approved", rejected: "rejected"}
    assert await case_store.outcomes([]) == {}
