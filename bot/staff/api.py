"""The staff JSON API: an aiohttp sub-application, mounted with ``app.add_subapp("/staff/api", ...)``.

Routes, request limits and the error form follow ``bot/staff/openapi.py``, which is served at
``/openapi.json``. Handlers only translate HTTP to the case store and back; the store decides what a
case may do next and audits every read.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import hdrs, web

from bot.cases.audio import CaseAudioStore
from bot.cases.case_notes import Note, PreferenceRecord, notes_of, preference_of
from bot.cases.contact_preference import PREFERENCES
from bot.cases.conversation import case_messages
from bot.cases.errors import CaseConflict, CaseError, CaseForbidden, CaseNotFound, InvalidRequest
from bot.cases.paging import Cursor
from bot.cases.permissions import may_see_team, visible_teams
from bot.cases.store import CaseStore
from bot.cases.types import TEAMS, CaseDetail, CaseEvent, CaseStatus, CaseSummary, StaffUser
from bot.observability.staff import count_requests
from bot.reply_queue import ReplyQueue
from bot.staff import session_audit
from bot.staff.audit import StaffAudit
from bot.staff.case_notices import notice_text
from bot.staff.delivery import DeliveryResult, Reach, ReplyDelivery
from bot.staff.openapi import (
    MAX_BODY_BYTES,
    MAX_PASSWORD_CHARS,
    MAX_REASON_CHARS,
    MAX_SERVICE_CHARS,
    MAX_TEXT_CHARS,
    MAX_USERNAME_CHARS,
    OUTCOMES,
    build_openapi,
)
from bot.staff.origin import is_cross_origin
from bot.staff.playback import CONTENT_TYPE as AUDIO_TYPE
from bot.staff.playback import PlayableCache, playable
from bot.staff.replies import CannedReply
from bot.staff.replying import QUEUED, Replier
from bot.staff.sessions import LoginThrottle, StaffSessions
from bot.staff.users import USERNAME_PATTERN, StaffUserStore
from bot.staff_talk import StaffTalk
from speech.audio import AudioError

log = logging.getLogger(__name__)

COOKIE_NAME = "bot_staff"
COOKIE_PATH = "/staff"
# Case ids are 32-bit in the database; a larger number cannot name a case and must not reach the driver.
_MAX_CASE_ID = 2**31 - 1
_STATUSES = frozenset(status.value for status in CaseStatus)
_LIST_PARAMETERS = frozenset({"status", "team", "service", "q", "limit", "cursor"})
# Without ``limit`` a listing answers as many cases as it did before paging existed.
DEFAULT_LIST_LIMIT = 200
MAX_LIST_LIMIT = 500
_SAFE_METHODS = frozenset({hdrs.METH_GET, hdrs.METH_HEAD, hdrs.METH_OPTIONS})
_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"})

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class _Services:
    cases: CaseStore
    users: StaffUserStore
    sessions: StaffSessions
    throttle: LoginThrottle
    delivery: ReplyDelivery
    secure_cookies: bool
    notices: Mapping[str, str]
    log_key: bytes
    replier: Replier
    talk: StaffTalk | None = None
    audio: CaseAudioStore | None = None
    canned_replies: tuple[CannedReply, ...] = ()
    playable: PlayableCache = field(default_factory=PlayableCache)


SERVICES = web.AppKey("staff_services", _Services)


class ApiError(Exception):
    """An answer other than success: rendered by the error middleware as ``{"error": {code, message}}``."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


# ---------------------------------------------------------------- errors and request guards

_CASE_ERROR_STATUS: tuple[tuple[type[CaseError], int], ...] = (
    (CaseNotFound, 404),
    (CaseConflict, 409),
    (CaseForbidden, 403),
    (InvalidRequest, 400),
)

_HTTP_ERRORS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "请求有误"),
    401: ("not_logged_in", "请先登录"),
    403: ("forbidden", "没有权限"),
    404: ("not_found", "找不到这个地址"),
    405: ("method_not_allowed", "不支持这种请求方法"),
    413: ("body_too_large", "请求内容过大"),
    415: ("unsupported_media_type", "请求内容须为 JSON"),
}


