"""Checks on what callers hand the case store, so that a bad value is an ``InvalidRequest`` with a
message for staff rather than a database error (PostgreSQL enforces column lengths and refuses NUL
characters; SQLite does neither, so both backends behave alike only if we check first)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.cases.errors import InvalidRequest
from bot.cases.types import MODES, TEAMS, CaseStatus, NewCase

STATUSES = frozenset(status.value for status in CaseStatus)
MAX_ACTOR_LENGTH = 64
MAX_KIND_LENGTH = 32


def check_text(value: str | None, *, code: str, message: str, max_length: int, required: bool = True) -> None:
    if value is None:
        if required:
            raise InvalidRequest(code, message)
        return
    if (required and not value.strip()) or len(value) > max_length or "\x00" in value:
        raise InvalidRequest(code, message)


def check_team(team: str) -> None:
    if team not in TEAMS:
        raise InvalidRequest("unknown_team", "没有这个组")


def check_teams(teams: Sequence[str]) -> None:
    # A lone string is a Sequence[str] too, and would be read letter by letter.
    if isinstance(teams, str):
        raise InvalidRequest("unknown_team", "组要以列表给出")
    for team in teams:
        check_team(team)


def check_status(status: str) -> None:
    if status not in STATUSES:
        raise InvalidRequest("unknown_status", "没有这个状态")


def check_actor(actor: str) -> None:
    check_text(actor, code="bad_actor", message="操作人不正确", max_length=MAX_ACTOR_LENGTH)


def check_new_case(new: NewCase) -> None:
    check_team(new.team)
    if new.mode not in MODES:
        raise InvalidRequest("unknown_mode", "没有这种使用方式")
    check_text(new.idempotency_key, code="bad_idempotency_key", message="申请编号不正确", max_length=200)
    check_text(new.service, code="bad_service", message="服务项目不正确", max_length=64)
    check_text(new.channel, code="bad_channel", message="来源渠道不正确", max_length=32)
    check_text(new.user_ref, code="bad_user_ref", message="居民账号不正确", max_length=128)
    check_text(new.district, code="bad_district", message="城区不正确", max_length=64, required=False)
    check_text(new.summary, code="bad_summary", message="申请摘要不正确", max_length=2000)
    if new.proxy is not None:
        check_text(new.proxy.relationship, code="bad_proxy", message="代办人关系不正确", max_length=32)
