"""The service's own working times per team: how long a case may stay open before it counts as past due,
and how soon an urgent case must be claimed. These are the 残联's internal service levels for this
service, not deadlines set by any policy, and are shown to staff as such."""

from __future__ import annotations

from datetime import timedelta

URGENT_CLAIM_WITHIN = timedelta(minutes=15)
# The hotline sorts first contacts within a working day; the other teams answer within a week.
DUE_WITHIN: dict[str, timedelta] = {
    "hotline": timedelta(days=1),
    "subsidy": timedelta(days=7),
    "rehab": timedelta(days=7),
    "legal": timedelta(days=7),
    "employment": timedelta(days=7),
}
DEFAULT_DUE_WITHIN = timedelta(days=7)


def due_within(team: str) -> timedelta:
    return DUE_WITHIN.get(team, DEFAULT_DUE_WITHIN)
