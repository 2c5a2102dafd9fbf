"""The audit trail (``审计``, administrators only): who viewed a case, showed or exported personal numbers,
replied, transferred, resolved, exported, changed an account; searched by staff member, case and date.
Read-only: the page has a search form and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from bot.staff.audit import SEARCH_LIMIT, AuditEntry, AuditQuery
from bot.staff.console import present
from bot.staff.console.accounts import ADMIN
from bot.staff.console.dashboard_view import OUTCOME_LABELS
from bot.staff.console.pages import Refusal, nav, render
from bot.staff.console.reports import audit_of
from bot.staff.console.stats import require_role
from bot.staff.dashboard.period import BadPeriod, parse_period
from bot.staff.users import USERNAME_PATTERN

ACTION_LABELS = {
    **present.EVENT_LABELS,
    "viewed": "查看案件",
    "handed_back": "交回助手",
    "export": "导出",
    "account_created": "新建账号",
    "account_role": "修改角色和组",
    "password_reset": "重设密码",
    "password_changed": "改了自己的密码",
    "password_change_failed": "改密码时现在的密码输错",
    "login": "登录",
    "login_failed": "登录失败",
    "logout": "退出登录",
    "account_disabled": "停用账号",
    "account_enabled": "重新启用账号",
    "personal_data_erased": "删除了个人信息",
    "retention_run": "到期删除个人信息",
}
_WHAT = {"cases": "案件清单", "summary": "汇总数字"}
_VIA = {"console": "工作台", "api": "接口"}


def describe(entry: AuditEntry) -> str:
    """The entry's details in a few plain words (never a personal number: none is ever stored in them)."""
    detail = entry.detail
    if entry.action == "export":
        words = f"{_WHAT.get(str(detail.get('what')), '')}，{detail.get('format', '')}，{detail.get('rows', 0)} 行，"
        words += f"{detail.get('from')} 到 {detail.get('to')}"
        return words + ("，含完整姓名和号码" if detail.get("unmasked") else "，号码遮住")
    if entry.action in ("account_created", "account_role"):
        teams = "、".join(present.label(present.TEAM_LABELS, team) for team in detail.get("teams", [])) or "无组"
        role = present.label(present.ROLE_LABELS, str(detail.get("role")))
        return f"{detail.get('username')}：{role}，{teams}"
    if entry.action == "login_failed":
        # Only a keyed tag of the typed name is kept: the same tag again means the same name typed again.
        words = f"输入的用户名代号 {detail.get('name_tag', '')}"
        return words + ("，因失败次数过多被挡住" if detail.get("blocked") else "")
    if entry.action in ("login", "logout"):
        return _VIA.get(str(detail.get("via")), "")
    if "username" in detail:
        return str(detail["username"])
    if entry.action == "transferred":
        names = present.TEAM_LABELS
        return f"{present.label(names, detail.get('from'))} → {present.label(names, detail.get('to'))}"
    if entry.action == "resolved":
        return present.label(OUTCOME_LABELS, detail.get("outcome"))
    if entry.action == "retention_run":
        return f"{detail.get('cases', 0)} 件"
    if detail.get("acting_as"):
        return "主管代为处理"
    return ""


def _query(request: web.Request) -> AuditQuery:
    staff = request.query.get("staff", "").strip() or None
    if staff is not None and USERNAME_PATTERN.fullmatch(staff) is None:
        raise Refusal(400, "工作人员的用户名不对。")
    raw_case = request.query.get("case", "").strip()
    if raw_case and (not raw_case.isascii() or not raw_case.isdigit() or not 1 <= int(raw_case) <= 2**31 - 1):
        raise Refusal(400, "案件编号要写数字。")
    start = end = None
    first, last = request.query.get("from") or None, request.query.get("to") or None
    if first or last:
        try:
            period = parse_period(first, last, datetime.now(UTC))
        except BadPeriod as error:
            raise Refusal(400, str(error)) from None
        start, end = period.start, period.end
    return AuditQuery(staff, int(raw_case) if raw_case else None, start, end)


async def audit_page(request: web.Request) -> web.StreamResponse:
    user = await require_role(request, ADMIN)
    query = _query(request)
    entries = await audit_of(request).search(query)
    rows: list[dict[str, Any]] = [
        {"entry": entry, "action": present.label(ACTION_LABELS, entry.action), "detail": describe(entry)}
        for entry in entries
    ]
    return render(
        request,
        "audit.html",
        rows=rows,
        limit=SEARCH_LIMIT,
        filters={key: request.query.get(key, "") for key in ("staff", "case", "from", "to")},
        **nav(request, user, "audit"),
    )
