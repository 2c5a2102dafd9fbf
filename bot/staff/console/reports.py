"""The monthly report page (printable) and the exports of case lists and summaries, for supervisors and
administrators. Every export is recorded in the audit; personal numbers are exported only to an
administrator who gives a reason, and each case so exported records it in its own trail."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from urllib.parse import quote

from aiohttp import web

from bot.cases.types import TEAMS
from bot.staff.audit import MAX_REASON_CHARS, StaffAudit
from bot.staff.console import present
from bot.staff.console.dashboard_view import build
from bot.staff.console.export import CaseFilter, case_list, monthly_summary, to_csv, to_xlsx
from bot.staff.console.guard import check_csrf
from bot.staff.console.pages import Refusal, form_text, nav, render, services
from bot.staff.console.stats import FIGURES, SUPERVISING, require_role
from bot.staff.dashboard.figures import Figures, collect
from bot.staff.dashboard.period import BadPeriod, Period, parse_month, parse_period

log = logging.getLogger(__name__)

MIN_REASON_CHARS = 4
NUMBERS_EXPORTED = "numbers_exported"
_FORMATS = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def audit_of(request: web.Request) -> StaffAudit:
    cases = services(request).cases
    return StaffAudit(cases.sessionmaker, cases.cipher)


async def _figures(request: web.Request, period: Period, now: datetime) -> Figures:
    sessionmaker = services(request).cases.sessionmaker
    figures: Figures = await request.app[FIGURES].get(period.key(), lambda: collect(sessionmaker, period, now))
    return figures


async def report_page(request: web.Request) -> web.StreamResponse:
    user = await require_role(request, SUPERVISING)
    now = datetime.now(UTC)
    try:
        month = parse_month(request.query.get("month"), now)
    except BadPeriod as error:
        raise Refusal(400, str(error)) from None
    figures = await _figures(request, month, now)
    return render(
        request,
        "report.html",
        board=build(figures),
        period=month,
        month=f"{month.first.year}-{month.first.month:02d}",
        statuses=present.STATUS_LABELS,
        **nav(request, user, "stats"),
    )


async def export(request: web.Request) -> web.StreamResponse:
    await check_csrf(request)
    user = await require_role(request, SUPERVISING)
    form = await request.post()
    what, kind = form.get("what"), form.get("format")
    if what not in ("cases", "summary") or not isinstance(kind, str) or kind not in _FORMATS:
        raise Refusal(400, "请选择导出什么、用什么格式。")
    now = datetime.now(UTC)
    try:
        period = parse_period(_text(form.get("from")), _text(form.get("to")), now)
    except BadPeriod as error:
        raise Refusal(400, str(error)) from None
    unmasked = form.get("unmask") == "yes"
    reason = None
    if unmasked:
        if user.role != "admin":
            raise Refusal(403, "只有管理员可以导出完整的姓名和号码。")
        reason = await form_text(request, "reason", max_chars=MAX_REASON_CHARS, required=False)
        if len(reason) < MIN_REASON_CHARS:
            raise Refusal(400, f"导出完整的姓名和号码，要写明原因（至少 {MIN_REASON_CHARS} 个字）。")
    team = _text(form.get("team"))
    status = _text(form.get("status"))
    if (team and team not in TEAMS) or (status and status not in present.STATUS_LABELS):
        raise Refusal(400, "筛选条件有误。")
    found = services(request).cases
    exported: list[int] = []
    if what == "cases":
        chosen = CaseFilter(period, team or None, status or None)
        listing = await case_list(found.sessionmaker, found.cipher, chosen, unmasked=unmasked)
        header, rows, exported = listing.header, listing.rows, listing.case_ids
        title = "案件清单"
    else:
        unmasked = False  # a summary holds counts only
        header, rows = monthly_summary(await _figures(request, period, now))
        title = "汇总"
    detail = {
        "what": what,
        "format": kind,
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "team": team or None,
        "status": status or None,
        "rows": len(rows),
        "unmasked": unmasked,
    }
    await audit_of(request).record(
        user.username,
        "export",
        detail,
        reason=reason,
        case_events=exported if unmasked else None,
        case_kind=NUMBERS_EXPORTED,
    )
    log.info("staff action=export:%s:%s rows=%d unmasked=%s staff=%s", what, kind, len(rows), unmasked, user.username)
    body = to_csv(header, rows) if kind == "csv" else to_xlsx(title, header, rows)
    filename = f"{title}-{period.first.isoformat()}-{period.last.isoformat()}.{kind}"
    return web.Response(
        body=body,
        headers={
            "Content-Type": _FORMATS[kind] + ("; charset=utf-8" if kind == "csv" else ""),
            "Content-Disposition": f"attachment; filename=\"export.{kind}\"; filename*=UTF-8''{quote(filename)}",
        },
    )


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None
