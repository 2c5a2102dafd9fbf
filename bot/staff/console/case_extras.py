"""The case page's staff-only parts: private notes and the resident's contact preference."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.cases.contact_preference import PREFERENCES
from bot.cases.types import CaseSummary, StaffUser
from bot.staff.console.guard import check_csrf
from bot.staff.console.pages import Refusal, form_choice, form_text, require_team, require_user, see_other, services
from bot.staff.openapi import MAX_TEXT_CHARS

log = logging.getLogger(__name__)

NOTE_FIELD = "note_text"
UNKNOWN = ""  # the form's value for "not known"


async def _case(request: web.Request, user: StaffUser) -> CaseSummary:
    raw = request.match_info["id"]
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= 2**31 - 1:
        raise Refusal(404, "找不到这个案件。")
    summary: CaseSummary = await services(request).cases.summary(int(raw))
    require_team(user, summary.team)
    return summary


async def add_note(request: web.Request) -> web.StreamResponse:
    await check_csrf(request)
    user = await require_user(request)
    summary = await _case(request, user)
    text = await form_text(request, NOTE_FIELD, max_chars=MAX_TEXT_CHARS)
    await services(request).cases.add_note(summary.id, staff=user, text=text)
    log.info("staff action=note case=%s staff=%s (console)", summary.id, user.username)
    return see_other(f"/staff/cases/{summary.id}?done=noted#notes-title")


async def set_contact_preference(request: web.Request) -> web.StreamResponse:
    await check_csrf(request)
    user = await require_user(request)
    summary = await _case(request, user)
    value = await form_choice(request, "preference", (UNKNOWN, *PREFERENCES), "请选择联系方式。")
    await services(request).cases.set_contact_preference(
        summary.id, staff=user, preference=None if value == UNKNOWN else value
    )
    log.info("staff action=contact_preference case=%s staff=%s (console)", summary.id, user.username)
    return see_other(f"/staff/cases/{summary.id}?done=contact_saved")
