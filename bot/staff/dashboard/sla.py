"""The service's own working times per team (``content/sla.yaml``): how long a case may stay open before it
counts as past due, and how soon an urgent case must be claimed. These are the 残联's internal service levels
for this service, not deadlines set by any policy, and are shown to staff as such; the numbers in the file
are placeholders until the 残联 confirms them.

Read at start-up (``use``) or, where nothing did so (a tool, a test), from the content folder on first use;
a missing file or a bad value stops start-up with a message naming the file and the key, like the rest of
the content.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import yaml

from bot.cases.types import TEAMS
from bot.config import load_settings
from dialogs.loader import ContentError, ContentProblem

FILE_NAME = "sla.yaml"
_MAX_DUE_DAYS = 365
_MAX_CLAIM_MINUTES = 24 * 60
_FIELDS = {"due_days": (1, _MAX_DUE_DAYS), "urgent_claim_minutes": (1, _MAX_CLAIM_MINUTES)}


class SlaError(ContentError):
    """The file is missing, is not YAML, or has a bad value; names the file and the key."""

    def __init__(self, path: Path, place: str, problem: str) -> None:
        super().__init__([ContentProblem(str(path), place, problem)])


@dataclass(frozen=True)
class TeamTimes:
    due_within: timedelta
    urgent_claim_within: timedelta


@dataclass(frozen=True)
class SlaRules:
    default: TeamTimes
    teams: dict[str, TeamTimes] = field(default_factory=dict)

    def due_within(self, team: str) -> timedelta:
        return self.teams.get(team, self.default).due_within

    def urgent_claim_within(self, team: str) -> timedelta:
        return self.teams.get(team, self.default).urgent_claim_within

    @property
    def shortest_due(self) -> timedelta:
        return min(times.due_within for times in (self.default, *self.teams.values()))

    @property
    def shortest_urgent_claim(self) -> timedelta:
        return min(times.urgent_claim_within for times in (self.default, *self.teams.values()))


def load_sla(content_dir: Path) -> SlaRules:
    path = content_dir / FILE_NAME
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise SlaError(path, "file", f"cannot be read ({type(error).__name__})") from None
    if not isinstance(data, dict) or set(data) - {"default", "teams"}:
        raise SlaError(path, "file", "should be a mapping with 'default' and 'teams' only")
    default = _times(path, "default", data.get("default"), None)
    teams = data.get("teams") or {}
    if not isinstance(teams, dict):
        raise SlaError(path, "teams", "should be a mapping of team to its times")
    found = {}
    for team, times in teams.items():
        if team not in TEAMS:
            raise SlaError(path, f"teams.{team}", f"is not a team (the teams are: {', '.join(TEAMS)})")
        found[str(team)] = _times(path, f"teams.{team}", times, default)
    return SlaRules(default, found)


def _times(path: Path, place: str, value: object, default: TeamTimes | None) -> TeamTimes:
    if not isinstance(value, dict):
        raise SlaError(path, place, "should be a mapping with due_days and urgent_claim_minutes")
    unknown = set(value) - set(_FIELDS)
    if unknown:
        raise SlaError(path, f"{place}.{sorted(unknown)[0]}", "is not known (use due_days or urgent_claim_minutes)")
    numbers: dict[str, int] = {}
    for name, (low, high) in _FIELDS.items():
        number = value.get(name)
        if number is None and default is not None:
            continue
        if isinstance(number, bool) or not isinstance(number, int) or not low <= number <= high:
            raise SlaError(path, f"{place}.{name}", f"should be a whole number from {low} to {high}")
        numbers[name] = number
    return TeamTimes(
        timedelta(days=numbers["due_days"]) if "due_days" in numbers else _of(default).due_within,
        timedelta(minutes=numbers["urgent_claim_minutes"])
        if "urgent_claim_minutes" in numbers
        else _of(default).urgent_claim_within,
    )


def _of(default: TeamTimes | None) -> TeamTimes:
    assert default is not None  # a field is only left out where a default exists
    return default


_active: SlaRules | None = None


def use(rules: SlaRules) -> None:
    """The working times every part of this process applies from now on (start-up, tests)."""
    global _active
    _active = rules


def rules() -> SlaRules:
    if _active is None:
        use(load_sla(load_settings().effective_content_dir))
    assert _active is not None
    return _active


def due_within(team: str) -> timedelta:
    return rules().due_within(team)


def urgent_claim_within(team: str) -> timedelta:
    return rules().urgent_claim_within(team)
