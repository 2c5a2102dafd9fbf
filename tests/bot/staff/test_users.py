"""Staff accounts: who may be created, and who may log in."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cases.errors import CaseConflict, CaseNotFound, InvalidRequest
from bot.security.passwords import needs_rehash
from bot.staff.users import StaffUserStore, UserExists, UserNotFound

PASSWORD = "correct horse battery"


async def test_a_new_user_can_log_in(staff_users: StaffUserStore) -> None:
    added = await staff_users.add("li.agent", PASSWORD, "agent", ["subsidy", "rehab"])
    assert (added.username, added.role, added.teams, added.active) == ("li.agent", "agent", ("subsidy", "rehab"), True)
    assert await staff_users.authenticate("li.agent", PASSWORD) == added


async def test_the_password_is_stored_as_an_argon2_hash(staff_users: StaffUserStore, engine: AsyncEngine) -> None:
    await staff_users.add("li.agent", PASSWORD, "agent", ["subsidy"])
    async with engine.connect() as connection:
        stored = (await connection.execute(text("SELECT password_hash FROM staff_users"))).scalar_one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


async def test_a_wrong_password_or_unknown_user_does_not_log_in(staff_users: StaffUserStore) -> None:
    await staff_users.add("li.agent", PASSWORD, "agent", ["subsidy"])
    assert await staff_users.authenticate("li.agent", "wrong horse battery") is None
    assert await staff_users.authenticate("nobody", PASSWORD) is None
    assert await staff_users.authenticate("li.agent", "x" * 10_000) is None
    assert await staff_users.authenticate("li.agent\x00", PASSWORD) is None


async def test_a_deactivated_user_cannot_log_in_until_reactivated(staff_users: StaffUserStore) -> None:
    added = await staff_users.add("li.agent", PASSWORD, "agent", ["subsidy"])
    deactivated = await staff_users.set_active(added.id, False)
    assert deactivated.active is False
    assert await staff_users.authenticate("li.agent", PASSWORD) is None
    await staff_users.set_active(added.id, True)
    assert await staff_users.authenticate("li.agent", PASSWORD) is not None


async def test_users_are_found_by_id(staff_users: StaffUserStore) -> None:
    added = await staff_users.add("wang.admin", PASSWORD, "admin", [])
    assert await staff_users.get(added.id) == added
    assert await staff_users.get(added.id + 1) is None


async def test_activating_a_missing_user_is_not_found(staff_users: StaffUserStore) -> None:
    with pytest.raises(UserNotFound) as caught:
        await staff_users.set_active(404, True)
    assert isinstance(caught.value, CaseNotFound)


async def test_a_username_can_be_used_once(staff_users: StaffUserStore) -> None:
    await staff_users.add("li.agent", PASSWORD, "agent", ["subsidy"])
    with pytest.raises(UserExists) as caught:
        await staff_users.add("li.agent", "another password", "agent", ["legal"])
    assert isinstance(caught.value, CaseConflict)
    assert caught.value.code == "user_exists"


async def test_duplicate_teams_are_kept_once(staff_users: StaffUserStore) -> None:
    added = await staff_users.add("li.agent", PASSWORD, "agent", ["legal", "legal", "rehab"])
    assert added.teams == ("legal", "rehab")


@pytest.mark.parametrize(
    ("username", "password", "role", "teams", "code"),
    [
        ("li", PASSWORD, "agent", ["subsidy"], "bad_username"),
        ("l" * 41, PASSWORD, "agent", ["subsidy"], "bad_username"),
        ("li agent", PASSWORD, "agent", ["subsidy"], "bad_username"),
        ("李明", PASSWORD, "agent", ["subsidy"], "bad_username"),
        ("li.agent", "short", "agent", ["subsidy"], "bad_password"),
        ("li.agent", PASSWORD, "boss", ["subsidy"], "unknown_role"),
        ("li.agent", PASSWORD, "agent", ["kitchen"], "unknown_team"),
        ("li.agent", PASSWORD, "agent", "subsidy", "unknown_team"),
    ],
)
async def test_invalid_accounts_are_refused_with_a_clear_reason(
    staff_users: StaffUserStore, username: str, password: str, role: str, teams: list[str], code: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await staff_users.add(username, password, role, teams)
    assert caught.value.code == code
    assert caught.value.message


async def test_a_weak_old_hash_is_upgraded_at_the_next_login(staff_users: StaffUserStore, engine: AsyncEngine) -> None:
    added = await staff_users.add("li.agent", PASSWORD, "agent", ["subsidy"])
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    async with engine.begin() as connection:
        await connection.execute(text("UPDATE staff_users SET password_hash = :h"), {"h": weak})
    assert await staff_users.authenticate("li.agent", PASSWORD) == added
    async with engine.connect() as connection:
        stored = (await connection.execute(text("SELECT password_hash FROM staff_users"))).scalar_one()
    assert stored != weak
    assert not needs_rehash(stored)
