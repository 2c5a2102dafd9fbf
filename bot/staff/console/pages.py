"""The console's pages and form actions. Each handler reads the form, calls the case store as the staff
JSON API does, and answers a page or a redirect; refusals are pages with a plain message, never a 500."""

from __future__ import annotations

import asyncio
import logging
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from jinja2 import Environment

from bot.cases.case_notes import notes_of, preference_of
from bot.cases.conversation import HANDED_BACK, REPLIED, case_messages, reply_delivery
from bot.cases.errors import CaseConflict, CaseError, CaseNotFound
from bot.cases.paging import Cursor
from bot.cases.types import TEAMS, CaseDetail, CaseStatus, CaseSummary, StaffUser
from bot.staff import api, session_audit
from bot.staff.api import BLANK_EDGES, COOKIE_NAME, COOKIE_PATH, SERVICES, session_user, staff_audit
from bot.staff.console import present
from bot.staff.console.guard import CSRF_FIELD, CsrfRefused, check_csrf, csrf_token
from bot.staff.delivery import Reach
from bot.staff.openapi import MAX_PASSWORD_CHARS, MAX_TEXT_CHARS, MAX_USERNAME_CHARS, OUTCOMES
from bot.staff.users import USERNAME_PATTERN

log = logging.getLogger(__name__)

PAGE_SIZE = 25
MAX_REASON_CHARS = 200
TEMPLATES = web.AppKey("console_templates", Environment)
STAFF_API = web.AppKey("console_staff_api", web.Application)
_SEE_ALL_ROLES = frozenset({"admin", "supervisor"})
_WHILE_CHANGING_PASSWORD = frozenset({"/staff/password", "/staff/logout", "/staff/help"})
_OPEN = frozenset({CaseStatus.NEW, CaseStatus.CLAIMED, CaseStatus.WAITING})
_DONE_NOTICES = {
    "claimed": "已认领。",
    "replied": "回复已发出。",
    "reply_delivered": "回复已发出。",
    "reply_queued": "回复已保存，还没送到居民：等居民下次发消息时送出。",
    "reply_failed": "回复已保存，但没有送到居民，原因见处理记录。",
    "transferred": "已转交。",
    "resolved": "已办结。",
    "handed_back": "已交回助手：居民再说的话由助手回答。",
    "none_left": "这个组现在没有待认领的案件。",
    "noted": "备注已保存。",
    "contact_saved": "联系方式已保存。",
    "reply_picked": "常用回复已放进回复框，可以改了再发送。",
    "password": "新密码已保存。",
    "erased": "这个案件的个人信息已删除，统计数字保留。",
}
# After a reply, the notice says what the channel said about it (the same words as on the reply in the
# conversation): e.g. whether a web chat resident has the page open and sees it at once.
_REPLY_OUTCOMES = {
    "delivered": "回复已发出。",
    "queued": "回复已保存，还没送到居民。",
    "failed": "回复已保存，但没有送到居民。",
}


