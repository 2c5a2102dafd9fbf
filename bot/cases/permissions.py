"""Who may act on a case: the rules the case store applies, under the case's row lock, to every staff action.

A claimed case belongs to its claimer. A supervisor or admin may step in; the event then says so, so the
audit trail never shows one person's work under another's claim without a word.
"""

from __future__ import annotations

from typing import Literal

from bot.cases.errors import CaseConflict, CaseForbidden
from bot.cases.types import TEAMS, CaseStatus, StaffUser

Action = Literal["reply", "transfer", "resolve"]

SUPERVISING_ROLES = frozenset({"admin", "supervisor"})
# The hotline takes first contact and sorts requests: its agents may send a case to any team, other
# agents send a case back to the hotline or to another team of their own.
TRIAGE_TEAM = "hotline"
_FINISHED = (CaseStatus.RESOLVED, CaseStatus.CLOSED)
_NEEDS_CLAIM: dict[Action, str] = {
    "reply": "请先认领这个申请再回复",
    "resolve": "请先认领这个申请再办结",
}


def supervises(staff: StaffUser) -> bool:
    return staff.role in SUPERVISING_ROLES


def visible_teams(staff: StaffUser) -> tuple[str, ...] | None:
    """The teams whose cases ``staff`` may see and take; None means every team."""
    return None if supervises(staff) else staff.teams


def may_see_team(staff: StaffUser, team: str) -> bool:
    visible = visible_teams(staff)
    return visible is None or team in visible


def check_visible(staff: StaffUser, team: str) -> None:
    if not may_see_team(staff, team):
        raise CaseForbidden("forbidden", "只能处理本组的申请")


def check_action(staff: StaffUser, action: Action, *, team: str, status: str, claimed_by: int | None) -> dict[str, str]:
    """Raise unless ``staff`` may do ``action`` now; returns what the event must add about who acted.

    Order matters for the answer staff see: a finished case says so (not "claim it first").
    """
    check_visible(staff, team)
    if status in _FINISHED:
        raise CaseConflict("case_resolved", "这个申请已经办结")
    if claimed_by is None:
        if action in _NEEDS_CLAIM:
            raise CaseConflict("not_claimed", _NEEDS_CLAIM[action])
        return {}
    if claimed_by == staff.id:
        return {}
    if supervises(staff):
        return {"acting_as": staff.role}
    raise CaseForbidden("claimed_by_other", "这个申请已由其他人认领，只有认领人、组长或管理员可以处理")


def transfer_targets(staff: StaffUser) -> tuple[str, ...]:
    if supervises(staff) or TRIAGE_TEAM in staff.teams:
        return TEAMS
    return tuple(team for team in TEAMS if team == TRIAGE_TEAM or team in staff.teams)


def check_transfer_target(staff: StaffUser, team: str) -> None:
    allowed = transfer_targets(staff)
    if team not in allowed:
        names = "、".join(allowed)
        raise CaseForbidden("transfer_not_allowed", f"您只能把申请转给这些组：{names}")