def _json(data: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Chinese stays readable in the body rather than \u-escaped.
    return web.json_response(data, status=status, headers=headers, dumps=_dumps)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return _json({"error": {"code": code, "message": message}}, status, headers)


def _from_http_exception(error: web.HTTPException) -> web.Response:
    code, message = _HTTP_ERRORS.get(error.status, ("http_error", "请求未能处理"))
    headers = {"Allow": error.headers[hdrs.ALLOW]} if hdrs.ALLOW in error.headers else None
    return _error_response(error.status, code, message, headers)


@web.middleware
async def _errors(request: web.Request, handler: _Handler) -> web.StreamResponse:
    """Every failure leaves as the JSON error form; tracebacks go to the log, never to the client."""
    try:
        response = await handler(request)
    except ApiError as error:
        response = _error_response(error.status, error.code, error.message, error.headers)
    except CaseError as error:
        status = next((status for kind, status in _CASE_ERROR_STATUS if isinstance(error, kind)), 400)
        response = _error_response(status, error.code, error.message)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        response = _from_http_exception(error)
    except Exception:
        log.exception("staff api: unexpected error in %s %s", request.method, _route_name(request))
        response = _error_response(500, "internal_error", "内部错误")
    # Answers carry personal data: never cached, never sniffed into something other than JSON.
    response.headers[hdrs.CACHE_CONTROL] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _route_name(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "(no route)"


def _is_json(request: web.Request) -> bool:
    return request.content_type == "application/json"


@web.middleware
async def _post_guard(request: web.Request, handler: _Handler) -> web.StreamResponse:
    # CSRF defence: the session cookie is SameSite=Strict, so other sites' requests arrive without it;
    # a browser's request from any other origin (a sibling subdomain is the same *site*) is refused
    # (``bot/staff/origin.py``); and a POST may not carry the three content types an HTML form (or a
    # cross-origin script without a CORS preflight, which we never grant) can send.
    unrouted = request.match_info.http_exception is not None
    if request.method not in _SAFE_METHODS and not unrouted and is_cross_origin(request):
        raise ApiError(403, "cross_site", "请从工作台页面本身操作，不接受其他网页发来的请求")
    if request.method == hdrs.METH_POST and not unrouted:
        if request.content_type in _FORM_TYPES or (request.body_exists and not _is_json(request)):
            raise ApiError(415, "unsupported_media_type", "请求内容须为 JSON（Content-Type: application/json）")
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            raise ApiError(413, "body_too_large", f"请求内容不能超过 {MAX_BODY_BYTES // 1024} KB")
    return await handler(request)


# ---------------------------------------------------------------- reading requests


async def _read_body(request: web.Request) -> bytes:
    """The body, refusing more than ``MAX_BODY_BYTES`` even when no Content-Length announced it."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(MAX_BODY_BYTES + 1 - size):
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise ApiError(413, "body_too_large", f"请求内容不能超过 {MAX_BODY_BYTES // 1024} KB")
    return b"".join(chunks)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


async def _json_object(request: web.Request, allowed: frozenset[str]) -> dict[str, Any]:
    if not _is_json(request):
        raise ApiError(415, "unsupported_media_type", "请求内容须为 JSON（Content-Type: application/json）")
    raw = await _read_body(request)
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ApiError(400, "invalid_json", "请求内容不是有效的 JSON") from None
    if not isinstance(value, dict):
        raise ApiError(400, "invalid_json", "请求内容应为 JSON 对象")
    if not _is_unicode(value):
        # JSON's \ud800 escapes decode to lone surrogates, which no database, log or answer can encode.
        raise ApiError(400, "invalid_json", "请求内容含有无效的字符")
    if not value.keys() <= allowed:
        raise ApiError(400, "invalid_field", f"只接受这些字段：{'、'.join(sorted(allowed))}")
    return value


def _is_unicode(value: dict[str, Any]) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# Whitespace as Python and JavaScript both count it (Python's str.strip keeps U+FEFF; JavaScript's \s
# lacks U+001C–U+001F and U+0085): the OpenAPI document states the same rule (``NOT_BLANK_NO_NUL``).
BLANK_EDGES = re.compile(r"^[\s\ufeff]+|[\s\ufeff]+$")


def _text_field(body: dict[str, Any], name: str, *, max_chars: int, required: bool = True) -> str:
    """A string field, stripped; required ones must not be blank."""
    value = body.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise ApiError(400, "invalid_field", f"字段 {name} 应为文字")
    value = BLANK_EDGES.sub("", value)
    if "\x00" in value:
        raise ApiError(400, "invalid_field", f"字段 {name} 含有不允许的字符")
    if required and not value:
        raise ApiError(400, "invalid_field", f"字段 {name} 不能为空")
    if len(value) > max_chars:
        raise ApiError(400, "invalid_field", f"字段 {name} 不能超过 {max_chars} 字")
    return value


def _bool_field(body: dict[str, Any], name: str) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise ApiError(400, "invalid_field", f"字段 {name} 应为 true 或 false")
    return value


def _choice_field(body: dict[str, Any], name: str, choices: tuple[str, ...] | frozenset[str]) -> str:
    value = body.get(name)
    if not isinstance(value, str) or value not in choices:
        raise ApiError(400, "invalid_field", f"字段 {name} 只能是：{'、'.join(sorted(choices))}")
    return value


def _case_id(request: web.Request) -> int:
    raw = request.match_info["id"]
    if not raw.isascii() or not raw.isdigit():
        raise ApiError(400, "invalid_id", "案件编号应为正整数")
    value = int(raw)
    if not 1 <= value <= _MAX_CASE_ID:
        raise CaseNotFound("case_not_found", "找不到这个申请")
    return value


# ---------------------------------------------------------------- who is asking


async def _current_user(request: web.Request) -> StaffUser:
    services = request.app[SERVICES]
    token = request.cookies.get(COOKIE_NAME)
    if token:
        user_id = await services.sessions.resolve(token)
        if user_id is not None:
            user = await services.users.get(user_id)
            if user is not None and user.active:
                if user.must_change_password:
                    raise ApiError(403, "password_change_required", "请先在工作台（/staff/）设置新密码")
                return user
            await services.sessions.revoke(token)
    raise ApiError(401, "not_logged_in", "请先登录")


def _require_team(user: StaffUser, team: str) -> None:
    if not may_see_team(user, team):
        raise ApiError(403, "forbidden", "只能处理本组的案件")


async def _case_summary(cases: CaseStore, case_id: int) -> CaseSummary:
    # A permission check must not leave a "viewed" audit event, which get() would.
    return await cases.summary(case_id)


async def _summary_for(request: web.Request, user: StaffUser) -> CaseSummary:
    """The case named in the path, after checking that ``user`` may act on it."""
    summary = await _case_summary(request.app[SERVICES].cases, _case_id(request))
    _require_team(user, summary.team)
    return summary


def staff_audit(services: _Services) -> StaffAudit:
    return StaffAudit(services.cases.sessionmaker, services.cases.cipher)


async def session_user(services: _Services, token: str | None) -> StaffUser | None:
    """Who a session token belongs to (for the logout's audit entry), or None."""
    user_id = await services.sessions.resolve(token) if token else None
    return None if user_id is None else await services.users.get(user_id)


def _audit(user: StaffUser, action: str, case_id: int | None = None) -> None:
    # Only ids and staff usernames: never resident data.
    log.info("staff action=%s case=%s staff=%s", action, case_id if case_id is not None else "-", user.username)


# ---------------------------------------------------------------- writing answers


def _iso(moment: datetime) -> str:
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).isoformat()


def _user_json(user: StaffUser) -> dict[str, Any]:
    return {"user": {"username": user.username, "role": user.role, "teams": list(user.teams)}}


def _summary_json(summary: CaseSummary) -> dict[str, Any]:
    return {
        "id": summary.id,
        "service": summary.service,
        "team": summary.team,
        "status": summary.status,
        "district": summary.district,
        "channel": summary.channel,
        "mode": summary.mode,
        "proxy": summary.proxy,
        "created_at": _iso(summary.created_at),
        "summary": summary.summary,
        "urgent": summary.urgent,
        "claimed_by": summary.claimed_by,
    }


def _event_json(event: CaseEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "kind": event.kind,
        "actor": event.actor,
        "detail": event.detail,
        "created_at": _iso(event.created_at),
    }


def _detail_json(detail: CaseDetail) -> dict[str, Any]:
    proxy = detail.proxy
    return {
        **_summary_json(detail.summary),
        "beneficiary_name": detail.beneficiary_name,
        "contact_phone": detail.contact_phone,
        "proxy": None
        if proxy is None
        else {"relationship": proxy.relationship, "name": proxy.name, "phone": proxy.phone},
        "answers": detail.answers,
        "transcript": detail.transcript,
        "events": [_event_json(event) for event in detail.events],
        "messages": case_messages(detail),
        "notes": [_note_json(note) for note in notes_of(detail)],
        "contact_preference": _preference_json(preference_of(detail)),
    }


def _note_json(note: Note) -> dict[str, Any]:
    return {"id": note.id, "author": note.author, "text": note.text, "at": _iso(note.at)}


def _preference_json(record: PreferenceRecord | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {
        "preference": record.preference,
        "source": record.source,
        "by": record.actor,
        "at": _iso(record.at),
        "heard": record.heard,
    }


# ---------------------------------------------------------------- session routes


async def login(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    body = await _json_object(request, frozenset({"username", "password"}))
    username = _text_field(body, "username", max_chars=MAX_USERNAME_CHARS)
    password = body.get("password")
    if not isinstance(password, str) or not password or len(password) > MAX_PASSWORD_CHARS:
        raise ApiError(400, "invalid_field", f"字段 password 应为 1 到 {MAX_PASSWORD_CHARS} 个字符")
    remote = request.remote or "unknown"
    wait = await services.throttle.blocked_for(username, remote)
    if wait is not None:
        await session_audit.login_failed(staff_audit(services), services.log_key, username, "api", blocked=True)
        minutes = max(1, math.ceil(wait / timedelta(minutes=1)))
        raise ApiError(
            429,
            "too_many_attempts",
            f"登录失败次数过多，请 {minutes} 分钟后再试",
            {hdrs.RETRY_AFTER: str(math.ceil(wait.total_seconds()))},
        )
    delay = await services.throttle.delay_for(username)
    if delay:
        await asyncio.sleep(delay.total_seconds())
    # A name no account could have never reaches the database (PostgreSQL refuses some characters).
    well_formed = USERNAME_PATTERN.fullmatch(username) is not None
    user = await services.users.authenticate(username, password) if well_formed else None
    if user is None or not user.active:
        await services.throttle.record_failure(username, remote)
        # The typed name may be a password typed into the wrong field: only a keyed tag of it is logged,
        # enough to see repeated attempts on one name, useless for reading the name back.
        log.info("staff login failed name_tag=%s", session_audit.name_tag(services.log_key, username))
        await session_audit.login_failed(staff_audit(services), services.log_key, username, "api")
        raise ApiError(401, "login_failed", "用户名或密码不正确")
    await services.throttle.clear(username, remote)
    if user.must_change_password:
        # An administrator reset the password: the person chooses a new one in the console first.
        raise ApiError(403, "password_change_required", "请先在工作台（/staff/）登录并设置新密码")
    # A fresh token on every login, so a token planted before login is worthless afterwards.
    old_token = request.cookies.get(COOKIE_NAME)
    if old_token:
        await services.sessions.revoke(old_token)
    token = await services.sessions.create(user.id)
    _audit(user, "login")
    await session_audit.logged_in(staff_audit(services), user, "api")
    response = _json(_user_json(user))
    response.set_cookie(
        COOKIE_NAME,
        token,
        path=COOKIE_PATH,
        httponly=True,
        samesite="Strict",
        secure=services.secure_cookies or request.secure,  # HTTPS here or, behind a trusted proxy, there
    )
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    token = request.cookies.get(COOKIE_NAME)
    if token:
        user = await session_user(services, token)
        await services.sessions.revoke(token)
        if user is not None:
            await session_audit.logged_out(staff_audit(services), user, "api")
    response = _json({"ok": True})
    response.del_cookie(
        COOKIE_NAME, path=COOKIE_PATH, secure=services.secure_cookies or request.secure, samesite="Strict"
    )
    return response


async def me(request: web.Request) -> web.StreamResponse:
    return _json(_user_json(await _current_user(request)))


async def openapi_document(request: web.Request) -> web.StreamResponse:
    return _json(build_openapi())


# ---------------------------------------------------------------- case routes


def _query_choice(request: web.Request, name: str, choices: frozenset[str] | tuple[str, ...]) -> str | None:
    values = request.query.getall(name, [])
    if not values:
        return None
    if len(values) > 1 or values[0] not in choices:
        raise ApiError(400, "invalid_query", f"查询参数 {name} 只能是：{'、'.join(sorted(choices))}")
    return values[0]


def _query_service(request: web.Request) -> str | None:
    values = request.query.getall("service", [])
    if not values:
        return None
    value = values[0]
    valid = value and len(value) <= MAX_SERVICE_CHARS and all(c.isascii() and (c.isalnum() or c == "-") for c in value)
    if len(values) > 1 or not valid:
        raise ApiError(400, "invalid_query", "查询参数 service 应为服务代码，如 rehab")
    return value


async def list_cases(request: web.Request) -> web.StreamResponse:
    user = await _current_user(request)
    unknown = request.query.keys() - _LIST_PARAMETERS
    if unknown:
        raise ApiError(400, "invalid_query", f"只接受这些查询参数：{'、'.join(sorted(_LIST_PARAMETERS))}")
    status = _query_choice(request, "status", _STATUSES)
    team = _query_choice(request, "team", TEAMS)
    service = _query_service(request)
    if team is not None:
        _require_team(user, team)
    query = _query_single(request, "q")
    cursor = _query_single(request, "cursor")
    summaries, next_cursor = await request.app[SERVICES].cases.page(
        status=status,
        team=team,
        service=service,
        teams_visible=visible_teams(user),
        query=query,
        limit=_query_limit(request),
        after=None if cursor is None else Cursor.decode(cursor),
    )
    preferences = await request.app[SERVICES].cases.contact_preferences([summary.id for summary in summaries])
    return _json(
        {
            "cases": [
                {**_summary_json(summary), "contact_preference": preferences.get(summary.id)} for summary in summaries
            ],
            "next_cursor": None if next_cursor is None else next_cursor.encode(),
        }
    )


def _query_single(request: web.Request, name: str) -> str | None:
    values = request.query.getall(name, [])
    if len(values) > 1:
        raise ApiError(400, "invalid_query", f"查询参数 {name} 只能给一次")
    return values[0] if values else None


def _query_limit(request: web.Request) -> int:
    raw = _query_single(request, "limit")
    if raw is None:
        return DEFAULT_LIST_LIMIT
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_LIST_LIMIT:
        raise ApiError(400, "invalid_query", f"查询参数 limit 应为 1 到 {MAX_LIST_LIMIT} 的整数")
    return int(raw)


async def get_case(request: web.Request) -> web.StreamResponse:
    user = await _current_user(request)
    summary = await _summary_for(request, user)
    services = request.app[SERVICES]
    detail = await services.cases.get(summary.id, actor=user.username)
    _audit(user, "view", summary.id)
    reach = await _reach(services, summary.channel, detail.user_ref)
    return _json({**_detail_json(detail), "reach": _reach_json(reach)})


async def message_audio(request: web.Request) -> web.StreamResponse:
    """The sound of a resident's voice message on the case, as MP3; each playing is audited."""
    user = await _current_user(request)
    summary = await _summary_for(request, user)
    services = request.app[SERVICES]
    raw = request.match_info["message"]
    missing = ApiError(404, "audio_not_found", "找不到这条语音")
    if services.audio is None or not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= _MAX_CASE_ID:
        raise missing
    # Read (and the reading audited) on every play, also when the MP3 is at hand: it may have been erased.
    clip = await services.audio.play(summary.id, int(raw), actor=user.username)
    if clip is None:
        services.playable.forget(summary.id, int(raw))
        raise missing
    data = services.playable.get(summary.id, int(raw))
    if data is None:
        try:
            data = await asyncio.to_thread(playable, clip)
        except AudioError as error:
            log.warning("staff api: stored voice not playable (%s)", error.kind)
            raise ApiError(422, "audio_unplayable", "这条语音无法播放") from None
        services.playable.conversions += 1
        services.playable.put(summary.id, int(raw), data)
    _audit(user, "play_audio", summary.id)
    return web.Response(body=data, content_type=AUDIO_TYPE, headers={"Content-Disposition": "inline"})


async def claim_case(request: web.Request) -> web.StreamResponse:
    user = await _current_user(request)
    summary = await _summary_for(request, user)
    claimed = await request.app[SERVICES].cases.claim(summary.id, staff=user)
    _audit(user, "claim", summary.id)
    await _notify(request.app[SERVICES], claimed, "claimed")
    return _json(_summary_json(claimed))


async def claim_next(request: web.Request) -> web.StreamResponse:
    user = await _current_user(request)
    team = request.match_info["team"]
    if team not in TEAMS:
        raise ApiError(400, "invalid_team", f"没有这个组；可选：{'、'.join(TEAMS)}")
    _require_team(user, team)
    claimed = await request.app[SERVICES].cases.claim_next(team, staff=user)
    if claimed is None:
        return web.Response(status=204)
    _audit(user, "claim_next", claimed.id)
    return _json(_summary_json(claimed))


async def _reach(services: _Services, channel: str, user_ref: str) -> Reach:
    return await services.replier.reach(channel, user_ref)


def _reach_json(reach: Reach) -> dict[str, Any]:
    closes = None if reach.closes_at is None else datetime.fromtimestamp(reach.closes_at, UTC).isoformat()
    return {"can_send": reach.can_send, "remaining": reach.remaining, "closes_at": closes, "reason": reach.reason}


async def _deliver(services: _Services, case_id: int, user: StaffUser, text: str) -> DeliveryResult:
    return await services.replier.deliver(case_id, user, text)


async def reply(request: web.Request) -> web.StreamResponse:
    """200 when the channel took the reply or refused it (``delivered`` says which); 202 when it waits for
    the resident to write again (``status: queued`` and the ``reason``)."""
    user = await _current_user(request)
    services = request.app[SERVICES]
    body = await _json_object(request, frozenset({"text", "await_resident"}))
    text = _text_field(body, "text", max_chars=MAX_TEXT_CHARS)
    await_resident = _bool_field(body, "await_resident")
    summary = await _summary_for(request, user)
    try:
        sent = await services.replier.reply(summary.id, staff=user, text=text, await_resident=await_resident)
    except CaseConflict as error:
        if error.code == "cannot_reach":
            _audit(user, "reply-refused", summary.id)
        raise
    _audit(user, "reply" if sent.status != QUEUED else "reply-queued", summary.id)
    answer = {
        "event_id": sent.event_id,
        "delivered": sent.delivered,
        "status": sent.status,
        "reason": sent.reason or None,
        "detail": sent.detail,
        "remaining": sent.remaining,
    }
    return _json(answer, status=202 if sent.status == QUEUED else 200)


async def _talk_opened(services: _Services, channel: str, user_ref: str) -> None:
    await services.replier.talk_opened(channel, user_ref)


async def hand_back(request: web.Request) -> web.StreamResponse:
    user = await _current_user(request)
    services = request.app[SERVICES]
    summary = await _summary_for(request, user)
    if services.talk is not None:
        await services.talk.conversations.hand_back(summary.id, staff=user)
    _audit(user, "handback", summary.id)
    return _json(_summary_json(await _case_summary(services.cases, summary.id)))


async def transfer(request: web.Request) -> web.StreamResponse:
    user = await _current_user(request)
    body = await _json_object(request, frozenset({"team", "reason"}))
    team = _choice_field(body, "team", TEAMS)
    reason = _text_field(body, "reason", max_chars=MAX_REASON_CHARS, required=False)
    summary = await _summary_for(request, user)
    moved = await request.app[SERVICES].cases.transfer(summary.id, staff=user, team=team, reason=reason)
    _audit(user, f"transfer:{team}", summary.id)
    return _json(_summary_json(moved))


async def resolve(request: web.Request) -> web.StreamResponse:
    user = await _current_user(request)
    body = await _json_object(request, frozenset({"outcome", "note", "tell_resident"}))
    outcome = _choice_field(body, "outcome", OUTCOMES)
    note = _text_field(body, "note", max_chars=MAX_TEXT_CHARS, required=False)
    tell_resident = _bool_field(body, "tell_resident")
    summary = await _summary_for(request, user)
    resolved = await request.app[SERVICES].cases.resolve(summary.id, staff=user, outcome=outcome, note=note)
    _audit(user, f"resolve:{outcome}", summary.id)
    await _notify(request.app[SERVICES], resolved, "resolved", outcome=outcome, note=note if tell_resident else "")
    return _json(_summary_json(resolved))


async def _notify(services: _Services, case: CaseSummary, what: str, *, outcome: str = "", note: str = "") -> None:
    """Tell the resident their case moved on, when the channel still lets us; the case records what happened.
    A resolve notice says what came of it, and the staff note when staff chose to send it. A failure here
    never undoes the staff action."""
    text = notice_text(services.notices, what, case.mode, case_id=case.id, outcome=outcome, note=note)
    if not text:
        return
    try:
        channel, user_ref = await services.cases.contact_of(case.id)
        reach = await services.delivery.reach(channel, user_ref)
        if not reach.can_send:
            result = DeliveryResult(ok=False, detail=reach.reason)
        else:
            result = await services.delivery.notify(channel, user_ref, text, mode=case.mode)
        kind = "notified" if result.ok else "notice_not_sent"
        await services.cases.record_event(
            case.id, kind=kind, actor="system", detail={"notice": what, "detail": result.detail}
        )
    except Exception:
        log.exception("staff api: notice %s for case %s failed", what, case.id)


async def add_note(request: web.Request) -> web.StreamResponse:
    user = await _current_user(request)
    body = await _json_object(request, frozenset({"text"}))
    text = _text_field(body, "text", max_chars=MAX_TEXT_CHARS)
    summary = await _summary_for(request, user)
    note = await request.app[SERVICES].cases.add_note(summary.id, staff=user, text=text)
    _audit(user, "note", summary.id)
    return _json(_note_json(note))


async def set_contact_preference(request: web.Request) -> web.StreamResponse:
    user = await _current_user(request)
    body = await _json_object(request, frozenset({"preference"}))
    if "preference" not in body:
        raise ApiError(400, "invalid_field", "字段 preference 不能缺少（不清楚时给 null）")
    preference = None if body["preference"] is None else _choice_field(body, "preference", PREFERENCES)
    summary = await _summary_for(request, user)
    record = await request.app[SERVICES].cases.set_contact_preference(summary.id, staff=user, preference=preference)
    _audit(user, "contact_preference", summary.id)
    return _json({"contact_preference": _preference_json(record)})


async def list_replies(request: web.Request) -> web.StreamResponse:
    await _current_user(request)
    return _json({"replies": [reply.to_json() for reply in request.app[SERVICES].canned_replies]})


# ---------------------------------------------------------------- the application


def create_staff_app(
    *,
    cases: CaseStore,
    users: StaffUserStore,
    sessions: StaffSessions,
    delivery: ReplyDelivery,
    throttle: LoginThrottle | None = None,
    secure_cookies: bool = False,
    notices: Mapping[str, str] | None = None,
    log_key: bytes | None = None,
    talk: StaffTalk | None = None,
    replies: ReplyQueue | None = None,
    audio: CaseAudioStore | None = None,
    canned_replies: Sequence[CannedReply] = (),
) -> web.Application:
    """The staff API; mount it with ``app.add_subapp("/staff/api", create_staff_app(...))``.

    ``throttle`` defaults to locking after 10 failed logins per username and address (30 per address)
    in 10 minutes, and slowing after 50 per username, kept in the same Redis as ``sessions``.
    ``replies`` keeps the replies a channel cannot take until the resident writes again; without it such a
    reply is refused (409 ``cannot_reach``).
    ``log_key`` keys the tags that stand for typed usernames in the log (give the secret key, so tags
    match across workers and restarts); by default a random key per app.
    """
    app = web.Application(middlewares=[count_requests, _errors, _post_guard])
    app[SERVICES] = _Services(
        cases=cases,
        users=users,
        sessions=sessions,
        throttle=throttle if throttle is not None else LoginThrottle(sessions.redis, prefix=sessions.prefix),
        delivery=delivery,
        secure_cookies=secure_cookies,
        notices=dict(notices or {}),
        log_key=log_key if log_key is not None else secrets.token_bytes(32),
        replier=Replier(cases, delivery, talk=talk, queue=replies),
        talk=talk,
        audio=audio,
        canned_replies=tuple(canned_replies),
    )
    app.router.add_routes(
        [
            web.post("/login", login),
            web.post("/logout", logout),
            web.get("/me", me, allow_head=False),
            web.get("/cases", list_cases, allow_head=False),
            web.get("/cases/{id}", get_case, allow_head=False),
            web.get("/cases/{id}/messages/{message}/audio", message_audio, allow_head=False),
            web.post("/cases/{id}/claim", claim_case),
            web.post("/cases/{id}/reply", reply),
            web.post("/cases/{id}/handback", hand_back),
            web.post("/cases/{id}/transfer", transfer),
            web.post("/cases/{id}/resolve", resolve),
            web.post("/cases/{id}/notes", add_note),
            web.post("/cases/{id}/contact-preference", set_contact_preference),
            web.get("/replies", list_replies, allow_head=False),
            web.post("/queues/{team}/next", claim_next),
            web.get("/openapi.json", openapi_document, allow_head=False),
        ]
    )
    return app