class Refusal(Exception):
    """An action the console cannot do: shown to staff as ``message`` with ``status``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Row:
    summary: CaseSummary
    waited: str
    window: str
    window_warning: bool
    window_ends: str | None = None
    contact: str | None = None  # the resident's contact preference, when known


def services(request: web.Request) -> api._Services:
    return request.app[STAFF_API][SERVICES]


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    env = request.app[TEMPLATES]
    values = {"error": None, "notice": None, **context}
    page = env.get_template(template).render(
        csrf_field=CSRF_FIELD, csrf=csrf_token(request), present=present, teams=TEAMS, **values
    )
    return web.Response(text=page, status=status, content_type="text/html", charset="utf-8")


def see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


# ---------------------------------------------------------------- who is asking


async def current_user(request: web.Request) -> StaffUser | None:
    found = services(request)
    token = request.cookies.get(COOKIE_NAME)
    if not token:
        return None
    user_id = await found.sessions.resolve(token)
    if user_id is None:
        return None
    user: StaffUser | None = await found.users.get(user_id)
    if user is None or not user.active:
        await found.sessions.revoke(token)
        return None
    if user.must_change_password and request.path not in _WHILE_CHANGING_PASSWORD:
        raise web.HTTPSeeOther("/staff/password")  # an administrator reset it: a new one comes first
    return user


async def require_user(request: web.Request) -> StaffUser:
    user = await current_user(request)
    if user is None:
        raise Refusal(401, "请先登录。")
    return user


def visible_teams(user: StaffUser) -> tuple[str, ...] | None:
    return None if user.role in _SEE_ALL_ROLES else user.teams


def own_teams(user: StaffUser) -> tuple[str, ...]:
    return TEAMS if user.role in _SEE_ALL_ROLES else user.teams


def require_team(user: StaffUser, team: str) -> None:
    visible = visible_teams(user)
    if visible is not None and team not in visible:
        raise Refusal(403, "只能处理本组的案件。")


def nav(request: web.Request, user: StaffUser | None, current: str) -> dict[str, Any]:
    return {"user": user, "current": current}


# ---------------------------------------------------------------- forms


async def form_text(request: web.Request, name: str, *, max_chars: int, required: bool = True) -> str:
    form = await request.post()
    value = form.get(name, "")
    if not isinstance(value, str):
        raise Refusal(400, "表单内容有误，请重新填写。")
    value = BLANK_EDGES.sub("", value.replace("\r\n", "\n"))
    if "\x00" in value:
        raise Refusal(400, "内容里有不能保存的字符。")
    if required and not value:
        raise Refusal(400, "这一项不能为空。")
    if len(value) > max_chars:
        raise Refusal(400, f"内容不能超过 {max_chars} 字。")
    return value


async def form_choice(request: web.Request, name: str, choices: tuple[str, ...], message: str) -> str:
    value = (await request.post()).get(name)
    if not isinstance(value, str) or value not in choices:
        raise Refusal(400, message)
    return value


# ---------------------------------------------------------------- login


async def index(request: web.Request) -> web.StreamResponse:
    user = await current_user(request)
    if user is None:
        return render(request, "login.html", **nav(request, None, "login"))
    return await queue_page(request, user)


async def login(request: web.Request) -> web.StreamResponse:
    await check_csrf(request)
    found = services(request)
    form = await request.post()
    username, password = form.get("username"), form.get("password")
    if (
        not isinstance(username, str)
        or not isinstance(password, str)
        or not username.strip()
        or not password
        or len(username) > MAX_USERNAME_CHARS
        or len(password) > MAX_PASSWORD_CHARS
    ):
        return _login_failed(request, "请输入用户名和密码。", 400)
    username = username.strip()
    remote = request.remote or "unknown"
    wait = await found.throttle.blocked_for(username, remote)
    if wait is not None:
        await session_audit.login_failed(staff_audit(found), found.log_key, username, "console", blocked=True)
        minutes = max(1, math.ceil(wait / timedelta(minutes=1)))
        return _login_failed(request, f"登录失败次数过多，请 {minutes} 分钟后再试。", 429)
    well_formed = USERNAME_PATTERN.fullmatch(username) is not None
    delay = await found.throttle.delay_for(username)
    if delay:
        await asyncio.sleep(delay.total_seconds())
    user = await found.users.authenticate(username, password) if well_formed else None
    if user is None or not user.active:
        await found.throttle.record_failure(username, remote)
        await session_audit.login_failed(staff_audit(found), found.log_key, username, "console")
        return _login_failed(request, "用户名或密码不正确。", 401)
    await found.throttle.clear(username, remote)
    old_token = request.cookies.get(COOKIE_NAME)
    if old_token:
        await found.sessions.revoke(old_token)
    token = await found.sessions.create(user.id)
    log.info("staff action=login case=- staff=%s (console)", user.username)
    await session_audit.logged_in(staff_audit(found), user, "console")
    response = see_other("/staff/")
    response.set_cookie(
        COOKIE_NAME,
        token,
        path=COOKIE_PATH,
        httponly=True,
        samesite="Strict",
        secure=found.secure_cookies or request.secure,
    )
    return response


def _login_failed(request: web.Request, message: str, status: int) -> web.Response:
    return render(request, "login.html", status=status, error=message, **nav(request, None, "login"))


async def logout(request: web.Request) -> web.StreamResponse:
    await check_csrf(request)
    found = services(request)
    token = request.cookies.get(COOKIE_NAME)
    if token:
        user = await session_user(found, token)
        await found.sessions.revoke(token)
        if user is not None:
            await session_audit.logged_out(staff_audit(found), user, "console")
    response = see_other("/staff/")
    response.del_cookie(COOKIE_NAME, path=COOKIE_PATH, secure=found.secure_cookies or request.secure, samesite="Strict")
    return response


# ---------------------------------------------------------------- the queue


def _query_choice(request: web.Request, name: str, choices: tuple[str, ...] | frozenset[str]) -> str | None:
    value = request.query.get(name, "")
    if not value:
        return None
    if value not in choices:
        raise Refusal(400, "筛选条件有误。")
    return value


async def _reach(request: web.Request, contact: tuple[str, str] | None) -> Reach | None:
    if contact is None:
        return None
    try:
        reach: Reach = await services(request).delivery.reach(*contact)
        return reach
    except Exception:
        log.exception("console: reach check failed")
        return None


async def rows_for(request: web.Request, summaries: list[CaseSummary]) -> list[Row]:
    """Queue rows with waiting time and what is left of each open case's reply window."""
    now = datetime.now(UTC)
    cases = services(request).cases
    contacts = await cases.contacts_of([s.id for s in summaries if s.status in _OPEN])
    preferences = await cases.contact_preferences([s.id for s in summaries])
    reaches = await asyncio.gather(*(_reach(request, contacts.get(summary.id)) for summary in summaries))
    rows = []
    for summary, reach in zip(summaries, reaches, strict=True):
        if summary.status in _OPEN:
            text, warning = present.window(reach, now)
        else:
            text, warning = f"{present.label(present.STATUS_LABELS, summary.status)}，不用回复", False
        waited = present.waited(summary.created_at, now)
        rows.append(Row(summary, waited, text, warning, present.window_ends(reach), preferences.get(summary.id)))
    return rows


