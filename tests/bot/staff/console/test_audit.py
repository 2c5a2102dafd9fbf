"""The audit page (审计): administrators only, read-only, and it finds every view, showing of numbers,
reply, transfer, resolve and export, by staff member, case and date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from tests.bot.staff.console.conftest import PASSWORD, PHONE, Console


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    """These pages and forms run on SQLite only, to keep the suite quick:
    the audit search runs on both in tests/bot/test_retention_job.py."""
    return sqlite_database_url


def _today() -> str:
    return (datetime.now(UTC) + timedelta(hours=8)).date().isoformat()


async def test_only_an_admin_reads_the_audit(console: Console) -> None:
    await console.add_user("anna")
    await console.add_user("sara", "supervisor", ())
    for name in ("anna", "sara"):
        await console.login(name)
        assert (await console.client.get("/staff/audit")).status == 403


async def test_every_kind_of_work_on_a_case_and_every_export_is_found(console: Console) -> None:
    await console.add_user("sara", "supervisor", ())
    await console.add_user("adam", "admin", ())
    case_id = await console.new_case()
    page = f"/staff/cases/{case_id}"
    await console.login("sara")
    steps: list[tuple[str, dict[str, str]]] = [
        ("reveal", {}),
        ("claim", {"seen": "new||subsidy"}),
        ("reply", {"seen": "claimed|sara|subsidy", "text": "请带上残疾人证。"}),
        ("transfer", {"seen": "claimed|sara|subsidy", "team": "rehab", "reason": "需要康复评估"}),
        ("claim", {"seen": "new||rehab"}),
        ("resolve", {"seen": "claimed|sara|rehab", "outcome": "approved", "note": ""}),
    ]
    for action, fields in steps:
        status, text = await console.post(f"{page}/{action}", fields, page=page)
        assert status == 200, text
    token = await console.csrf("/staff/help")
    export = await console.client.post(
        "/staff/export", data={"csrf": token, "what": "cases", "format": "csv", "from": _today(), "to": _today()}
    )
    assert export.status == 200
    await console.login("adam")
    found = await (await console.client.get("/staff/audit", params={"staff": "sara"})).text()
    for words in (
        "查看案件",
        "查看了完整号码",
        "认领",
        "回复居民",
        "转交",
        "补贴组 → 康复组",
        "办结",
        "申请已受理或批准",
    ):
        assert f"<td>{words}</td>" in found, words
    assert "案件清单，csv，1 行" in found
    assert PHONE not in found
    assert "请带上残疾人证" not in found  # what was said stays in the case, not in the audit
    by_case = await (await console.client.get("/staff/audit", params={"case": str(case_id)})).text()
    assert "<td>导出</td>" not in by_case
    assert "<td>回复居民</td>" in by_case
    long_ago = await (
        await console.client.get("/staff/audit", params={"from": "2020-01-01", "to": "2020-01-31"})
    ).text()
    assert "没有找到符合的记录" in long_ago


async def test_the_audit_page_cannot_change_anything(console: Console) -> None:
    await console.add_user("adam", "admin", ())
    await console.login("adam")
    page = await (await console.client.get("/staff/audit")).text()
    assert page.count('method="post"') == 1  # logging out
    assert (await console.client.post("/staff/audit")).status == 405


async def test_a_bad_search_is_answered_plainly(console: Console) -> None:
    await console.add_user("adam", "admin", ())
    await console.login("adam")
    for params, words in (
        ({"staff": "a b"}, "用户名不对"),
        ({"case": "abc"}, "要写数字"),
        ({"from": "x"}, "日期格式不对"),
    ):
        response = await console.client.get("/staff/audit", params=params)
        assert response.status == 400
        assert words in await response.text()


async def test_logins_logouts_failed_logins_and_password_changes_are_in_the_audit_never_a_password(
    console: Console,
) -> None:
    await console.add_user("sara", "supervisor", ())
    await console.add_user("adam", "admin", ())
    await console.login("sara")
    await console.post("/staff/logout", {})
    token = await console.csrf()
    typed = "my-secret-pass-typed-as-name"
    failed = await console.client.post("/staff/login", data={"csrf": token, "username": typed, "password": "x" * 12})
    assert failed.status == 401
    await console.login("sara")
    status, _ = await console.post(
        "/staff/password", {"current": "wrong-password-1", "new": "n" * 12, "again": "n" * 12}, page="/staff/password"
    )
    assert status == 400
    status, _ = await console.post(
        "/staff/password", {"current": PASSWORD, "new": "n" * 12, "again": "n" * 12}, page="/staff/password"
    )
    assert status == 200
    api = await console.client.post("/staff/api/login", json={"username": typed, "password": "y" * 12})
    assert api.status == 401
    assert (await console.client.post("/staff/api/login", json={"username": "sara", "password": "n" * 12})).ok
    assert (await console.client.post("/staff/api/logout")).ok
    await console.login("adam")
    found = await (await console.client.get("/staff/audit", params={"from": _today(), "to": _today()})).text()
    for words in ("登录", "退出登录", "登录失败", "改密码时现在的密码输错", "改了自己的密码", "工作台", "接口"):
        assert f"<td>{words}</td>" in found, words
    assert found.count("输入的用户名代号") == 2
    assert typed not in found
    by_sara = await (await console.client.get("/staff/audit", params={"staff": "sara"})).text()
    assert "<td>退出登录</td>" in by_sara
    assert "<td>登录失败</td>" not in by_sara  # a failed login names no one
    async with console.cases.sessionmaker() as session:
        stored = " ".join(str(row) for row in (await session.execute(text("SELECT * FROM staff_audit"))).all())
    for secret in (typed, PASSWORD, "x" * 12, "y" * 12, "n" * 12, "wrong-password-1"):
        assert secret not in stored
