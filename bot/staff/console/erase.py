"""A resident's request to delete their data: a supervisor or administrator erases a finished case's
personal data, giving the reason, which the audit keeps."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.cases.errors import CaseError
from bot.cases.retention import ERASED, PersonalData
from bot.staff.audit import MAX_REASON_CHARS
from bot.staff.console.guard import check_csrf
from bot.staff.console.pages import Refusal, form_text, nav, render, see_other, services
from bot.staff.console.reports import MIN_REASON_CHARS, audit_of
from bot.staff.console.stats import SUPERVISING, require_role

log = logging.getLogger(__name__)


def _case_id(request: web.Request) -> int:
    raw = request.match_info["id"]
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= 2**31 - 1:
        raise Refusal(404, "找不到这个案件。")
    return int(raw)


async def erase_page(request: web.Request) -> web.StreamResponse:
    user = await require_role(request, SUPERVISING)
    summary = await services(request).cases.summary(_case_id(request))
    return render(request, "erase.html", case=summary, max_reason=MAX_REASON_CHARS, **nav(request, user, "case"))


async def erase(request: web.Request) -> web.StreamResponse:
    await check_csrf(request)
    user = await require_role(request, SUPERVISING)
    case_id = _case_id(request)
    reason = await form_text(request, "reason", max_chars=MAX_REASON_CHARS, required=False)
    if len(reason) < MIN_REASON_CHARS:
        raise Refusal(400, f"请写明居民的要求（至少 {MIN_REASON_CHARS} 个字）。")
    found = services(request).cases
    try:
        await PersonalData(found.sessionmaker, found.cipher).erase(case_id, actor=user.username, why="resident_request")
    except CaseError as error:
        raise Refusal(409 if error.code != "case_not_found" else 404, error.message + "。") from None
    await audit_of(request).record(user.username, ERASED, {"why": "resident_request"}, reason=reason, case_id=case_id)
    log.info("staff action=erase case=%s staff=%s (console)", case_id, user.username)
    return see_other(f"/staff/cases/{case_id}?done=erased")