async def queue_page(request: web.Request, user: StaffUser) -> web.StreamResponse:
    team = _query_choice(request, "team", TEAMS)
    status_value = request.query.get("status", "new")
    status = None if status_value == "all" else status_value
    if status is not None and status not in present.STATUS_LABELS:
        raise Refusal(400, "筛选条件有误。")
    if team is not None:
        require_team(user, team)
    q = request.query.get("q", "").strip() or None
    raw_cursor = request.query.get("cursor") or None
    summaries, next_cursor = await services(request).cases.page(
        status=status,
        team=team,
        teams_visible=visible_teams(user),
        query=q,
        limit=PAGE_SIZE,
        after=None if raw_cursor is None else Cursor.decode(raw_cursor),
    )
    filters = {"team": team or "", "status": status_value, "q": q or ""}
    kept = {key: value for key, value in filters.items() if value}
    next_url = None if next_cursor is None else "/staff/?" + urlencode({**kept, "cursor": next_cursor.encode()})
    first_url = "/staff/?" + urlencode(kept) if raw_cursor is not None else None
    template = "queue_list.html" if request.query.get("part") == "list" else "queue.html"
    return render(
        request,
        template,
        rows=await rows_for(request, summaries),
        filters=filters,
        own_teams=own_teams(user),
        next_url=next_url,
        first_url=first_url,
        notice=_DONE_NOTICES.get(request.query.get("done", "")),
        **nav(request, user, "queue"),
    )


async def claim_next(request: web.Request) -> web.StreamResponse:
    await check_csrf(request)
    user = await require_user(request)
    team = await form_choice(request, "team", own_teams(user) or TEAMS, "请选择要认领哪个组的案件。")
    require_team(user, team)
    claimed = await services(request).cases.claim_next(team, staff=user)
    if claimed is None:
        return see_other("/staff/?" + urlencode({"team": team, "done": "none_left"}))
    log.info("staff action=claim_next case=%s staff=%s (console)", claimed.id, user.username)
    return see_other(f"/staff/cases/{claimed.id}?done=claimed")


# ---------------------------------------------------------------- one case


def _case_id(request: web.Request) -> int:
    raw = request.match_info["id"]
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= 2**31 - 1:
        raise Refusal(404, "找不到这个案件。")
    return int(raw)


def seen_state(summary: CaseSummary) -> str:
    """What a case looked like when its page was drawn; a form sent back with another state is refused."""
    return f"{summary.status}|{summary.claimed_by or ''}|{summary.team}"


async def _summary_for(request: web.Request, user: StaffUser) -> CaseSummary:
    summary: CaseSummary = await services(request).cases.summary(_case_id(request))
    require_team(user, summary.team)
    return summary


