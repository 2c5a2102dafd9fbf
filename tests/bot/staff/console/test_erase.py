"""A resident's request to delete their data: a supervisor erases a finished case's personal data with a
reason, which the audit keeps; agents cannot, and open cases cannot be erased."""

from __future__ import annotations

import pytest

from bot.staff.audit import AuditQuery, StaffAudit
from tests.bot.staff.console.conftest import PHONE, Console


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    """These pages and forms run on SQLite only, to keep the suite quick:
    the erasure's SQL runs on both in tests/bot/cases/test_retention.py."""
    return sqlite_database_url


async def _finished_case(console: Console) -> int:
    case_id = await console.new_case()
    page = f"/staff/cases/{case_id}"
    for action, fields in (
        ("claim", {"seen": "new||subsidy"}),
        ("resolve", {"seen": "claimed|sara|subsidy", "outcome": "approved", "note": ""}),
    ):
        status, text = await console.post(f"{page}/{action}", fields, page=page)
        assert status == 200, text
    return case_id


async def test_a_supervisor_erases_a_finished_case_with_the_residents_reason(console: Console) -> None:
    await console.add_user("sara", "supervisor", ())
    await console.login("sara")
    case_id = await _finished_case(console)
    page = f"/staff/cases/{case_id}"
    assert "应居民要求删除个人信息" in await (await console.client.get(page)).text()
    status, text = await console.post(f"{page}/erase", {"reason": ""}, page=f"{page}/erase")
    assert status == 400
    assert "请写明居民的要求" in text
    status, text = await console.post(f"{page}/erase", {"reason": "居民来电要求删除"}, page=f"{page}/erase")
    assert status == 200
    assert "个人信息已删除" in text
    assert PHONE[-4:] not in text
    entries = await StaffAudit(console.cases.sessionmaker, console.cases.cipher).search(AuditQuery(case_id=case_id))
    erased = [entry for entry in entries if entry.action == "personal_data_erased" and entry.reason]
    assert [(entry.actor, entry.reason) for entry in erased] == [("sara", "居民来电要求删除")]


async def test_an_agent_cannot_and_an_open_case_cannot_be_erased(console: Console) -> None:
    await console.add_user("anna")
    await console.add_user("sara", "supervisor", ())
    case_id = await console.new_case()
    await console.login("anna")
    assert (await console.client.get(f"/staff/cases/{case_id}/erase")).status == 403
    status, _ = await console.post(f"/staff/cases/{case_id}/erase", {"reason": "居民来电要求删除"})
    assert status == 403
    await console.login("sara")
    status, text = await console.post(f"/staff/cases/{case_id}/erase", {"reason": "居民来电要求删除"})
    assert status == 409
    assert "请先办结" in text
