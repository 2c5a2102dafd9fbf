"""Staff accounts (``账号``, administrators only): create, change role and teams, reset a password (the
person chooses a new one at next login), disable and enable again. Accounts are never deleted: the audit
names them. Every change is recorded in the staff audit, never with a password. Also each person's own
password change, under the same rules and the same failed-login throttle as logging in."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web

from bot.cases.errors import CaseError
from bot.cases.types import ROLES, TEAMS, StaffUser
from bot.staff import session_audit
from bot.staff.console.guard import check_csrf
from bot.staff.console.pages import Refusal, form_choice, nav, render, require_user, see_other, services
from bot.staff.console.reports import audit_of
from bot.staff.console.stats import require_role
from bot.staff.openapi import MAX_PASSWORD_CHARS
from bot.staff.users import MIN_PASSWORD_LENGTH, USERNAME_PATTERN

log = logging.getLogger(__name__)

ADMIN = frozenset({"admin"})
_DONE = {
    "created": "账号已建好。请把初始密码当面或电话告诉本人，本人第一次登录时要改成自己的密码。",
    "role": "角色和组已保存。",
    "reset": "密码已重设。请把新密码告诉本人，本人下次登录时要改成自己的密码。",
    "disabled": "账号已停用，这个人不能再登录。",
    "enabled": "账号已重新启用。",
}


def _account_id(request: web.Request) -> int:
    raw = request.match_info["id"]
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= 2**31 - 1:
        raise Refusal(404, "找不到这个账号。")
    return int(raw)


async def _account(request: web.Request) -> StaffUser:
    found = await services(request).users.get(_account_id(request))
    if found is None:
        raise Refusal(404, "找不到这个账号。")
    return found


async def _password(request: web.Request, name: str) -> str:
    value = (await request.post()).get(name)
    if not isinstance(value, str) or not MIN_PASSWORD_LENGTH <= len(value) <= MAX_PASSWORD_CHARS:
        raise Refusal(400, f"密码要 {MIN_PASSWORD_LENGTH} 到 {MAX_PASSWORD_CHARS} 个字符。")
    return value


async def _teams(request: web.Request) -> list[str]:
    chosen = [value for value in (await request.post()).getall("teams", []) if isinstance(value, str)]
    if any(team not in TEAMS for team in chosen):
        raise Refusal(400, "选的组不对。")
    return chosen


def _refused(error: CaseError) -> Refusal:
    return Refusal(409 if error.code == "user_exists" else 400, error.message + "。")


async def accounts_page(request: web.Request) -> web.StreamResponse:
    user = await require_role(request, ADMIN)
    return render(
        request,
        "accounts.html",
        accounts=await services(request).users.all(),
        roles=ROLES,
        min_password=MIN_PASSWORD_LENGTH,
        notice=_DONE.get(request.query.get("done", "")),
        **nav(request, user, "accounts"),
    )


async def create_account(request: web.Request) -> web.StreamResponse:
    await check_csrf(request)
    user = await require_role(request, ADMIN)
    form = await request.post()
    username = form.get("username")
    if not isinstance(username, str) or USERNAME_PATTERN.fullmatch(username.strip()) is None:
        raise Refusal(400, "用户名要 3 到 40 个字符，只能用英文字母、数字和 _ . -。")
    username = username.strip()
    password = await _password(request, "password")
    role = await form_choice(request, "role", ROLES, "请选择角色。")
    teams = await _teams(request)
    try:
        made = await services(request).users.add(username, password, role, teams, must_change_password=True)
    except CaseError as error:
        raise _refused(error) from None
    await audit_of(request).record(
        user.username, "account_created", {"username": made.username, "role": role, "teams": teams}
    )
    log.info("staff action=account_created staff=%s", user.username)
    return see_other(f"/staff/accounts/{made.id}?done=created")


async def account_page(request: web.Request) -> web.StreamResponse:
    user = await require_role(request, ADMIN)
    account = await _account(request)
    return render(
        request,
        "account.html",
        account=account,
        roles=ROLES,
        min_password=MIN_PASSWORD_LENGTH,
        notice=_DONE.get(request.query.get("done", "")),
        **nav(request, user, "accounts"),
    )


async def change_role(request: web.Request) -> web.StreamResponse:
    await check_csrf(request)
    user = await require_role(request, ADMIN)
    account = await _account(request)
    role = await form_choice(request, "role", ROLES, "请选择角色。")
    teams = await _teams(request)
    if account.id == user.id and role != "admin":
        raise Refusal(400, "不能取消自己的管理员角色，请让另一位管理员来改。")
    await services(request).users.set_role(account.id, role, teams)
    detail = {"username": account.username, "role": role, "teams": teams, "was": [account.role, list(account.teams)]}
    await audit_of(request).record(user.username, "account_role", detail)
    return see_other(f"/staff/accounts/{account.id}?done=role")


async def reset_password(request: web.Request) -> web.StreamResponse:
    await check_csrf(request)
    user = await require_role(request, ADMIN)
    account = await _account(request)
    password = await _password(request, "password")
    await services(request).users.set_password(account.id, password, must_change=True)
    await audit_of(request).record(user.username, "password_reset", {"username": account.username})
    return see_other(f"/staff/accounts/{account.id}?done=reset")


async def set_active(request: web.Request) -> web.StreamResponse:
    await check_csrf(request)
    user = await require_role(request, ADMIN)
    account = await _account(request)
    active = await form_choice(request, "active", ("yes", "no"), "请选择启用还是停用。") == "yes"
    if account.id == user.id and not active:
        raise Refusal(400, "不能停用自己的账号。")
    await services(request).users.set_active(account.id, active)
    action = "account_enabled" if active else "account_disabled"
    await audit_of(request).record(user.username, action, {"username": account.username})
    return see_other(f"/staff/accounts/{account.id}?done={'enabled' if active else 'disabled'}")


# ---------------------------------------------------------------- one's own password


async def password_page(request: web.Request) -> web.StreamResponse:
    user = await require_user(request)
    return render(request, "password.html", min_password=MIN_PASSWORD_LENGTH, **nav(request, user, "password"))


async def change_password(request: web.Request) -> web.StreamResponse:
    await check_csrf(request)
    user = await require_user(request)
    found = services(request)
    remote = request.remote or "unknown"
    if await found.throttle.blocked_for(user.username, remote) is not None:
        raise Refusal(429, "密码输错次数过多，请过一会儿再试。")
    current = (await request.post()).get("current")
    if not isinstance(current, str) or len(current) > MAX_PASSWORD_CHARS:
        raise Refusal(400, "请输入现在的密码。")
    new = await _password(request, "new")
    if (await request.post()).get("again") != new:
        raise Refusal(400, "两次输入的新密码不一样。")
    if new == current:
        raise Refusal(400, "新密码不能和现在的一样。")
    delay = await found.throttle.delay_for(user.username)
    if delay:
        await asyncio.sleep(delay.total_seconds())
    if await found.users.authenticate(user.username, current) is None:
        await found.throttle.record_failure(user.username, remote)
        await session_audit.password_change_failed(audit_of(request), user)
        raise Refusal(400, "现在的密码不对。")
    await found.users.set_password(user.id, new, must_change=False)
    await audit_of(request).record(user.username, "password_changed", {})
    return see_other("/staff/?done=password")


def routes() -> list[Any]:
    return [
        web.get("/accounts", accounts_page, allow_head=False),
        web.post("/accounts", create_account),
        web.get("/accounts/{id}", account_page, allow_head=False),
        web.post("/accounts/{id}/role", change_role),
        web.post("/accounts/{id}/password", reset_password),
        web.post("/accounts/{id}/active", set_active),
        web.get("/password", password_page, allow_head=False),
        web.post("/password", change_password),
    ]
