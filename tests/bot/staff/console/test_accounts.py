"""Staff accounts in the console (账号): administrators only; a new or reset account chooses its own
password at next login; disabled, never deleted; every change in the audit, never a password."""

from __future__ import annotations

import pytest

from bot.staff.audit import AuditQuery, StaffAudit
from tests.bot.staff.console.conftest import PASSWORD, Console

NEW_PASSWORD = "my-own-new-password"
TEMPORARY = "temporary-password-1"


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    """These pages and forms run on SQLite only, to keep the suite quick:
    accounts are plain rows."""
    return sqlite_database_url


def _audit(console: Console) -> StaffAudit:
    return StaffAudit(console.cases.sessionmaker, console.cases.cipher)


async def _user_id(console: Console, username: str) -> int:
    return next(user.id for user in await console.users.all() if user.username == username)


async def test_only_an_admin_reaches_the_accounts_pages(console: Console) -> None:
    await console.add_user("anna")
    await console.add_user("sara", "supervisor", ())
    for name in ("anna", "sara"):
        await console.login(name)
        assert (await console.client.get("/staff/accounts")).status == 403
        assert (await console.client.get(f"/staff/accounts/{await _user_id(console, name)}")).status == 403
        status, _ = await console.post("/staff/accounts", {"username": "x-new", "password": TEMPORARY, "role": "admin"})
        assert status == 403
    assert len(await console.users.all()) == 2


async def test_a_new_account_sets_its_own_password_at_first_login(console: Console) -> None:
    await console.add_user("adam", "admin", ())
    await console.login("adam")
    status, page = await console.post(
        "/staff/accounts",
        {"username": "bella", "password": TEMPORARY, "role": "agent", "teams": "rehab"},
        page="/staff/accounts",
    )
    assert status == 200
    assert "账号已建好" in page
    [entry, login] = await _audit(console).search(AuditQuery(actor="adam"))  # newest first
    assert login.action == "login"
    assert (entry.action, entry.detail) == (
        "account_created",
        {"username": "bella", "role": "agent", "teams": ["rehab"]},
    )
    assert TEMPORARY not in str(entry)
    # The API refuses the temporary password's session; the console asks for a new password first.
    api = await console.client.post("/staff/api/login", json={"username": "bella", "password": TEMPORARY})
    assert api.status == 403
    assert (await api.json())["error"]["code"] == "password_change_required"
    await console.login("bella", TEMPORARY)
    queue = await console.client.get("/staff/", allow_redirects=False)
    assert (queue.status, queue.headers["Location"]) == (303, "/staff/password")
    status, page = await console.post(
        "/staff/password", {"current": TEMPORARY, "new": NEW_PASSWORD, "again": NEW_PASSWORD}, page="/staff/password"
    )
    assert status == 200
    assert "新密码已保存" in page
    assert "<h1>案件队列</h1>" in page
    assert await console.users.authenticate("bella", NEW_PASSWORD) is not None


async def test_bad_accounts_are_refused_with_the_reason(console: Console) -> None:
    await console.add_user("adam", "admin", ())
    await console.login("adam")
    status, page = await console.post("/staff/accounts", {"username": "bella", "password": "short", "role": "agent"})
    assert status == 400
    assert "密码要 10 到" in page
    status, page = await console.post("/staff/accounts", {"username": "a b", "password": TEMPORARY, "role": "agent"})
    assert status == 400
    status, page = await console.post("/staff/accounts", {"username": "adam", "password": TEMPORARY, "role": "agent"})
    assert status == 409
    assert "已经有人用了" in page


async def test_reset_disable_and_enable_are_audited(console: Console) -> None:
    await console.add_user("adam", "admin", ())
    await console.add_user("anna")
    anna = await _user_id(console, "anna")
    await console.login("adam")
    status, page = await console.post(f"/staff/accounts/{anna}/password", {"password": TEMPORARY})
    assert "密码已重设" in page
    user = await console.users.get(anna)
    assert user is not None
    assert user.must_change_password
    status, page = await console.post(f"/staff/accounts/{anna}/role", {"role": "supervisor", "teams": "legal"})
    assert "角色和组已保存" in page
    status, page = await console.post(f"/staff/accounts/{anna}/active", {"active": "no"})
    assert "账号已停用" in page
    assert await console.users.authenticate("anna", TEMPORARY) is None
    status, page = await console.post(f"/staff/accounts/{await _user_id(console, 'adam')}/active", {"active": "no"})
    assert status == 400
    assert "不能停用自己的账号" in page
    actions = [entry.action for entry in await _audit(console).search(AuditQuery(actor="adam"))]
    assert sorted(actions) == ["account_disabled", "account_role", "login", "password_reset"]


async def test_a_wrong_current_password_is_refused_and_counted(console: Console) -> None:
    await console.add_user("anna")
    await console.login("anna")
    status, page = await console.post(
        "/staff/password", {"current": "not-my-password", "new": NEW_PASSWORD, "again": NEW_PASSWORD}
    )
    assert status == 400
    assert "现在的密码不对" in page
    status, page = await console.post("/staff/password", {"current": PASSWORD, "new": NEW_PASSWORD, "again": "other"})
    assert "两次输入的新密码不一样" in page
