"""Logins, logouts, failed logins and password changes in the staff audit (``staff_audit``), from the JSON API
and the console alike. Never a password; a failed login records only a keyed tag of the typed name (the name
may be a password typed into the wrong field): enough to see repeated attempts on one name, useless for
reading the name back. Recording never stops anyone logging in or out: a failure is logged instead."""

from __future__ import annotations

import hashlib
import hmac
import logging

from bot.cases.types import StaffUser
from bot.staff.audit import StaffAudit

LOGIN = "login"
LOGIN_FAILED = "login_failed"
LOGOUT = "logout"
# The actor of a failed login: no account can be named so (``USERNAME_PATTERN``), so it is never taken for one.
NOBODY = "(未登录)"

log = logging.getLogger(__name__)


def name_tag(key: bytes, username: str) -> str:
    return hmac.new(key, b"staff-login-name:" + username.encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:16]


async def logged_in(audit: StaffAudit, user: StaffUser, via: str) -> None:
    await _record(audit, user.username, LOGIN, {"via": via})


async def login_failed(audit: StaffAudit, key: bytes, typed_name: str, via: str, *, blocked: bool = False) -> None:
    """``blocked``: refused by the throttle before the password was even checked."""
    detail: dict[str, object] = {"via": via, "name_tag": name_tag(key, typed_name)}
    if blocked:
        detail["blocked"] = True
    await _record(audit, NOBODY, LOGIN_FAILED, detail)


async def logged_out(audit: StaffAudit, user: StaffUser, via: str) -> None:
    await _record(audit, user.username, LOGOUT, {"via": via})


async def password_change_failed(audit: StaffAudit, user: StaffUser) -> None:
    await _record(audit, user.username, "password_change_failed", {})


async def _record(audit: StaffAudit, actor: str, action: str, detail: dict[str, object]) -> None:
    try:
        await audit.record(actor, action, detail)
    except Exception:
        log.exception("staff audit: %s not recorded", action)
