"""The monthly report and the exports: supervisors and admins only, personal numbers masked unless an
admin gives a reason, and every export in the audit."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook

from bot.staff.audit import AuditQuery, StaffAudit
from tests.bot.staff.console.conftest import ID_NUMBER, PHONE, Console


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    """These pages and forms run on SQLite only, to keep the suite quick:
    the figures' SQL runs on both in tests/bot/staff/dashboard."""
    return sqlite_database_url


def _today() -> str:
    return (datetime.now(UTC) + timedelta(hours=8)).date().isoformat()


def _form(**fields: str) -> dict[str, str]:
    return {"what": "cases", "format": "csv", "from": _today(), "to": _today(), **fields}


def _audit(console: Console) -> StaffAudit:
    return StaffAudit(console.cases.sessionmaker, console.cases.cipher)


async def _export(console: Console, **fields: str) -> tuple[int, bytes, str]:
    token = await console.csrf("/staff/help")
    response = await console.client.post("/staff/export", data={"csrf": token, **_form(**fields)})
    return response.status, await response.read(), response.headers.get("Content-Disposition", "")


async def test_an_agent_can_neither_see_the_report_nor_export(console: Console) -> None:
    await console.add_user("anna")
    await console.login("anna")
    assert (await console.client.get("/staff/reports")).status == 403
    status, body, _ = await _export(console)
    assert status == 403
    assert "没有这个页面的权限" in body.decode()
    assert [entry.action for entry in await _audit(console).search(AuditQuery(actor="anna"))] == ["login"]  # no export


async def test_a_supervisor_exports_a_masked_case_list_and_the_export_is_audited(console: Console) -> None:
    await console.add_user("sara", "supervisor", ())
    case_id = await console.new_case()
    await console.login("sara")
    status, body, disposition = await _export(console)
    assert status == 200
    assert disposition.startswith("attachment;")
    text = body.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["编号", "服务", "组"]
    assert rows[1][0] == str(case_id)
    assert "韦小明" not in text
    assert PHONE not in text
    assert ID_NUMBER not in text
    [entry, _login] = await _audit(console).search(AuditQuery(actor="sara"))  # newest first
    assert entry.action == "export"
    assert entry.detail["rows"] == 1
    assert entry.detail["unmasked"] is False


async def test_only_an_admin_with_a_reason_gets_the_numbers_and_each_case_records_it(console: Console) -> None:
    await console.add_user("sara", "supervisor", ())
    await console.add_user("adam", "admin", ())
    case_id = await console.new_case()
    await console.login("sara")
    status, _, _ = await _export(console, unmask="yes", reason="居民申请复核材料")
    assert status == 403
    await console.login("adam")
    status, body, _ = await _export(console, unmask="yes", reason="")
    assert status == 400
    assert "要写明原因" in body.decode()
    status, body, _ = await _export(console, unmask="yes", reason="居民申请复核材料")
    assert status == 200
    text = body.decode("utf-8-sig")
    assert PHONE in text
    assert ID_NUMBER in text
    assert "韦小明" in text
    entries = await _audit(console).search(AuditQuery(actor="adam"))
    found = sorted((e.action, e.case_id or 0) for e in entries)
    assert found == [("export", 0), ("login", 0), ("numbers_exported", case_id)]
    export = next(e for e in entries if e.action == "export")
    assert export.reason == "居民申请复核材料"
    assert export.detail["unmasked"] is True


async def test_an_xlsx_export_and_the_monthly_summary(console: Console) -> None:
    await console.add_user("sara", "supervisor", ())
    await console.new_case()
    await console.login("sara")
    status, body, _ = await _export(console, format="xlsx")
    assert status == 200
    sheet = load_workbook(io.BytesIO(body)).active
    assert [cell.value for cell in sheet[1]][:2] == ["编号", "服务"]
    assert sheet.max_row == 2
    status, body, _ = await _export(console, what="summary")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert ["申请", "合计", "1"] in rows


async def test_the_monthly_report_page_names_the_month(console: Console) -> None:
    await console.add_user("sara", "supervisor", ())
    await console.login("sara")
    response = await console.client.get("/staff/reports?month=2026-11")
    page = await response.text()
    assert response.status == 200
    assert "<h1>月度报告：2026 年 11 月</h1>" in page
    assert 'name="unmask"' not in page  # a supervisor is not offered the numbers
    response = await console.client.get("/staff/reports?month=November")
    assert response.status == 400
