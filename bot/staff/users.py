"""Staff accounts: creation with validation, password login, activation."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from functools import cache

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.errors import CaseConflict, CaseNotFound, InvalidRequest
from bot.cases.models import StaffUserRow
from bot.cases.types import ROLES, TEAMS, StaffUser
from bot.security.passwords import hash_password, needs_rehash, verify_password

USERNAME_PATTERN = re.compile(r"[a-zA-Z0-9_.-]{3,40}")
MIN_PASSWORD_LENGTH = 10
# Bounds the work one login attempt can cause.
MAX_PASSWORD_LENGTH = 256


class UserExists(CaseConflict):
    """The username is taken."""


class UserNotFound(CaseNotFound):
    """No staff account has this id."""


class StaffUserStore:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessionmaker

    async def add(
        self, username: str, password: str, role: str, teams: Sequence[str], *, must_change_password: bool = False
    ) -> StaffUser:
        """A new active account; with ``must_change_password`` the person chooses their own at first login."""
        _check_username(username)
        _check_password(password)
        _check_role_and_teams(role, teams)
        row = StaffUserRow(
            username=username,
            password_hash=await asyncio.to_thread(hash_password, password),
            role=role,
            teams=list(dict.fromkeys(teams)),
            active=True,
            must_change_password=must_change_password,
        )
        try:
            async with self._sessions.begin() as session:
                session.add(row)
        except IntegrityError:
            raise UserExists("user_exists", f"用户名 {username} 已经有人用了") from None
        return _staff_user(row)

    async def authenticate(self, username: str, password: str) -> StaffUser | None:
        """The active user with this password, else None; similar time whether or not the user exists."""
        if len(password) > MAX_PASSWORD_LENGTH:
            return None
        row = None
        if USERNAME_PATTERN.fullmatch(username) is not None:
            async with self._sessions() as session:
                row = await session.scalar(select(StaffUserRow).where(StaffUserRow.username == username))
        # Argon2 takes a fifth of a second on purpose: never on the event loop.
        if row is None:
            await asyncio.to_thread(verify_password, _dummy_hash(), password)
            return None
        if not await asyncio.to_thread(verify_password, row.password_hash, password) or not row.active:
            return None
        if needs_rehash(row.password_hash):
            await self._store_hash(row.id, await asyncio.to_thread(hash_password, password))
        return _staff_user(row)

    async def get(self, user_id: int) -> StaffUser | None:
        async with self._sessions() as session:
            row = await session.get(StaffUserRow, user_id)
        return None if row is None else _staff_user(row)

    async def set_active(self, user_id: int, active: bool) -> StaffUser:
        async with self._sessions.begin() as session:
            row = await session.get(StaffUserRow, user_id)
            if row is None:
                raise UserNotFound("user_not_found", "找不到这个工作人员账号")
            row.active = active
        return _staff_user(row)

    async def all(self) -> list[StaffUser]:
        """Every account, disabled ones too (accounts are never deleted: the audit names them), by name."""
        async with self._sessions() as session:
            rows = (await session.scalars(select(StaffUserRow).order_by(StaffUserRow.username))).all()
        return [_staff_user(row) for row in rows]

    async def set_role(self, user_id: int, role: str, teams: Sequence[str]) -> StaffUser:
        _check_role_and_teams(role, teams)
        async with self._sessions.begin() as session:
            row = await self._row(session, user_id)
            row.role = role
            row.teams = list(dict.fromkeys(teams))
        return _staff_user(row)

    async def set_password(self, user_id: int, password: str, *, must_change: bool) -> StaffUser:
        """A new password under the same rules as a new account's. An administrator's reset sets
        ``must_change``; the person's own choice clears it."""
        _check_password(password)
        password_hash = await asyncio.to_thread(hash_password, password)
        async with self._sessions.begin() as session:
            row = await self._row(session, user_id)
            row.password_hash = password_hash
            row.must_change_password = must_change
        return _staff_user(row)

    async def _row(self, session: AsyncSession, user_id: int) -> StaffUserRow:
        row = await session.get(StaffUserRow, user_id)
        if row is None:
            raise UserNotFound("user_not_found", "找不到这个工作人员账号")
        return row

    async def _store_hash(self, user_id: int, password_hash: str) -> None:
        async with self._sessions.begin() as session:
            row = await session.get(StaffUserRow, user_id)
            if row is not None:
                row.password_hash = password_hash


@cache
def _dummy_hash() -> str:
    return hash_password("not a real password, only spends the time a real check would")


def _check_username(username: str) -> None:
    if USERNAME_PATTERN.fullmatch(username) is None:
        raise InvalidRequest("bad_username", "用户名要 3 到 40 个字符，只能用英文字母、数字和 _ . -")


def _check_role_and_teams(role: str, teams: Sequence[str]) -> None:
    if role not in ROLES:
        raise InvalidRequest("unknown_role", f"角色只能是：{'、'.join(ROLES)}")
    if isinstance(teams, str):
        raise InvalidRequest("unknown_team", "组要以列表给出")
    unknown = [team for team in teams if team not in TEAMS]
    if unknown:
        raise InvalidRequest("unknown_team", f"没有这个组：{'、'.join(unknown)}；可选：{'、'.join(TEAMS)}")


def _check_password(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidRequest("bad_password", f"密码要 {MIN_PASSWORD_LENGTH} 到 {MAX_PASSWORD_LENGTH} 个字符")


def _staff_user(row: StaffUserRow) -> StaffUser:
    return StaffUser(row.id, row.username, row.role, tuple(row.teams), row.active, bool(row.must_change_password))