async def _unchanged(request: web.Request, summary: CaseSummary, user: StaffUser) -> None:
    seen = (await request.post()).get("seen")
    if seen == seen_state(summary):
        return
    if summary.claimed_by and summary.claimed_by != user.username:
        raise Refusal(409, f"这个案件刚被 {summary.claimed_by} 认领或处理过，没有保存你的操作。请看下面的最新情况。")
    status = present.label(present.STATUS_LABELS, summary.status)
    raise Refusal(409, f"这个案件刚有变化（现在是：{status}），没有保存你的操作。请看下面的最新情况。")


async def case_page(
    request: web.Request,
    user: StaffUser,
    *,
    reveal: bool = False,
    error: str | None = None,
    status: int = 200,
    drafts: dict[str, str] | None = None,
) -> web.Response:
    found = services(request)
    case_id = _case_id(request)
    detail: CaseDetail = await found.cases.get(case_id, actor=user.username)
    require_team(user, detail.summary.team)
    others = [c for c in await found.cases.cases_for_user(detail.summary.channel, detail.user_ref) if c.id != case_id]
    visible = visible_teams(user)
    [row] = await rows_for(request, [detail.summary])
    drafts = dict(drafts or {})
    picked = next((r for r in found.canned_replies if r.id == request.query.get("reply")), None)
    if picked is not None and "text" not in drafts:
        drafts["text"] = picked.text  # a canned reply chosen without JavaScript
    return render(
        request,
        "case.html",
        status=status,
        case=detail,
        row=row,
        seen=seen_state(detail.summary),
        reveal=reveal,
        views=sum(1 for event in detail.events if event.kind == "viewed"),
        events=[event for event in detail.events if event.kind != "viewed"],
        messages=case_messages(detail),
        talking=_talking(detail),
        others=[c for c in others if visible is None or c.team in visible],
        outcomes=OUTCOMES,
        error=error,
        drafts=drafts,
        notice=_DONE_NOTICES["reply_picked"] if picked else _case_notice(request, detail),
        max_text=MAX_TEXT_CHARS,
        notes=notes_of(detail),
        preference=preference_of(detail),
        replies=found.canned_replies,
        max_reason=MAX_REASON_CHARS,
        **nav(request, user, "case"),
    )


def _case_notice(request: web.Request, detail: CaseDetail) -> str | None:
    """What the action just done did; after a reply, in the channel's words as recorded on the case."""
    done = request.query.get("done", "")
    sent = request.query.get("sent", "")
    if done.startswith("reply_") and sent.isascii() and sent.isdigit():
        delivery = reply_delivery(detail, int(sent))
        if delivery is not None and delivery["status"] in _REPLY_OUTCOMES:
            return _REPLY_OUTCOMES[delivery["status"]] + delivery["detail"]
    return _DONE_NOTICES.get(done)


def _talking(detail: CaseDetail) -> bool:
    """Whether the resident's words now go to this case: staff replied and have not handed it back."""
    if detail.summary.status not in ("claimed", "waiting"):
        return False
    last = [event.kind for event in detail.events if event.kind in (REPLIED, HANDED_BACK)]
    return bool(last) and last[-1] == REPLIED


async def hand_back(request: web.Request) -> web.StreamResponse:
    await check_csrf(request)
    user = await require_user(request)
    found = services(request)
    summary = await _summary_for(request, user)
    await _unchanged(request, summary, user)
    if found.talk is not None:
        await found.talk.conversations.hand_back(summary.id, staff=user)
    log.info("staff action=handback case=%s staff=%s (console)", summary.id, user.username)
    return see_other(f"/staff/cases/{summary.id}?done=handed_back")


async def show_case(request: web.Request) -> web.StreamResponse:
    user = await require_user(request)
    await _summary_for(request, user)
    return await case_page(request, user)


async def reveal_numbers(request: web.Request) -> web.StreamResponse:
    await check_csrf(request)
    user = await require_user(request)
    summary = await _summary_for(request, user)
    await services(request).cases.record_event(summary.id, kind="numbers_shown", actor=user.username, detail={})
    log.info("staff action=show_numbers case=%s staff=%s (console)", summary.id, user.username)
    return await case_page(request, user, reveal=True)


async def claim(request: web.Request) -> web.StreamResponse:
    await check_csrf(request)
    user = await require_user(request)
    summary = await _summary_for(request, user)
    await _unchanged(request, summary, user)
    claimed = await services(request).cases.claim(summary.id, staff=user)
    log.info("staff action=claim case=%s staff=%s (console)", summary.id, user.username)
    await api._notify(services(request), claimed, "claimed")
    return see_other(f"/staff/cases/{summary.id}?done=claimed")


async def reply(request: web.Request) -> web.StreamResponse:
    await check_csrf(request)
    user = await require_user(request)
    found = services(request)
    summary = await _summary_for(request, user)
    text = await form_text(request, "text", max_chars=MAX_TEXT_CHARS)
    await _unchanged(request, summary, user)
    await_resident = (await request.post()).get("await_resident") == "yes"
    sent = await found.replier.reply(summary.id, staff=user, text=text, await_resident=await_resident)
    log.info("staff action=reply case=%s staff=%s (console)", summary.id, user.username)
    return see_other(f"/staff/cases/{summary.id}?" + urlencode({"done": f"reply_{sent.status}", "sent": sent.event_id}))


async def transfer(request: web.Request) -> web.StreamResponse:
    await check_csrf(request)
    user = await require_user(request)
    found = services(request)
    summary = await _summary_for(request, user)
    team = await form_choice(request, "team", TEAMS, "请选择转给哪个组。")
    reason = await form_text(request, "reason", max_chars=MAX_REASON_CHARS)
    await _unchanged(request, summary, user)
    moved = await found.cases.transfer(summary.id, staff=user, team=team, reason=reason)
    log.info("staff action=transfer:%s case=%s staff=%s (console)", team, summary.id, user.username)
    # The case may now be outside the staff member's teams: back to their queue.
    if visible_teams(user) is None or moved.team in (visible_teams(user) or ()):
        return see_other(f"/staff/cases/{summary.id}?done=transferred")
    return see_other("/staff/?done=transferred")


async def resolve(request: web.Request) -> web.StreamResponse:
    await check_csrf(request)
    user = await require_user(request)
    found = services(request)
    summary = await _summary_for(request, user)
    outcome = await form_choice(request, "outcome", OUTCOMES, "请选择办理结果。")
    note = await form_text(request, "note", max_chars=MAX_TEXT_CHARS, required=False)
    await _unchanged(request, summary, user)
    resolved = await found.cases.resolve(summary.id, staff=user, outcome=outcome, note=note)
    log.info("staff action=resolve:%s case=%s staff=%s (console)", outcome, summary.id, user.username)
    # The console's note is the one "给居民的说明": it goes to the resident with the outcome.
    await api._notify(found, resolved, "resolved", outcome=outcome, note=note)
    return see_other(f"/staff/cases/{summary.id}?done=resolved")


# ---------------------------------------------------------------- other pages


async def help_page(request: web.Request) -> web.StreamResponse:
    user = await current_user(request)
    return render(request, "help.html", **nav(request, user, "help"))


# ---------------------------------------------------------------- refusals as pages


async def refusal_page(request: web.Request, status: int, message: str) -> web.Response:
    """A refused action: on a case page, the case again with the message on top; elsewhere a short page."""
    user = await current_user(request)
    if user is None and status == 401:
        return render(request, "login.html", status=401, error=message, **nav(request, None, "login"))
    if user is not None and "id" in request.match_info and status in (400, 409):
        try:
            drafts = {}
            if request.method == "POST":
                form = await request.post()
                drafts = {key: value for key, value in form.items() if isinstance(value, str) and key != CSRF_FIELD}
            return await case_page(request, user, error=message, status=status, drafts=drafts)
        except (CaseError, Refusal):
            pass
    return render(request, "refused.html", status=status, message=message, **nav(request, user, ""))


def refusal_of(error: Exception) -> tuple[int, str]:
    if isinstance(error, Refusal):
        return error.status, error.message
    if isinstance(error, CsrfRefused):
        return 403, "页面已过期，请刷新页面后再操作。"
    if isinstance(error, CaseNotFound):
        return 404, "找不到这个案件。"
    if isinstance(error, CaseConflict):
        return 409, error.message + "。请看下面的最新情况。"
    if isinstance(error, CaseError):
        return 400, error.message + "。"
    raise error
